"""Webinar use cases: planning, validation, sequence, waiting list, account data, demo content."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from school import hooks
from school import services as accounts
from school.extensions import db
from school.models import User
from school.timeutil import now_utc, to_zone
from tests.conftest import PASSWORD
from webinars import services
from webinars.models import (
    RegistrationStatus,
    Webinar,
    WebinarFeedToken,
    WebinarRegistration,
    WebinarStatus,
)
from webinars.services import WebinarData, WebinarError


def webinar_data(
    starts_in: timedelta = timedelta(days=7),
    tz: str = "Europe/Moscow",
    *,
    start_date: date | None = None,
    start_time: time | None = None,
    **fields,
) -> WebinarData:
    """Data for a webinar starting ``starts_in`` from now (to the minute) in zone ``tz``."""
    local = to_zone(now_utc() + starts_in, tz)
    values = {
        "title": "Если вас задержали на акции",
        "summary": "Что делать в отделе полиции.",
        "presenters": "Анна Петрова\nИлья Смирнов",
        "series": "Если вас задержали",
        "duration_minutes": 90,
        "join_url": "https://meet.example.org/room-1",
    }
    values.update(fields)
    return WebinarData(
        start_date=start_date or local.date(),
        start_time=start_time or local.time().replace(second=0, microsecond=0),
        timezone=tz,
        **values,
    )


def make_webinar(
    owner: User,
    starts_in: timedelta = timedelta(days=7),
    status: WebinarStatus = WebinarStatus.PUBLISHED,
    **fields,
) -> Webinar:
    """A webinar (published unless told otherwise); past starts are allowed here."""
    return services.create_webinar(
        owner, webinar_data(starts_in, **fields), allow_past=True, status=status
    )


def statuses(webinar_id: int) -> dict[str, str]:
    """Registration status per username, read in a fresh transaction."""
    db.session.rollback()
    rows = db.session.execute(
        select(User.username, WebinarRegistration.status)
        .join(User, User.id == WebinarRegistration.user_id)
        .where(WebinarRegistration.webinar_id == webinar_id)
    )
    return dict(rows.all())


# --- planning and validation ----------------------------------------------------------------


def test_start_is_stored_as_utc_from_the_local_time_in_the_webinars_zone(app, make_user):
    owner = make_user("instructor")
    winter = services.create_webinar(
        owner, webinar_data(start_date=date(2030, 1, 15), start_time=time(19, 0))
    )
    summer = services.create_webinar(
        owner,
        webinar_data(
            tz="Europe/Berlin", start_date=date(2030, 7, 15), start_time=time(19, 0), title="B"
        ),
    )
    db.session.expire_all()
    winter = db.session.get(Webinar, winter.id)
    assert winter.starts_at == datetime(2030, 1, 15, 16, 0, tzinfo=UTC)
    assert winter.ends_at == datetime(2030, 1, 15, 17, 30, tzinfo=UTC)
    assert winter.timezone == "Europe/Moscow"
    # Berlin keeps daylight saving time: 19:00 in July is 17:00 UTC.
    assert db.session.get(Webinar, summer.id).starts_at == datetime(2030, 7, 15, 17, 0, tzinfo=UTC)
    assert winter.status == WebinarStatus.DRAFT and winter.instructors == [owner]
    assert winter.created_by_id == owner.id


def test_local_time_skipped_by_the_clock_change_is_refused(app, make_user):
    owner = make_user("instructor")
    data = webinar_data(tz="Europe/Berlin", start_date=date(2030, 3, 31), start_time=time(2, 30))
    with pytest.raises(WebinarError) as caught:
        services.create_webinar(owner, data)
    assert "start_time" in caught.value.errors


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": -30}, "duration_minutes"),
        ({"capacity": 0}, "capacity"),
        ({"join_url": "javascript:alert(1)"}, "join_url"),
        ({"join_url": "ftp://example.org/x"}, "join_url"),
        ({"recording_url": "https://"}, "recording_url"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"title": "  "}, "title"),
    ],
)
def test_bad_data_is_refused_with_the_field_named(app, make_user, fields, field):
    owner = make_user("instructor")
    tz = fields.pop("timezone", "Europe/Moscow")
    data = webinar_data(**fields)
    data.timezone = tz
    with pytest.raises(WebinarError) as caught:
        services.create_webinar(owner, data)
    assert field in caught.value.errors
    assert db.session.scalar(select(func.count(Webinar.id))) == 0


def test_a_new_webinar_cannot_start_in_the_past_but_an_old_one_can_be_edited(app, make_user):
    owner = make_user("instructor")
    with pytest.raises(WebinarError) as caught:
        services.create_webinar(owner, webinar_data(timedelta(hours=-1)))
    assert "start_date" in caught.value.errors
    held = make_webinar(owner, timedelta(days=-3))
    data = WebinarData.from_webinar(held)
    data.recording_url = "https://video.example.org/rec-1"
    services.update_webinar(owner, held.id, data)
    assert db.session.get(Webinar, held.id).recording_url == "https://video.example.org/rec-1"


def test_instructors_are_resolved_by_username(app, make_user):
    owner = make_user("instructor")
    colleague = make_user("instructor", username="Colleague")
    student = make_user("student", username="just_a_student")
    webinar = services.create_webinar(owner, webinar_data(instructors=["colleague"]))
    assert {u.id for u in webinar.instructors} == {owner.id, colleague.id}
    with pytest.raises(WebinarError) as caught:
        services.create_webinar(owner, webinar_data(instructors=["just_a_student", "nobody"]))
    assert len(caught.value.errors["instructors"]) == 2
    data = WebinarData.from_webinar(webinar)
    data.instructors = []
    with pytest.raises(WebinarError) as caught:
        services.update_webinar(owner, webinar.id, data)
    assert "instructors" in caught.value.errors
    assert student.id not in {u.id for u in db.session.get(Webinar, webinar.id).instructors}


def test_sequence_grows_on_changes_that_matter_only(app, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner, capacity=10)
    assert webinar.sequence == 0

    def edit(**changes) -> int:
        data = WebinarData.from_webinar(db.session.get(Webinar, webinar.id))
        for key, value in changes.items():
            setattr(data, key, value)
        services.update_webinar(owner, webinar.id, data)
        db.session.expire_all()
        return db.session.get(Webinar, webinar.id).sequence

    assert edit() == 0
    assert edit(capacity=20) == 0  # not shown in calendars
    assert edit(title="Новое название") == 1
    assert edit(start_time=time(20, 15)) == 2
    assert edit(duration_minutes=120) == 3
    services.cancel_webinar(webinar.id)
    assert db.session.get(Webinar, webinar.id).sequence == 4
    services.restore_webinar(webinar.id)
    assert db.session.get(Webinar, webinar.id).sequence == 5


def test_state_changes(app, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner, status=WebinarStatus.DRAFT)
    with pytest.raises(WebinarError):
        services.cancel_webinar(webinar.id)
    services.publish(webinar.id)
    first_published = db.session.get(Webinar, webinar.id).published_at
    assert first_published is not None
    services.unpublish(webinar.id)
    services.publish(webinar.id)
    assert db.session.get(Webinar, webinar.id).published_at == first_published
    with pytest.raises(WebinarError):
        services.delete_webinar(webinar.id)  # published: cancel instead
    services.cancel_webinar(webinar.id)
    cancelled = db.session.get(Webinar, webinar.id)
    assert cancelled.is_cancelled and cancelled.cancelled_at is not None


def test_a_draft_with_registrations_is_not_deleted(app, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner)
    services.register(make_user(), webinar.id)
    services.unpublish(webinar.id)
    with pytest.raises(WebinarError):
        services.delete_webinar(webinar.id)
    empty = make_webinar(owner, status=WebinarStatus.DRAFT, title="Пустой")
    services.delete_webinar(empty.id)
    assert db.session.get(Webinar, empty.id) is None


# --- registration and the waiting list ------------------------------------------------------


def test_waiting_list_and_automatic_promotion_in_order(app, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner, capacity=2)
    anna, boris, vera, gleb = (make_user(username=n) for n in ("anna", "boris", "vera", "gleb"))
    for user in (anna, boris, vera, gleb):
        services.register(user, webinar.id)
    assert statuses(webinar.id) == {
        "anna": "registered",
        "boris": "registered",
        "vera": "waitlisted",
        "gleb": "waitlisted",
    }
    vera_reg = services.registration_of(vera, webinar)
    assert services.waitlist_position(vera_reg) == 1
    assert services.waitlist_position(services.registration_of(gleb, webinar)) == 2

    # Registering twice changes nothing.
    again = services.register(anna, webinar.id)
    assert again.changed is False and statuses(webinar.id)["anna"] == "registered"

    outcome = services.cancel_registration(anna, webinar.id)
    assert [r.user_id for r in outcome.promoted] == [vera.id]
    assert statuses(webinar.id) == {
        "anna": "cancelled",
        "boris": "registered",
        "vera": "registered",
        "gleb": "waitlisted",
    }
    assert db.session.get(WebinarRegistration, vera_reg.id).promoted_at is not None

    # Leaving the waiting list frees no place and promotes nobody.
    assert services.cancel_registration(gleb, webinar.id).promoted == []
    # Registering again after cancelling puts anna at the end of the queue.
    services.register(gleb, webinar.id)
    services.register(anna, webinar.id)
    assert statuses(webinar.id)["anna"] == "waitlisted"
    assert services.waitlist_position(services.registration_of(anna, webinar)) == 2
    assert db.session.scalar(select(func.count(WebinarRegistration.id))) == 4


def test_waiting_list_ties_are_served_by_id(app, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner, capacity=1)
    first, second, third = make_user(), make_user(), make_user()
    services.register(first, webinar.id)
    same_moment = now_utc()
    for user in (third, second):
        db.session.add(
            WebinarRegistration(
                webinar_id=webinar.id,
                user_id=user.id,
                status=RegistrationStatus.WAITLISTED.value,
                registered_at=same_moment,
            )
        )
    db.session.commit()
    outcome = services.cancel_registration(first, webinar.id)
    assert [r.user_id for r in outcome.promoted] == [third.id]


def test_capacity_cannot_drop_below_registered_and_raising_it_promotes(app, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner, capacity=3)
    users = [make_user() for _ in range(6)]
    for user in users:
        services.register(user, webinar.id)
    data = WebinarData.from_webinar(db.session.get(Webinar, webinar.id))
    data.capacity = 2
    with pytest.raises(WebinarError) as caught:
        services.update_webinar(owner, webinar.id, data)
    assert "3" in str(caught.value.errors["capacity"][0])
    assert db.session.get(Webinar, webinar.id).capacity == 3

    data.capacity = 5
    services.update_webinar(owner, webinar.id, data)
    values = list(statuses(webinar.id).values())
    assert values.count("registered") == 5 and values.count("waitlisted") == 1

    data.capacity = None  # no limit: everyone gets a place
    services.update_webinar(owner, webinar.id, data)
    assert set(statuses(webinar.id).values()) == {"registered"}


def test_no_registration_after_the_start_or_for_drafts_and_cancelled(app, make_user):
    owner = make_user("instructor")
    student = make_user()
    running = make_webinar(owner, timedelta(minutes=-10), title="Идёт")
    with pytest.raises(WebinarError):
        services.register(student, running.id)
    draft = make_webinar(owner, status=WebinarStatus.DRAFT, title="Черновик")
    with pytest.raises(WebinarError):
        services.register(student, draft.id)
    cancelled = make_webinar(owner, title="Отменён")
    services.cancel_webinar(cancelled.id)
    with pytest.raises(WebinarError):
        services.register(student, cancelled.id)
    assert db.session.scalar(select(func.count(WebinarRegistration.id))) == 0


def test_registered_people_cannot_cancel_after_the_start(app, make_user):
    owner = make_user("instructor")
    student = make_user()
    webinar = make_webinar(owner, timedelta(minutes=5))
    services.register(student, webinar.id)
    db.session.get(Webinar, webinar.id).starts_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(WebinarError):
        services.cancel_registration(student, webinar.id)


def test_unique_registration_per_person_and_webinar(app, make_user):
    from sqlalchemy.exc import IntegrityError

    owner = make_user("instructor")
    student = make_user()
    webinar = make_webinar(owner)
    services.register(student, webinar.id)
    db.session.add(
        WebinarRegistration(webinar_id=webinar.id, user_id=student.id, status="registered")
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- feed tokens ----------------------------------------------------------------------------


def test_feed_token_is_stored_hashed_and_can_be_replaced_or_revoked(app, make_user):
    student = make_user()
    token = services.issue_feed_token(student)
    row = services.feed_token_of(student)
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert services.user_for_feed_token(token).id == student.id
    newer = services.issue_feed_token(student)
    assert services.user_for_feed_token(token) is None
    assert services.user_for_feed_token(newer).id == student.id
    assert services.revoke_feed_token(student) is True
    assert services.user_for_feed_token(newer) is None
    assert services.user_for_feed_token("") is None


# --- account data ---------------------------------------------------------------------------


def test_export_lists_my_registrations_and_not_the_feed_secret(app, make_user):
    owner = make_user("instructor")
    student = make_user()
    webinar = make_webinar(owner)
    services.register(student, webinar.id)
    token = services.issue_feed_token(student)
    data = accounts.export_user_data(student)["webinars"]
    assert data["registrations"][0]["webinar"] == webinar.title
    assert data["registrations"][0]["status"] == "registered"
    assert data["calendar_feed"]["created_at"]
    assert token not in str(data)
    teaching = accounts.export_user_data(owner)["webinars"]["webinars_as_instructor"]
    assert teaching == [{"id": webinar.id, "title": webinar.title}]


def test_deleting_an_account_removes_registrations_and_frees_the_place(app, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner, capacity=1)
    leaving, waiting = make_user(username="leaving"), make_user(username="waiting")
    services.register(leaving, webinar.id)
    services.register(waiting, webinar.id)
    services.issue_feed_token(leaving)
    accounts.delete_account(leaving, PASSWORD)
    db.session.expire_all()
    assert statuses(webinar.id) == {"waiting": "registered"}
    assert db.session.scalar(select(func.count(WebinarFeedToken.id))) == 0


def test_deleted_instructor_leaves_the_webinar_in_place(app, make_user):
    owner = make_user("instructor", username="founder")
    colleague = make_user("instructor")
    webinar = make_webinar(owner, instructors=[colleague.username])
    accounts.delete_account(owner, PASSWORD)
    db.session.expire_all()
    kept = db.session.get(Webinar, webinar.id)
    assert kept is not None and kept.created_by is None
    assert [u.id for u in kept.instructors] == [colleague.id]
    assert kept.presenter_list == ["Анна Петрова", "Илья Смирнов"]


def test_hooks_are_registered_once(app):
    assert "webinars" in hooks.account_exporters
    assert "webinars" in hooks.account_erasers
    assert hooks.demo_seeders["webinars"][0] == 10
    assert "webinars" in hooks.home_panels
    assert hooks.nav_links["webinars"][1] == "webinars.index"


# --- demo content ---------------------------------------------------------------------------

DEMO_YAML = """
- slug: upcoming-one
  title: Если к вам пришли с обыском
  summary: Как проверить документы.
  presenters: [Илья Смирнов (демо)]
  series: Обыск
  starts_in_days: 7
  local_time: "19:00"
  timezone: Asia/Novosibirsk
  duration_minutes: 60
  capacity: 10
  join_url: https://meet.example.org/demo-1
  materials: null
  recording_url: null
  demo: true
