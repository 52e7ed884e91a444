"""Moodle GIFT import (https://docs.moodle.org/en/GIFT_format), read as Moodle's own
``question/format/gift/format.php`` reads it.

Supported: ``::title::``, ``// comments``, ``$CATEGORY: path`` (Moodle's ``$course$/top/``
is dropped), a ``[html]``/``[markdown]``/``[plain]``/``[moodle]`` prefix on every part
(question text, answers, feedback, general feedback ``####``, true/false feedback, matching
items), ``=``/``~`` answers with ``%weight%`` and ``#feedback``, true/false with
``#wrong#right`` feedback, short answer (``*`` is a wildcard, ``=%0%*#…`` the catch-all),
numeric (``{#3.14:0.01}``, ``{#1..5}``, ``{#=%100%3.14:0 =%50%3:0.5 ~#other}``,
``{#3:2~#other}``), matching (``{=a -> b = -> extra}``), missing-word questions, essays
(``{}``), descriptions (no answer block) and the escapes ``\\~ \\= \\# \\{ \\} \\: \\\\ \\n``.
``-\\>`` writes a literal ``->`` where it would otherwise make a matching pair (an extension:
Moodle shows the backslash).

Unprefixed text is in Moodle's auto-format (:attr:`TextFormat.MOODLE`). What Moodle accepts
but an editor would refuse (weights not adding up to 100%, no full-credit answer) is read and
reported in ``warnings``; real errors refuse the whole file. Point values are not part of
GIFT: imported questions are worth 1 (descriptions 0). The writer is :mod:`quizzes.gift_writer`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from quizzes.gift_syntax import (
    clean_category,
    escape,
    find,
    positions,
    rfind,
    split,
    split_format,
    unescape,
)
from quizzes.gift_writer import dump_gift
from quizzes.questions import (
    Answer,
    Choice,
    DescriptionQuestion,
    EssayQuestion,
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
_FIELD_INDEX_RE = re.compile(r"^(?:choices|answers|pairs)\[(\d+)\]")
_ANSWER_FIELDS = {"choices", "answers", "pairs", "distractors"}
# Moodle compares these exactly; {true} is read as true/false here, with a warning.
_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}

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
    "tf_case": "Moodle reads true/false only in capitals: {{T}}, {{TRUE}}, {{F}}, {{FALSE}}",
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
    """A question of a type this platform does not have (none since essays and descriptions
    are read; kept for callers that list them)."""

    line: int
    kind: str


@dataclass
class ParseResult:
    """What :func:`parse_gift` found. ``categories`` lists each ``$CATEGORY`` in file order
    (cleaned); ``warnings`` what Moodle accepts but deserves a look."""

    questions: list[Question] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    errors: list[GiftError] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    warnings: list[GiftError] = field(default_factory=list)
    #: The first line of each question, aligned with ``questions``.
    lines: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors: the whole file can be imported."""
        return not self.errors and not self.unsupported


class GiftSyntaxError(ValueError):
    """Raised by :func:`load_gift`; carries every error."""

    def __init__(self, errors: list[GiftError], unsupported: list[Unsupported]) -> None:
        self.errors = list(errors)
        self.unsupported = list(unsupported)
        lines = [str(error) for error in self.errors]
        lines += [
            f"line {item.line}: unsupported question type {item.kind!r}"
            for item in self.unsupported
        ]
        super().__init__("\n".join(lines))


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _float(text: str) -> float:
    return float(text.replace(",", "."))


class _Text(NamedTuple):
    """A part read with its own format prefix (``None``: the question's format)."""

    format: TextFormat | None
    text: str


