"""GIFT's lexical rules, shared by the reader (:mod:`quizzes.gift`) and the writer
(:mod:`quizzes.gift_writer`): escapes, unescaped search, format prefixes, category paths."""

from __future__ import annotations

import re

from quizzes.questions import TextFormat

__all__ = [
    "clean_category",
    "comment_tags",
    "escape",
    "find",
    "positions",
    "rfind",
    "split",
    "split_format",
    "unescape",
]

_UNESCAPES = {
    "\\": "\\",
    "~": "~",
    "=": "=",
    "#": "#",
    "{": "{",
    "}": "}",
    ":": ":",
    "n": "\n",
    ">": ">",
}
_ESCAPES = {"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:"}
# Moodle reads a prefix only in lower case, at the very start of a part.
_PREFIX_RE = re.compile(r"\[(html|markdown|plain|moodle)\]")
# Context prefixes of Moodle's exported category paths, then the hidden "top" category.
_CONTEXT_RE = re.compile(r"^\$(?:course|cat\d*|module|system|coursecategory)\$(?:/|$)")


def escape(text: str) -> str:
    """Escape GIFT's special characters and write line breaks as ``\\n``."""
    return "".join(_ESCAPES.get(ch, "\\n" if ch == "\n" else ch) for ch in text)


def unescape(raw: str) -> str:
    """Undo :func:`escape`. Unknown escapes such as ``\\q`` are kept as written."""
    out = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append(_UNESCAPES.get(nxt, ch + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def find(text: str, sub: str, start: int = 0, end: int | None = None) -> int:
    """Index of the first unescaped ``sub`` starting in ``text[start:end]``, or -1."""
    stop = len(text) if end is None else end
    i = start
    while i < stop:
        if text[i] == "\\":
            i += 2
        elif text.startswith(sub, i):
            return i
        else:
            i += 1
    return -1


def rfind(text: str, sub: str) -> int:
    """Index of the last unescaped ``sub``, or -1."""
    found = -1
    pos = find(text, sub)
    while pos >= 0:
        found = pos
        pos = find(text, sub, pos + 1)
    return found


def positions(text: str, chars: str) -> list[int]:
    """Indexes of the unescaped characters of ``chars``."""
    found = []
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            found.append(i)
        i += 1
    return found


def split(text: str, sep: str, maxsplit: int = -1) -> list[str]:
    """Split at unescaped ``sep`` (one character)."""
    parts = []
    start = 0
    for pos in positions(text, sep):
        if 0 <= maxsplit <= len(parts):
            break
        parts.append(text[start:pos])
        start = pos + 1
    parts.append(text[start:])
    return parts


def split_format(raw: str) -> tuple[TextFormat | None, str]:
    """A part's ``[format]`` prefix (``None`` without one) and the rest, trimmed, as Moodle's
    ``parse_text_with_format`` reads it. The text is still escaped."""
    raw = raw.strip()
    match = _PREFIX_RE.match(raw)
    if not match:
        return None, raw
    return TextFormat(match.group(1)), raw[match.end() :].strip()


def has_prefix(text: str) -> bool:
    """Whether unescaped text would read as starting with a format prefix."""
    return _PREFIX_RE.match(text) is not None


def clean_category(path: str) -> str:
    """A Moodle category path without its context and ``top``: ``$course$/top/Права/Суд``
    becomes ``Права/Суд``."""
    path = path.strip()
    match = _CONTEXT_RE.match(path)
    if not match:
        return path
    path = path[match.end() :]
    if path == "top":
        return ""
    return path.removeprefix("top/").strip()


def _marker(name: str) -> re.Pattern[str]:
    return re.compile(r"\[" + name + r":((?:\\\]|[^\]\n])*)\]")


_TAG_RE = _marker("tag")
_ID_RE = _marker("id")


def comment_tags(comment: str) -> tuple[str, list[str]]:
    """The ID number and tags Moodle reads from a question's comments: ``[id:…]``,
    ``[tag:…]`` (``\\]`` for a bracket inside)."""
    found = _ID_RE.search(comment)
    idnumber = found.group(1).replace("\\]", "]").strip() if found else ""
    tags = [match.group(1).replace("\\]", "]").strip() for match in _TAG_RE.finditer(comment)]
    return idnumber, tags
