"""Text hygiene: what a field keeps of what was typed or pasted, and what a feed may carry.

Pure: no Flask. The input guard (:func:`school._guard_input`) and every form
(:class:`school.forms.SchoolForm`) clean input with these rules, and the calendars and feeds
clean their output with them too, for text stored before the rules existed.

- A soft line break (Word's ``\\v``), a form feed and the Unicode line and paragraph
  separators become a line break in a multi-line field and a space in a one-line field.
- Other control characters (C0, DEL, C1), the non-characters U+FFFE/U+FFFF and the byte order
  mark U+FEFF (pasted from files; calendar parsers strip it) are removed: nobody can see them,
  and XML or iCalendar cannot carry them.
- Tab, CR and LF are kept in a multi-line field; in a one-line field a tab becomes a space
  and CR or LF stay, for the form to refuse with a message.
"""

from __future__ import annotations

import re

#: Pasted line breaks that are not CR or LF.
SOFT_BREAKS = "\v\f\x85\u2028\u2029"
_SOFT = re.compile(f"[{SOFT_BREAKS}]")
#: Invisible characters no field keeps (every control but tab, LF, CR and the soft breaks).
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff\ud800-\udfff]")
_LINE_ENDS = re.compile(r"\r\n?|\n")


def drop_invisible(value: str) -> str:
    """``value`` without the control characters no field keeps; line breaks and tabs stay."""
    return _INVISIBLE.sub("", value)


def clean_text(value: str) -> str:
    """A multi-line field's text: soft breaks become LF; tab, CR and LF stay."""
    return _SOFT.sub("\n", drop_invisible(value))


def clean_line(value: str) -> str:
    """A one-line field's text: soft breaks and tabs become spaces; CR and LF stay (refused)."""
    return _SOFT.sub(" ", drop_invisible(value)).replace("\t", " ")


def one_line(value: str) -> str:
    """Stored text shown where only one line fits (a title in a feed): every break a space."""
    return _LINE_ENDS.sub(" ", clean_line(value))


def text_lines(value: str) -> str:
    """Stored text for output that takes lines: every break (CRLF, CR, soft) one LF."""
    return _LINE_ENDS.sub("\n", clean_text(value))
