"""What gets an owner into an account besides the password: recovery codes, and TOTP for staff.

Recovery codes need no e-mail and no device cookie (Tor Browser forgets cookies when it closes,
and a seized phone would carry them). Each person gets ten, shown once, kept only as hashes; each
logs in once, past the per-account throttle that a flood of wrong passwords from others may have
set off, and then the site asks for a new password.

A second factor (TOTP, RFC 6238, through pyotp) guards the accounts an attacker wants most:
staff and administrators. ``REQUIRE_TOTP`` makes it compulsory for them. Enrolment shows a QR code
drawn on the server (segno), never by a third party.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import delete, func, select

from school.account_events import log_event
from school.extensions import db
from school.models import RecoveryCode, Role, User
from school.passwords import verify_password
from school.refusal import Refusal
from school.timeutil import now_utc
from school.usernames import username_key

RECOVERY_CODE_COUNT = 10
# 31 signs that no hand or font confuses (no i, l, o, 0 or 1); 16 of them carry 79 bits.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_GROUPS, CODE_GROUP_LENGTH = 4, 4
#: Roles that a configured ``REQUIRE_TOTP`` obliges to use a second factor.
TOTP_ROLES = frozenset({Role.STAFF.value, Role.ADMIN.value})
TOTP_DIGITS = 6


class CredentialError(Refusal):
    """A refused recovery-code or second-factor action (see :class:`school.refusal.Refusal`)."""


# -- recovery codes ---------------------------------------------------------------------------


def _new_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def normalise_code(text: str) -> str:
    """A code as typed, without spaces, hyphens or capitals ("ABCD efgh-..." is "abcdefgh...")."""
    return re.sub(r"[\s\-‐-―]+", "", text or "").casefold()


def _code_hash(user_id: int, code: str) -> str:
    # Salted with the account: a leaked table cannot be attacked for all accounts at once, and a
    # code is found only for the account it was made for.
    return hashlib.sha256(f"{user_id}:{normalise_code(code)}".encode()).hexdigest()


def new_recovery_codes(user: User, *, commit: bool = True) -> list[str]:
    """Make the account's codes anew (the old ones stop working) and return them, once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_code_hash(user.id, c)) for c in codes
    )
    if commit:
        db.session.commit()
    return codes


def renew_recovery_codes(user: User, password: str) -> list[str]:
    """New codes for the person who knows the account's password; the old ones stop working."""
    if not verify_password(user.password_hash, password):
        raise CredentialError(_l("The password is wrong. The old codes still work."), "password")
    return new_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
    )


def use_recovery_code(username: str, code: str) -> User | None:
    """The active account this code belongs to, with the code used up; or None.

    The same work is done for an unknown name, a wrong code and a right one.
    """
    user = db.session.scalar(select(User).where(User.username_key == username_key(username)))
    digest = _code_hash(user.id if user else 0, code)
    row = db.session.get(RecoveryCode, digest)
    if user is None or row is None or row.user_id != user.id or not user.is_active_account:
        return None
    db.session.delete(row)
    log_event(user, "recovery-code-used")
    db.session.commit()
    return user


# -- TOTP -------------------------------------------------------------------------------------


def totp_required(user: User) -> bool:
    """This account must use a second factor (``REQUIRE_TOTP`` and a staff or admin role)."""
    return bool(current_app.config.get("REQUIRE_TOTP")) and user.role in TOTP_ROLES


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    issuer = current_app.config.get("SITE_NAME") or "school"
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def qr_svg(text: str, title: str) -> Markup:
    """``text`` as an inline SVG QR code, drawn here: no request leaves the server."""
    code = segno.make(text, error="m")
    # segno escapes the title; the rest is its own path data.
    svg = code.svg_inline(scale=4, border=4, dark="#000", light="#fff", title=title)
    return Markup(svg)  # noqa: S704


def _accepted_step(secret: str, code: str, last_step: int | None, at: datetime) -> int | None:
    """The time step ``code`` is valid for (this one or a neighbour, for clocks that drift), if
    it was not used already."""
    code = re.sub(r"\s+", "", code or "")
    if not re.fullmatch(rf"\d{{{TOTP_DIGITS}}}", code):
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS)
    now = totp.timecode(at)
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and step > (last_step or -1):
            return step
    return None


def enable_totp(user: User, secret: str, code: str) -> None:
    """Turn the second factor on, once the person's app has shown a right code for ``secret``."""
    step = _accepted_step(secret, code, None, now_utc())
    if step is None:
        raise CredentialError(
            _l("That code is not right. Check the clock of your phone and try the newest code."),
            "code",
        )
    user.totp_secret = secret
    user.totp_last_step = step
    db.session.commit()


def check_totp(user: User, code: str) -> bool:
    """The code is right for the account now; it cannot be used again."""
    if user.totp_secret is None:
        return False
    step = _accepted_step(user.totp_secret, code, user.totp_last_step, now_utc())
    if step is None:
        return False
    user.totp_last_step = step
    db.session.commit()
    return True


def disable_totp(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise CredentialError(_l("The password is wrong."), "password")
    if totp_required(user):
        raise CredentialError(_l("This site requires a second factor for your role."))
    remove_totp(user)


def remove_totp(user: User) -> None:
    """Forget the second factor (also for an administrator helping someone who lost a phone)."""
    user.totp_secret = None
    user.totp_last_step = None
    db.session.commit()