- slug: held-one
  title: Родственник в СИЗО
  summary: Передачи и свидания.
  presenters: [Светлана Орлова (демо)]
  series: null
  starts_in_days: -30
  local_time: "18:30"
  timezone: Europe/Moscow
  duration_minutes: 90
  capacity: null
  join_url: https://meet.example.org/demo-2
  recording_url: https://video.example.org/demo-2
  materials: |-
    ### Материалы
    - Памятка
  demo: true
"""


def _demo_users(make_user) -> dict[str, User]:
    return {"instructor": make_user("instructor"), "student": make_user("student")}


def test_demo_seeder_loads_upcoming_and_held_webinars_idempotently(app, make_user, tmp_path):
    path: Path = tmp_path / "webinars.yaml"
    path.write_text(DEMO_YAML, encoding="utf-8")
    users = _demo_users(make_user)
    lines: list[str] = []
    services.seed_demo(users, lines.append, path=path)
    services.seed_demo(users, lines.append, path=path)
    webinars = list(db.session.scalars(select(Webinar).order_by(Webinar.starts_at)))
    assert len(webinars) == 2
    held, coming = webinars
    assert all(w.is_published and w.is_demo for w in webinars)
    assert held.has_ended() and held.materials and held.recording_url
    assert not coming.has_started()
    local = to_zone(coming.starts_at, "Asia/Novosibirsk")
    assert (local.hour, local.minute) == (19, 0) and coming.timezone == "Asia/Novosibirsk"
    assert local.date() == to_zone(now_utc(), "Asia/Novosibirsk").date() + timedelta(days=7)
    assert to_zone(held.starts_at, "Europe/Moscow").time() == time(18, 30)
    assert coming.instructors == [users["instructor"]]
    assert services.registration_of(users["student"], coming).status == "registered"


def test_demo_seeder_reads_the_shared_demo_file_when_present(app, make_user):
    if not services.DEMO_FILE.exists():
        pytest.skip("no demo schedule in webinars/demo yet")
    users = _demo_users(make_user)
    services.seed_demo(users, lambda line: None)
    now = now_utc()
    webinars = list(db.session.scalars(select(Webinar)))
    assert any(w.starts_at > now for w in webinars)
    assert any(w.ends_at < now and w.materials for w in webinars)


def test_missing_demo_file_is_reported_not_fatal(app, make_user, tmp_path):
    lines: list[str] = []
    services.seed_demo(_demo_users(make_user), lines.append, path=tmp_path / "none.yaml")
    assert lines and db.session.scalar(select(func.count(Webinar.id))) == 0
