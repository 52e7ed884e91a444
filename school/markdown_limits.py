"""Budgets for user-written Markdown: what one text may hold so that rendering it stays cheap.

Python-Markdown is pure Python, and some of its work grows faster than the text: an unmatched
``[`` makes the link patterns scan to the end of its paragraph (a run of them is quadratic), many
emphasis markers or sibling elements in one text cost far more than plain words, and every level
of nesting is a level of recursion for it and for the print engine. This module bounds all of
that, with the same limits on save and on render:

- :func:`problems` lists what a text exceeds, for the forms to refuse it with a message that
  names the limit;
- :func:`prepare` turns any stored text into one within the limits for the renderer: nesting
  beyond :data:`MAX_DEPTH` is flattened, brackets and markers beyond the budget are replaced by
  stand-ins that :func:`restore` turns back into the same characters in the HTML (so they show
  as written, as plain text, even inside code), and what lies beyond the size or element budget
  is cut off.

Pure: no Flask, no Markdown; the renderer is :mod:`school.markdown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from school import markdown_dialect

#: Characters in one Markdown text.
MAX_LENGTH = 204_800  # 200 KiB: the lessons' size limit in bytes is never the looser one
#: Levels of lists and block quotes inside each other.
MAX_DEPTH = 10
#: Paragraphs, headings, list items and table cells in one text.
MAX_ELEMENTS = 2_000
#: Square brackets ``[`` (links, images, footnotes) in one text.
MAX_BRACKETS = 1_000
#: Emphasis and code markers (``*``, ``_``, backticks, ``~``) in one text.
MAX_MARKERS = 5_000
#: Backticks (or tildes) in one run: a longer run makes code-span matching quadratic.
MAX_RUN = 16
#: Abbreviation definitions (``*[HTML]: ...``) and their uses: each use is an element.
MAX_ABBREVIATIONS = 20
MAX_ABBREVIATION_USES = 200
#: Footnote references (``[^1]``): each one adds a back-link to its note.
MAX_FOOTNOTE_REFERENCES = 200
#: Elements inside each other in the HTML of one text (three per level of lists in quotes,
#: plus emphasis and links); tags deeper than this are left out and their text kept.
MAX_TEXT_HTML_DEPTH = 40
#: Elements inside each other in HTML that reaches the print engine (the page's own frame,
#: about a dozen levels, plus two per level of Markdown nesting, with room to spare).
MAX_HTML_DEPTH = 100

#: Longest link text the link patterns look through for the closing bracket.
MAX_LINK_TEXT = 2_000
#: Brackets the link patterns step through before giving up on one opening bracket.
MAX_LINK_BRACKETS = 32

#: Private-use stand-ins for neutralised characters; any in the input are dropped first.
_STAND_INS = {"[": "\ue000", "*": "\ue001", "_": "\ue002", "`": "\ue003", "~": "\ue004"}
_RESTORE = str.maketrans({v: k for k, v in _STAND_INS.items()})
_DROP_STAND_INS = str.maketrans(dict.fromkeys(map(ord, _STAND_INS.values())))
_MARKERS = frozenset("*_`~")

_PREFIX = re.compile(r"[ \t>]*")
_LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_FENCE = re.compile(r"(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_LONG_RUN = re.compile(f"`{{{MAX_RUN + 1},}}|~{{{MAX_RUN + 1},}}")
_ABBREVIATION = re.compile(r"^[ \t>]*\*\[([^\]\n]*)\]", re.MULTILINE)
_FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\]\n]*\](?!:)")


@dataclass(frozen=True)
class Problem:
    """One limit a text exceeds: ``code`` names the limit, ``limit`` is its value."""

    code: str  # a key of school.forms' messages: "length", "depth", "brackets", ...
    limit: int
    found: int


@dataclass(frozen=True)
class Prepared:
    """A text made safe to render; ``cut`` is True when part of it was left out."""

    text: str
    cut: bool


def _depth(prefix: str) -> tuple[int, int]:
    """(block quote levels, indentation columns) of a line's leading spaces, tabs and ``>``."""
    quotes = columns = 0
    for char in prefix:
        if char == ">":
            quotes += 1
            columns = 0
        elif char == "\t":
            columns += 4 - columns % 4
        else:
            columns += 1
    return quotes, columns


def line_depth(line: str) -> int:
    """Levels of nesting a line opens: block quotes, plus list levels by 4-column indentation."""
    prefix = _PREFIX.match(line).group()
    quotes, columns = _depth(prefix)
    return quotes + columns // 4 + (1 if _LIST_ITEM.match(line, len(prefix)) else 0)


