"""Registration with a waiting list: taking and giving up a place, moving people up, and
the lists of registrants and of one person's webinars."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Integer, case, func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from school.extensions import db
from school.models import User
from school.notifications import Kind
from school.timeutil import now_utc
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration
from webinars.services.common import (
    PER_PAGE,
    WebinarError,
    _locked,
    _registered_count,
    active_registrations,
    tell,
)
from webinars.services.schedule import SeatCount

REGISTRANTS_PER_PAGE = 100


@dataclass
class Outcome:
    """Result of a registration request, for the message shown to the person."""

    registration: WebinarRegistration | None
    changed: bool = True
    promoted: list[WebinarRegistration] = field(default_factory=list)


def registration_of(user: User | None, webinar: Webinar) -> WebinarRegistration | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    stmt = select(WebinarRegistration).filter_by(webinar_id=webinar.id, user_id=user.id)
    return db.session.scalar(stmt)


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


class RegistrantsPagination(Pagination):
    """A page of :func:`registrants` and the seat counts, in two queries at any size.

    The number of registrations of each status comes first (one grouped count); from it, the
    page's rows are known to be a stretch of one status's registrations, or the end of one and
    the start of the next, each read in order from the ``(webinar_id, status, registered_at,
    id)`` index instead of sorting every registration of the webinar.
    """

    def __init__(self, webinar: Webinar, page: int, per_page: int) -> None:
        self.by_status: dict[str, int] = dict(
            db.session.execute(
                select(WebinarRegistration.status, func.count())
                .where(WebinarRegistration.webinar_id == webinar.id)
                .group_by(WebinarRegistration.status)
            ).all()
        )
        super().__init__(page=page, per_page=per_page, error_out=False, webinar=webinar)

    @property
    def seats(self) -> SeatCount:
        return SeatCount(
            registered=self.by_status.get(RegistrationStatus.REGISTERED.value, 0),
            waitlisted=self.by_status.get(RegistrationStatus.WAITLISTED.value, 0),
        )

    def _segments(self):
        """(rank, condition, count) of each status in the page's order; others last."""
        for status, rank in _STATUS_ORDER.items():
            yield rank, WebinarRegistration.status == status, self.by_status.get(status, 0)
        others = sum(n for status, n in self.by_status.items() if status not in _STATUS_ORDER)
        yield len(_STATUS_ORDER), WebinarRegistration.status.not_in(list(_STATUS_ORDER)), others

    def _query_items(self) -> list[WebinarRegistration]:
        webinar = self._query_args["webinar"]
        start, stop = self._query_offset, self._query_offset + self.per_page
        parts = []
        before = 0  # rows of the statuses before this one
        for rank, condition, count in self._segments():
            first, last = max(start - before, 0), min(stop - before, count)
            if first < last:
                part = (
                    select(WebinarRegistration.id, literal(rank, Integer).label("rank"))
                    .where(WebinarRegistration.webinar_id == webinar.id, condition)
                    .order_by(WebinarRegistration.registered_at, WebinarRegistration.id)
                    .offset(first)
                    .limit(last - first)
                    .subquery()
                )
                parts.append(select(part.c.id, part.c.rank))
            before += count
        if not parts:
            return []
        page = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("page")
        stmt = (
            select(WebinarRegistration)
            .join(page, page.c.id == WebinarRegistration.id)
            .join(WebinarRegistration.user)
            .options(contains_eager(WebinarRegistration.user))
            .order_by(page.c.rank, WebinarRegistration.registered_at, WebinarRegistration.id)
        )
        return list(db.session.scalars(stmt))

    def _query_count(self) -> int:
        return sum(self.by_status.values())


def registrants(webinar: Webinar, page: int = 1, per_page: int = REGISTRANTS_PER_PAGE):
    """Everyone who registered, registered first, then the waiting list in order, then cancelled;
    the page's ``seats`` are the webinar's seat counts."""
    return RegistrantsPagination(webinar, page, per_page)


def all_registrants(webinar: Webinar) -> list[WebinarRegistration]:
    return list(db.session.scalars(_registrants_stmt(webinar)))


def my_upcoming(user: User, now: datetime | None = None) -> list[WebinarRegistration]:
    """My registrations for webinars that have not ended, soonest first.

    Cancelled and withdrawn webinars stay on this list, so people learn about the change.
    """
    stmt = active_registrations(user).where(Webinar.ends_at > (now or now_utc()))
    return list(db.session.scalars(stmt.order_by(Webinar.starts_at, Webinar.id)))


def my_past(user: User, page: int = 1, per_page: int = PER_PAGE, now: datetime | None = None):
    """My registrations for webinars that have ended, latest first, a page at a time."""
    stmt = active_registrations(user).where(Webinar.ends_at <= (now or now_utc()))
    stmt = stmt.order_by(Webinar.starts_at.desc(), Webinar.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


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
    if promoted:
        tell(webinar, Kind.WAITLIST_PLACE, [r.user_id for r in promoted])
    return promoted


def _locked_registration(webinar: Webinar, user: User) -> WebinarRegistration | None:
    """The user's registration for the webinar, if any, locked until the transaction ends."""
    return db.session.execute(
        select(WebinarRegistration)
        .where(
            WebinarRegistration.webinar_id == webinar.id,
            WebinarRegistration.user_id == user.id,
        )
        .with_for_update()
    ).scalar_one_or_none()


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
    registration = _locked_registration(webinar, user)
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
    registration = _locked_registration(webinar, user)
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
