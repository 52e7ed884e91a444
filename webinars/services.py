"""Webinar use cases: planning, publishing, registration with a waiting list, feeds, account data.

Every use case that reads, checks and then writes (the last free place, a capacity change)
starts with ``begin_write()`` and locks the webinar row, so two requests can never both take the
last place, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from school.database import begin_write
from school.extensions import db
from school.models import Role, User
from school.permissions import can_edit
from school.services import username_key
from school.timeutil import is_valid_timezone, localize, now_utc, to_zone
from webinars.models import (
    RegistrationStatus,
    Webinar,
    WebinarFeedToken,
    WebinarRegistration,
    WebinarStatus,
    webinar_instructors,
)
from webinars.rules import is_web_url, wall_time_exists

PER_PAGE = 20
MAX_PAGE = 10_000
# Ids and counts beyond a 32-bit integer would make PostgreSQL fail instead of answering "no".
MAX_INT = 2**31 - 1
MAX_CAPACITY = 100_000
REGISTRANTS_PER_PAGE = 100
MAX_DURATION_MINUTES = 24 * 60
# How far back calendar feeds keep past webinars, so subscribed calendars do not lose them.
CALENDAR_HISTORY = timedelta(days=365)
CALENDAR_LIMIT = 500
ATOM_LIMIT = 50
DEMO_FILE = Path(__file__).resolve().parent / "demo" / "webinars.yaml"

MESSAGES = {
    "title": _l("Enter a title."),
    "timezone": _l("Unknown time zone. Choose one from the list."),
    "past": _l("This start is in the past. Choose a future date and time."),
    "gap": _l(
        "This time does not exist in the chosen time zone: the clocks go forward then. "
        "Choose another time."
    ),
    "duration": _l("The webinar must end after it starts: enter a duration of at least 1 minute."),
    "too_long": _l("A webinar can last at most 24 hours (1440 minutes)."),
    "capacity_min": _l("Enter at least 1 place, or leave the field empty for no limit."),
    "capacity_max": _l("Enter at most 100000 places, or leave the field empty for no limit."),
    "url": _l("Enter a full web address starting with http:// or https://."),
    "no_instructor": _l("Name at least one instructor."),
}


class WebinarError(ValueError):
    """A refused change: ``errors`` maps form field names (or None) to messages."""

    def __init__(self, message: Any = None, field: str | None = None, errors=None) -> None:
        self.errors: dict[str | None, list[Any]] = {}
        if errors:
            for name, messages in errors.items():
                self.errors[name] = list(messages)
        if message is not None:
            self.errors.setdefault(field, []).append(message)
        super().__init__("; ".join(str(m) for ms in self.errors.values() for m in ms))

    @property
    def message(self) -> Any:
        return next(m for ms in self.errors.values() for m in ms)


@dataclass
class WebinarData:
    """What an instructor enters for a webinar; the start is a wall-clock time in ``timezone``."""

    title: str
    start_date: date
    start_time: time
    timezone: str
    duration_minutes: int
    summary: str = ""
    presenters: str = ""
    series: str | None = None
    capacity: int | None = None
    join_url: str | None = None
    recording_url: str | None = None
    materials: str | None = None
    # Usernames of the instructors who may edit it; None keeps the current ones.
    instructors: list[str] | None = None

    @classmethod
    def from_webinar(cls, webinar: Webinar) -> WebinarData:
        local = to_zone(webinar.starts_at, webinar.timezone)
        return cls(
            title=webinar.title,
            start_date=local.date(),
            start_time=local.time().replace(second=0, microsecond=0),
            timezone=webinar.timezone,
            duration_minutes=webinar.duration_minutes,
            summary=webinar.summary,
            presenters=webinar.presenters,
            series=webinar.series,
            capacity=webinar.capacity,
            join_url=webinar.join_url,
            recording_url=webinar.recording_url,
            materials=webinar.materials,
            instructors=[u.username for u in webinar.instructors],
        )


@dataclass(frozen=True)
class SeatCount:
    registered: int = 0
    waitlisted: int = 0


@dataclass
class Outcome:
    """Result of a registration request, for the message shown to the person."""

    registration: WebinarRegistration | None
    changed: bool = True
    promoted: list[WebinarRegistration] = field(default_factory=list)


# --- permissions ---------------------------------------------------------------------------


def may_edit(user: User, webinar: Webinar) -> bool:
    """Rule for ``school.permissions``: the webinar's own instructors (admins always may)."""
    return user.has_role(Role.INSTRUCTOR) and webinar.is_instructor(user)


