"""Moodle GIFT import and export (https://docs.moodle.org/en/GIFT_format).

Supported: ``::title::``, ``// comments``, ``$CATEGORY: path``, ``[html]``/``[markdown]``/
``[plain]`` (and ``[moodle]``, read as plain) prefixes, ``=``/``~`` answers with ``%weight%``
and ``#feedback``, ``####general feedback``, true/false with ``#wrong#right`` feedback,
short answer, numeric (``{#3.14:0.01}``, ``{#1..5}``, ``{#=%100%3.14:0 =%50%3:0.5 ~#other}``),
matching (``{=a -> b = -> extra}``), missing-word questions and the escapes
``\\~ \\= \\# \\{ \\} \\: \\\\ \\n``. ``-\\>`` writes a literal ``->`` where it would otherwise
make a matching pair (an extension: Moodle shows the backslash).

Questions without a format prefix are read as Markdown. Essays (``{}``) and descriptions (no
answer block) are not supported: :func:`parse_gift` reports them in ``unsupported``.
Point values are not part of GIFT: imported questions are worth ``default_mark`` 1.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from quizzes.grading import format_number
from quizzes.questions import (
    Answer,
    Choice,
    MatchingQuestion,
    MatchPair,
    MultipleChoiceQuestion,
    NumericAnswer,
    NumericQuestion,
    Question,
    QuestionError,
    ShortAnswerQuestion,
    SingleChoiceQuestion,
    TextFormat,
    TrueFalseQuestion,
)

__all__ = [
    "GiftError",
    "GiftSyntaxError",
    "ParseResult",
    "Unsupported",
    "dump_gift",
    "escape",
    "load_gift",
    "parse_gift",
    "unescape",
]

_NUM = r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?"
_WEIGHT_RE = re.compile(rf"%\s*({_NUM})\s*%")
_WEIGHT_TEXT_RE = re.compile(r"%[^%\n]{0,20}%?")
_RANGE_RE = re.compile(rf"({_NUM})\s*\.\.\s*({_NUM})")
_TOLERANCE_RE = re.compile(rf"({_NUM})(?:\s*:\s*({_NUM}))?")
_FORMAT_RE = re.compile(r"\[(html|markdown|plain|moodle)\]", re.IGNORECASE)
_FIELD_INDEX_RE = re.compile(r"^(?:choices|answers|pairs)\[(\d+)\]")
_FORMATS = {
    "html": TextFormat.HTML,
    "markdown": TextFormat.MARKDOWN,
    "plain": TextFormat.PLAIN,
    "moodle": TextFormat.PLAIN,
}
_ANSWER_FIELDS = {"choices", "answers", "pairs", "distractors"}
_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}
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
_NO_SPACE_BEFORE = ".,;:!?)]»…"

_MESSAGES = {
    "title_unclosed": "The title is not closed with '::'",
    "unexpected_close": "Unexpected '}}' (write \\}} for a literal brace)",
    "unclosed_brace": "The answer block opened with '{{' is not closed with '}}'",
    "nested_brace": "Unexpected '{{' inside an answer block (write \\{{ for a literal brace)",
    "second_block": "A question can have only one answer block {{...}}",
    "no_marker": "Answer {text!r} must start with '=' or '~'",
    "bad_weight": "Bad weight {weight!r}: write a percentage such as %50% or %-33.3%",
    "weight_range": "Weight {weight:g}% is out of range ({low:g}% to {high:g}%)",
    "empty_answer": "An answer is empty",
    "bad_numeric_answer": (
        "Numeric answer {text!r} should look like 3.14, 3.14:0.01 (with a tolerance) or 1..5"
    ),
    "numeric_tilde": (
        "In a numeric question '~' only introduces feedback for other answers: ~#feedback"
    ),
    "tf_feedback": "A true/false answer takes at most two feedback texts: {{T#wrong#right}}",
    "matching_arrow": "Matching pair {text!r} has no '->'",
    "matching_feedback": "Matching pairs cannot have feedback",
}


@dataclass(frozen=True)
class GiftError:
    """A problem in a GIFT file. ``line`` is 1-based; ``code``/``params`` allow translation."""

    line: int
    message: str
    code: str = "syntax"
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class Unsupported(NamedTuple):
    """A question of a type this platform does not have: ``essay`` or ``description``."""

    line: int
    kind: str


@dataclass
class ParseResult:
    """What :func:`parse_gift` found. ``categories`` lists each ``$CATEGORY`` in file order."""

    questions: list[Question] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    errors: list[GiftError] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors and nothing unsupported: the whole file can be imported."""
        return not self.errors and not self.unsupported


