"""Usernames as they are compared: case-folded keys and confusable skeletons (pure functions).

Two names are one account when their keys match ("Anna" and "anna"), and a new name is refused
when it *looks like* a reserved name or an existing account: "аdmin" with a Cyrillic "а", "ѕtaff"
with a Cyrillic "ѕ", "rn" for "m". That is Unicode TR39's skeleton test, taken from ICU's
SpoofChecker (PyICU) rather than from a table of our own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu

USERNAME_RE = re.compile(r"^[\w.-]{3,40}$")
#: users.username_key holds the case-folded name: at most as long as the column.
MAX_USERNAME_KEY = 40
#: users.username_skeleton: a skeleton may be longer than the name ("m" is "rn").
MAX_SKELETON = 160
RESERVED_USERNAMES = frozenset({"admin", "administrator", "root", "staff", "support", "deleted"})


def normalise(username: str) -> str:
    """The name as stored and shown: compatibility-composed, without surrounding spaces."""
    return unicodedata.normalize("NFKC", username).strip()


def username_key(username: str) -> str:
    """The name as compared for identity: ``normalise`` and case-folded."""
    return normalise(username).casefold()


def is_well_formed(username: str) -> bool:
    """3 to 40 letters, digits, dots, hyphens or underscores, whose key fits its column.

    Case folding lengthens some names ("ß" is "ss"), so the key is what must fit.
    """
    name = normalise(username)
    return bool(USERNAME_RE.fullmatch(name)) and len(username_key(name)) <= MAX_USERNAME_KEY


@lru_cache(maxsize=1)
def _checker() -> icu.SpoofChecker:
    return icu.SpoofChecker()


def _icu_skeleton(text: str) -> str:
    # Separators count as one: "a.dmin", "a_dmin" and "a-dmin" are one skeleton, since a reader
    # who sees one cannot tell which of the others it is not. ICU's prototypes keep some
    # capitals ("І" stands as "l"), so the skeleton is case-folded after.
    return _checker().getSkeleton(0, re.sub(r"[._-]+", "-", text)).casefold()[:MAX_SKELETON]


def skeleton(username: str) -> str:
    """The TR39 skeleton of the name's key, as stored: equal skeletons can be mistaken."""
    return _icu_skeleton(username_key(username))


def skeletons(username: str) -> frozenset[str]:
    """The skeletons a new name is checked with: of its key, and of the name as written.

    A name is read as it is shown, capitals included: "deIeted" (a capital "i") reads as
    "deleted", though its key "deieted" does not.
    """
    return frozenset({skeleton(username), _icu_skeleton(normalise(username))})


@lru_cache(maxsize=1)
def reserved_skeletons() -> frozenset[str]:
    """The reserved names' skeletons, written in any case: "ADMlN" passes for "ADMIN"."""
    return frozenset(
        _icu_skeleton(form)
        for name in RESERVED_USERNAMES
        for form in (name, name.upper(), name.title())
    )


def is_reserved(username: str) -> bool:
    """The name is a reserved one, or can be mistaken for one."""
    return username_key(username) in RESERVED_USERNAMES or bool(
        skeletons(username) & reserved_skeletons()
    )
