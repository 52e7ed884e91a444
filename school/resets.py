"""One-time password-reset links, made by an administrator or on the command line.

There is no e-mail to send a link to: the administrator gives the link to the person by
whatever way they already talk (a letter, a call, a visit). The link is shown once, when it is
made; only the SHA-256 of its token is kept, so a copy of the database opens no account. It
works once, until ``PASSWORD_RESET_HOURS`` have passed, and a newer link for the same account
voids it. Choosing the new password ends every session of the account.

Links are built from ``PUBLIC_URL`` (:func:`school.urls.public_url`), never from the host of the
request that made them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from school import services
from school.account_events import log_event
from school.extensions import db
from school.models import PasswordReset, User
from school.refusal import Refusal
from school.timeutil import now_utc
from school.urls import public_url

DEFAULT_HOURS = 24


class ResetError(Refusal):
    """A refused reset (see :class:`school.refusal.Refusal`)."""


@dataclass(frozen=True)
class IssuedLink:
    url: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime() -> timedelta:
    return timedelta(hours=float(current_app.config.get("PASSWORD_RESET_HOURS", DEFAULT_HOURS)))


def issue_link(user: User, *, actor: User | None = None, channel: str = "web") -> IssuedLink:
    """Make a one-time reset link for ``user`` (earlier links stop working) and return it, once."""
    if not user.is_active_account:
        raise ResetError(_l("This account is deactivated. Activate it first."))
    token = secrets.token_urlsafe(32)
    expires = now_utc() + lifetime()
    # The account's earlier link, and every link that has expired, go.
    db.session.execute(
        delete(PasswordReset).where(
            (PasswordReset.user_id == user.id) | (PasswordReset.expires_at <= now_utc())
        )
    )
    db.session.add(
        PasswordReset(
            token_hash=_digest(token),
            user_id=user.id,
            issued_by_id=actor.id if actor else None,
            expires_at=expires,
        )
    )
    log_event(user, "reset-link-issued", actor=actor, channel=channel)
    db.session.commit()
    return IssuedLink(public_url("credentials.reset_password", token=token), expires)


def _live(token: str):
    """The condition a link's row meets while the link works."""
    digest = _digest(token or "")
    return (PasswordReset.token_hash == digest) & (PasswordReset.expires_at > now_utc())


def user_of(token: str) -> User | None:
    """The active account a live link belongs to, or None (unknown, used, expired)."""
    row = db.session.scalar(select(PasswordReset).where(_live(token)))
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.is_active_account else None


def use_link(token: str, password: str) -> User:
    """Set the password of the link's account and use the link up; every session ends.

    Raises ResetError when the link no longer works, AccountError for a password the rules
    refuse (the link then still works).
    """
    user = user_of(token)
    if user is None:
        raise ResetError(_l("This link no longer works."), code="gone")
    services.check_password_policy(password, user.username)
    # Used up by a delete that only one request can win.
    gone = db.session.execute(delete(PasswordReset).where(_live(token)))
    if gone.rowcount != 1:
        db.session.rollback()
        raise ResetError(_l("This link no longer works."), code="gone")
    log_event(user, "password-reset")
    services.set_password(user, password)
    return user