class GiftSyntaxError(ValueError):
    """Raised by :func:`load_gift`; carries every error and unsupported question."""

    def __init__(self, errors: list[GiftError], unsupported: list[Unsupported]) -> None:
        self.errors = list(errors)
        self.unsupported = list(unsupported)
        lines = [str(error) for error in self.errors]
        lines += [
            f"line {item.line}: unsupported question type {item.kind!r}"
            for item in self.unsupported
        ]
        super().__init__("\n".join(lines))


# --- escaping --------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape GIFT's special characters and write line breaks as ``\\n``."""
    return "".join(_ESCAPES.get(ch, "\\n" if ch == "\n" else ch) for ch in text)


def _escape_answer(text: str) -> str:
    return escape(text).replace("->", "-\\>")


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


def _find(text: str, sub: str, start: int = 0, end: int | None = None) -> int:
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


def _positions(text: str, chars: str) -> list[int]:
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


def _split(text: str, sep: str) -> list[str]:
    parts = []
    start = 0
    for pos in _positions(text, sep):
        parts.append(text[start:pos])
        start = pos + 1
    parts.append(text[start:])
    return parts


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _float(text: str) -> float:
    return float(text.replace(",", "."))


# --- parsing ---------------------------------------------------------------------------------


class _Block:
    """Consecutive non-blank lines (comments removed), with a map back to line numbers."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.numbers = [number for number, _ in lines]
        self.text = "\n".join(text for _, text in lines)
        self.starts = []
        offset = 0
        for _, text in lines:
            self.starts.append(offset)
            offset += len(text) + 1

    def line(self, pos: int) -> int:
        return self.numbers[max(0, bisect_right(self.starts, pos) - 1)]


class _Token(NamedTuple):
    marker: str
    raw: str
    pos: int


class _Parts(NamedTuple):
    weight: float | None
    text: str
    feedback: str


class _Parser:
    def __init__(self) -> None:
        self.result = ParseResult()
        self.ok = True

    def error(self, line: int, code: str, **params: Any) -> None:
        self.ok = False
        message = _MESSAGES[code].format(**params)
        self.result.errors.append(GiftError(line, message, code, params))

    def model_error(self, line: int, error: QuestionError) -> None:
        self.ok = False
        self.result.errors.append(GiftError(line, str(error), error.code, error.params))

    def parse(self, text: str) -> ParseResult:
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        category = ""
        for lines in _blocks(text):
            while lines and lines[0][1].lstrip().startswith("$CATEGORY:"):
                category = lines[0][1].split(":", 1)[1].strip()
                self.result.categories.append(category)
                lines = lines[1:]
            if lines:
                self.question(_Block(lines), category)
        return self.result

    def question(self, block: _Block, category: str) -> None:
        self.ok = True
        s = block.text
        start = i = _skip_space(s, 0)
        title = ""
        if s.startswith("::", i):
            end = _find(s, "::", i + 2)
            if end < 0:
                self.error(block.line(i), "title_unclosed")
                return
            title = unescape(s[i + 2 : end])
            i = _skip_space(s, end + 2)
        text_format = TextFormat.MARKDOWN
        match = _FORMAT_RE.match(s, i)
        if match:
            text_format = _FORMATS[match.group(1).lower()]
            i = match.end()
        opening = _find(s, "{", i)
        closing = _find(s, "}", i)
        if opening < 0 and closing < 0:
            self.result.unsupported.append(Unsupported(block.line(start), "description"))
            return
        if closing >= 0 and (opening < 0 or closing < opening):
            self.error(block.line(closing), "unexpected_close")
            return
        if closing < 0:
            self.error(block.line(opening), "unclosed_brace")
            return
        nested = _find(s, "{", opening + 1, closing)
        if nested >= 0:
            self.error(block.line(nested), "nested_brace")
            return
        stray = [
            pos for pos in (_find(s, "{", closing + 1), _find(s, "}", closing + 1)) if pos >= 0
        ]
        if stray:
            self.error(block.line(min(stray)), "second_block")
            return

        body_start = opening + 1
        body = s[body_start:closing]
        general = ""
        general_pos = _find(body, "####")
        if general_pos >= 0:
            general = unescape(body[general_pos + 4 :])
            body = body[:general_pos]
        if not body.strip():
            self.result.unsupported.append(Unsupported(block.line(opening), "essay"))
            return
        common = {
            "title": title,
            "text": unescape(s[i:opening]),
            "text_after": unescape(s[closing + 1 :]),
            "text_format": text_format,
            "general_feedback": general,
            "category": category,
        }
        lead = len(body) - len(body.lstrip())
        head = _split(body.strip(), "#")[0].strip().upper()
        if body[lead] == "#":
            built = self.numeric(block, body[lead + 1 :], body_start + lead + 1)
        elif head in _TRUE or head in _FALSE:
            built = self.truefalse(block, body.strip(), opening)
        else:
            built = self.answers(block, body, body_start)
        if built is None or not self.ok:
            return
        cls, specific, positions = built
        try:
            question = cls(**common, **specific)
        except QuestionError as error:
            where = _FIELD_INDEX_RE.match(error.field or "")
            if where and int(where.group(1)) < len(positions):
                line = block.line(positions[int(where.group(1))])
            elif error.field and error.field.split("[")[0] in _ANSWER_FIELDS:
                line = block.line(opening)
            else:
                line = block.line(start)
            self.model_error(line, error)
            return
        self.result.questions.append(question)

    # -- answer tokens --

    def tokens(self, block: _Block, body: str, offset: int) -> list[_Token]:
        positions = _positions(body, "=~")
        head = body[: positions[0]] if positions else body
        if head.strip():
            pos = offset + len(head) - len(head.lstrip())
            self.error(block.line(pos), "no_marker", text=_short(head.strip()))
        tokens = []
        for k, pos in enumerate(positions):
            end = positions[k + 1] if k + 1 < len(positions) else len(body)
            tokens.append(_Token(body[pos], body[pos + 1 : end], offset + pos))
        return tokens

    def parts(self, block: _Block, token: _Token, low: float, high: float) -> _Parts | None:
        raw = token.raw.strip()
        weight = None
        if raw.startswith("%"):
            match = _WEIGHT_RE.match(raw)
            if not match:
                shown = _WEIGHT_TEXT_RE.match(raw)
                self.error(
                    block.line(token.pos), "bad_weight", weight=shown.group() if shown else raw
                )
                return None
            weight = _float(match.group(1))
            if not low <= weight <= high:
                self.error(block.line(token.pos), "weight_range", weight=weight, low=low, high=high)
                return None
            raw = raw[match.end() :]
        hash_pos = _find(raw, "#")
        if hash_pos < 0:
            return _Parts(weight, raw, "")
        return _Parts(weight, raw[:hash_pos], unescape(raw[hash_pos + 1 :]))

    def build(self, block: _Block, token: _Token, cls: type, *args: Any, **kwargs: Any) -> Any:
        try:
            return cls(*args, **kwargs)
        except QuestionError as error:
            if error.code == "empty_text":
                self.error(block.line(token.pos), "empty_answer")
            else:
                self.model_error(block.line(token.pos), error)
            return None

    # -- question types --

    def answers(self, block: _Block, body: str, offset: int) -> tuple | None:
        tokens = self.tokens(block, body, offset)
        if not tokens:
            return None
        markers = {token.marker for token in tokens}
        if "~" in markers:
            return self.choices(block, tokens, single="=" in markers)
        if any(_find(_text_part(token.raw), "->") >= 0 for token in tokens):
            return self.matching(block, tokens)
        return self.short(block, tokens)

    def choices(self, block: _Block, tokens: list[_Token], *, single: bool) -> tuple | None:
        choices = []
        for token in tokens:
            parts = self.parts(block, token, -100.0, 100.0)
            if parts is None:
                continue
            weight = parts.weight
            if weight is None:
                weight = 100.0 if token.marker == "=" else 0.0
            choices.append(
                self.build(block, token, Choice, unescape(parts.text), weight, parts.feedback)
            )
        cls = SingleChoiceQuestion if single else MultipleChoiceQuestion
        return cls, {"choices": choices}, [token.pos for token in tokens]

    def short(self, block: _Block, tokens: list[_Token]) -> tuple | None:
        answers = []
        for token in tokens:
            parts = self.parts(block, token, 0.0, 100.0)
            if parts is None:
                continue
            weight = 100.0 if parts.weight is None else parts.weight
            answers.append(
                self.build(block, token, Answer, unescape(parts.text), weight, parts.feedback)
            )
        return ShortAnswerQuestion, {"answers": answers}, [token.pos for token in tokens]

    def matching(self, block: _Block, tokens: list[_Token]) -> tuple | None:
        pairs = []
        distractors = []
        positions = []
        for token in tokens:
            raw = token.raw.strip()
            line = block.line(token.pos)
            arrow = _find(raw, "->")
            if arrow < 0:
                self.error(line, "matching_arrow", text=_short(unescape(raw)))
                continue
            left, right = raw[:arrow], raw[arrow + 2 :]
            if _find(right, "#") >= 0:
                self.error(line, "matching_feedback")
                continue
            if not left.strip():
                distractors.append(unescape(right))
                continue
            pairs.append(self.build(block, token, MatchPair, unescape(left), unescape(right)))
            positions.append(token.pos)
        specific = {"pairs": pairs, "distractors": distractors}
        return MatchingQuestion, specific, positions

    def truefalse(self, block: _Block, body: str, opening: int) -> tuple | None:
        parts = _split(body, "#")
        if len(parts) > 3:
            self.error(block.line(opening), "tf_feedback")
            return None
        specific = {
            "answer": parts[0].strip().upper() in _TRUE,
            "wrong_feedback": unescape(parts[1]) if len(parts) > 1 else "",
            "right_feedback": unescape(parts[2]) if len(parts) > 2 else "",
        }
        return TrueFalseQuestion, specific, []

    def numeric(self, block: _Block, body: str, offset: int) -> tuple | None:
        if not _positions(body, "=~"):
            token = _Token("=", body, offset)
            parts = self.parts(block, token, 100.0, 100.0)
            if parts is None:
                return None
            answer = self.numeric_answer(block, token, parts)
            return NumericQuestion, {"answers": [answer]}, [offset]
        answers = []
        positions = []
        other = ""
        for token in self.tokens(block, body, offset):
            if token.marker == "~":
                raw = token.raw.strip()
                if not raw.startswith("#"):
                    self.error(block.line(token.pos), "numeric_tilde")
                    continue
                other = unescape(raw[1:])
                continue
            parts = self.parts(block, token, 0.0, 100.0)
            if parts is not None:
                answers.append(self.numeric_answer(block, token, parts))
                positions.append(token.pos)
        return NumericQuestion, {"answers": answers, "other_feedback": other}, positions

    def numeric_answer(self, block: _Block, token: _Token, parts: _Parts) -> NumericAnswer | None:
        spec = parts.text.strip()
        weight = 100.0 if parts.weight is None else parts.weight
        match = _RANGE_RE.fullmatch(spec)
        if match:
            low, high = _float(match.group(1)), _float(match.group(2))
            return self.build(
                block, token, NumericAnswer.between, low, high, weight, parts.feedback
            )
        match = _TOLERANCE_RE.fullmatch(spec)
        if not match:
            self.error(block.line(token.pos), "bad_numeric_answer", text=_short(spec))
            return None
        value = _float(match.group(1))
        tolerance = _float(match.group(2)) if match.group(2) else 0.0
        return self.build(block, token, NumericAnswer, value, tolerance, weight, parts.feedback)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _text_part(raw: str) -> str:
    raw = raw.strip()
    match = _WEIGHT_RE.match(raw)
    if match:
        raw = raw[match.end() :]
    hash_pos = _find(raw, "#")
    return raw if hash_pos < 0 else raw[:hash_pos]


def _blocks(text: str) -> Iterable[list[tuple[int, str]]]:
    """Questions are separated by blank lines; comment lines are dropped."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            if block:
                yield block
            block = []
        elif not line.lstrip().startswith("//"):
            block.append((number, line))
    if block:
        yield block