def _flatten(line: str) -> str:
    prefix = _PREFIX.match(line).group()
    quotes, columns = _depth(prefix)
    item = 1 if _LIST_ITEM.match(line, len(prefix)) else 0
    if quotes + columns // 4 + item <= MAX_DEPTH:
        return line
    quotes = min(quotes, MAX_DEPTH - item)
    columns = min(columns, 4 * (MAX_DEPTH - item - quotes)) if columns >= 4 else columns
    return "> " * quotes + " " * columns + line[len(prefix) :]


def _is_boundary(line: str) -> bool:
    """True where Python-Markdown starts a new run of inline text (so brackets cannot match)."""
    stripped = _PREFIX.sub("", line, count=1)
    return not stripped or stripped.startswith(("#", "|")) or bool(_LIST_ITEM.match(stripped))


def _elements(lines: list[str]) -> list[int]:
    """The number of elements each line starts (paragraphs, headings, list items, cells)."""
    counts = []
    previous_blank = True
    for line in lines:
        stripped = _PREFIX.sub("", line, count=1)
        if not stripped.strip():
            counts.append(0)
            previous_blank = True
            continue
        count = 1 if previous_blank else 0
        if _LIST_ITEM.match(stripped) or stripped.startswith(("#", ": ")):
            count = 1
        if "|" in stripped:
            count = max(count, stripped.count("|"))
        counts.append(count)
        previous_blank = False
    return counts


def _code_mask(text: str) -> bytearray:
    """1 for each character inside fenced code or a code span, where brackets are not markup."""
    mask = bytearray(len(text))
    position, fence = 0, None
    for line in text.splitlines(keepends=True):
        stripped = _PREFIX.sub("", line, count=1)
        opened = _FENCE.match(stripped)
        if fence is not None:
            mask[position : position + len(line)] = b"\x01" * len(line)
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
        elif opened:
            fence = opened.group(1)
            mask[position : position + len(line)] = b"\x01" * len(line)
        position += len(line)
    _mask_code_spans(text, mask)
    return mask


def _mask_code_spans(text: str, mask: bytearray) -> None:
    """Mark code spans: a run of backticks up to the next run of the same length (linear)."""
    runs = [run.span() for run in _BACKTICKS.finditer(text) if not mask[run.start()]]
    following: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        following[index] = last_of_length.get(length)
        last_of_length[length] = index
    index = 0
    while index < len(runs):
        closing = following[index]
        if closing is None:
            index += 1
            continue
        start, end = runs[index][0], runs[closing][1]
        mask[start:end] = b"\x01" * (end - start)
        index = closing + 1


def _unmatched_brackets(text: str, mask: bytearray) -> set[int]:
    """Positions of ``[`` with no ``]`` to close them in the same run of inline text."""
    unmatched: set[int] = set()
    stack: list[int] = []
    position = 0
    for line in text.splitlines(keepends=True):
        if _is_boundary(line):
            unmatched.update(stack)
            stack.clear()
        for index in range(position, position + len(line)):
            char = text[index]
            if mask[index] or char not in "[]":
                continue
            if char == "[":
                stack.append(index)
            elif stack:
                stack.pop()
        position += len(line)
    unmatched.update(stack)
    return unmatched


def problems(text: str | None) -> list[Problem]:
    """What a text exceeds, in a stable order; empty when it is within every limit."""
    if not text:
        return []
    found: list[Problem] = []
    if len(text) > MAX_LENGTH:
        found.append(Problem("length", MAX_LENGTH, len(text)))
    lines = text.splitlines()
    # Nesting as the renderer sees it (two-space lists re-indented), or as written if deeper.
    normalised = markdown_dialect.normalise(text).splitlines()
    depth = max((line_depth(line) for line in (*lines, *normalised)), default=0)
    if depth > MAX_DEPTH:
        found.append(Problem("depth", MAX_DEPTH, depth))
    elements = sum(_elements(lines))
    if elements > MAX_ELEMENTS:
        found.append(Problem("elements", MAX_ELEMENTS, elements))
    brackets = text.count("[")
    if brackets > MAX_BRACKETS:
        found.append(Problem("brackets", MAX_BRACKETS, brackets))
    markers = sum(text.count(marker) for marker in _MARKERS)
    if markers > MAX_MARKERS:
        found.append(Problem("markers", MAX_MARKERS, markers))
    longest = max((len(run.group()) for run in _LONG_RUN.finditer(text)), default=0)
    if longest:
        found.append(Problem("run", MAX_RUN, longest))
    abbreviations = len(_ABBREVIATION.findall(text))
    if abbreviations > MAX_ABBREVIATIONS:
        found.append(Problem("abbreviations", MAX_ABBREVIATIONS, abbreviations))
    uses = _abbreviation_uses(text)
    if uses > MAX_ABBREVIATION_USES:
        found.append(Problem("abbreviation_uses", MAX_ABBREVIATION_USES, uses))
    references = len(_FOOTNOTE_REFERENCE.findall(text))
    if references > MAX_FOOTNOTE_REFERENCES:
        found.append(Problem("footnotes", MAX_FOOTNOTE_REFERENCES, references))
    return found


