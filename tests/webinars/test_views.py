"""Webinar pages: lists, registration, permissions, forms, registrants and CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from school import services as accounts
from school.extensions import db
from school.models import Notification
from tests.conftest import PASSWORD
from tests.webinars.test_services import make_webinar, statuses, webinar_data
from webinars import services
from webinars.models import Webinar, WebinarRegistration, WebinarStatus

EN = {"Accept-Language": "en"}
JOIN = "https://meet.example.org/room-1"


def text(response) -> str:
    return response.get_data(as_text=True)


def form_values(webinar: Webinar, **changes) -> dict:
    """The edit form's fields for ``webinar`` as a browser would send them."""
    data = services.WebinarData.from_webinar(webinar)
    values = {
        "title": data.title,
        "series": data.series or "",
        "summary": data.summary,
        "presenters": data.presenters,
        "start_date": data.start_date.isoformat(),
        "start_time": data.start_time.strftime("%H:%M"),
        "timezone": data.timezone,
        "duration_minutes": str(data.duration_minutes),
        "capacity": "" if data.capacity is None else str(data.capacity),
        "join_url": data.join_url or "",
        "recording_url": data.recording_url or "",
        "materials": data.materials or "",
        "instructors": ", ".join(data.instructors or []),
    }
    values.update(changes)
    return values


def new_form(**changes) -> dict:
    data = webinar_data()
    values = {
        "title": "Если вас пригласили на беседу",
        "series": "",
        "summary": "Чем **беседа** отличается от допроса.",
        "presenters": "Марина Ковалёва",
        "start_date": data.start_date.isoformat(),
        "start_time": "19:00",
        "timezone": "Europe/Moscow",
        "duration_minutes": "60",
        "capacity": "",
        "join_url": JOIN,
        "recording_url": "",
        "materials": "",
        "instructors": "",
    }
    values.update(changes)
    return values


@pytest.fixture
def owner(make_user):
    return make_user("instructor", username="teacher")


# --- public pages ---------------------------------------------------------------------------


def test_anonymous_visitors_see_the_schedule_but_never_the_join_link(client, owner):
    webinar = make_webinar(owner, capacity=10)
    make_webinar(
        owner, timedelta(days=-10), title="Прошедший", recording_url="https://v.example.org/1"
    )
    index = client.get("/webinars/", headers=EN)
    assert index.status_code == 200 and webinar.title in text(index)
    assert "10 places left of 10" in text(index)
    assert "Прошедший" not in text(index)
    page = client.get(f"/webinars/{webinar.id}", headers=EN)
    assert page.status_code == 200
    assert "Log in to register" in text(page)
    for url in ("/webinars/", f"/webinars/{webinar.id}", "/webinars/past", "/webinars.ics",
                f"/webinars/{webinar.id}.ics", "/webinars/feed.atom"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert "meet.example.org" not in text(response), url
    past = client.get("/webinars/past", headers=EN)
    assert "Прошедший" in text(past) and "https://v.example.org/1" in text(past)


def test_lists_are_paginated_and_upcoming_is_soonest_first(client, owner):
    for day in range(25, 0, -1):
        make_webinar(owner, timedelta(days=day), title=f"Вебинар {day:02d}")
    first = text(client.get("/webinars/"))
    titles = re.findall(r"Вебинар (\d\d)", first)
    assert titles == [f"{d:02d}" for d in range(1, 21)]
    second = text(client.get("/webinars/?page=2"))
    assert re.findall(r"Вебинар (\d\d)", second) == [f"{d:02d}" for d in range(21, 26)]
    assert client.get("/webinars/?page=99").status_code == 200
    for day in range(1, 23):
        make_webinar(owner, timedelta(days=-day), title=f"Архив {day:02d}")
    past = text(client.get("/webinars/past"))
    assert re.findall(r"Архив (\d\d)", past)[:2] == ["01", "02"]
    assert "Архив 22" in text(client.get("/webinars/past?page=2"))


def test_drafts_and_cancelled_webinars_are_hidden_from_students(client, login, owner):
    draft = make_webinar(owner, status=WebinarStatus.DRAFT, title="Черновик")
    cancelled = make_webinar(owner, title="Отменённый")
    services.cancel_webinar(cancelled.id)
    student = login()
    for webinar in (draft, cancelled):
        # A cancelled webinar's page says so (410, below); its file and the rest are gone.
        urls = [f"/webinars/{webinar.id}.ics"]
        if webinar is draft:
            urls.append(f"/webinars/{webinar.id}")
        for url in urls:
            assert client.get(url).status_code == 404
            assert student.get(url).status_code == 404
        assert student.post(f"/webinars/{webinar.id}/register").status_code == 404
    assert client.get(f"/webinars/{cancelled.id}").status_code == 410
    assert student.get(f"/webinars/{cancelled.id}").status_code == 410
    listing = text(student.get("/webinars/"))
    assert "Черновик" not in listing and "Отменённый" not in listing
    editor = login(user=owner)
    assert editor.get(f"/webinars/{draft.id}").status_code == 200
    assert editor.get(f"/webinars/{cancelled.id}").status_code == 200
    assert client.get("/webinars/12345").status_code == 404


# --- registration ---------------------------------------------------------------------------


def test_register_cancel_and_the_join_link(login, owner):
    webinar = make_webinar(owner, capacity=1)
    first, second = login(), login()
    response = first.post(f"/webinars/{webinar.id}/register", headers=EN)
    assert response.status_code == 302
    page = text(first.get(f"/webinars/{webinar.id}", headers=EN))
    assert "You are registered" in page and JOIN in page

    second.post(f"/webinars/{webinar.id}/register", headers=EN)
    waiting = text(second.get(f"/webinars/{webinar.id}", headers=EN))
    assert "number 1 on the waiting list" in waiting and JOIN not in waiting

    first.post(f"/webinars/{webinar.id}/unregister", headers=EN)
    assert JOIN not in text(first.get(f"/webinars/{webinar.id}"))
    promoted = text(second.get(f"/webinars/{webinar.id}", headers=EN))
    assert "You are registered" in promoted and JOIN in promoted


def test_anonymous_registration_goes_to_login(client, owner):
    webinar = make_webinar(owner)
    response = client.post(f"/webinars/{webinar.id}/register")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(WebinarRegistration.id))) == 0