def parse_gift(text: str) -> ParseResult:
    """Parse GIFT text, collecting every error (with its line) and unsupported question."""
    return _Parser().parse(text)


def load_gift(text: str) -> list[Question]:
    """Parse GIFT text and return its questions, or raise :class:`GiftSyntaxError` listing
    every error and unsupported question, so that a faulty file is refused as a whole."""
    result = parse_gift(text)
    if not result.ok:
        raise GiftSyntaxError(result.errors, result.unsupported)
    return result.questions


# --- writing ---------------------------------------------------------------------------------


def _weight(weight: float) -> str:
    return f"%{format_number(weight)}%"


def _feedback(text: str) -> str:
    return f"#{escape(text)}" if text else ""


def _choice_lines(question: SingleChoiceQuestion | MultipleChoiceQuestion) -> list[str]:
    lines = []
    marked = isinstance(question, MultipleChoiceQuestion)
    for choice in question.choices:
        if not marked and choice.weight == 100:
            marker, marked = "=", True
            weight = _weight(100) if choice.text.startswith("%") else ""
        else:
            marker = "~"
            weight = _weight(choice.weight) if choice.weight or choice.text.startswith("%") else ""
        lines.append(f"{marker}{weight}{escape(choice.text)}{_feedback(choice.feedback)}")
    return lines


