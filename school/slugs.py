"""URL slugs: validation and a readable Latin slug made from a title in any script.

The one slug maker of the site (courses, modules, lessons, topics, entries, brochures).
Cyrillic goes by the table below (Russian, with the Ukrainian and Belarusian letters), other
letters lose their accents, anything else becomes a hyphen: "Щука и ёж" is "shchuka-i-yozh".
Pure module (no Flask, no database).
"""

from __future__ import annotations

import re
import unicodedata

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 80

# A simple, readable transliteration (the one the demo course's folder names follow).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "c", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u",
}  # fmt: skip


def is_valid_slug(value: str, max_length: int = MAX_SLUG_LENGTH) -> bool:
    """Lowercase Latin letters and digits in groups joined by single hyphens."""
    return bool(value) and len(value) <= max_length and bool(SLUG_RE.fullmatch(value))


def slugify(text: str, fallback: str = "item") -> str:
    """A valid slug for ``text``: Cyrillic transliterated, accents dropped, words hyphenated."""
    out = []
    for char in unicodedata.normalize("NFKC", text or "").lower():
        if char in _CYRILLIC:
            out.append(_CYRILLIC[char])
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        out.append(base if base.isascii() and base.isalnum() else "-")
    slug = re.sub(r"-+", "-", "".join(out)).strip("-")
    slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
    return slug or fallback


def unique_slug(base: str, taken: set[str] | frozenset[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... the first one not in ``taken``."""
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1
