"""Notifications inside the site: the core API, the header's count, the page, the choice of
kinds, how long they are kept, and the account's export and erasure."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from school import notify
from school import services as accounts
from school.extensions import db
from school.models import Notification, NotificationMute, User
from school.notifications import (
    FIELDS,
    Kind,
    cutoff,
    known_kinds,
    link_of,
    muted_kinds,
    payload,
)
from tests.conftest import PASSWORD
from tests.querycount import count_statements, page_statements

EN = {"Accept-Language": "en"}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def badge(page: str) -> str | None:
    """The header's count of new notifications, if it shows one."""
    match = re.search(r'class="notify-count"[^>]*><span aria-hidden="true">(\d+)</span>', page)
    return match[1] if match else None


def count(user: User) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id)
    )


# --- the pure part ----------------------------------------------------------------------------


def test_payload_needs_every_fact_of_its_kind_and_cuts_long_texts():
    for kind, fields in FIELDS.items():
        with pytest.raises(ValueError, match=fields[0]):
            payload(kind, {})
    data = payload(
        Kind.WEBINAR_MOVED,
        {
            "title": "Т" * 5000,
            "starts_at": datetime(2030, 1, 2, 3, 4, tzinfo=UTC),
            "timezone": "Europe/Moscow",
        },
        ("webinars.detail", {"webinar_id": 7}),
    )
    assert len(data["title"]) == 2000
    assert data["starts_at"] == "2030-01-02T03:04:00+00:00"
    assert link_of(data) == ("webinars.detail", {"webinar_id": 7})
    assert link_of({}) is None and link_of({"link": "x"}) is None
    with pytest.raises(ValueError):
        payload("no-such-kind", {})
    with pytest.raises(TypeError):
        payload(Kind.ESSAY_GRADED, {"title": object()})


def test_kinds_chosen_from_a_form_ignore_unknown_values():
    assert known_kinds(["waitlist_place", "forged", ""]) == {Kind.WAITLIST_PLACE}
    assert muted_kinds([k.value for k in Kind]) == set()
    assert muted_kinds(["essay_graded"]) == set(Kind) - {Kind.ESSAY_GRADED}
    now = datetime(2030, 4, 1, tzinfo=UTC)
    assert cutoff(now, 90) == now - timedelta(days=90)


# --- sending ----------------------------------------------------------------------------------


def test_send_tells_each_person_once_and_leaves_out_who_switched_the_kind_off(app, make_user):
    anna, boris, vera = make_user(), make_user(), make_user()
    notify.choose_kinds(boris, [k.value for k in Kind if k != Kind.WAITLIST_PLACE])
    ids = [anna.id, boris.id, vera.id, anna.id]
    with count_statements() as seen:
        notify.send(Kind.WAITLIST_PLACE, ids, title="Вебинар")
    assert len(seen) == 1  # one statement, whatever the number of people
    # Sent with a query: also one statement.
    notify.send(Kind.CERTIFICATE_ISSUED, select(User.id).where(User.id != vera.id), title="Курс")
    notify.essay_graded(vera.id, title="Тест", link=("school.home", {}))
    db.session.commit()
    assert count(anna) == 2 and count(boris) == 1 and count(vera) == 2
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == vera.id)
    ).all()
    assert sorted(kinds) == ["essay_graded", "waitlist_place"]


def test_send_is_part_of_the_callers_transaction(app, make_user):
    anna = make_user()
    notify.send(Kind.WEBINAR_RESTORED, [anna.id], title="Вебинар")
    db.session.rollback()
    assert count(anna) == 0


# --- what people see --------------------------------------------------------------------------


def test_the_header_counts_new_ones_and_the_page_lists_and_reads_them(login):
    student = login(locale="en")
    assert badge(text(student.get("/"))) is None
    notify.send(
        Kind.WEBINAR_CANCELLED,
        [student.user.id],
        link=("webinars.detail", {"webinar_id": 5}),
        title="Права при задержании",
        reason="Ведущий заболел.\nПеренесём на март.",
    )
    notify.send(Kind.CERTIFICATE_ISSUED, [student.user.id], title="Основы защиты")
    db.session.commit()
    home = text(student.get("/"))
    assert badge(home) == "2" and "2 new notifications" in home
    page = text(student.get("/account/notifications"))
    assert "“Права при задержании” has been cancelled." in page
    assert "The instructor's reason: Ведущий заболел." in page
    assert 'href="/webinars/5"' in page
    assert "You have completed “Основы защиты”: your certificate is ready." in page
    assert page.count(">Not read yet<") == 2
    # Seen now: no count in the header, and no longer new on the page.
    assert badge(page) is None
    again = text(student.get("/account/notifications"))
    assert ">Not read yet<" not in again and "Основы защиты" in again
    assert badge(text(student.get("/"))) is None


def test_the_page_speaks_the_readers_language_and_shows_times_in_their_zone(login):
    student = login(locale="ru", timezone="Asia/Yekaterinburg")
    notify.send(
        Kind.WEBINAR_MOVED,
        [student.user.id],
        title="Пенсия в местах лишения свободы",
        starts_at=datetime(2030, 3, 5, 14, 0, tzinfo=UTC),
        timezone="Europe/Moscow",
    )
    notify.send(Kind.WAITLIST_PLACE, [student.user.id], title="Как писать жалобу")
    db.session.commit()
    home = text(student.get("/"))
    assert "2 новых уведомления" in home
    page = text(student.get("/account/notifications"))
    assert "5 марта 2030, 19:00" in page  # 14:00 UTC in Yekaterinburg
    assert "«Пенсия в местах лишения свободы»" in page
    assert "На вебинаре «Как писать жалобу» освободилось место" in page


