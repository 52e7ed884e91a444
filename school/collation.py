"""Alphabetical order as a Russian reader expects it, stored as bytes both databases compare alike.

ICU's Russian collation: Cyrillic before Latin, "ё" with "е", case, spaces and punctuation
(a leading quote) only as tie-breakers, and numbers by their value ("2 рубля" before
"10 рублей"). A sort key is compared byte by byte, so SQLite and PostgreSQL, whatever their
own collations, put rows in the same order, and an index on the key serves the order.
Keys depend on the ICU version: ``flask finance reindex`` recomputes them after an upgrade.
Pure module (no Flask, no database).
"""

from __future__ import annotations

from functools import lru_cache

import icu

# Two keys that differ only after this many characters sort by what the rows add (their id).
KEY_CHARACTERS = 120


@lru_cache(maxsize=4)
def _collator(locale: str) -> icu.Collator:
    collator = icu.Collator.createInstance(icu.Locale(locale))
    collator.setAttribute(icu.UCollAttribute.NUMERIC_COLLATION, icu.UCollAttributeValue.ON)
    # Spaces and punctuation (quotes, dashes) count only where the letters are equal.
    collator.setAttribute(icu.UCollAttribute.ALTERNATE_HANDLING, icu.UCollAttributeValue.SHIFTED)
    return collator


def sort_key(text: str, locale: str = "ru") -> bytes:
    """The bytes that order ``text`` alphabetically among others of the same locale."""
    return bytes(_collator(locale).getSortKey((text or "").strip()[:KEY_CHARACTERS]))
