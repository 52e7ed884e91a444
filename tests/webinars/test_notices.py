"""What registrants are told: a place from the waiting list, a move, a cancellation with its
reason, a restoration; the cancel form; the page of a cancelled or withdrawn webinar (410);
registrations deleted some time after the webinar, with their numbers kept."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from school import notify
from school.extensions import db
from school.models import Notification, User
from school.notifications import Kind
from tests.querycount import count_statements
from tests.webinars.test_services import make_webinar
from tests.webinars.test_views import form_values
from webinars import services
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus

EN = {"Accept-Language": "en"}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def told(user: User) -> list[tuple[str, dict]]:
    """(kind, data) of every notification of ``user``, oldest first."""
    db.session.rollback()
    rows = db.session.execute(
        select(Notification.kind, Notification.data)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id)
    )
    return [(kind, data) for kind, data in rows]


@pytest.fixture
def owner(make_user):
    return make_user("instructor")


def test_moving_up_from_the_waiting_list_is_told_on_the_next_visit(login, owner):
    webinar = make_webinar(owner, capacity=1, title="Права при задержании")
    first, second, third = login(), login(locale="en"), login()
    for client in (first, second, third):
        client.post(f"/webinars/{webinar.id}/register")
    assert told(second.user) == []
    first.post(f"/webinars/{webinar.id}/unregister")
    ((kind, data),) = told(second.user)
    assert kind == Kind.WAITLIST_PLACE and data["title"] == "Права при задержании"
    assert data["link"] == {"endpoint": "webinars.detail", "args": {"webinar_id": webinar.id}}
    assert told(third.user) == [] and told(first.user) == []
    page = text(second.get("/"))
    assert 'class="notify-count"' in page
    listing = text(second.get("/account/notifications"))
    assert "A place has freed up at “Права при задержании”" in listing
    assert f'href="/webinars/{webinar.id}"' in listing


def test_a_move_tells_everyone_registered_or_waiting_with_the_new_time(login, owner, make_user):
    webinar = make_webinar(owner, capacity=1, title="Пенсия")
    holder, waiting, left = login(), login(), login()
    for client in (holder, waiting, left):
        client.post(f"/webinars/{webinar.id}/register")
    left.post(f"/webinars/{webinar.id}/unregister")
    waiting.post(f"/webinars/{webinar.id}/unregister")
    waiting.post(f"/webinars/{webinar.id}/register")
    editor = login(user=owner)
    # An edit that keeps the time tells nobody.
    editor.post(f"/webinars/{webinar.id}/edit", data=form_values(webinar, title="Пенсия и долги"))
    assert told(holder.user) == []
    webinar = db.session.get(Webinar, webinar.id)
    editor.post(f"/webinars/{webinar.id}/edit", data=form_values(webinar, start_time="21:45"))
    moved = db.session.get(Webinar, webinar.id)
    ((_kind, data),) = [n for n in told(holder.user) if n[0] == Kind.WEBINAR_MOVED]
    assert data["title"] == "Пенсия и долги"
    assert data["starts_at"] == moved.starts_at.isoformat()
    assert data["timezone"] == "Europe/Moscow"
    assert [k for k, _d in told(waiting.user)] == [Kind.WEBINAR_MOVED]
    assert [k for k, _d in told(left.user) if k == Kind.WEBINAR_MOVED] == []
    page = text(holder.get("/account/notifications", headers=EN))
    assert "“Пенсия и долги” has moved to another time" in page


def test_cancelling_asks_for_a_reason_and_tells_it(login, owner):
    webinar = make_webinar(owner, title="Как писать жалобу")
    student = login(locale="en")
    student.post(f"/webinars/{webinar.id}/register")
    editor = login(user=owner)
    page = text(editor.get(f"/webinars/{webinar.id}", headers=EN))
    assert f'href="/webinars/{webinar.id}/cancel"' in page  # a page with the form, not a button
    form = text(editor.get(f"/webinars/{webinar.id}/cancel", headers=EN))
    assert 'name="reason"' in form and "Why is the webinar cancelled?" in form
    refused = editor.post(f"/webinars/{webinar.id}/cancel", data={"reason": "  "}, headers=EN)
    assert refused.status_code == 400
    assert "Say why the webinar is cancelled" in text(refused)
    assert db.session.get(Webinar, webinar.id).is_published and told(student.user) == []
    reason = "Ведущий заболел.\nНовую дату объявим на сайте."
    response = editor.post(f"/webinars/{webinar.id}/cancel", data={"reason": reason})
    assert response.status_code == 302
    cancelled = db.session.get(Webinar, webinar.id)
    assert cancelled.is_cancelled and cancelled.cancel_reason == reason
    ((kind, data),) = told(student.user)
    assert kind == Kind.WEBINAR_CANCELLED and data["reason"] == reason
    listing = text(student.get("/account/notifications"))
    assert "“Как писать жалобу” has been cancelled. The instructor's reason: Ведущий" in listing
    mine = text(student.get("/webinars/mine"))
    assert "The instructor's reason: Ведущий заболел." in mine

    editor.post(f"/webinars/{webinar.id}/restore")
    restored = db.session.get(Webinar, webinar.id)
    assert restored.is_published and restored.cancel_reason is None
    assert [k for k, _d in told(student.user)] == [Kind.WEBINAR_CANCELLED, Kind.WEBINAR_RESTORED]
    assert "takes place after all" in text(student.get("/account/notifications"))


def test_a_cancellation_of_many_registrants_is_a_fixed_number_of_statements(login, owner, app):
    small = make_webinar(owner, title="Мало")
    large = make_webinar(owner, title="Много")
    users = [login().user for _ in range(2)]
    crowd = users + [login().user for _ in range(10)]
    for user in users:
        services.register(db.session.get(User, user.id), small.id)
    for user in crowd:
        services.register(db.session.get(User, user.id), large.id)

    def statements(webinar_id: int) -> int:
        with count_statements() as seen:
            services.cancel_webinar(webinar_id, "Причина")
        return len(seen)

    assert statements(small.id) == statements(large.id)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2 + 12


def test_people_who_switched_a_kind_off_are_not_told(login, owner):
    webinar = make_webinar(owner)
    student = login()
    student.post(f"/webinars/{webinar.id}/register")
    notify.choose_kinds(student.user, [Kind.WEBINAR_RESTORED.value])
    services.cancel_webinar(webinar.id, "Причина")
    services.restore_webinar(webinar.id)
    assert [k for k, _d in told(student.user)] == [Kind.WEBINAR_RESTORED]


# --- the page of a webinar that was on the schedule -------------------------------------------


def test_a_cancelled_webinars_page_answers_410_with_the_reason(client, login, owner):
    webinar = make_webinar(owner, title="Отменённый вебинар")
    services.cancel_webinar(webinar.id, "Ведущий заболел.")
    for visitor in (client, login(locale="en")):
        response = visitor.get(f"/webinars/{webinar.id}", headers=EN)
        assert response.status_code == 410
        page = text(response)
        assert "Отменённый вебинар" in page and "This webinar has been cancelled." in page
        assert "Ведущий заболел." in page
        assert "meet.example.org" not in page  # no join link on it
    # Its editors still see the whole page, with the reason.
    editor = text(login(user=owner).get(f"/webinars/{webinar.id}", headers=EN))
    assert "Restore the webinar" in editor and "Ведущий заболел." in editor


def test_a_withdrawn_webinar_answers_410_and_a_never_published_draft_404(client, owner):
    withdrawn = make_webinar(owner, title="Снятый")
    services.unpublish(withdrawn.id)
    response = client.get(f"/webinars/{withdrawn.id}", headers=EN)
    assert response.status_code == 410
    assert "taken off the schedule" in text(response)
    draft = make_webinar(owner, status=WebinarStatus.DRAFT, title="Черновик")
    assert client.get(f"/webinars/{draft.id}").status_code == 404
    assert client.get("/webinars/999999").status_code == 404


# --- retention --------------------------------------------------------------------------------


def test_old_registrations_go_and_their_numbers_stay(app, login, owner):
    old = make_webinar(owner, timedelta(days=-100), capacity=1, title="Давний")
    recent = make_webinar(owner, timedelta(days=-30), title="Недавний")
    people = [login() for _ in range(3)]
    for client in people:
        for webinar in (old, recent):
            db.session.add(
                WebinarRegistration(
                    webinar_id=webinar.id,
                    user_id=client.user.id,
                    status=RegistrationStatus.REGISTERED.value,
                )
            )
    db.session.commit()
    db.session.execute(
        db.update(WebinarRegistration)
        .where(WebinarRegistration.user_id == people[1].user.id)
        .values(status=RegistrationStatus.WAITLISTED.value)
    )
    db.session.execute(
        db.update(WebinarRegistration)
        .where(WebinarRegistration.user_id == people[2].user.id)
        .values(status=RegistrationStatus.CANCELLED.value)
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "webinars: 3 removed" in result.output
    db.session.expire_all()
    kept = db.session.get(Webinar, old.id)
    assert (kept.kept_registered, kept.kept_waitlisted, kept.kept_cancelled) == (1, 1, 1)
    assert kept.registrations_purged_at is not None
    remaining = db.session.scalars(select(WebinarRegistration.webinar_id)).all()
    assert set(remaining) == {recent.id} and len(remaining) == 3
    assert db.session.get(Webinar, recent.id).registrations_purged_at is None
    # A second run finds nothing more and keeps the numbers.
    assert app.test_cli_runner().invoke(args=["purge"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Webinar, old.id).kept_registered == 1
    page = text(login(user=owner).get(f"/webinars/{old.id}", headers=EN))
    assert "Registrations were deleted on" in page and "1 person registered" in page
    registrants = text(login(user=owner).get(f"/webinars/{old.id}/registrants", headers=EN))
    assert "1 person on the waiting list" in registrants
    assert "1 registration cancelled" in registrants


def test_the_time_registrations_are_kept_is_configured(app_config, request):
    app_config["REGISTRATIONS_KEEP_DAYS"] = 10
    request.getfixturevalue("app")
    owner = request.getfixturevalue("make_user")("instructor")
    student = request.getfixturevalue("make_user")()
    webinar = make_webinar(owner, timedelta(days=-12))
    db.session.add(
        WebinarRegistration(
            webinar_id=webinar.id, user_id=student.id, status=RegistrationStatus.REGISTERED.value
        )
    )
    db.session.commit()
    assert services.purge_registrations() == 1
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(WebinarRegistration)) == 0
