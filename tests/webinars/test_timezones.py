"""Times in the webinar's zone and the viewer's, on both sides of daylight saving changes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from school.extensions import db
from tests.webinars.test_services import webinar_data
from tests.webinars.test_views import form_values, new_form
from webinars import services
from webinars.models import Webinar, WebinarStatus
from webinars.rules import wall_time_exists
from webinars.timetext import duration_text, offset_difference, utc_offset_text

EN = {"Accept-Language": "en"}


def planned(owner, day: date, at: time = time(19, 0), tz: str = "Europe/Moscow", **fields):
    return services.create_webinar(
        owner,
        webinar_data(start_date=day, start_time=at, tz=tz, **fields),
        status=WebinarStatus.PUBLISHED,
    )


def when_box(page: str) -> str:
    return re.search(r'<section class="when-box".*?</section>', page, re.S).group(0)


@pytest.fixture
def owner(make_user):
    return make_user("instructor")


def test_berlin_viewer_sees_a_moscow_webinar_on_both_sides_of_the_change(login, owner):
    winter = planned(owner, date(2030, 1, 15), title="Зимний")
    summer = planned(owner, date(2030, 7, 16), title="Летний")
    assert winter.starts_at == datetime(2030, 1, 15, 16, 0, tzinfo=UTC)
    assert summer.starts_at == datetime(2030, 7, 16, 16, 0, tzinfo=UTC)
    berlin = login(timezone="Europe/Berlin")

    page = when_box(berlin.get(f"/webinars/{winter.id}").get_data(as_text=True))
    assert "19:00–20:30" in page and "17:00–18:30" in page
    assert "Москва, UTC+3" in page and "Берлин, UTC+1" in page
    assert "на 2 часа" in page

    page = when_box(berlin.get(f"/webinars/{summer.id}").get_data(as_text=True))
    assert "19:00–20:30" in page and "18:00–19:30" in page
    assert "Берлин, UTC+2" in page and "на 1 час" in page

    english = when_box(berlin.get(f"/webinars/{winter.id}", headers=EN).get_data(as_text=True))
    assert "your clock is 2 hours behind the webinar" in english

    listing = berlin.get("/webinars/").get_data(as_text=True)
    assert "17:00" in listing and "18:00" in listing and "19:00" in listing


def test_moscow_viewer_sees_one_time_only(login, client, owner):
    webinar = planned(owner, date(2030, 1, 15))
    for viewer in (login(timezone="Europe/Moscow"), client):
        page = viewer.get(f"/webinars/{webinar.id}").get_data(as_text=True)
        box = when_box(page)
        assert "19:00–20:30" in box
        assert "when-viewer" not in box and "17:00" not in box
    # Same offset, other zone name: still one time.
    istanbul = login(timezone="Europe/Istanbul")
    assert "when-viewer" not in when_box(
        istanbul.get(f"/webinars/{webinar.id}").get_data(as_text=True)
    )


def test_a_berlin_webinar_keeps_its_wall_clock_time_across_the_change(login, owner):
    before = planned(owner, date(2030, 3, 30), tz="Europe/Berlin", title="До перевода")
    after = planned(owner, date(2030, 3, 31), tz="Europe/Berlin", title="После перевода")
    assert before.starts_at == datetime(2030, 3, 30, 18, 0, tzinfo=UTC)
    assert after.starts_at == datetime(2030, 3, 31, 17, 0, tzinfo=UTC)
    moscow = login(timezone="Europe/Moscow")
    first = when_box(moscow.get(f"/webinars/{before.id}").get_data(as_text=True))
    second = when_box(moscow.get(f"/webinars/{after.id}").get_data(as_text=True))
    assert "21:00–22:30" in first and "на 2 часа" in first
    assert "20:00–21:30" in second and "на 1 час" in second


def test_viewer_ahead_sees_the_next_day(login, owner):
    webinar = planned(owner, date(2030, 1, 15))
    page = when_box(login(timezone="Asia/Vladivostok").get(f"/webinars/{webinar.id}").get_data(
        as_text=True
    ))  # fmt: skip
    assert "16 января 2030" in page and "02:00–03:30" in page and "на 7 часов" in page
    english = login(timezone="Asia/Kolkata").get(f"/webinars/{webinar.id}", headers=EN)
    assert "2 hours 30 minutes ahead" in english.get_data(as_text=True)


def test_anonymous_visitor_chooses_a_zone_in_the_form(client, owner):
    webinar = planned(owner, date(2030, 1, 15))
    page = client.get(f"/webinars/{webinar.id}").get_data(as_text=True)
    assert (
        'action="/webinars/timezone"' in page and '<option selected value="Europe/Moscow">' in page
    )
    client.post(
        "/webinars/timezone", data={"tz": "Europe/Berlin", "next": f"/webinars/{webinar.id}"}
    )
    box = when_box(client.get(f"/webinars/{webinar.id}").get_data(as_text=True))
    assert "17:00–18:30" in box and "19:00–20:30" in box


def test_saved_account_zone_wins_over_the_session(login, owner):
    webinar = planned(owner, date(2030, 1, 15))
    viewer = login(timezone="Asia/Novosibirsk")
    viewer.post("/webinars/timezone", data={"tz": "Europe/Berlin"})
    page = viewer.get(f"/webinars/{webinar.id}").get_data(as_text=True)
    assert "23:00" in when_box(page) and 'action="/webinars/timezone"' not in page


def test_the_form_takes_the_local_time_of_the_chosen_zone(login, owner):
    editor = login(user=owner)
    values = new_form(start_date="2030-07-16", start_time="19:00", timezone="Europe/Berlin")
    assert editor.post("/webinars/new", data=values).status_code == 302
    webinar = db.session.scalar(db.select(Webinar))
    assert webinar.starts_at == datetime(2030, 7, 16, 17, 0, tzinfo=UTC)
    # The edit form shows the same wall-clock time back, not UTC.
    page = editor.get(f"/webinars/{webinar.id}/edit").get_data(as_text=True)
    assert 'value="19:00"' in page and 'value="2030-07-16"' in page
    gap = form_values(webinar, start_date="2031-03-30", start_time="02:30")
    response = editor.post(f"/webinars/{webinar.id}/edit", data=gap, headers=EN)
    assert response.status_code == 400 and "clocks go forward" in response.get_data(as_text=True)


# --- pure helpers ---------------------------------------------------------------------------


def test_wall_time_exists():
    assert not wall_time_exists(date(2030, 3, 31), time(2, 30), "Europe/Berlin")
    assert wall_time_exists(date(2030, 3, 31), time(3, 30), "Europe/Berlin")
    # The repeated hour in autumn exists (the first occurrence is used).
    assert wall_time_exists(date(2030, 10, 27), time(2, 30), "Europe/Berlin")
    assert wall_time_exists(date(2030, 3, 31), time(2, 30), "Europe/Moscow")


def test_offsets_and_durations_in_words():
    at = datetime(2030, 1, 15, 16, 0, tzinfo=UTC)
    assert offset_difference(at, "Europe/Berlin", "Europe/Moscow") == timedelta(hours=-2)
    assert offset_difference(at, "Asia/Kolkata", "Europe/Moscow") == timedelta(hours=2, minutes=30)
    assert utc_offset_text(timedelta(hours=3)) == "UTC+3"
    assert utc_offset_text(timedelta(hours=-3, minutes=-30)) == "UTC\u22123:30"
    assert utc_offset_text(timedelta(0)) == "UTC"
    assert duration_text(timedelta(hours=-2), "ru") == "2 часа"
    assert duration_text(timedelta(hours=5), "ru") == "5 часов"
    assert duration_text(timedelta(hours=1), "ru") == "1 час"
    assert duration_text(timedelta(minutes=45), "en") == "45 minutes"
    assert duration_text(timedelta(hours=5, minutes=45), "en") == "5 hours 45 minutes"
