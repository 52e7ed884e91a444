"""What subscribers get: the webinars of the public and personal calendar feeds and of the
Atom feed, the feed's time, and the secret, revocable address of a personal feed (only its hash
is stored)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from school.extensions import db
from school.models import User
from school.timeutil import now_utc
from webinars.models import (
    Webinar,
    WebinarFeedMark,
    WebinarFeedToken,
    WebinarRegistration,
    WebinarStatus,
)
from webinars.services.common import active_registrations

# How far back calendar feeds keep past webinars, so subscribed calendars do not lose them.
CALENDAR_HISTORY = timedelta(days=365)
CALENDAR_LIMIT = 500
ATOM_LIMIT = 50
ATOM_FEED = "atom"
# The time of an Atom feed nothing has ever been announced in.
NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def _calendar(stmt: Select, now: datetime | None, *, withdrawn: bool = False) -> list:
    """The rows of ``stmt`` whose webinar belongs in a calendar feed: published and cancelled
    ones (so subscribed calendars learn of a cancellation), and with ``withdrawn`` the ones taken
    off the schedule after publication, from a year ago on, soonest first."""
    since = (now or now_utc()) - CALENDAR_HISTORY
    shown = Webinar.status.in_([WebinarStatus.PUBLISHED.value, WebinarStatus.CANCELLED.value])
    if withdrawn:
        shown = or_(
            shown,
            and_(Webinar.status == WebinarStatus.DRAFT.value, Webinar.published_at.is_not(None)),
        )
    stmt = stmt.where(shown, Webinar.ends_at >= since)
    return list(
        db.session.scalars(stmt.order_by(Webinar.starts_at, Webinar.id).limit(CALENDAR_LIMIT))
    )


def public_calendar(now: datetime | None = None) -> list[Webinar]:
    """Webinars for the public calendar feed."""
    return _calendar(select(Webinar), now)


def personal_calendar(user: User, now: datetime | None = None) -> list[WebinarRegistration]:
    """My registrations for the personal calendar feed; a webinar taken off the schedule stays
    there (as cancelled), so my calendar learns of it instead of losing it."""
    return _calendar(active_registrations(user), now, withdrawn=True)


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


def feed_changed(now: datetime) -> None:
    """Record in the caller's transaction that the Atom feed changed at ``now``: the mark only
    moves forward, whichever of two transactions commits first."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(WebinarFeedMark)
    stmt = insert.values(name=ATOM_FEED, changed_at=now)
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[WebinarFeedMark.name],
            set_={"changed_at": stmt.excluded.changed_at},
            where=WebinarFeedMark.changed_at < stmt.excluded.changed_at,
        )
    )


def atom_updated(entries: list[Webinar], now: datetime | None = None) -> datetime:
    """The Atom feed's ``updated``: its newest entry, the end of the last webinar that has left
    it by taking place, or the last change recorded by :func:`feed_changed`, whichever is latest.
    Editing, ending or removing an entry never makes it go back."""
    now = now or now_utc()
    mark = db.session.scalar(
        select(WebinarFeedMark.changed_at).where(WebinarFeedMark.name == ATOM_FEED)
    )
    ended = db.session.scalar(
        select(func.max(Webinar.ends_at)).where(
            Webinar.status == WebinarStatus.PUBLISHED.value, Webinar.ends_at <= now
        )
    )
    times = [mark, ended, *(webinar.updated_at for webinar in entries)]
    return max((time for time in times if time is not None), default=NEVER)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token_of(user: User) -> WebinarFeedToken | None:
    return db.session.scalar(select(WebinarFeedToken).where(WebinarFeedToken.user_id == user.id))


def issue_feed_token(user: User) -> str:
    """Create a new secret feed address for ``user``; any earlier one stops working (its
    choice of reminders carries over)."""
    token = secrets.token_urlsafe(32)
    earlier = feed_token_of(user)
    reminders = earlier.reminders if earlier is not None else None
    db.session.execute(delete(WebinarFeedToken).where(WebinarFeedToken.user_id == user.id))
    db.session.add(
        WebinarFeedToken(user_id=user.id, token_hash=_token_hash(token), reminders=reminders)
    )
    db.session.commit()
    return token


def set_feed_reminders(user: User, reminders: str | None) -> bool:
    """Choose the reminders of my feed ("1d,1h", "none"; None: the site's default). False
    when I have no feed address."""
    row = feed_token_of(user)
    if row is None:
        return False
    row.reminders = reminders or None
    db.session.commit()
    return True


def revoke_feed_token(user: User) -> bool:
    result = db.session.execute(delete(WebinarFeedToken).where(WebinarFeedToken.user_id == user.id))
    db.session.commit()
    return bool(result.rowcount)


def feed_for_token(token: str) -> WebinarFeedToken | None:
    """The feed of a token, if its owner's account is active; else None."""
    if not token or len(token) > 128:
        return None
    row = db.session.scalar(
        select(WebinarFeedToken).where(WebinarFeedToken.token_hash == _token_hash(token))
    )
    if row is None or not row.user.is_active_account:
        return None
    return row


def user_for_feed_token(token: str) -> User | None:
    """The active owner of a feed token, or None."""
    row = feed_for_token(token)
    return row.user if row is not None else None
