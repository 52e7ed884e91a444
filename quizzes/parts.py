"""The parts of quiz questions: the error type, text formats, field checks and answers.

:mod:`quizzes.questions` builds the question types from these and re-exports them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "Answer",
    "Choice",
    "MatchPair",
    "NumericAnswer",
    "QuestionError",
    "TextFormat",
]


class QuestionError(ValueError):
    """An invalid question.

    ``str(error)`` is an English message; ``code`` names the problem, ``params`` holds the
    values interpolated into ``template``, and ``field`` points at the offending field
    (for example ``"choices[2].weight"``) when there is one.
    """

    def __init__(
        self,
        code: str,
        template: str,
        params: Mapping[str, Any] | None = None,
        *,
        field: str | None = None,
    ) -> None:
        self.code = code
        self.template = template
        self.params = dict(params or {})
        self.field = field
        super().__init__(template.format(**self.params))


class TextFormat(StrEnum):
    """How question text, answers and feedback are written (GIFT's ``[format]`` prefix)."""

    MARKDOWN = "markdown"
    HTML = "html"
    PLAIN = "plain"
    #: Moodle's auto-format, the default of unprefixed GIFT text: shown as plain text whose
    #: line breaks are kept (never as raw HTML).
    MOODLE = "moodle"


def _format(value: Any, field: str) -> TextFormat | None:
    """A part's own format, or ``None`` when it is written in the question's format."""
    if value is None:
        return None
    try:
        return TextFormat(value)
    except ValueError:
        raise QuestionError(
            "bad_format",
            "Unknown text format {format!r}; use markdown, html, plain or moodle",
            {"format": value},
            field=field,
        ) from None


def _formats_dict(part: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The part's own formats, only those that are set (so older data keeps its shape)."""
    return {name: getattr(part, name).value for name in names if getattr(part, name) is not None}


# --- field helpers ---------------------------------------------------------------------------


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise QuestionError("not_text", "{field} must be text", {"field": field}, field=field)
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _required_text(value: Any, field: str) -> str:
    cleaned = _text(value, field)
    if not cleaned:
        raise QuestionError(
            "empty_text", "{field} must not be empty", {"field": field}, field=field
        )
    return cleaned


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QuestionError("not_number", "{field} must be a number", {"field": field}, field=field)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise QuestionError(
            "not_finite", "{field} must be a finite number", {"field": field}, field=field
        )
    return number


def _weight(value: Any, field: str, low: float = -100.0, high: float = 100.0) -> float:
    weight = _number(value, field)
    if not low <= weight <= high:
        raise QuestionError(
            "weight_range",
            "{field} must be between {low:g}% and {high:g}%, not {weight:g}%",
            {"field": field, "low": low, "high": high, "weight": weight},
            field=field,
        )
    return weight


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _items(value: Any, field: str, item_type: type, *, min_count: int, what: str) -> tuple:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise QuestionError("not_list", "{field} must be a list", {"field": field}, field=field)
    items = tuple(value)
    for index, item in enumerate(items):
        if not isinstance(item, item_type):
            raise QuestionError(
                "wrong_item",
                "{field}[{index}] must be a {expected}",
                {"field": field, "index": index, "expected": item_type.__name__},
                field=f"{field}[{index}]",
            )
    if len(items) < min_count:
        raise QuestionError(
            "too_few",
            "A question of this type needs at least {min} {what}, not {count}",
            {"min": min_count, "what": what, "count": len(items)},
            field=field,
        )
    return items


def _reindex(error: QuestionError, field: str, index: int) -> QuestionError:
    """Point an answer's validation error at its place in the question."""
    path = f"{field}[{index}]" + (f".{error.field}" if error.field else "")
    params = dict(error.params)
    if "field" in params:
        params["field"] = path
    return QuestionError(error.code, error.template, params, field=path)


# --- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """An option of a single- or multiple-choice question; ``weight`` is a percentage."""

    text: str
    weight: float = 0.0
    feedback: str = ""
    text_format: TextFormat | None = None
    feedback_format: TextFormat | None = None

    def __post_init__(self) -> None:
        _set(self, "text", _required_text(self.text, "text"))
        _set(self, "weight", _weight(self.weight, "weight"))
        _set(self, "feedback", _text(self.feedback, "feedback"))
        _set(self, "text_format", _format(self.text_format, "text_format"))
        feedback_format = _format(self.feedback_format, "feedback_format")
        _set(self, "feedback_format", feedback_format if self.feedback else None)

    def to_dict(self) -> dict[str, Any]:
        data = {"text": self.text, "weight": self.weight, "feedback": self.feedback}
        return data | _formats_dict(self, ("text_format", "feedback_format"))


@dataclass(frozen=True)
class Answer:
    """An accepted short answer; ``weight`` is a percentage from 0 to 100.

    As in Moodle, ``*`` in the text matches any characters (``Naz*`` accepts "Nazareth",
    ``*`` alone any answer: the catch-all); ``\\*`` is a literal star.
    """

    text: str
    weight: float = 100.0
    feedback: str = ""
    feedback_format: TextFormat | None = None

    def __post_init__(self) -> None:
        _set(self, "text", _required_text(self.text, "text"))
        _set(self, "weight", _weight(self.weight, "weight", 0.0))
        _set(self, "feedback", _text(self.feedback, "feedback"))
        feedback_format = _format(self.feedback_format, "feedback_format")
        _set(self, "feedback_format", feedback_format if self.feedback else None)

    @property
    def is_catch_all(self) -> bool:
        """``*`` alone: matches whatever was typed."""
        return self.text == "*"

    @property
    def has_wildcard(self) -> bool:
        return "*" in self.text.replace("\\*", "")

    def to_dict(self) -> dict[str, Any]:
        data = {"text": self.text, "weight": self.weight, "feedback": self.feedback}
        return data | _formats_dict(self, ("feedback_format",))


@dataclass(frozen=True)
class NumericAnswer:
    """A numeric answer: ``value ± tolerance``, or the range ``minimum..maximum``.

    Use :meth:`between` for a range; a range keeps ``value`` and ``tolerance`` at 0.
    """

    value: float = 0.0
    tolerance: float = 0.0
    weight: float = 100.0
    feedback: str = ""
    minimum: float | None = None
    maximum: float | None = None
    feedback_format: TextFormat | None = None

    def __post_init__(self) -> None:
        _set(self, "value", _number(self.value, "value"))
        _set(self, "tolerance", _number(self.tolerance, "tolerance"))
        _set(self, "weight", _weight(self.weight, "weight", 0.0))
        _set(self, "feedback", _text(self.feedback, "feedback"))
        feedback_format = _format(self.feedback_format, "feedback_format")
        _set(self, "feedback_format", feedback_format if self.feedback else None)
        if self.tolerance < 0:
            raise QuestionError(
                "negative_tolerance",
                "The tolerance must not be negative, not {tolerance:g}",
                {"tolerance": self.tolerance},
                field="tolerance",
            )
        if (self.minimum is None) != (self.maximum is None):
            raise QuestionError(
                "half_range", "A range needs both a minimum and a maximum", field="minimum"
            )
        if self.minimum is not None and self.maximum is not None:
            low = _number(self.minimum, "minimum")
            high = _number(self.maximum, "maximum")
            if low > high:
                raise QuestionError(
                    "inverted_range",
                    "The range minimum {minimum:g} is greater than the maximum {maximum:g}",
                    {"minimum": low, "maximum": high},
                    field="minimum",
                )
            if self.value != 0 or self.tolerance != 0:
                raise QuestionError(
                    "range_with_value",
                    "A range answer has no value or tolerance",
                    field="value",
                )
            _set(self, "minimum", low)
            _set(self, "maximum", high)

    @classmethod
    def between(
        cls, minimum: float, maximum: float, weight: float = 100.0, feedback: str = ""
    ) -> NumericAnswer:
        """An answer accepting every number from ``minimum`` to ``maximum`` inclusive."""
        return cls(weight=weight, feedback=feedback, minimum=minimum, maximum=maximum)

    @property
    def is_range(self) -> bool:
        return self.minimum is not None

    @property
    def bounds(self) -> tuple[float, float]:
        """The accepted interval, inclusive."""
        if self.minimum is not None and self.maximum is not None:
            return self.minimum, self.maximum
        return self.value - self.tolerance, self.value + self.tolerance

    @property
    def midpoint(self) -> float:
        """A number this answer accepts: the value, or the middle of the range."""
        if self.minimum is not None and self.maximum is not None:
            return self.minimum + (self.maximum - self.minimum) / 2
        return self.value

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"weight": self.weight, "feedback": self.feedback}
        if self.is_range:
            data.update(minimum=self.minimum, maximum=self.maximum)
        else:
            data.update(value=self.value, tolerance=self.tolerance)
        return data | _formats_dict(self, ("feedback_format",))


@dataclass(frozen=True)
class MatchPair:
    """A left item and the right item it matches."""

    left: str
    right: str
    left_format: TextFormat | None = None

    def __post_init__(self) -> None:
        _set(self, "left", _required_text(self.left, "left"))
        _set(self, "right", _required_text(self.right, "right"))
        _set(self, "left_format", _format(self.left_format, "left_format"))

    def to_dict(self) -> dict[str, Any]:
        return {"left": self.left, "right": self.right} | _formats_dict(self, ("left_format",))
