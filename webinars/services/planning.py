"""Instructors' changes: checking what they enter, creating and editing a webinar, and
its life from draft to published, cancelled or deleted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, select

from school.extensions import db
from school.models import Role, User
from school.notifications import Kind
from school.services import username_key
from school.textinput import clean_text
from school.timeutil import is_valid_timezone, localize, now_utc, to_zone
from webinars.models import (
    RegistrationStatus,
    Webinar,
    WebinarRegistration,
    WebinarStatus,
    webinar_instructors,
)
from webinars.rules import is_web_url, wall_time_exists
from webinars.services.common import WebinarError, _locked, _registered_count, tell
from webinars.services.registration import _promote
from webinars.services.subscriptions import feed_changed

MAX_CAPACITY = 100_000
MAX_DURATION_MINUTES = 24 * 60
MAX_REASON = 1000

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
                ngettext(
                    "%(num)d person is already registered: there cannot be fewer places.",
                    "%(num)d people are already registered: there cannot be fewer places.",
                    registered,
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
        feed_changed(now)
    db.session.add(webinar)
    db.session.commit()
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
    started_at = webinar.starts_at
    _apply(webinar, data, starts_at)
    if instructors is not None:
        webinar.instructors = instructors
    if _calendar_fingerprint(webinar) != before:
        webinar.sequence += 1
    webinar.updated_at = now_utc()
    if not webinar.is_draft:
        feed_changed(webinar.updated_at)
    if webinar.starts_at != started_at and webinar.is_published and not webinar.has_ended():
        tell(webinar, Kind.WEBINAR_MOVED, starts_at=webinar.starts_at, timezone=webinar.timezone)
    _promote(webinar)
    db.session.commit()
    return webinar


@dataclass(frozen=True)
class _StatusChange:
    """A change of a webinar's status: the webinars it ``allows`` (the others get ``refusal``),
    whether an ended webinar is refused too, and what it does (``apply(webinar, now)``)."""

    allows: Callable[[Webinar], bool]
    refusal: Any
    apply: Callable[[Webinar, datetime], None]
    refused_once_ended: bool = False


def _change_status(webinar_id: int, change: _StatusChange) -> Webinar:
    """Lock the webinar, check that ``change`` may happen (a refusal rolls back), make it and
    commit."""
    webinar = _locked(webinar_id)
    now = now_utc()
    refusal = None
    if not change.allows(webinar):
        refusal = change.refusal
    elif change.refused_once_ended and webinar.has_ended(now):
        refusal = _l("This webinar has already taken place.")
    if refusal is not None:
        db.session.rollback()
        raise WebinarError(refusal)
    change.apply(webinar, now)
    webinar.updated_at = now
    feed_changed(now)  # each change puts a webinar on the schedule or takes one off
    db.session.commit()
    return webinar


def _put_on_schedule(webinar: Webinar, now: datetime) -> None:
    if webinar.published_at is not None:
        webinar.sequence += 1  # back in registrants' calendars, confirmed again
    webinar.status = WebinarStatus.PUBLISHED.value
    webinar.published_at = webinar.published_at or now
    _promote(webinar)


def _take_off_schedule(webinar: Webinar, now: datetime) -> None:
    """Back to a draft; registrants' calendars see it cancelled, with a new sequence number."""
    webinar.status = WebinarStatus.DRAFT.value
    webinar.sequence += 1


def _set_cancelled(
    cancelled: bool, reason: str | None = None
) -> Callable[[Webinar, datetime], None]:
    """Cancel (for ``reason``), or undo the cancellation; calendars see a new sequence number
    either way, and everyone registered or waiting is told."""

    def apply(webinar: Webinar, now: datetime) -> None:
        status = WebinarStatus.CANCELLED if cancelled else WebinarStatus.PUBLISHED
        webinar.status = status.value
        webinar.cancelled_at = now if cancelled else None
        webinar.cancel_reason = (
            (clean_text(reason or "").strip()[:MAX_REASON] or None) if cancelled else None
        )
        webinar.sequence += 1
        if cancelled:
            tell(webinar, Kind.WEBINAR_CANCELLED, reason=webinar.cancel_reason or "")
        else:
            tell(webinar, Kind.WEBINAR_RESTORED)
            _promote(webinar)

    return apply


_PUBLISH = _StatusChange(
    lambda webinar: webinar.is_draft, _l("Only a draft can be published."), _put_on_schedule
)
_UNPUBLISH = _StatusChange(
    lambda webinar: webinar.is_published,
    _l("Only a published webinar can be unpublished."),
    _take_off_schedule,
)


def _cancel(reason: str | None) -> _StatusChange:
    return _StatusChange(
        lambda webinar: webinar.is_published,
        _l("Only a published webinar can be cancelled."),
        _set_cancelled(True, reason),
        refused_once_ended=True,
    )


_RESTORE = _StatusChange(
    lambda webinar: webinar.is_cancelled,
    _l("This webinar is not cancelled."),
    _set_cancelled(False),
    refused_once_ended=True,
)


def publish(webinar_id: int) -> Webinar:
    """Put a draft on the public schedule."""
    return _change_status(webinar_id, _PUBLISH)


def unpublish(webinar_id: int) -> Webinar:
    """Take a webinar off the schedule; registrations are kept for when it comes back."""
    return _change_status(webinar_id, _UNPUBLISH)


def cancel_webinar(webinar_id: int, reason: str | None = None) -> Webinar:
    """Cancel a published webinar for ``reason`` (the form asks for one): calendars get
    STATUS:CANCELLED, registrants are notified and see it marked, its page says why."""
    return _change_status(webinar_id, _cancel(reason))


def restore_webinar(webinar_id: int) -> Webinar:
    """Undo a cancellation: the webinar is published again with its registrations."""
    return _change_status(webinar_id, _RESTORE)


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
    if webinar.published_at is not None:
        feed_changed(now_utc())
    db.session.delete(webinar)
    db.session.commit()