def may_view(user: User | None, webinar: Webinar) -> bool:
    """Anyone sees a published webinar; drafts and cancelled ones only their editors."""
    return webinar.is_published


def may_join(user: User | None, webinar: Webinar) -> bool:
    """The join link is for registered people (not the waiting list) and the editors."""
    if not webinar.join_url or user is None or not getattr(user, "is_authenticated", False):
        return False
    if can_edit(user, webinar):
        return True
    if not webinar.is_published:
        return False
    registration = registration_of(user, webinar)
    return registration is not None and registration.status == RegistrationStatus.REGISTERED


# --- reading --------------------------------------------------------------------------------


def get_webinar(webinar_id: int) -> Webinar | None:
    if not 0 < webinar_id <= MAX_INT:
        return None
    return db.session.get(Webinar, webinar_id)


def upcoming(page: int = 1, per_page: int = PER_PAGE, now: datetime | None = None):
    """Published webinars that have not ended yet, soonest first."""
    stmt = (
        select(Webinar)
        .where(
            Webinar.status == WebinarStatus.PUBLISHED.value, Webinar.ends_at > (now or now_utc())
        )
        .order_by(Webinar.starts_at, Webinar.id)
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def past(page: int = 1, per_page: int = PER_PAGE, now: datetime | None = None):
    """Published webinars that have ended, latest first."""
    stmt = (
        select(Webinar)
        .where(
            Webinar.status == WebinarStatus.PUBLISHED.value, Webinar.ends_at <= (now or now_utc())
        )
        .order_by(Webinar.starts_at.desc(), Webinar.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def managed(user: User, page: int = 1, per_page: int = PER_PAGE):
    """Every webinar ``user`` may edit (all of them for admins), latest start first."""
    stmt = select(Webinar).order_by(Webinar.starts_at.desc(), Webinar.id.desc())
    if not user.is_admin:
        stmt = stmt.join(webinar_instructors).where(webinar_instructors.c.user_id == user.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def seat_counts(webinar_ids: Iterable[int]) -> dict[int, SeatCount]:
    """Registered and waitlisted people per webinar, in one query."""
    ids = list(webinar_ids)
    counts: dict[int, SeatCount] = {i: SeatCount() for i in ids}
    if not ids:
        return counts
    rows = db.session.execute(
        select(WebinarRegistration.webinar_id, WebinarRegistration.status, func.count())
        .where(WebinarRegistration.webinar_id.in_(ids))
        .group_by(WebinarRegistration.webinar_id, WebinarRegistration.status)
    )
    raw: dict[int, dict[str, int]] = {}
    for webinar_id, status, count in rows:
        raw.setdefault(webinar_id, {})[status] = count
    for webinar_id, by_status in raw.items():
        counts[webinar_id] = SeatCount(
            registered=by_status.get(RegistrationStatus.REGISTERED.value, 0),
            waitlisted=by_status.get(RegistrationStatus.WAITLISTED.value, 0),
        )
    return counts


def registration_of(user: User | None, webinar: Webinar) -> WebinarRegistration | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(WebinarRegistration).where(
            WebinarRegistration.webinar_id == webinar.id, WebinarRegistration.user_id == user.id
        )
    )


def waitlist_position(registration: WebinarRegistration) -> int | None:
    """1 for the first person on the waiting list; None when not waitlisted."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(WebinarRegistration)
        .where(
            WebinarRegistration.webinar_id == registration.webinar_id,
            WebinarRegistration.status == RegistrationStatus.WAITLISTED.value,
            or_(
                WebinarRegistration.registered_at < registration.registered_at,
                (WebinarRegistration.registered_at == registration.registered_at)
                & (WebinarRegistration.id < registration.id),
            ),
        )
    )
    return (ahead or 0) + 1


_STATUS_ORDER = {
    RegistrationStatus.REGISTERED.value: 0,
    RegistrationStatus.WAITLISTED.value: 1,
    RegistrationStatus.CANCELLED.value: 2,
}


def _registrants_stmt(webinar: Webinar):
    order = case(_STATUS_ORDER, value=WebinarRegistration.status, else_=3)
    return (
        select(WebinarRegistration)
        .join(WebinarRegistration.user)
        .options(contains_eager(WebinarRegistration.user))
        .where(WebinarRegistration.webinar_id == webinar.id)
        .order_by(order, WebinarRegistration.registered_at, WebinarRegistration.id)
    )


def registrants(webinar: Webinar, page: int = 1, per_page: int = REGISTRANTS_PER_PAGE):
    """Everyone who registered, registered first, then the waiting list in order, then cancelled."""
    return db.paginate(_registrants_stmt(webinar), page=page, per_page=per_page, error_out=False)


def all_registrants(webinar: Webinar) -> list[WebinarRegistration]:
    return list(db.session.scalars(_registrants_stmt(webinar)))


def _my_active(user: User):
    return (
        select(WebinarRegistration)
        .join(Webinar)
        .options(contains_eager(WebinarRegistration.webinar))
        .where(
            WebinarRegistration.user_id == user.id,
            WebinarRegistration.status.in_(
                [RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITLISTED.value]
            ),
        )
    )


def my_upcoming(user: User, now: datetime | None = None) -> list[WebinarRegistration]:
    """My registrations for webinars that have not ended, soonest first.

    Cancelled and withdrawn webinars stay on this list, so people learn about the change.
    """
    stmt = _my_active(user).where(Webinar.ends_at > (now or now_utc()))
    return list(db.session.scalars(stmt.order_by(Webinar.starts_at, Webinar.id)))


def my_past(user: User, page: int = 1, per_page: int = PER_PAGE, now: datetime | None = None):
    """My registrations for webinars that have ended, latest first, a page at a time."""
    stmt = _my_active(user).where(Webinar.ends_at <= (now or now_utc()))
    stmt = stmt.order_by(Webinar.starts_at.desc(), Webinar.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def public_calendar(now: datetime | None = None) -> list[Webinar]:
    """Webinars for the public calendar feed: published and cancelled ones (so subscribed
    calendars learn of a cancellation), from a year ago on."""
    since = (now or now_utc()) - CALENDAR_HISTORY
    return list(
        db.session.scalars(
            select(Webinar)
            .where(
                Webinar.status.in_([WebinarStatus.PUBLISHED.value, WebinarStatus.CANCELLED.value]),
                Webinar.ends_at >= since,
            )
            .order_by(Webinar.starts_at, Webinar.id)
            .limit(CALENDAR_LIMIT)
        )
    )


def personal_calendar(user: User, now: datetime | None = None) -> list[WebinarRegistration]:
    """My registrations for the personal calendar feed (withdrawn drafts left out)."""
    since = (now or now_utc()) - CALENDAR_HISTORY
    return list(
        db.session.scalars(
            select(WebinarRegistration)
            .join(Webinar)
            .options(contains_eager(WebinarRegistration.webinar))
            .where(
                WebinarRegistration.user_id == user.id,
                WebinarRegistration.status.in_(
                    [RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITLISTED.value]
                ),
                Webinar.status.in_([WebinarStatus.PUBLISHED.value, WebinarStatus.CANCELLED.value]),
                Webinar.ends_at >= since,
            )
            .order_by(Webinar.starts_at, Webinar.id)
            .limit(CALENDAR_LIMIT)
        )
    )


def announcements(now: datetime | None = None) -> list[Webinar]:
    """Upcoming published webinars for the Atom feed, soonest first."""
    return list(
        db.session.scalars(
            select(Webinar)
            .where(
                Webinar.status == WebinarStatus.PUBLISHED.value,
                Webinar.ends_at > (now or now_utc()),
            )
            .order_by(Webinar.starts_at, Webinar.id)
            .limit(ATOM_LIMIT)
        )
    )


# --- planning -------------------------------------------------------------------------------


def _resolve_instructors(usernames: list[str]) -> tuple[list[User], list[Any]]:
    users: list[User] = []
    problems: list[Any] = []
    seen: set[int] = set()
    for name in usernames:
        name = name.strip()
        if not name:
            continue
        user = db.session.scalar(select(User).where(User.username_key == username_key(name)))
        if user is None or not user.has_role(Role.INSTRUCTOR) or not user.is_active_account:
            problems.append(_l("%(name)s is not an instructor's username.", name=name))
        elif user.id not in seen:
            seen.add(user.id)
            users.append(user)
    return users, problems


def _check(
    data: WebinarData,
    *,
    new: bool,
    registered: int = 0,
    allow_past: bool = False,
    now: datetime | None = None,
) -> tuple[dict[str, list[Any]], datetime | None]:
    """Validate ``data``; return the problems per field and the UTC start when it is valid."""
    errors: dict[str, list[Any]] = {}

    def add(name: str, message: Any) -> None:
        errors.setdefault(name, []).append(message)

    if not (data.title or "").strip():
        add("title", MESSAGES["title"])
    if data.duration_minutes is None or data.duration_minutes <= 0:
        add("duration_minutes", MESSAGES["duration"])
    elif data.duration_minutes > MAX_DURATION_MINUTES:
        add("duration_minutes", MESSAGES["too_long"])
    if data.capacity is not None:
        if data.capacity < 1:
            add("capacity", MESSAGES["capacity_min"])
        elif data.capacity > MAX_CAPACITY:
            add("capacity", MESSAGES["capacity_max"])
        elif data.capacity < registered:
            add(
                "capacity",
                _l(
                    "Already registered: %(count)s. The number of places cannot be lower "
                    "than that.",
                    count=registered,
                ),
            )
    for name in ("join_url", "recording_url"):
        value = getattr(data, name)
        if value and not is_web_url(value):
            add(name, MESSAGES["url"])
    starts_at = None
    if not is_valid_timezone(data.timezone or ""):
        add("timezone", MESSAGES["timezone"])
    elif data.start_date is not None and data.start_time is not None:
        if not wall_time_exists(data.start_date, data.start_time, data.timezone):
            add("start_time", MESSAGES["gap"])
        else:
            starts_at = localize(data.start_date, data.start_time, data.timezone)
            if new and not allow_past and starts_at <= (now or now_utc()):
                add("start_date", MESSAGES["past"])
    return errors, starts_at


def _calendar_fingerprint(webinar: Webinar) -> tuple:
    """The fields a calendar shows; SEQUENCE grows when any of them changes."""
    return (
        webinar.title,
        webinar.summary,
        webinar.presenters,
        webinar.series,
        webinar.starts_at,
        webinar.ends_at,
        webinar.timezone,
        webinar.join_url,
        webinar.status,
    )


def _apply(webinar: Webinar, data: WebinarData, starts_at: datetime) -> None:
    webinar.title = data.title.strip()
    webinar.summary = (data.summary or "").strip()
    webinar.presenters = "\n".join(
        line.strip() for line in (data.presenters or "").splitlines() if line.strip()
    )
    webinar.series = (data.series or "").strip() or None
    webinar.timezone = data.timezone
    webinar.starts_at = starts_at
    webinar.duration_minutes = data.duration_minutes
    webinar.ends_at = starts_at + timedelta(minutes=data.duration_minutes)
    webinar.capacity = data.capacity
    webinar.join_url = (data.join_url or "").strip() or None
    webinar.recording_url = (data.recording_url or "").strip() or None
    webinar.materials = (data.materials or "").strip() or None


def problems(data: WebinarData, webinar: Webinar | None = None) -> dict[str, list[Any]]:
    """What is wrong with ``data`` for a new webinar or an edit of ``webinar``; changes nothing.

    Lets a form show these next to its own checks, so every problem is reported at once.
    """
    registered = _registered_count(webinar.id) if webinar is not None else 0
    errors, _starts_at = _check(data, new=webinar is None, registered=registered)
    if data.instructors is not None:
        _users, wrong = _resolve_instructors(data.instructors)
        if wrong:
            errors.setdefault("instructors", []).extend(wrong)
    return errors


def create_webinar(
    actor: User,
    data: WebinarData,
    *,
    allow_past: bool = False,
    status: WebinarStatus = WebinarStatus.DRAFT,
    is_demo: bool = False,
) -> Webinar:
    """Plan a new webinar (a draft unless told otherwise); the creator is one of its instructors."""
    errors, starts_at = _check(data, new=True, allow_past=allow_past)
    instructors = [actor]
    if data.instructors is not None:
        extra, problems = _resolve_instructors(data.instructors)
        if problems:
            errors.setdefault("instructors", []).extend(problems)
        instructors += [u for u in extra if u.id != actor.id]
    if errors or starts_at is None:
        raise WebinarError(errors=errors)
    now = now_utc()
    webinar = Webinar(created_by=actor, created_at=now, updated_at=now, is_demo=is_demo)
    _apply(webinar, data, starts_at)
    webinar.instructors = instructors
    webinar.status = WebinarStatus(status).value
    if webinar.status != WebinarStatus.DRAFT:
        webinar.published_at = now
    db.session.add(webinar)
    db.session.commit()
    return webinar


def _lock(webinar_id: int) -> Webinar | None:
    """The webinar, locked for this transaction (PostgreSQL; SQLite holds the write lock)."""
    return db.session.execute(
        select(Webinar)
        .where(Webinar.id == webinar_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _registered_count(webinar_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(WebinarRegistration)
            .where(
                WebinarRegistration.webinar_id == webinar_id,
                WebinarRegistration.status == RegistrationStatus.REGISTERED.value,
            )
        )
        or 0
    )


def _locked(webinar_id: int) -> Webinar:
    if not 0 < webinar_id <= MAX_INT:
        raise LookupError(webinar_id)
    begin_write()
    webinar = _lock(webinar_id)
    if webinar is None:
        db.session.rollback()
        raise LookupError(webinar_id)
    return webinar


def update_webinar(actor: User, webinar_id: int, data: WebinarData) -> Webinar:
    """Save an edit. Raising the capacity (or removing it) moves people up from the waiting list."""
    webinar = _locked(webinar_id)
    registered = _registered_count(webinar.id)
    errors, starts_at = _check(data, new=False, registered=registered)
    instructors = None
    if data.instructors is not None:
        instructors, problems = _resolve_instructors(data.instructors)
        if problems:
            errors.setdefault("instructors", []).extend(problems)
        elif not instructors:
            errors.setdefault("instructors", []).append(MESSAGES["no_instructor"])
    if errors or starts_at is None:
        db.session.rollback()
        raise WebinarError(errors=errors)
    before = _calendar_fingerprint(webinar)
    _apply(webinar, data, starts_at)
    if instructors is not None:
        webinar.instructors = instructors
    if _calendar_fingerprint(webinar) != before:
        webinar.sequence += 1
    webinar.updated_at = now_utc()
    _promote(webinar)
    db.session.commit()
    return webinar


def _transition(webinar_id: int, check: Callable[[Webinar, datetime], None], apply) -> Webinar:
    webinar = _locked(webinar_id)
    now = now_utc()
    try:
        check(webinar, now)
    except WebinarError:
        db.session.rollback()
        raise
    apply(webinar, now)
    webinar.updated_at = now
    db.session.commit()
    return webinar


def publish(webinar_id: int) -> Webinar:
    """Put a draft on the public schedule."""

    def check(webinar: Webinar, now: datetime) -> None:
        if not webinar.is_draft:
            raise WebinarError(_l("Only a draft can be published."))

    def apply(webinar: Webinar, now: datetime) -> None:
        webinar.status = WebinarStatus.PUBLISHED.value
        webinar.published_at = webinar.published_at or now
        _promote(webinar)

    return _transition(webinar_id, check, apply)


def unpublish(webinar_id: int) -> Webinar:
    """Take a webinar off the schedule; registrations are kept for when it comes back."""

    def check(webinar: Webinar, now: datetime) -> None:
        if not webinar.is_published:
            raise WebinarError(_l("Only a published webinar can be unpublished."))

    def apply(webinar: Webinar, now: datetime) -> None:
        webinar.status = WebinarStatus.DRAFT.value

    return _transition(webinar_id, check, apply)


def cancel_webinar(webinar_id: int) -> Webinar:
    """Cancel a published webinar; calendars get STATUS:CANCELLED, registrants see it marked."""

    def check(webinar: Webinar, now: datetime) -> None:
        if not webinar.is_published:
            raise WebinarError(_l("Only a published webinar can be cancelled."))
        if webinar.has_ended(now):
            raise WebinarError(_l("This webinar has already taken place."))

    def apply(webinar: Webinar, now: datetime) -> None:
        webinar.status = WebinarStatus.CANCELLED.value
        webinar.cancelled_at = now
        webinar.sequence += 1

    return _transition(webinar_id, check, apply)


def restore_webinar(webinar_id: int) -> Webinar:
    """Undo a cancellation: the webinar is published again with its registrations."""

    def check(webinar: Webinar, now: datetime) -> None:
        if not webinar.is_cancelled:
            raise WebinarError(_l("This webinar is not cancelled."))
        if webinar.has_ended(now):
            raise WebinarError(_l("This webinar has already taken place."))

    def apply(webinar: Webinar, now: datetime) -> None:
        webinar.status = WebinarStatus.PUBLISHED.value
        webinar.cancelled_at = None
        webinar.sequence += 1
        _promote(webinar)

    return _transition(webinar_id, check, apply)


def delete_webinar(webinar_id: int) -> None:
    """Delete a draft nobody is registered for (a published one is cancelled instead)."""
    webinar = _locked(webinar_id)
    if not webinar.is_draft:
        db.session.rollback()
        raise WebinarError(_l("Only a draft can be deleted. Cancel a published webinar instead."))
    active = db.session.scalar(
        select(func.count())
        .select_from(WebinarRegistration)
        .where(
            WebinarRegistration.webinar_id == webinar.id,
            WebinarRegistration.status != RegistrationStatus.CANCELLED.value,
        )
    )
    if active:
        db.session.rollback()
        raise WebinarError(_l("People are registered for this webinar, so it cannot be deleted."))
    db.session.execute(
        delete(WebinarRegistration).where(WebinarRegistration.webinar_id == webinar.id)
    )
    db.session.execute(
        delete(webinar_instructors).where(webinar_instructors.c.webinar_id == webinar.id)
    )
    db.session.delete(webinar)
    db.session.commit()


# --- registration ---------------------------------------------------------------------------


def _promote(webinar: Webinar, now: datetime | None = None) -> list[WebinarRegistration]:
    """Fill free places from the waiting list, first come first served. Caller holds the lock."""
    now = now or now_utc()
    if not webinar.is_published or webinar.has_started(now):
        return []
    db.session.flush()
    stmt = (
        select(WebinarRegistration)
        .where(
            WebinarRegistration.webinar_id == webinar.id,
            WebinarRegistration.status == RegistrationStatus.WAITLISTED.value,
        )
        .order_by(WebinarRegistration.registered_at, WebinarRegistration.id)
        .with_for_update()
    )
    if webinar.capacity is not None:
        free = webinar.capacity - _registered_count(webinar.id)
        if free <= 0:
            return []
        stmt = stmt.limit(free)
    promoted = list(db.session.scalars(stmt))
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED.value
        registration.promoted_at = now
    return promoted


def register(user: User, webinar_id: int) -> Outcome:
    """Take a place, or a place on the waiting list when the webinar is full."""
    webinar = _locked(webinar_id)
    now = now_utc()
    if not webinar.is_published:
        db.session.rollback()
        raise WebinarError(_l("Registration is not open for this webinar."))
    if webinar.has_started(now):
        db.session.rollback()
        raise WebinarError(_l("Registration has closed: the webinar has already started."))
    registration = db.session.execute(
        select(WebinarRegistration)
        .where(
            WebinarRegistration.webinar_id == webinar.id,
            WebinarRegistration.user_id == user.id,
        )
        .with_for_update()
    ).scalar_one_or_none()
    if registration is not None and registration.is_active:
        db.session.commit()
        return Outcome(registration, changed=False)
    full = webinar.capacity is not None and _registered_count(webinar.id) >= webinar.capacity
    status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
    if registration is None:
        registration = WebinarRegistration(webinar_id=webinar.id, user_id=user.id)
        db.session.add(registration)
    registration.status = status.value
    registration.registered_at = now
    registration.promoted_at = None
    registration.cancelled_at = None
    try:
        db.session.commit()
    except IntegrityError:
        # A second click that raced the first: the place it asked for already exists.
        db.session.rollback()
        existing = db.session.scalar(
            select(WebinarRegistration).where(
                WebinarRegistration.webinar_id == webinar_id,
                WebinarRegistration.user_id == user.id,
            )
        )
        return Outcome(existing, changed=False)
    return Outcome(registration)


def cancel_registration(user: User, webinar_id: int) -> Outcome:
    """Give up a place (or a place in the queue); the first waitlisted person moves up."""
    webinar = _locked(webinar_id)
    now = now_utc()
    registration = db.session.execute(
        select(WebinarRegistration)
        .where(
            WebinarRegistration.webinar_id == webinar.id,
            WebinarRegistration.user_id == user.id,
        )
        .with_for_update()
    ).scalar_one_or_none()
    if registration is None or not registration.is_active:
        db.session.commit()
        return Outcome(registration, changed=False)
    if webinar.has_started(now):
        db.session.rollback()
        raise WebinarError(_l("The webinar has already started; the registration stays."))
    held_place = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED.value
    registration.cancelled_at = now
    registration.promoted_at = None
    promoted = _promote(webinar, now) if held_place else []
    db.session.commit()
    return Outcome(registration, promoted=promoted)


# --- personal calendar feed -----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token_of(user: User) -> WebinarFeedToken | None:
    return db.session.scalar(select(WebinarFeedToken).where(WebinarFeedToken.user_id == user.id))


def issue_feed_token(user: User) -> str:
    """Create a new secret feed address for ``user``; any earlier one stops working."""
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(WebinarFeedToken).where(WebinarFeedToken.user_id == user.id))
    db.session.add(WebinarFeedToken(user_id=user.id, token_hash=_token_hash(token)))
    db.session.commit()
    return token


def revoke_feed_token(user: User) -> bool:
    result = db.session.execute(delete(WebinarFeedToken).where(WebinarFeedToken.user_id == user.id))
    db.session.commit()
    return bool(result.rowcount)


def user_for_feed_token(token: str) -> User | None:
    """The active owner of a feed token, or None."""
    if not token or len(token) > 128:
        return None
    row = db.session.scalar(
        select(WebinarFeedToken).where(WebinarFeedToken.token_hash == _token_hash(token))
    )
    if row is None or not row.user.is_active_account:
        return None
    return row.user


# --- account data ---------------------------------------------------------------------------


def export_user(user: User) -> dict[str, Any]:
    """My webinar registrations, my feed (not its secret) and the webinars I teach."""
    registrations = db.session.scalars(
        select(WebinarRegistration)
        .where(WebinarRegistration.user_id == user.id)
        .order_by(WebinarRegistration.registered_at)
    )
    token = feed_token_of(user)
    teaching = db.session.scalars(
        select(Webinar)
        .join(webinar_instructors)
        .where(webinar_instructors.c.user_id == user.id)
        .order_by(Webinar.starts_at)
    )
    return {
        "registrations": [
            {
                "webinar_id": r.webinar_id,
                "webinar": r.webinar.title,
                "starts_at": r.webinar.starts_at.isoformat(),
                "status": r.status,
                "registered_at": r.registered_at.isoformat(),
                "promoted_at": r.promoted_at.isoformat() if r.promoted_at else None,
                "cancelled_at": r.cancelled_at.isoformat() if r.cancelled_at else None,
            }
            for r in registrations
        ],
        "calendar_feed": {"created_at": token.created_at.isoformat()} if token else None,
        "webinars_as_instructor": [{"id": w.id, "title": w.title} for w in teaching],
    }


def erase_user(user: User) -> None:
    """Remove my registrations and feed before the account goes; free places go to the queue.

    Runs inside the account deletion's transaction, so it does not start a new one.
    """
    now = now_utc()
    held = list(
        db.session.scalars(
            select(WebinarRegistration.webinar_id)
            .join(Webinar)
            .where(
                WebinarRegistration.user_id == user.id,
                WebinarRegistration.status == RegistrationStatus.REGISTERED.value,
                Webinar.starts_at > now,
            )
        )
    )
    db.session.execute(delete(WebinarRegistration).where(WebinarRegistration.user_id == user.id))
    db.session.execute(delete(WebinarFeedToken).where(WebinarFeedToken.user_id == user.id))
    db.session.execute(delete(webinar_instructors).where(webinar_instructors.c.user_id == user.id))
    # Authored webinars stay, shown as by a deleted user (also where foreign keys are off).
    db.session.execute(
        update(Webinar).where(Webinar.created_by_id == user.id).values(created_by_id=None)
    )
    for webinar_id in held:
        webinar = _lock(webinar_id)
        if webinar is not None:
            _promote(webinar, now)
    db.session.flush()


# --- demonstration content ------------------------------------------------------------------


def _parse_clock(value: Any) -> time:
    if isinstance(value, int):  # YAML 1.1 reads 19:00 unquoted as a sexagesimal number
        return time(value // 60, value % 60)
    return time.fromisoformat(str(value))


def seed_demo(users: dict[str, User], log: Callable[[str], None], path: Path | None = None) -> None:
    """Load the demo schedule from YAML: dates relative to today, past ones already held.

    Idempotent: a demo webinar with the same title is not created twice.
    """
    import yaml

    path = path or DEMO_FILE
    if not path.exists():
        log(f"  no demo schedule at {path}")
        return
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    owner = users.get(Role.INSTRUCTOR.value) or users.get(Role.ADMIN.value)
    student = users.get(Role.STUDENT.value)
    if owner is None:
        log("  no demo instructor; demo schedule skipped")
        return
    now = now_utc()
    created = 0
    first_upcoming: Webinar | None = None
    for item in items:
        title = str(item["title"]).strip()
        existing = db.session.scalar(
            select(Webinar).where(Webinar.is_demo.is_(True), Webinar.title == title)
        )
        if existing is not None:
            continue
        tz_name = item.get("timezone") or "Europe/Moscow"
        today = to_zone(now, tz_name).date() if is_valid_timezone(tz_name) else now.date()
        presenters = item.get("presenters") or []
        if isinstance(presenters, str):
            presenters = [presenters]
        data = WebinarData(
            title=title,
            summary=str(item.get("summary") or ""),
            presenters="\n".join(str(p) for p in presenters),
            series=item.get("series"),
            start_date=today + timedelta(days=int(item.get("starts_in_days", 7))),
            start_time=_parse_clock(item.get("local_time", "19:00")),
            timezone=tz_name,
            duration_minutes=int(item.get("duration_minutes") or 90),
            capacity=item.get("capacity"),
            join_url=item.get("join_url"),
            recording_url=item.get("recording_url"),
            materials=item.get("materials"),
        )
        try:
            webinar = create_webinar(
                owner,
                data,
                allow_past=True,
                status=WebinarStatus.PUBLISHED,
                is_demo=bool(item.get("demo", True)),
            )
        except WebinarError as error:
            raise ValueError(f"demo webinar {item.get('slug') or title!r}: {error}") from error
        if webinar.starts_at < now:
            # Announced a few weeks before it was held.
            webinar.created_at = webinar.published_at = webinar.starts_at - timedelta(days=21)
            webinar.updated_at = webinar.ends_at
        elif first_upcoming is None:
            first_upcoming = webinar
        if student is not None and (webinar.starts_at < now or webinar is first_upcoming):
            db.session.add(
                WebinarRegistration(
                    webinar_id=webinar.id,
                    user_id=student.id,
                    status=RegistrationStatus.REGISTERED.value,
                    registered_at=min(now, webinar.starts_at - timedelta(days=3)),
                )
            )
        db.session.commit()
        created += 1
    log(f"  {created} demo webinars")