def _part(raw: str) -> _Text:
    fmt, rest = split_format(raw)
    return _Text(fmt, unescape(rest))


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
    feedback: _Text


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
                category = clean_category(lines[0][1].split(":", 1)[1])
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
            end = find(s, "::", i + 2)
            if end < 0:
                self.error(block.line(i), "title_unclosed")
                return
            title = unescape(s[i + 2 : end]).strip()
            i = _skip_space(s, end + 2)
        opening = find(s, "{", i)
        closing = find(s, "}", i)
        if opening < 0 and closing < 0:
            text = _part(s[i:])
            common = self.common(title, text, "", _Text(None, ""), category)
            self.add(block, start, start, [], DescriptionQuestion, common, {})
            return
        if closing >= 0 and (opening < 0 or closing < opening):
            self.error(block.line(closing), "unexpected_close")
            return
        if closing < 0:
            self.error(block.line(opening), "unclosed_brace")
            return
        nested = find(s, "{", opening + 1, closing)
        if nested >= 0:
            self.error(block.line(nested), "nested_brace")
            return
        stray = [pos for pos in (find(s, "{", closing + 1), find(s, "}", closing + 1)) if pos >= 0]
        if stray:
            self.error(block.line(min(stray)), "second_block")
            return

        body_start = opening + 1
        body = s[body_start:closing]
        general = _Text(None, "")
        general_pos = rfind(body, "####")
        if general_pos >= 0:
            general = _part(body[general_pos + 4 :])
            body = body[:general_pos]
        text = _part(s[i:opening])
        after = unescape(s[closing + 1 :]).strip()
        common = self.common(title, text, after, general, category)
        stripped = body.strip()
        lead = len(body) - len(body.lstrip())
        if not stripped:
            self.add(block, start, opening, [], EssayQuestion, common, {})
            return
        tf_head = split(stripped, "#")[0].strip()
        if stripped[0] == "#":
            built = self.numeric(block, body[lead + 1 :], body_start + lead + 1)
        elif positions(stripped, "~"):
            built = self.choices(
                block, self.tokens(block, body, body_start), single="=" in _marks(body)
            )
        elif positions(stripped, "=") and find(stripped, "->") >= 0:
            built = self.matching(block, self.tokens(block, body, body_start))
        elif tf_head.upper() in _TRUE | _FALSE:
            if tf_head not in _TRUE | _FALSE:
                # Moodle would read a short answer {true} lacking its "=".
                self.result.warnings.append(
                    GiftError(block.line(opening), _MESSAGES["tf_case"], "tf_case")
                )
            built = self.truefalse(block, stripped, opening)
        else:
            built = self.short(block, self.tokens(block, body, body_start))
        if built is None or not self.ok:
            return
        cls, specific, where = built
        self.add(block, start, opening, where, cls, common, specific)

    def common(
        self, title: str, text: _Text, after: str, general: _Text, category: str
    ) -> dict[str, Any]:
        return {
            "title": title,
            "text": text.text,
            "text_after": after,
            "text_format": text.format or TextFormat.MOODLE,
            "general_feedback": general.text,
            "general_feedback_format": general.format,
            "category": category,
            "strict": False,
        }

    def add(self, block: _Block, start: int, opening: int, where: list[int], cls: type,
            common: dict[str, Any], specific: dict[str, Any]) -> None:  # fmt: skip
        try:
            question = cls(**common, **specific)
        except QuestionError as error:
            match = _FIELD_INDEX_RE.match(error.field or "")
            if match and int(match.group(1)) < len(where):
                line = block.line(where[int(match.group(1))])
            elif error.field and error.field.split("[")[0] in _ANSWER_FIELDS:
                line = block.line(opening)
            else:
                line = block.line(start)
            self.model_error(line, error)
            return
        for warning in question.warnings:
            line = block.line(opening)
            self.result.warnings.append(GiftError(line, str(warning), warning.code, warning.params))
        self.result.questions.append(question)
        self.result.lines.append(block.line(start))

    # -- answer tokens --

    def tokens(self, block: _Block, body: str, offset: int) -> list[_Token]:
        found = positions(body, "=~")
        head = body[: found[0]] if found else body
        if head.strip():
            pos = offset + len(head) - len(head.lstrip())
            self.error(block.line(pos), "no_marker", text=_short(unescape(head.strip())))
        tokens = []
        for k, pos in enumerate(found):
            end = found[k + 1] if k + 1 < len(found) else len(body)
            tokens.append(_Token(body[pos], body[pos + 1 : end], offset + pos))
        return tokens

    def weighted(self, block: _Block, token: _Token, low: float, high: float) -> _Parts | None:
        """``%weight%text#feedback``; a choice marked ``=`` takes no weight, as in Moodle."""
        raw = token.raw.strip()
        weight = None
        if raw.startswith("%") and not (token.marker == "=" and low < 0):
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
        pieces = split(raw, "#", 1)
        feedback = _part(pieces[1]) if len(pieces) > 1 else _Text(None, "")
        return _Parts(weight, pieces[0], feedback)

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

    def choices(self, block: _Block, tokens: list[_Token], *, single: bool) -> tuple | None:
        if not tokens:
            return None
        choices = []
        for token in tokens:
            parts = self.weighted(block, token, -100.0, 100.0)
            if parts is None:
                continue
            weight = parts.weight
            if weight is None:
                weight = 100.0 if token.marker == "=" else 0.0
            text = _part(parts.text)
            choices.append(
                self.build(
                    block,
                    token,
                    Choice,
                    text.text,
                    weight,
                    parts.feedback.text,
                    text.format,
                    parts.feedback.format,
                )
            )
        cls = SingleChoiceQuestion if single else MultipleChoiceQuestion
        return cls, {"choices": choices}, [token.pos for token in tokens]

    def short(self, block: _Block, tokens: list[_Token]) -> tuple | None:
        if not tokens:
            return None
        answers = []
        for token in tokens:
            parts = self.weighted(block, token, 0.0, 100.0)
            if parts is None:
                continue
            weight = 100.0 if parts.weight is None else parts.weight
            text = _part(parts.text).text
            answers.append(
                self.build(
                    block, token, Answer, text, weight, parts.feedback.text, parts.feedback.format
                )
            )
        return ShortAnswerQuestion, {"answers": answers}, [token.pos for token in tokens]

    def matching(self, block: _Block, tokens: list[_Token]) -> tuple | None:
        pairs = []
        distractors = []
        where = []
        for token in tokens:
            raw = token.raw.strip()
            line = block.line(token.pos)
            arrow = find(raw, "->")
            if arrow < 0:
                self.error(line, "matching_arrow", text=_short(unescape(raw)))
                continue
            left, right = _part(raw[:arrow]), raw[arrow + 2 :]
            if find(right, "#") >= 0:
                self.error(line, "matching_feedback")
                continue
            if not left.text:
                distractors.append(unescape(right))
                continue
            pair = self.build(block, token, MatchPair, left.text, unescape(right), left.format)
            pairs.append(pair)
            where.append(token.pos)
        specific = {"pairs": pairs, "distractors": distractors}
        return MatchingQuestion, specific, where

    def truefalse(self, block: _Block, body: str, opening: int) -> tuple | None:
        parts = split(body, "#")
        if len(parts) > 3:
            self.error(block.line(opening), "tf_feedback")
            return None
        wrong = _part(parts[1]) if len(parts) > 1 else _Text(None, "")
        right = _part(parts[2]) if len(parts) > 2 else _Text(None, "")
        specific = {
            "answer": parts[0].strip().upper() in _TRUE,
            "wrong_feedback": wrong.text,
            "wrong_feedback_format": wrong.format,
            "right_feedback": right.text,
            "right_feedback_format": right.format,
        }
        return TrueFalseQuestion, specific, []

    def numeric(self, block: _Block, body: str, offset: int) -> tuple | None:
        """Moodle: feedback for other answers from the first ``~``; answers split at ``=``
        before it, the first one needing no ``=`` (``{#3:2~#Completely wrong}``)."""
        other = _Text(None, "")
        tilde = find(body, "~")
        if tilde >= 0:
            raw = body[tilde + 1 :].strip()
            if not raw.startswith("#") or positions(raw, "=~"):
                self.error(block.line(offset + tilde), "numeric_tilde")
                return None
            other = _part(raw[1:])
            body = body[:tilde]
        tokens = []
        head = split(body, "=")[0]
        if head.strip():
            tokens.append(_Token("=", head, offset))
        tokens += list(self.tokens(block, body[len(head) :], offset + len(head)))
        if not tokens:
            self.error(block.line(offset), "bad_numeric_answer", text="")
            return None
        answers = []
        where = []
        for token in tokens:
            parts = self.weighted(block, token, 0.0, 100.0)
            if parts is None:
                continue
            if parts.text.strip() == "*":
                other = parts.feedback
                continue
            answers.append(self.numeric_answer(block, token, parts))
            where.append(token.pos)
        specific = {
            "answers": answers,
            "other_feedback": other.text,
            "other_feedback_format": other.format,
        }
        return NumericQuestion, specific, where

    def numeric_answer(self, block: _Block, token: _Token, parts: _Parts) -> NumericAnswer | None:
        spec = unescape(parts.text).strip()
        weight = 100.0 if parts.weight is None else parts.weight
        feedback = (parts.feedback.text, parts.feedback.format)
        match = _RANGE_RE.fullmatch(spec)
        if match:
            low, high = _float(match.group(1)), _float(match.group(2))
            return self.build(
                block, token, NumericAnswer, weight=weight, feedback=feedback[0],
                minimum=low, maximum=high, feedback_format=feedback[1],
            )  # fmt: skip
        match = _TOLERANCE_RE.fullmatch(spec)
        if not match:
            self.error(block.line(token.pos), "bad_numeric_answer", text=_short(spec))
            return None
        value = _float(match.group(1))
        tolerance = _float(match.group(2)) if match.group(2) else 0.0
        return self.build(
            block, token, NumericAnswer, value, tolerance, weight, feedback[0],
            feedback_format=feedback[1],
        )  # fmt: skip


def _marks(body: str) -> str:
    return "".join(body[pos] for pos in positions(body, "=~"))


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


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
    """Parse GIFT text, collecting every error and warning with its line."""
    return _Parser().parse(text)


def load_gift(text: str) -> list[Question]:
    """Parse GIFT text and return its questions, or raise :class:`GiftSyntaxError` listing
    every error, so that a faulty file is refused as a whole."""
    result = parse_gift(text)
    if not result.ok:
        raise GiftSyntaxError(result.errors, result.unsupported)
    return result.questions
