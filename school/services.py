"""Account use cases: registration, login sessions, passwords, roles, export and deletion."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from school import account_events, hooks
from school.credentials import new_recovery_codes, recovery_codes_left
from school.extensions import db
from school.models import Role, User, UserSession
from school.passwords import hash_password, needs_rehash, password_problem, verify_password
from school.refusal import Refusal
from school.timeutil import now_utc
from school.usernames import (
    MAX_USERNAME_KEY,
    RESERVED_USERNAMES,
    USERNAME_RE,
    is_reserved,
    is_well_formed,
    normalise,
    skeleton,
    skeletons,
    username_key,
)

__all__ = ["MAX_USERNAME_KEY", "RESERVED_USERNAMES", "USERNAME_RE", "username_key"]


class AccountError(Refusal):
    """A refused account action (see :class:`school.refusal.Refusal`)."""


PASSWORD_MESSAGES = {
    "too_short": _l("Use at least 10 characters."),
    "too_long": _l("Use at most 256 characters."),
    "common": _l("This password is too common and easy to guess. Choose another."),
    "username": _l("The password must not contain the username."),
}


def check_password_policy(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem:
        raise AccountError(PASSWORD_MESSAGES[problem], "password")


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == username_key(username)))


def is_taken(username: str) -> bool:
    """The name, or one that can be mistaken for it (TR39), is reserved or has an account."""
    if is_reserved(username) or find_user(username) is not None:
        return True
    lookalike = select(User.id).where(User.username_skeleton.in_(skeletons(username))).limit(1)
    return db.session.scalar(lookalike) is not None


def register_user(
    username: str,
    password: str,
    *,
    display_name: str | None = None,
    role: Role | str = Role.STUDENT,
    commit: bool = True,
) -> User:
    """Create an account. Raises AccountError with the offending field."""
    username = normalise(username)
    if not is_well_formed(username):
        raise AccountError(_l("3 to 40 letters, digits, dots, hyphens or underscores."), "username")
    check_password_policy(password, username)
    # Hash before the uniqueness check, so a taken name answers no faster than a free one.
    password_hash = hash_password(password)
    if is_taken(username):
        raise AccountError(_l("This username is not available. Choose another."), "username")
    user = User(
        username=username,
        username_key=username_key(username),
        username_skeleton=skeleton(username),
        password_hash=password_hash,
        display_name=(display_name or "").strip() or None,
        role=str(Role(role)),
    )
    db.session.add(user)
    if commit:
        db.session.commit()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None (same work either way)."""
    user = find_user(username) if username else None
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active_account:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_up(
    username: str,
    password: str,
    *,
    display_name: str | None = None,
) -> tuple[User, list[str]]:
    """A new student account, its first session and its recovery codes, in one transaction.

    Returns the user (with ``current_session_token`` set) and the codes, to be shown once.
    A copy of the database taken at any moment holds all three or none of them.
    """
    user = register_user(username, password, display_name=display_name, commit=False)
    db.session.flush()
    codes = new_recovery_codes(user, commit=False)
    start_session(user)
    return user, codes


def start_session(user: User, *, commit: bool = True) -> str:
    """Open a new server-side session for ``user`` and return its secret token."""
    token = UserSession.new_token()
    db.session.add(UserSession(token_hash=_token_hash(token), user_id=user.id))
    if commit:
        db.session.commit()
    user.current_session_token = token
    return token


def load_session(token: str, lifetime: timedelta) -> User | None:
    """The user of a live session, refreshing its last use; expired sessions are removed."""
    if not token:
        return None
    row = db.session.get(UserSession, _token_hash(token))
    if row is None:
        return None
    now = now_utc()
    if now - row.last_seen_at > lifetime:
        db.session.delete(row)
        db.session.commit()
        return None
    # Write at most once a minute per session, not on every request.
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
        db.session.commit()
    user = row.user
    if not user.is_active_account:
        return None
    user.current_session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))
        db.session.commit()


def end_other_sessions(user: User, keep_token: str | None = None) -> None:
    stmt = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _token_hash(keep_token))
    db.session.execute(stmt)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(_l("The current password is wrong."), "current_password")
    check_password_policy(new, user.username)
    user.password_hash = hash_password(new)
    user.password_changed_at = now_utc()
    db.session.commit()
    end_other_sessions(user, keep_token=user.current_session_token)


def update_settings(user: User, *, display_name: str | None, locale: str, timezone: str) -> None:
    user.display_name = (display_name or "").strip() or None
    user.locale = locale or None
    user.timezone = timezone or None
    db.session.commit()


def set_password(user: User, password: str, *, keep_token: str | None = None) -> None:
    """Set a password without knowing the old one (CLI, admin, after a recovery code).

    Every session ends but ``keep_token``'s.
    """
    check_password_policy(password, user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = now_utc()
    db.session.commit()
    end_other_sessions(user, keep_token=keep_token)


def admin_count(active_only: bool = True) -> int:
    stmt = select(func.count(User.id)).where(User.role == Role.ADMIN.value)
    if active_only:
        stmt = stmt.where(User.is_active_account.is_(True))
    return db.session.scalar(stmt) or 0


def set_role(actor: User, user: User, role: Role | str) -> None:
    role = Role(role)
    if user.role == Role.ADMIN and role != Role.ADMIN and admin_count() <= 1:
        raise AccountError(_l("The last administrator cannot lose the role."), "role")
    user.role = role.value
    db.session.commit()


def set_active(actor: User, user: User, active: bool) -> None:
    if not active and user.id == actor.id:
        raise AccountError(_l("You cannot deactivate your own account."))
    if not active and user.role == Role.ADMIN and admin_count() <= 1:
        raise AccountError(_l("The last administrator cannot be deactivated."))
    user.is_active_account = active
    if not active:
        db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.commit()


def export_user_data(user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user``, as JSON-ready data."""
    own = {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "locale": user.locale,
        "timezone": user.timezone,
        "created_at": user.created_at.isoformat(),
        "password_changed_at": user.password_changed_at.isoformat(),
        "active_sessions": len(user.sessions),
        "recovery_codes_left": recovery_codes_left(user),
        "second_factor": user.has_totp,
        "account_events": account_events.export(user),
    }
    return hooks.export("account", own, hooks.account_exporters, user)


def delete_account(user: User, password: str) -> None:
    """Delete the account and personal data; authored content stays, shown as "deleted user"."""
    if not verify_password(user.password_hash, password):
        raise AccountError(_l("The password is wrong."), "password")
    if user.role == Role.ADMIN and admin_count() <= 1:
        raise AccountError(_l("The last administrator cannot delete the account."))
    for _name, eraser in sorted(hooks.account_erasers.items()):
        eraser(user)
    db.session.delete(user)
    db.session.commit()


def list_users(page: int, per_page: int = 50, query: str = ""):
    stmt = select(User).order_by(User.username_key)
    if query:
        stmt = stmt.where(User.username_key.contains(username_key(query)))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