def test_a_link_to_a_page_that_no_longer_exists_is_left_out(login):
    student = login(locale="en")
    notify.send(Kind.ESSAY_GRADED, [student.user.id], link=("no.such_endpoint", {}), title="Эссе")
    db.session.commit()
    page = text(student.get("/account/notifications"))
    assert "Your essay in “Эссе” has been graded." in page and "Open the page" not in page


def test_the_list_is_paginated(login):
    student = login(locale="en")
    for number in range(25):
        notify.send(Kind.CERTIFICATE_ISSUED, [student.user.id], title=f"Курс {number:02d}")
    db.session.commit()
    first = text(student.get("/account/notifications"))
    assert first.count(">Not read yet<") == 20 and "Курс 24" in first and "Курс 04" not in first
    second = text(student.get("/account/notifications?page=2"))
    assert "Курс 04" in second and "Курс 05" not in second
    assert student.get("/account/notifications?page=99999999999").status_code == 200


def test_queries_do_not_grow_with_notifications(login):
    student = login(locale="en")
    notify.send(Kind.CERTIFICATE_ISSUED, [student.user.id], title="Курс")
    db.session.commit()
    page_few = page_statements(student, "/account/notifications")
    home_few = page_statements(student, "/")
    for number in range(60):
        notify.send(Kind.CERTIFICATE_ISSUED, [student.user.id], title=f"Курс {number}")
    db.session.commit()
    assert page_statements(student, "/") == home_few  # the header's count: one query
    assert page_statements(student, "/account/notifications") == page_few
    # The count itself is one statement.
    user = db.session.get(User, student.user.id)
    with count_statements() as seen:
        assert notify.unread_count(user) == 40  # 20 were read on the page just now
    assert len(seen) == 1


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/account/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert badge(text(client.get("/"))) is None


# --- choosing kinds ---------------------------------------------------------------------------


def test_settings_choose_which_kinds_arrive(login):
    student = login(locale="en")
    page = text(student.get("/account/", headers=EN))
    assert "A webinar I registered for is cancelled" in page
    assert page.count('type="checkbox"') == len(Kind)
    assert page.count("checked") == len(Kind)  # every kind is on until switched off
    response = student.post(
        "/account/notifications/kinds", data={"kinds": ["webinar_cancelled", "forged"]}
    )
    assert response.status_code == 302
    user = db.session.get(User, student.user.id)
    assert notify.chosen_kinds(user) == {Kind.WEBINAR_CANCELLED}
    page = text(student.get("/account/"))
    assert page.count("checked") == 1
    notify.send(Kind.WAITLIST_PLACE, [user.id], title="Вебинар")
    notify.send(Kind.WEBINAR_CANCELLED, [user.id], title="Вебинар", reason="")
    db.session.commit()
    assert count(user) == 1
    # Nothing ticked: nothing arrives.
    student.post("/account/notifications/kinds", data={})
    assert notify.chosen_kinds(db.session.get(User, user.id)) == set()


# --- kept for a bounded time ------------------------------------------------------------------


def _age(user: User, days: float) -> None:
    db.session.execute(
        db.update(Notification)
        .where(Notification.user_id == user.id)
        .values(created_at=datetime.now(UTC) - timedelta(days=days))
    )
    db.session.commit()


def test_old_notifications_are_not_shown_and_go(app, login, make_user):
    student = login(locale="en")
    other = make_user()
    notify.send(Kind.CERTIFICATE_ISSUED, [student.user.id, other.id], title="Старый курс")
    db.session.commit()
    _age(student.user, 91)
    _age(other, 91)
    notify.send(Kind.CERTIFICATE_ISSUED, [student.user.id, other.id], title="Новый курс")
    db.session.commit()
    home = text(student.get("/"))
    assert badge(home) == "1"
    page = text(student.get("/account/notifications"))
    assert "Старый курс" not in page and "Новый курс" in page
    assert count(student.user) == 1  # opening the page deleted my expired one
    assert count(other) == 2
    runner = app.test_cli_runner()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "notifications: 1 removed" in result.output
    assert "webinars: 0 removed" in result.output
    assert count(other) == 1


def test_the_time_they_are_kept_is_configured(app_config, request):
    app_config["NOTIFICATIONS_KEEP_DAYS"] = 7
    request.getfixturevalue("app")
    user = request.getfixturevalue("make_user")()
    notify.send(Kind.CERTIFICATE_ISSUED, [user.id], title="Курс")
    db.session.commit()
    _age(user, 8)
    assert notify.unread_count(user) == 0
    assert notify.purge() == 1


# --- export and erasure -----------------------------------------------------------------------


def test_export_and_deletion_include_notifications(login):
    student = login()
    user = student.user
    notify.send(Kind.WAITLIST_PLACE, [user.id], title="Вебинар")
    db.session.commit()
    notify.choose_kinds(user, [Kind.WAITLIST_PLACE.value])
    data = json.loads(student.get("/account/export").data)
    (exported,) = data["notifications"]["notifications"]
    assert exported["kind"] == "waitlist_place" and exported["data"]["title"] == "Вебинар"
    assert exported["read_at"] is None
    assert Kind.ESSAY_GRADED in data["notifications"]["switched_off"]
    user = db.session.get(User, user.id)
    accounts.delete_account(user, PASSWORD)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert db.session.scalar(select(func.count()).select_from(NotificationMute)) == 0
