"""Certificate verification codes: the core's (:mod:`school.codes`), under the name courses use."""

from __future__ import annotations

from school.codes import ALPHABET, CODE_LENGTH, GROUP_LENGTH, GROUPS, new_code, normalize_code

__all__ = ["ALPHABET", "CODE_LENGTH", "GROUPS", "GROUP_LENGTH", "new_code", "normalize_code"]
