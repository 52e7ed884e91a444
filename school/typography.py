"""Typography of rendered text: quotes, dashes, arrows and non-breaking spaces.

Applied to the text nodes of rendered HTML (on the web and on paper), never inside ``code``,
``pre`` or ``kbd``, never to URLs or e-mail addresses in the text, and never to source or search
text. It changes no letter or digit of the text:

- straight quotes that pair up become the language's quotes: «ёлочки» outside and „лапки“
  inside for Russian, “ ” and ‘ ’ for English; an apostrophe inside a word becomes ’ (never a
  double quote); a quote that pairs with nothing stays as written;
- ``...`` becomes …; ``->`` → and ``<->`` ↔, and `` <- `` ←;
- a spaced hyphen or ``--`` between Russian words becomes an em dash (``--`` an en dash in
  English, ``---`` always an em dash; ``1941--1945`` an en dash);
- a non-breaking space goes before a spaced dash, between "ст.", "п.", "ч.", "№", "§" and the
  number after them, between a number and its unit (₽, %, "руб.", "кг", month names...), inside
  a number's digit groups, and (in Russian) after every one- and two-letter word.

Applying it twice changes nothing more. Pure: no Flask, no Markdown.
"""

from __future__ import annotations

import html as html_lib
import re

NBSP = "\u00a0"

#: Stand-ins inside a run of text: an element whose text is left alone (code), and a line break.
_OPAQUE = "\ue0fd"
_BREAK = "\n"

