"""Notifications inside the site: the core's API for features, and what a person sees of them.

A feature tells people something with :func:`send` inside its own transaction (the
notification is committed with the change it tells of, or not at all): one statement, whatever
the number of people, and nobody who switched that kind off gets it. People see them on their
next visit: a count in the header (:func:`unread_count`, one query) and a page that lists them
(:func:`page`). No e-mail, nothing leaves the site. They are kept ``NOTIFICATIONS_KEEP_DAYS``
(:func:`purge`, run by ``flask purge``); the export and the erasure of an account include them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Select, delete, exists, func, insert, literal, select, update

from school import hooks
from school.extensions import db
from school.models import Notification, NotificationMute, User
from school.notifications import (
    DEFAULT_KEEP_DAYS,
    PER_PAGE,
    Kind,
    cutoff,
    known_kinds,
    muted_kinds,
    payload,
)
from school.timeutil import UTCDateTime, now_utc

# Recipients given as ids are sent to in batches of this many (bound parameters per statement).
BATCH = 500


def keep_days() -> float:
    return float(current_app.config.get("NOTIFICATIONS_KEEP_DAYS", DEFAULT_KEEP_DAYS))


def _since(now: datetime | None = None) -> datetime:
    return cutoff(now or now_utc(), keep_days())


def send(
    kind: Kind | str,
    recipients: Iterable[int] | Select,
    *,
    link: tuple[str, Mapping[str, Any]] | None = None,
    now: datetime | None = None,
    **facts: Any,
) -> None:
    """Tell ``recipients`` (user ids, or a query selecting them) of ``kind`` with ``facts``,
    in the caller's transaction; ``link`` is the (endpoint, arguments) of the page it is about.

    People who switched ``kind`` off in their settings are left out.
    """
    kind = Kind(kind)
    data = payload(kind, facts, link)
    now = now or now_utc()
    if isinstance(recipients, Select):
        batches: Iterable[Any] = [recipients.scalar_subquery()]
    else:
        ids = sorted(set(recipients))
        batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    muted = exists().where(NotificationMute.user_id == User.id, NotificationMute.kind == kind.value)
    for batch in batches:
        rows = select(
            User.id,
            literal(kind.value),
            literal(data, JSON),
            literal(now, UTCDateTime()),
        ).where(User.id.in_(batch), ~muted)
        db.session.execute(
            insert(Notification).from_select(["user_id", "kind", "data", "created_at"], rows)
        )


def essay_graded(
    user_id: int, *, title: str, link: tuple[str, Mapping[str, Any]] | None = None
) -> None:
    """Tell a student that their essay in the quiz ``title`` has been graded (for the quizzes'
    essay questions, when they come: nothing calls this yet)."""
    send(Kind.ESSAY_GRADED, [user_id], link=link, title=title)


def unread_count(user: User) -> int:
    """The header's number: unread notifications still within their time, in one query."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.read_at.is_(None),
                Notification.created_at >= _since(),
            )
        )
        or 0
    )


@dataclass(frozen=True)
class Seen:
    """A notification as it was when its page was opened."""

    kind: str
    data: dict[str, Any]
    created_at: datetime
    unread: bool


def page(user: User, number: int = 1, per_page: int = PER_PAGE):
    """A page of the person's notifications, newest first, as (pagination, the page's
    :class:`Seen`): they are read from now on, and the person's expired ones go."""
    now = now_utc()
    since = _since(now)
    stmt = (
        select(Notification)
        .where(Notification.user_id == user.id, Notification.created_at >= since)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    pagination = db.paginate(stmt, page=number, per_page=per_page, error_out=False)
    seen = [
        Seen(n.kind, n.data if isinstance(n.data, dict) else {}, n.created_at, n.read_at is None)
        for n in pagination.items
    ]
    unread = [n.id for n in pagination.items if n.read_at is None]
    if unread:
        db.session.execute(
            update(Notification).where(Notification.id.in_(unread)).values(read_at=now),
            execution_options={"synchronize_session": False},
        )
    db.session.execute(
        delete(Notification).where(Notification.user_id == user.id, Notification.created_at < since)
    )
    db.session.commit()
    return pagination, seen


def chosen_kinds(user: User) -> set[Kind]:
    """The kinds the person gets (all but the ones they switched off)."""
    off = db.session.scalars(
        select(NotificationMute.kind).where(NotificationMute.user_id == user.id)
    )
    return set(Kind) - known_kinds(off)


def choose_kinds(user: User, chosen: Iterable[str]) -> None:
    """Get the kinds in ``chosen`` from now on, and none of the others."""
    db.session.execute(delete(NotificationMute).where(NotificationMute.user_id == user.id))
    db.session.add_all(
        NotificationMute(user_id=user.id, kind=kind.value) for kind in sorted(muted_kinds(chosen))
    )
    db.session.commit()


def purge(now: datetime | None = None) -> int:
    """Delete every notification past its time; return how many went (the caller commits)."""
    result = db.session.execute(delete(Notification).where(Notification.created_at < _since(now)))
    return result.rowcount or 0


def export_user(user: User) -> dict[str, Any]:
    """My notifications and the kinds I switched off, for the data export."""
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at, Notification.id)
    )
    return {
        "notifications": [
            {
                "kind": n.kind,
                "data": n.data,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
            }
            for n in rows
        ],
        "switched_off": sorted(set(Kind) - chosen_kinds(user)),
    }


def erase_user(user: User) -> None:
    """Delete my notifications and choices (inside the account deletion's transaction)."""
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(NotificationMute).where(NotificationMute.user_id == user.id))


def register_hooks() -> None:
    hooks.register_exporter("notifications", export_user)
    hooks.register_eraser("notifications", erase_user)
    hooks.register_purger("notifications", purge)
