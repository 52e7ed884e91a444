"""The log of what changed how an account is reached: a reset link made or used, a recovery
code used. Each event says what, when, where (the web or the command line) and which
administrator, never an address or a browser. The person's data export lists them; deleting
the account deletes them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.extensions import db
from school.models import AccountEvent, User

#: The kinds of event, with what each means.
EVENT_LABELS = {
    "reset-link-issued": _l("A one-time password-reset link was made"),
    "password-reset": _l("The password was changed with a reset link"),
    "recovery-code-used": _l("A recovery code was used to log in"),
}


def log_event(user: User, kind: str, *, actor: User | None = None, channel: str = "web") -> None:
    """Add an event to the session; the caller commits it with the change it records."""
    if kind not in EVENT_LABELS:
        raise ValueError(f"unknown account event {kind!r}")
    db.session.add(
        AccountEvent(
            user_id=user.id, kind=kind, actor_id=actor.id if actor else None, channel=channel
        )
    )


def events_of(user: User, limit: int = 20) -> list[AccountEvent]:
    """The account's newest events first."""
    stmt = (
        select(AccountEvent)
        .where(AccountEvent.user_id == user.id)
        .order_by(AccountEvent.created_at.desc(), AccountEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def export(user: User) -> list[dict[str, str]]:
    """The account's events for its data export, oldest first: what, where and when."""
    return [
        {"event": e.kind, "channel": e.channel, "at": e.created_at.isoformat()}
        for e in reversed(events_of(user, limit=10_000))
    ]
