"""What subscribers get: the webinars of the public and personal calendar feeds and of the
Atom feed, and the secret, revocable address of a personal feed (only its hash is stored)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select

from school.extensions import db
from school.models import User
from school.timeutil import now_utc
from webinars.models import (
    Webinar,
    WebinarFeedToken,
    WebinarRegistration,
    WebinarStatus,
)
from webinars.services.common import active_registrations

# How far back calendar feeds keep past webinars, so subscribed calendars do not lose them.
CALENDAR_HISTORY = timedelta(days=365)
CALENDAR_LIMIT = 500
ATOM_LIMIT = 50


def _calendar(stmt: Select, now: datetime | None) -> list:
    """The rows of ``stmt`` whose webinar belongs in a calendar feed: published and cancelled
    ones (so subscribed calendars learn of a cancellation), from a year ago on, soonest first."""
    since = (now or now_utc()) - CALENDAR_HISTORY
    stmt = stmt.where(
        Webinar.status.in_([WebinarStatus.PUBLISHED.value, WebinarStatus.CANCELLED.value]),
        Webinar.ends_at >= since,
    )
    return list(
        db.session.scalars(stmt.order_by(Webinar.starts_at, Webinar.id).limit(CALENDAR_LIMIT))
    )


def public_calendar(now: datetime | None = None) -> list[Webinar]:
    """Webinars for the public calendar feed."""
    return _calendar(select(Webinar), now)


def personal_calendar(user: User, now: datetime | None = None) -> list[WebinarRegistration]:
    """My registrations for the personal calendar feed (withdrawn drafts left out)."""
    return _calendar(active_registrations(user), now)


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