def _short_lines(question: ShortAnswerQuestion) -> list[str]:
    lines = []
    for answer in question.answers:
        explicit = answer.weight != 100 or answer.text.startswith("%")
        weight = _weight(answer.weight) if explicit else ""
        lines.append(f"={weight}{_escape_answer(answer.text)}{_feedback(answer.feedback)}")
    return lines


def _numeric_spec(answer: NumericAnswer) -> str:
    if answer.minimum is not None and answer.maximum is not None:
        return f"{format_number(answer.minimum)}..{format_number(answer.maximum)}"
    if answer.tolerance:
        return f"{format_number(answer.value)}:{format_number(answer.tolerance)}"
    return format_number(answer.value)


def _answer_block(question: Question) -> str:
    general = f"####{escape(question.general_feedback)}" if question.general_feedback else ""
    if isinstance(question, TrueFalseQuestion):
        body = "TRUE" if question.answer else "FALSE"
        if question.wrong_feedback or question.right_feedback:
            body += f"#{escape(question.wrong_feedback)}"
        if question.right_feedback:
            body += f"#{escape(question.right_feedback)}"
        return f"{{{body}{general}}}"
    if isinstance(question, NumericQuestion):
        answers = question.answers
        if len(answers) == 1 and answers[0].weight == 100 and not question.other_feedback:
            spec = _numeric_spec(answers[0]) + _feedback(answers[0].feedback)
            return f"{{#{spec}{general}}}"
        lines = [f"={_weight(a.weight)}{_numeric_spec(a)}{_feedback(a.feedback)}" for a in answers]
        if question.other_feedback:
            lines.append(f"~{_feedback(question.other_feedback)}")
        opening = "{#"
    elif isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        lines, opening = _choice_lines(question), "{"
    elif isinstance(question, ShortAnswerQuestion):
        lines, opening = _short_lines(question), "{"
    elif isinstance(question, MatchingQuestion):
        lines = [f"={_escape_answer(pair.left)} -> {escape(pair.right)}" for pair in question.pairs]
        lines += [f"= -> {escape(item)}" for item in question.distractors]
        opening = "{"
    else:
        raise TypeError(f"Not a question: {question!r}")
    if general:
        lines.append(general)
    return "\n".join([opening, *(f"\t{line}" for line in lines), "}"])


def _dump_question(question: Question) -> str:
    head = f"::{escape(question.title)}::" if question.title else ""
    head += f"[{question.text_format.value}]{escape(question.text)}"
    text = f"{head} {_answer_block(question)}"
    if question.text_after:
        joiner = "" if question.text_after[0] in _NO_SPACE_BEFORE else " "
        text += joiner + escape(question.text_after)
    return text


def dump_gift(questions: Iterable[Question]) -> str:
    """Write questions as GIFT; :func:`parse_gift` reads the result back to equal questions
    (``default_mark`` aside, which GIFT cannot hold)."""
    chunks = []
    category = ""
    for question in questions:
        if question.category != category:
            category = question.category
            chunks.append(f"$CATEGORY: {category}".rstrip())
        chunks.append(_dump_question(question))
    return "\n\n".join(chunks) + "\n" if chunks else ""