def _abbreviation_uses(text: str) -> int:
    names = {name for name in _ABBREVIATION.findall(text)[:MAX_ABBREVIATIONS] if name.strip()}
    if not names:
        return 0
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    pattern = rf"(?<!\w)(?:{alternatives})(?!\w)"
    return len(re.findall(pattern, text)) - len(names)


def prepare(text: str) -> Prepared:
    """The text the renderer may safely convert, within every limit (see the module's notes)."""
    text = text.translate(_DROP_STAND_INS)
    cut = False
    if len(text) > MAX_LENGTH:
        text, cut = text[:MAX_LENGTH], True
    text = markdown_dialect.normalise(text)
    lines = text.splitlines(keepends=True)
    kept, elements = [], 0
    for line, count in zip(lines, _elements([line.rstrip("\r\n") for line in lines]), strict=True):
        elements += count
        if elements > MAX_ELEMENTS:
            cut = True
            break
        kept.append(_flatten(line.rstrip("\r\n")) + line[len(line.rstrip("\r\n")) :])
    text = "".join(kept)
    return Prepared(_neutralise(text), cut)


def _neutralise(text: str) -> str:
    """Replace unmatched brackets, and brackets and markers past their budget, by stand-ins."""
    text = _LONG_RUN.sub(_shorten_run, text)
    mask = _code_mask(text)
    unmatched = _unmatched_brackets(text, mask)
    chars = list(text)
    definitions = list(_ABBREVIATION.finditer(text))
    kept = 0 if _abbreviation_uses(text) > MAX_ABBREVIATION_USES else MAX_ABBREVIATIONS
    for definition in definitions[kept:]:
        unmatched.add(definition.start(1) - 1)
    for reference in list(_FOOTNOTE_REFERENCE.finditer(text))[MAX_FOOTNOTE_REFERENCES:]:
        unmatched.add(reference.start())
    brackets = markers = 0
    for index, char in enumerate(chars):
        if char == "[":
            if mask[index]:
                continue
            brackets += 1
            if index in unmatched or brackets > MAX_BRACKETS:
                chars[index] = _STAND_INS[char]
        elif char in _MARKERS:
            markers += 1
            if markers > MAX_MARKERS:
                chars[index] = _STAND_INS[char]
    return "".join(chars)


def _shorten_run(run: re.Match[str]) -> str:
    """A run of backticks or tildes kept to MAX_RUN; the rest as stand-ins."""
    marker = run.group()[0]
    return marker * MAX_RUN + _STAND_INS[marker] * (len(run.group()) - MAX_RUN)


def restore(html: str) -> str:
    """HTML rendered from :func:`prepare`'s text, with the stand-ins back as what they stood for."""
    return html.translate(_RESTORE)


_HTML_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_VOID = frozenset({"area", "br", "col", "hr", "img", "wbr"})


def flatten_html(html: str, max_depth: int = MAX_TEXT_HTML_DEPTH) -> str:
    """Well-formed HTML (as nh3 writes it) with the tags deeper than ``max_depth`` left out."""
    parts: list[str] = []
    open_tags: list[bool] = []  # per open element: was its tag kept?
    position = 0
    for tag in _HTML_TAG.finditer(html):
        parts.append(html[position : tag.start()])
        position = tag.end()
        name = tag.group(2).lower()
        if name in _VOID or tag.group(3).rstrip().endswith("/"):
            if len(open_tags) < max_depth:
                parts.append(tag.group())
        elif tag.group(1):
            if open_tags and open_tags.pop():
                parts.append(tag.group())
        else:
            keep = len(open_tags) < max_depth
            open_tags.append(keep)
            if keep:
                parts.append(tag.group())
    parts.append(html[position:])
    return "".join(parts)


def element_depth(root) -> int:
    """How many elements deep an ElementTree goes, counted without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest
