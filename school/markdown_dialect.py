"""The GitHub-like block structure of user-written Markdown, rewritten for Python-Markdown.

Authors write Markdown as GitHub (CommonMark) reads it; Python-Markdown reads a few block
constructs differently. One linear pass over the lines rewrites those into the form Python-Markdown
reads the same way, and touches nothing else:

- a list or a table right after a paragraph line gets the blank line Python-Markdown needs
  (as in CommonMark, only a list starting at 1 and an item with text interrupt a paragraph);
- list items nest by their content column (two spaces under ``-``, three under ``1.``), and are
  re-indented by four columns a level, with their continuation lines and fenced code;
- ``1)`` list markers become ``1.``;
- a fenced code block gets a blank line before and after it where it has none (Python-Markdown
  reads a fence only between blank lines; GitHub ends a paragraph or list item's text at one).

Lines inside fenced code, and indented code outside lists, are left as they are. Nesting is kept
to :data:`MAX_LIST_DEPTH` levels, so the text grows by at most a few spaces a line.

Pure: no Flask, no Markdown. :mod:`school.markdown_limits` applies it before it counts nesting.
"""

from __future__ import annotations

import re

#: List levels kept apart; a deeper item becomes a sibling at the deepest level.
MAX_LIST_DEPTH = 12

_QUOTES = re.compile(r"(?: {0,3}>)+ ?")
_ITEM = re.compile(r"( *)([-*+]|(\d{1,9})[.)])([ ]+|$)")
_FENCE = re.compile(r"( *)(`{3,}|~{3,})")
_DELIMITER_ROW = re.compile(r" {0,3}\|? *:?-+:? *(?:\| *:?-+:? *)*\|? *")
_HEADING_OR_RULE = re.compile(r" {0,3}(?:#{1,6}(?: |$)|(?:[-*_] *){3,}$)")


class _Item:
    __slots__ = ("content", "marker")

    def __init__(self, marker: int, content: int) -> None:
        self.marker = marker  # column of the marker in the source
        self.content = content  # column where the item's text starts in the source


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _content_column(indent: int, marker: str, spaces: str, rest: str) -> int:
    """CommonMark's content column of a list item (one space when it has no text or 5+)."""
    if not rest.strip() or len(spaces) > 4:
        return indent + len(marker) + 1
    return indent + len(marker) + len(spaces)


def normalise(text: str) -> str:
    """The text with GitHub's list and table structure spelled the way Python-Markdown reads it."""
    if not text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    stack: list[_Item] = []
    quote_prefix_depth = 0
    previous = "blank"  # kind of the previous line: blank, para, item, code, fence, other
    fence: tuple[str, int, int, int] | None = None  # (char, length, source base, new base)
    count = len(lines)
    for index in range(count):
        line = lines[index]
        if "\t" in line:
            line = line.expandtabs(4)
        quoted = _QUOTES.match(line)
        prefix = quoted.group() if quoted else ""
        rest = line[len(prefix) :]
        depth = prefix.count(">")
        if depth != quote_prefix_depth:
            if depth > quote_prefix_depth:
                previous = "blank"  # a quote starts: nothing before it inside the quote
            quote_prefix_depth, stack, fence = depth, [], None
        if fence is not None:
            out.append(prefix + _shifted(rest, fence[2], fence[3]))
            closing = _FENCE.match(rest)
            if (
                closing
                and closing.group(2)[0] == fence[0]
                and len(closing.group(2)) >= fence[1]
                and not rest[closing.end() :].strip()
            ):
                fence = None
                previous = "fence"
            continue
        if not rest.strip():
            out.append(line)
            previous = "blank"
            continue
        if previous == "fence":
            out.append(prefix.rstrip())  # Python-Markdown ends a fenced block at a blank line
            previous = "blank"
        indent = _indent(rest)
        if not stack and indent >= 4 and previous in ("blank", "code"):
            out.append(line)  # indented code
            previous = "code"
            continue
        if previous == "blank":
            while stack and indent < stack[-1].content:
                stack.pop()
        item = _ITEM.match(rest)
        if item and _is_item(item, rest, stack, indent, previous):
            in_list = bool(stack)
            while stack and indent < stack[-1].content:
                stack.pop()
            if previous == "para" and not in_list:
                out.append(prefix.rstrip())
            if len(stack) >= MAX_LIST_DEPTH:
                stack.pop()
            marker = item.group(2)
            text_after = rest[item.end() :]
            content = _content_column(indent, marker, item.group(4), text_after)
            level = len(stack)
            stack.append(_Item(indent, content))
            if marker.endswith(")"):
                marker = marker[:-1] + "."
            extra = rest[content:] if len(item.group(4)) > 4 else text_after
            out.append(prefix + " " * (4 * level) + marker + " " + extra)
            previous = "item"
            fence = _opened_fence(extra, content, 4 * level + len(marker) + 1)
            continue
        if stack:
            if indent >= stack[-1].content:
                new_base = 4 * len(stack)
                fence = _opened_fence(rest[stack[-1].content :], stack[-1].content, new_base)
                if fence is not None and previous != "blank":
                    out.append(prefix.rstrip())  # and starts one after a blank line
                out.append(prefix + _shifted(rest, stack[-1].content, new_base))
                previous = "para"
                continue
            lazy = not _HEADING_OR_RULE.match(rest) and not _FENCE.match(rest)
            if previous in ("para", "item") and lazy:
                # A lazy line: Python-Markdown, like CommonMark, adds it to the last paragraph
                # as it stands (indented, it would start a paragraph of its own).
                out.append(prefix + rest.lstrip(" "))
                previous = "para"
                continue
            stack = []
        fence = _opened_fence(rest, 0, 0)
        if fence is not None:
            if previous != "blank":
                out.append(prefix.rstrip())
            previous = "other"
        elif (
            previous == "para"
            and "|" in rest
            and index + 1 < count
            and _is_delimiter_row(lines[index + 1], prefix)
        ):
            out.append(prefix.rstrip())
            previous = "other"
        elif _HEADING_OR_RULE.match(rest):
            previous = "other"
        else:
            previous = "para"
        out.append(line)
    return "\n".join(out)


def _is_item(item: re.Match[str], rest: str, stack: list[_Item], indent: int, previous: str):
    """True when a line that looks like a list item starts one, as CommonMark reads it."""
    parent = stack[-1].content if stack and indent >= stack[-1].content else 0
    if stack and indent < stack[-1].content:
        parent = next((i.content for i in reversed(stack) if indent >= i.content), 0)
    if indent - parent >= 4:
        return False  # indented code inside the item (or the text's own code block)
    has_text = bool(rest[item.end() :].strip())
    if _HEADING_OR_RULE.match(rest) and item.group(2) in "-*" and not has_text:
        return False
    if previous == "para" and not stack:
        # Only "1." and an item with text interrupt a paragraph.
        number = item.group(3)
        return has_text and (number is None or int(number) == 1)
    if previous == "para" and stack and indent < stack[-1].content and not has_text:
        return False
    return not (previous == "para" and _HEADING_OR_RULE.match(rest))


def _shifted(rest: str, base: int, new_base: int) -> str:
    """A line re-indented from ``base`` columns to ``new_base``, keeping what is beyond."""
    indent = _indent(rest)
    return " " * new_base + " " * max(indent - base, 0) + rest[indent:]


def _opened_fence(rest: str, base: int, new_base: int) -> tuple[str, int, int, int] | None:
    opened = _FENCE.match(rest)
    if opened is None or _indent(rest) >= 4:
        return None
    run = opened.group(2)
    if run[0] == "`" and "`" in rest[opened.end() :]:
        return None  # an info string with a backtick: inline code, not a fence
    return run[0], len(run), base, new_base


def _is_delimiter_row(line: str, prefix: str) -> bool:
    if not line.startswith(prefix.rstrip()):
        return False
    rest = line[len(prefix) :] if line.startswith(prefix) else line[len(prefix.rstrip()) :]
    return "-" in rest and bool(_DELIMITER_ROW.fullmatch(rest.rstrip()))