#: Elements whose text is never typeset, and elements that end a run of text.
_SKIPPED = frozenset({"code", "pre", "kbd", "samp", "script", "style"})
_BLOCKS = frozenset(
    ["address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
     "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
     "main", "nav", "ol", "p", "section", "summary", "table", "tbody", "td", "tfoot", "th",
     "thead", "tr", "ul"]
)  # fmt: skip
_VOID = frozenset({"area", "br", "col", "hr", "img", "input", "wbr"})
_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<!--.*?-->""", re.S)

_URL = re.compile(
    r"(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.|mailto:)[^\s<>\"«»]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)

#: Hyphens and dashes, arrows and the ellipsis (the substitutions that change characters).
_SUBSTITUTION = re.compile(
    r"<-{1,2}>|-{1,2}>|(?<![<\-])<-(?=[ \n])|(?<!\.)\.\.\.(?!\.)|(?<!-)-{1,3}(?!-)|–"
)
_SPACE = frozenset(" \n" + NBSP)
_DASHES = frozenset("-–—")
_QUOTE_CHARS = frozenset("\"'«»„“”‘’")
_OPENING_PUNCTUATION = frozenset("([{")
_CLOSING_PUNCTUATION = frozenset(".,;:!?)]}…")

_SHORT_WORD = re.compile(r"(?<![\w\-\u0301\u2019'&./@])([^\W\d_]{1,2})[ \n](?=[^\s\u00a0])")
_SIGN = re.compile(
    r"(?<![\w\-])(?:(?:ст|стт|п|пп|ч|гл|разд|рис|табл|стр|прил|подп|абз)\.|[№§]{1,2})[ \n](?=\d)",
    re.IGNORECASE,
)
_UNITS = (
    "₽|\\$|€|%|‰|°|руб\\.?|р\\.|коп\\.?|тыс\\.|млн|млрд|трлн|кг|г\\.|гг\\.|км|м|см|мм|л|мл|т|"
    "ч|мин|сек|с|дн\\.|дней|дня|день|мес\\.|месяцев|месяца|лет|года?|вв?\\.|шт\\.|чел\\.|"
    "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|"
    "rub|RUB|USD|EUR|kg|km|cm|mm"
)
_UNIT = re.compile(rf"(?<=\d)[ \n](?=(?:{_UNITS})(?![^\W\d_]))")
_DIGIT_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?:[ ]\d{3})+(?![\d])")
_BEFORE_DASH = re.compile(r"(?<=[^\s\u00a0])[ \n](?=[—–][ \n])")


def _is_russian(language: str | None) -> bool:
    return not (language or "ru").lower().startswith("en")


def typeset(text: str, language: str | None = "ru") -> str:
    """A plain text with the typography of ``language`` (Russian unless English)."""
    return "".join(_typeset_chars(text, language))


def _typeset_chars(text: str, language: str | None, opaque: bytes = b"") -> list[str]:
    """What each character of ``text`` becomes: itself, another character, or nothing."""
    out = list(text)
    if not text:
        return out
    russian = _is_russian(language)
    protected = bytearray(opaque.ljust(len(text), b"\x00")[: len(text)])
    for url in _URL.finditer(text):
        protected[url.start() : url.end()] = b"\x01" * (url.end() - url.start())
    for match in _SUBSTITUTION.finditer(text):
        start, end = match.span()
        if any(protected[start:end]):
            continue
        replacement = _replacement(text, start, end, russian)
        if replacement is not None:
            out[start] = replacement
            for index in range(start + 1, end):
                out[index] = ""
    kept = [index for index, char in enumerate(out) if char]
    view = "".join(out[index] for index in kept)
    shielded = bytes(protected[index] for index in kept)
    typeset = _quotes(view, russian, shielded)
    typeset = _spaces(typeset, russian, shielded)
    for position, index in enumerate(kept):
        out[index] = typeset[position]
    return out


def _replacement(text: str, start: int, end: int, russian: bool) -> str | None:
    found = text[start:end]
    if found.endswith(">"):
        return "↔" if found.startswith("<") else "→"
    if found == "<-":
        return "←"
    if found == "...":
        return "…"
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    spaced = before in _SPACE and after in _SPACE and before != "" and after != ""
    if found == "---":
        return "—"
    if found == "–":  # an en dash typed between spaces in Russian prose is an em dash
        return "—" if russian and spaced else None
    if found == "--":
        if before.isdigit() and after.isdigit():
            return "–"
        if spaced or ((start == 0 or before == _BREAK) and after == " "):
            return "—" if russian else "–"
        return "—" if before.isalpha() and after.isalpha() else None
    if found == "-" and russian and spaced:
        return "—"
    return None


def _kind(char: str) -> str:
    if char == "" or char in _SPACE:
        return "space"
    if char in _QUOTE_CHARS:
        return "quote"
    if char in _OPENING_PUNCTUATION or char in _DASHES:
        return "open"
    if char in _CLOSING_PUNCTUATION:
        return "close"
    return "word"


def _quotes(text: str, russian: bool, shielded: bytes) -> str:
    """Straight quotes that pair up, as typographic quotes nested by level."""
    chars = list(text)
    singles: list[int] = []
    doubles: list[int] = []
    pairs: dict[int, int] = {}
    for index, char in enumerate(chars):
        if char not in "\"'" or shielded[index]:
            continue
        before = _kind(text[index - 1] if index else "")
        after = _kind(text[index + 1] if index + 1 < len(text) else "")
        if char == "'" and before == "word" and after == "word":
            chars[index] = "’"  # an apostrophe inside a word
            continue
        if before == "space" and after == "space":
            continue
        opens = before in ("space", "open", "quote") and after != "space"
        closes = after in ("space", "close", "quote", "open") and before != "space"
        stack = doubles if char == '"' else singles
        if opens and closes:
            continue
        if not opens and not closes:  # between two letters: whichever pairs
            opens = not stack
        if opens:
            stack.append(index)
        elif stack:
            pairs[stack.pop()] = index
    depth = 0
    closing: dict[int, int] = {}
    for index, char in enumerate(chars):
        if index in pairs:
            level = depth
            depth += 1
            closing[pairs[index]] = level
            chars[index], chars[pairs[index]] = _quote_pair(char, level, russian)
        elif index in closing:
            depth -= 1
        elif russian and char in "«„" and not shielded[index]:
            depth += 1
        elif russian and char in "»“" and not shielded[index] and depth:
            depth -= 1
    if not russian:
        for index, char in enumerate(chars):
            if char == "'" and not shielded[index] and index not in pairs and index not in closing:
                chars[index] = "’"  # students' books, '90s
    return "".join(chars)


def _quote_pair(char: str, level: int, russian: bool) -> tuple[str, str]:
    if russian:
        return ("«", "»") if level % 2 == 0 else ("„", "“")
    if char == '"' and level % 2 == 0:
        return "“", "”"
    return "‘", "’"


def _spaces(text: str, russian: bool, shielded: bytes) -> str:
    chars = list(text)

    def bind(pattern: re.Pattern[str], group_spaces: bool = False) -> None:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(shielded[start:end]):
                continue
            if group_spaces:
                for index in range(start, end):
                    if text[index] == " ":
                        chars[index] = NBSP
            else:
                chars[end - 1] = NBSP

    bind(_SIGN)
    bind(_UNIT)
    bind(_BEFORE_DASH)
    bind(_DIGIT_GROUPS, group_spaces=True)
    if russian:
        bind(_SHORT_WORD)
    return "".join(chars)


def typeset_html(html: str, language: str | None = "ru") -> str:
    """HTML with every text node typeset, each block's text as one run (see the module's notes).

    Text inside ``code``, ``pre``, ``kbd`` and the like is left exactly as it is; tags and
    attributes are copied unchanged.
    """
    tokens: list[str] = []  # tags as they are, text unescaped
    is_text: list[bool] = []
    position = 0
    for tag in _TAG.finditer(html):
        if tag.start() > position:
            tokens.append(html_lib.unescape(html[position : tag.start()]))
            is_text.append(True)
        tokens.append(tag.group())
        is_text.append(False)
        position = tag.end()
    if position < len(html):
        tokens.append(html_lib.unescape(html[position:]))
        is_text.append(True)

    output = [token if not text else html_lib.escape(token, quote=False) for token, text in
              zip(tokens, is_text, strict=True)]  # fmt: skip
    run: list[str] = []
    opaque = bytearray()
    spans: list[tuple[int, int, int]] = []  # (token index, start, end) in the run
    skipped = 0

    def flush() -> None:
        if spans:
            chars = _typeset_chars("".join(run), language, bytes(opaque))
            for token, start, end in spans:
                output[token] = html_lib.escape("".join(chars[start:end]), quote=False)
        run.clear()
        opaque.clear()
        spans.clear()

    def add(piece: str, shielded: bool) -> None:
        run.append(piece)
        opaque.extend((b"\x01" if shielded else b"\x00") * len(piece))

    length = 0
    for index, token in enumerate(tokens):
        if is_text[index]:
            if skipped:
                continue
            spans.append((index, length, length + len(token)))
            add(token, False)
            length += len(token)
            continue
        match = _TAG.fullmatch(token)
        if match is None or match.group(2) is None:
            continue  # a comment
        closing, name = match.group(1), match.group(2).lower()
        if name in _SKIPPED:
            if not closing:
                if not skipped:
                    add(_OPAQUE, True)
                    length += 1
                skipped += 1
            elif skipped:
                skipped -= 1
            continue
        if skipped:
            continue
        if name in _BLOCKS:
            flush()
            length = 0
        elif name == "br":
            add(_BREAK, True)
            length += 1
    flush()
    return "".join(output)
