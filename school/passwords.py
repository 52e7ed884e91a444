"""Password policy and hashing (Argon2id)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHasher()
# Verified when an account does not exist, so both answers take the same time. Verifying costs
# what the hash's parameters say, so a hash made once, ahead of time, serves while they are the
# hasher's: making it here cost every process (each command, each web worker) an Argon2 hash
# as it started.
_STORED_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$hImfORvFsbANO19rlrsUaA$"
    "yq1J/7nTlXTxOTTx45i0pGk9Kp+zedoIB37Svs6EwS8"
)
_DUMMY_HASH = (
    _hasher.hash("a password nobody has chosen")
    if _hasher.check_needs_rehash(_STORED_DUMMY_HASH)  # the library's defaults have changed
    else _STORED_DUMMY_HASH
)

# Russian keyboard letters at the places of Latin ones: "йцукенгшщз" is "qwertyuiop".
_RU_TO_LATIN = str.maketrans(
    "йцукенгшщзхъфывапролджэячсмитьбю",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.",
)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, burn the same time and answer False."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, username: str = "") -> str | None:
    """Return a problem code for a weak password, or None when it is acceptable.

    Codes: ``too_short``, ``too_long``, ``common``, ``username``.
    """
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    folded = unicodedata.normalize("NFKC", password).casefold()
    if username and unicodedata.normalize("NFKC", username).casefold() in folded:
        return "username"
    candidates = {folded, folded.translate(_RU_TO_LATIN)}
    common = _common_passwords()
    if any(c in common for c in candidates):
        return "common"
    if len(set(folded)) <= 2:
        return "common"
    return None
