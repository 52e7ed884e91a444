"""Verification codes of certificates and brochure editions: ``XXXX-XXXX-XXXX``, from an
alphabet that reads unambiguously.

Pure module. The alphabet leaves out 0/O, 1/I/L and U/V, so a code copied by hand from paper
is read back right; :func:`normalize_code` also accepts lowercase, missing or extra hyphens
and spaces, and Cyrillic letters that look like Latin ones (a code typed on a Russian keyboard
layout).
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
GROUPS = 3
GROUP_LENGTH = 4
CODE_LENGTH = GROUPS * GROUP_LENGTH + GROUPS - 1

# Cyrillic capitals that look like Latin ones, typed by mistake on a Russian keyboard layout.
_CYRILLIC_LOOKALIKES = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "З": "3", "У": "Y",
}  # fmt: skip
_LOOKALIKES = str.maketrans(_CYRILLIC_LOOKALIKES)


def new_code() -> str:
    """A random code: 12 symbols of a 29-letter alphabet, about 58 bits."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(symbols[i : i + GROUP_LENGTH] for i in range(0, len(symbols), GROUP_LENGTH))


def normalize_code(text: str) -> str | None:
    """The canonical form of a typed code, or None if it cannot be one."""
    cleaned = "".join(c for c in (text or "").upper().translate(_LOOKALIKES) if c.isalnum())
    if len(cleaned) != GROUPS * GROUP_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return "-".join(cleaned[i : i + GROUP_LENGTH] for i in range(0, len(cleaned), GROUP_LENGTH))
