"""A person's webinar data: the account export, and erasure when the account goes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from school.extensions import db
from school.models import User
from school.timeutil import now_utc
from school.unlink import unlink_user
from webinars.models import (
    RegistrationStatus,
    Webinar,
    WebinarFeedToken,
    WebinarRegistration,
    webinar_instructors,
)
from webinars.services.common import _lock
from webinars.services.registration import _promote
from webinars.services.subscriptions import feed_token_of


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
    unlink_user(user, Webinar.created_by_id)
    for webinar_id in held:
        webinar = _lock(webinar_id)
        if webinar is not None:
            _promote(webinar, now)
    db.session.flush()