def test_no_registration_after_the_start(login, owner):
    webinar = make_webinar(owner, timedelta(minutes=-5))
    student = login()
    page = text(student.get(f"/webinars/{webinar.id}", headers=EN))
    assert (
        "Registration has closed" in page
        and 'action="/webinars/'
        not in page.split("Registration has closed")[1].split("</section>")[0]
    )
    response = student.post(f"/webinars/{webinar.id}/register", headers=EN, follow_redirects=True)
    assert "already started" in text(response)
    assert statuses(webinar.id) == {}


def test_my_webinars_lists_cancelled_and_withdrawn_ones_marked(login, owner):
    student = login()
    kept = make_webinar(owner, title="Остаётся")
    dropped = make_webinar(owner, title="Отменят")
    withdrawn = make_webinar(owner, title="Снимут")
    for webinar in (kept, dropped, withdrawn):
        student.post(f"/webinars/{webinar.id}/register")
    services.cancel_webinar(dropped.id)
    services.unpublish(withdrawn.id)
    page = text(student.get("/webinars/mine", headers=EN))
    assert "Остаётся" in page and "Отменят" in page and "Снимут" in page
    assert page.count("has been cancelled") == 1 and "Withdrawn" in page
    # The cancelled one is listed, not linked: its page is gone for students.
    assert f'href="/webinars/{dropped.id}"' not in page
    assert f'href="/webinars/{kept.id}"' in page
    # Leaving a cancelled webinar from the list works.
    response = student.post(f"/webinars/{dropped.id}/unregister", data={"next": "/webinars/mine"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/webinars/mine")


def test_home_page_shows_my_next_webinars(login, owner):
    student = login()
    webinar = make_webinar(owner, title="Мой следующий вебинар")
    student.post(f"/webinars/{webinar.id}/register")
    home = text(student.get("/"))
    assert "Мой следующий вебинар" in home and f"/webinars/{webinar.id}" in home


# --- permissions ----------------------------------------------------------------------------

EDIT_GETS = ("/edit", "/registrants", "/registrants.csv")
EDIT_POSTS = ("/publish", "/unpublish", "/cancel", "/restore", "/delete")


def test_students_get_403_on_every_edit_route(login, owner):
    webinar = make_webinar(owner)
    student = login()
    assert student.get("/webinars/new").status_code == 403
    assert student.get("/webinars/manage").status_code == 403
    for suffix in EDIT_GETS:
        assert student.get(f"/webinars/{webinar.id}{suffix}").status_code == 403
    for suffix in (*EDIT_POSTS, "/edit"):
        assert student.post(f"/webinars/{webinar.id}{suffix}").status_code == 403
    assert db.session.get(Webinar, webinar.id).is_published


def test_other_instructors_get_403(login, owner):
    webinar = make_webinar(owner)
    other = login("instructor")
    for suffix in EDIT_GETS:
        assert other.get(f"/webinars/{webinar.id}{suffix}").status_code == 403
    for suffix in (*EDIT_POSTS, "/edit"):
        assert other.post(f"/webinars/{webinar.id}{suffix}").status_code == 403
    page = text(other.get(f"/webinars/{webinar.id}"))
    assert JOIN not in page and "/edit" not in page
    assert webinar.title not in text(other.get("/webinars/manage"))


def test_anonymous_users_are_sent_to_login_for_edit_routes(client, owner):
    webinar = make_webinar(owner)
    for url in ("/webinars/new", f"/webinars/{webinar.id}/edit", "/webinars/mine",
                f"/webinars/{webinar.id}/registrants"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    response = client.post(f"/webinars/{webinar.id}/cancel")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.get(Webinar, webinar.id).is_published


def test_co_instructors_and_admins_may_edit_and_see_the_join_link(login, make_user, owner):
    colleague = make_user("instructor", username="colleague")
    webinar = make_webinar(owner, instructors=["colleague"])
    for client in (login(user=colleague), login("admin")):
        assert client.get(f"/webinars/{webinar.id}/edit").status_code == 200
        assert JOIN in text(client.get(f"/webinars/{webinar.id}"))


def test_state_changes_are_posts_only(login, owner):
    webinar = make_webinar(owner, status=WebinarStatus.DRAFT)
    editor = login(user=owner)
    assert editor.get(f"/webinars/{webinar.id}/publish").status_code == 405
    assert editor.post(f"/webinars/{webinar.id}/publish").status_code == 302
    assert db.session.get(Webinar, webinar.id).is_published
    editor.post(f"/webinars/{webinar.id}/cancel", data={"reason": "Ведущий заболел."})
    assert db.session.get(Webinar, webinar.id).is_cancelled
    editor.post(f"/webinars/{webinar.id}/restore")
    assert db.session.get(Webinar, webinar.id).is_published
    editor.post(f"/webinars/{webinar.id}/unpublish")
    editor.post(f"/webinars/{webinar.id}/delete")
    assert db.session.scalar(select(func.count(Webinar.id))) == 0


def test_forms_need_a_csrf_token(app_config, request):
    app_config["WTF_CSRF_ENABLED"] = True
    app = request.getfixturevalue("app")
    instructor = request.getfixturevalue("make_user")("instructor")
    webinar = make_webinar(instructor, status=WebinarStatus.DRAFT)
    client = app.test_client()
    page = text(client.get("/login"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"username": instructor.username, "password": PASSWORD, "csrf_token": token},
    )
    refused = client.post(f"/webinars/{webinar.id}/publish")
    assert refused.status_code == 400 and db.session.get(Webinar, webinar.id).is_draft
    page = text(client.get(f"/webinars/{webinar.id}"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(f"/webinars/{webinar.id}/publish", data={"csrf_token": token})
    assert db.session.get(Webinar, webinar.id).is_published


# --- forms and bad input --------------------------------------------------------------------


def test_instructor_creates_a_draft_and_publishes_it(login, owner):
    editor = login(user=owner)
    response = editor.post("/webinars/new", data=new_form())
    assert response.status_code == 302
    webinar = db.session.scalar(select(Webinar))
    assert webinar.is_draft and webinar.instructors == [owner] and webinar.created_by_id == owner.id
    assert webinar.summary == "Чем **беседа** отличается от допроса."
    editor.post(f"/webinars/{webinar.id}/publish")
    page = text(editor.get(f"/webinars/{webinar.id}"))
    assert "<strong>беседа</strong>" in page


def test_messages_of_wtforms_itself_follow_the_viewers_language(login, owner):
    editor = login(user=owner)
    for headers, message in (
        ({"Accept-Language": "ru"}, "Неверное значение времени."),
        (EN, "Not a valid time value."),
        ({"Accept-Language": "ru"}, "Неверное значение времени."),
    ):
        response = editor.post("/webinars/new", data=new_form(start_time="25:61"), headers=headers)
        assert response.status_code == 400
        assert message in text(response)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"duration_minutes": "0"}, "duration_minutes", "must end after it starts"),
        ({"duration_minutes": "-15"}, "duration_minutes", "must end after it starts"),
        ({"start_date": "2001-01-01"}, "start_date", "in the past"),
        ({"join_url": "meet.example.org/room"}, "join_url", "http:// or https://"),
        ({"join_url": "javascript:alert(1)"}, "join_url", "http:// or https://"),
        ({"recording_url": "http://"}, "recording_url", "http:// or https://"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone"),
        ({"start_time": "25:61"}, "start_time", "Not a valid time"),
        ({"capacity": "0"}, "capacity", "at least 1 place"),
        ({"capacity": "99999999999"}, "capacity", "at most 100000 places"),
        ({"duration_minutes": "99999999999"}, "duration_minutes", "at most 24 hours"),
        ({"instructors": "nobody_here"}, "instructors", "not an instructor"),
        ({"series": "Цикл\r\nX-INJECTED:1"}, "series", "takes one line"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_keeping_input(
    login, owner, changes, field, message
):
    editor = login(user=owner)
    response = editor.post("/webinars/new", data=new_form(**changes), headers=EN)
    page = text(response)
    assert response.status_code == 400
    errors = re.search(rf'<ul class="errors" id="{field}-error">(.*?)</ul>', page, re.S)
    assert errors and message in errors.group(1), page
    assert 'aria-describedby="' in page and f"{field}-error" in page
    assert 'value="Если вас пригласили на беседу"' in page
    assert "Чем **беседа** отличается от допроса." in page
    assert db.session.scalar(select(func.count(Webinar.id))) == 0


def test_all_problems_are_reported_at_once(login, owner):
    editor = login(user=owner)
    values = new_form(start_date="2001-01-01", duration_minutes="0", join_url="ftp://x.org")
    page = text(editor.post("/webinars/new", data=values, headers=EN))
    for field in ("start_date", "duration_minutes", "join_url"):
        assert f'id="{field}-error"' in page
    assert page.count("must end after it starts") == 1
    typo = text(editor.post("/webinars/new", data=new_form(duration_minutes="abc"), headers=EN))
    errors = re.search(r'id="duration_minutes-error">(.*?)</ul>', typo, re.S).group(1)
    assert errors.count("<li>") == 1


def test_capacity_below_registered_is_refused_next_to_the_field(login, owner):
    webinar = make_webinar(owner, capacity=5)
    for _ in range(3):
        login().post(f"/webinars/{webinar.id}/register")
    editor = login(user=owner)
    values = form_values(webinar, capacity="2", title="Изменённое название")
    response = editor.post(f"/webinars/{webinar.id}/edit", data=values, headers=EN)
    assert response.status_code == 400
    errors = re.search(r'<ul class="errors" id="capacity-error">(.*?)</ul>', text(response), re.S)
    assert "3 people are already registered" in errors.group(1)
    assert 'value="Изменённое название"' in text(response)
    kept = db.session.get(Webinar, webinar.id)
    assert kept.capacity == 5 and kept.title == webinar.title

    response = editor.post(f"/webinars/{webinar.id}/edit", data=form_values(webinar, capacity="3"))
    assert response.status_code == 302


def test_raising_the_capacity_in_the_form_promotes_the_waiting_list(login, owner):
    webinar = make_webinar(owner, capacity=1)
    clients = [login() for _ in range(3)]
    for client in clients:
        client.post(f"/webinars/{webinar.id}/register")
    editor = login(user=owner)
    editor.post(f"/webinars/{webinar.id}/edit", data=form_values(webinar, capacity="2"))
    values = sorted(statuses(webinar.id).values())
    assert values == ["registered", "registered", "waitlisted"]
    # The one who moved up is told, and nobody else.
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "waitlist_place")
    ).all()
    assert told == [clients[1].user.id]


def test_editing_changes_time_in_the_webinars_zone(login, owner):
    webinar = make_webinar(owner)
    editor = login(user=owner)
    values = form_values(webinar, start_time="08:30", timezone="Asia/Vladivostok")
    assert editor.post(f"/webinars/{webinar.id}/edit", data=values).status_code == 302
    saved = db.session.get(Webinar, webinar.id)
    assert saved.timezone == "Asia/Vladivostok"
    local = saved.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Vladivostok"))
    assert (local.hour, local.minute) == (8, 30)
    assert saved.sequence == 1


# --- registrants and CSV --------------------------------------------------------------------


def test_registrants_page_and_csv_export(login, make_user, owner):
    webinar = make_webinar(owner, capacity=1)
    anna = make_user(username="anna", display_name="Анна Кузнецова")
    evil = make_user(username="mallory", display_name='=HYPERLINK("http://evil.example","x")')
    login(user=anna).post(f"/webinars/{webinar.id}/register")
    login(user=evil).post(f"/webinars/{webinar.id}/register")
    editor = login(user=owner)
    page = text(editor.get(f"/webinars/{webinar.id}/registrants", headers=EN))
    assert "Анна Кузнецова" in page and "Waiting list" in page

    response = editor.get(f"/webinars/{webinar.id}/registrants.csv", headers=EN)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Username", "Name", "Status"]
    assert rows[1][:3] == ["anna", "Анна Кузнецова", "Registered"]
    assert rows[2][0] == "mallory" and rows[2][1].startswith("'=HYPERLINK")
    assert rows[2][2] == "Waiting list"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[1][3])


def test_deleted_instructor_shows_as_deleted_user(login, make_user):
    founder = make_user("instructor", username="founder", display_name="Основатель")
    webinar = make_webinar(founder)
    accounts.delete_account(founder, PASSWORD)
    admin = login("admin")
    page = text(admin.get(f"/webinars/{webinar.id}", headers=EN))
    assert "deleted user" in page and "Основатель" not in page
    assert "Анна Петрова" in page  # the presenters' text stays
    assert "deleted user" in text(admin.get("/webinars/manage", headers=EN))
    public = text(login().get(f"/webinars/{webinar.id}"))
    assert "Анна Петрова" in public


# --- time zone choice and feed address --------------------------------------------------------


def test_schedule_offers_common_zones_and_a_page_with_all_of_them(client, owner):
    webinar = make_webinar(owner)
    page = text(client.get(f"/webinars/{webinar.id}"))
    assert page.count("<option") < 50 and 'value="Europe/Berlin"' in page
    assert f'href="/webinars/timezone?next=/webinars/{webinar.id}"' in page
    full = client.get(f"/webinars/timezone?next=/webinars/{webinar.id}")
    assert full.status_code == 200 and text(full).count("<option") > 300
    assert 'value="America/Argentina/Ushuaia"' in text(full)
    assert f'name="next" type="hidden" value="/webinars/{webinar.id}"' in text(full)
    # A zone chosen on the full page stays selectable on the short form.
    client.post("/webinars/timezone", data={"tz": "America/Argentina/Ushuaia"})
    assert '<option selected value="America/Argentina/Ushuaia">' in text(client.get("/webinars/"))
    evil = text(client.get("/webinars/timezone?next=//evil.example"))
    assert 'name="next" type="hidden" value="/webinars/"' in evil


def test_visitors_choose_their_time_zone_without_javascript(client, owner):
    webinar = make_webinar(owner)
    response = client.post(
        "/webinars/timezone", data={"tz": "Asia/Tokyo", "next": f"/webinars/{webinar.id}"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/webinars/{webinar.id}")
    with client.session_transaction() as session:
        assert session["tz"] == "Asia/Tokyo"
    bad = client.post("/webinars/timezone", data={"tz": "Nowhere/Land", "next": "//evil.example"})
    assert bad.headers["Location"] in ("/webinars/", "http://localhost/webinars/")
    with client.session_transaction() as session:
        assert session["tz"] == "Asia/Tokyo"


def test_personal_feed_address_is_shown_once_and_can_be_revoked(login, client, owner):
    webinar = make_webinar(owner)
    student = login()
    student.post(f"/webinars/{webinar.id}/register")
    student.post("/webinars/mine/feed")
    page = text(student.get("/webinars/mine", headers=EN))
    url = re.search(r'value="(http://localhost/webinars/feed/[^"]+\.ics)"', page).group(1)
    assert "shown only once" in page
    assert url not in text(student.get("/webinars/mine"))
    path = url.removeprefix("http://localhost")
    feed = client.get(path)
    assert feed.status_code == 200 and JOIN in text(feed)
    student.post("/webinars/mine/feed/revoke")
    assert client.get(path).status_code == 404


def test_my_past_webinars_are_paginated(login, owner):
    student = login()
    for day in range(1, 23):
        webinar = make_webinar(owner, timedelta(days=-day), title=f"Прошлый {day:02d}")
        db.session.add(
            WebinarRegistration(webinar_id=webinar.id, user_id=student.user.id, status="registered")
        )
    db.session.commit()
    first = text(student.get("/webinars/mine"))
    assert re.findall(r"Прошлый (\d\d)", first) == [f"{d:02d}" for d in range(1, 21)]
    second = text(student.get("/webinars/mine?page=2"))
    assert re.findall(r"Прошлый (\d\d)", second) == ["21", "22"]


def test_out_of_range_numbers_are_answered_not_crashed(client, login):
    for url in ("/webinars/99999999999999999999", "/webinars/2147483648.ics"):
        assert client.get(url).status_code == 404
    assert client.get("/webinars/?page=99999999999999999999").status_code == 200
    student = login()
    assert student.post("/webinars/99999999999999999999/register").status_code == 404
    assert student.post("/webinars/2147483648/unregister").status_code == 404
