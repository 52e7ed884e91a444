"""Registrations are kept for a while after their webinar, then only how many there were.

``REGISTRATIONS_KEEP_DAYS`` after a webinar ended (90 by default) its registrations are deleted
by ``flask purge``; the webinar keeps the numbers of registered, waitlisted and cancelled
places, with no names. Quiz attempts and certificates are not touched.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, select, update

from school.extensions import db
from school.timeutil import now_utc
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration

DEFAULT_KEEP_DAYS = 90


def keep_days() -> float:
    return float(current_app.config.get("REGISTRATIONS_KEEP_DAYS", DEFAULT_KEEP_DAYS))


def _count(status: RegistrationStatus):
    return (
        select(func.count())
        .select_from(WebinarRegistration)
        .where(WebinarRegistration.webinar_id == Webinar.id, WebinarRegistration.status == status)
        .scalar_subquery()
    )


def purge_registrations(now: datetime | None = None) -> int:
    """Delete the registrations of webinars that ended more than ``keep_days()`` ago, adding
    their numbers to the webinar first; return how many went. Two statements and the delete,
    whatever the number of webinars; the caller commits."""
    now = now or now_utc()
    before = now - timedelta(days=keep_days())
    has_some = exists().where(WebinarRegistration.webinar_id == Webinar.id)
    db.session.execute(
        update(Webinar)
        .where(Webinar.ends_at < before, has_some)
        .values(
            kept_registered=func.coalesce(Webinar.kept_registered, 0)
            + _count(RegistrationStatus.REGISTERED),
            kept_waitlisted=func.coalesce(Webinar.kept_waitlisted, 0)
            + _count(RegistrationStatus.WAITLISTED),
            kept_cancelled=func.coalesce(Webinar.kept_cancelled, 0)
            + _count(RegistrationStatus.CANCELLED),
            registrations_purged_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    ended = select(Webinar.id).where(Webinar.ends_at < before)
    result = db.session.execute(
        delete(WebinarRegistration)
        .where(WebinarRegistration.webinar_id.in_(ended))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
