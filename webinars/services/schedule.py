"""The schedule as people see it: upcoming and past webinars, an instructor's own, seats."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from school.extensions import db
from school.models import User
from school.timeutil import now_utc
from webinars.models import (
    RegistrationStatus,
    Webinar,
    WebinarRegistration,
    WebinarStatus,
    webinar_instructors,
)
from webinars.services.common import MAX_INT, PER_PAGE


@dataclass(frozen=True)
class SeatCount:
    registered: int = 0
    waitlisted: int = 0


def get_webinar(webinar_id: int) -> Webinar | None:
    if not 0 < webinar_id <= MAX_INT:
        return None
    return db.session.get(Webinar, webinar_id)


def upcoming(
    page: int = 1, per_page: int = PER_PAGE, now: datetime | None = None, count: bool = True
):
    """Published webinars that have not ended yet, soonest first (``count=False``: a list with
    no page links, and no query counting the schedule)."""
    stmt = (
        select(Webinar)
        .where(
            Webinar.status == WebinarStatus.PUBLISHED.value, Webinar.ends_at > (now or now_utc())
        )
        .order_by(Webinar.starts_at, Webinar.id)
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=count)


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
