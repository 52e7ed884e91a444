"""Typed quiz questions: frozen dataclasses, validation and JSON-ready dictionaries.

Every question type is a frozen dataclass that validates itself on construction and raises
:class:`QuestionError` (a ``ValueError``) with an English message, a stable ``code`` and the
``params`` used in the message, so the web layer can show a translated message instead.

Text fields are normalised on construction: line endings become ``\\n`` and surrounding
whitespace is stripped. Weights are percentages (``100`` is full credit, ``-50`` takes half
of the question's marks away; a question's score is clamped to ``0..default_mark``).

``question.to_dict()`` gives a JSON-ready dict with a ``"type"`` key; ``question_from_dict()``
(or ``BaseQuestion.from_dict()``) turns it back into the matching class.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeAlias

__all__ = [
    "QUESTION_TYPES",
    "WEIGHT_SUM_TOLERANCE",
    "Answer",
    "BaseQuestion",
    "Choice",
    "MatchPair",
    "MatchingQuestion",
    "MultipleChoiceQuestion",
    "NumericAnswer",
    "NumericQuestion",
    "Question",
    "QuestionError",
    "ShortAnswerQuestion",
    "SingleChoiceQuestion",
    "TextFormat",
    "TrueFalseQuestion",
    "question_from_dict",
]

#: Sum of positive weights a multiple-choice question may differ from 100 by.
WEIGHT_SUM_TOLERANCE = 1.0

_BLANK_PUNCTUATION = ".,;:!?)]}»…\"'"


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

    def __post_init__(self) -> None:
        _set(self, "text", _required_text(self.text, "text"))
        _set(self, "weight", _weight(self.weight, "weight"))
        _set(self, "feedback", _text(self.feedback, "feedback"))

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "weight": self.weight, "feedback": self.feedback}


@dataclass(frozen=True)
class Answer:
    """An accepted short answer; ``weight`` is a percentage from 0 to 100."""

    text: str
    weight: float = 100.0
    feedback: str = ""

    def __post_init__(self) -> None:
        _set(self, "text", _required_text(self.text, "text"))
        _set(self, "weight", _weight(self.weight, "weight", 0.0))
        _set(self, "feedback", _text(self.feedback, "feedback"))

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "weight": self.weight, "feedback": self.feedback}


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

    def __post_init__(self) -> None:
        _set(self, "value", _number(self.value, "value"))
        _set(self, "tolerance", _number(self.tolerance, "tolerance"))
        _set(self, "weight", _weight(self.weight, "weight", 0.0))
        _set(self, "feedback", _text(self.feedback, "feedback"))
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
        return data


@dataclass(frozen=True)
class MatchPair:
    """A left item and the right item it matches."""

    left: str
    right: str

    def __post_init__(self) -> None:
        _set(self, "left", _required_text(self.left, "left"))
        _set(self, "right", _required_text(self.right, "right"))

    def to_dict(self) -> dict[str, Any]:
        return {"left": self.left, "right": self.right}


# --- questions -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BaseQuestion:
    """Fields shared by every question type.

    ``text_after`` is the text following the answer blank of a missing-word question
    (GIFT text after the closing brace); it is empty for ordinary questions.
    """

    type: ClassVar[str] = ""

    text: str
    title: str = ""
    text_after: str = ""
    text_format: TextFormat = TextFormat.MARKDOWN
    general_feedback: str = ""
    default_mark: float = 1.0
    category: str = ""

    def __post_init__(self) -> None:
        for name in ("text", "title", "text_after", "general_feedback", "category"):
            _set(self, name, _text(getattr(self, name), name))
        if not self.text and not self.text_after:
            raise QuestionError("empty_question", "The question text is empty", field="text")
        if "\n" in self.category:
            raise QuestionError(
                "category_newline", "A category cannot contain line breaks", field="category"
            )
        try:
            _set(self, "text_format", TextFormat(self.text_format))
        except ValueError:
            raise QuestionError(
                "bad_format",
                "Unknown text format {format!r}; use markdown, html or plain",
                {"format": self.text_format},
                field="text_format",
            ) from None
        mark = _number(self.default_mark, "default_mark")
        if mark <= 0:
            raise QuestionError(
                "bad_mark",
                "The question's mark must be greater than 0, not {mark:g}",
                {"mark": mark},
                field="default_mark",
            )
        _set(self, "default_mark", mark)
        self._validate()

    def _validate(self) -> None:
        """Check the type-specific fields (subclasses)."""

    @property
    def is_missing_word(self) -> bool:
        """True when the answer goes into a blank inside the text."""
        return bool(self.text_after)

    def display_text(self, blank: str = "_____") -> str:
        """The question text, with ``blank`` where the answer goes for missing-word questions."""
        if not self.text_after:
            return self.text
        before = f"{self.text} {blank}" if self.text else blank
        joiner = "" if self.text_after[0] in _BLANK_PUNCTUATION else " "
        return f"{before}{joiner}{self.text_after}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, including ``"type"``."""
        data: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "text": self.text,
            "text_after": self.text_after,
            "text_format": self.text_format.value,
            "general_feedback": self.general_feedback,
            "default_mark": self.default_mark,
            "category": self.category,
        }
        data.update(self._data())
        return data

    def _data(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Question:
        """Build a question from :meth:`to_dict` output; raises :class:`QuestionError`."""
        question = question_from_dict(data)
        if cls is not BaseQuestion and not isinstance(question, cls):
            raise QuestionError(
                "wrong_type",
                "Expected a {expected} question, got {actual}",
                {"expected": cls.type, "actual": question.type},
                field="type",
            )
        return question


@dataclass(frozen=True, kw_only=True)
class SingleChoiceQuestion(BaseQuestion):
    """One option to pick. At least one choice weighs 100%; others may give partial credit."""

    type: ClassVar[str] = "single"
    choices: tuple[Choice, ...]

    def _validate(self) -> None:
        choices = _items(self.choices, "choices", Choice, min_count=2, what="choices")
        _set(self, "choices", choices)
        if not any(choice.weight == 100 for choice in choices):
            raise QuestionError("no_full_choice", "One choice must be worth 100%", field="choices")

    @property
    def correct_indexes(self) -> tuple[int, ...]:
        """Indexes of the choices worth full credit."""
        return tuple(i for i, choice in enumerate(self.choices) if choice.weight == 100)

    def _data(self) -> dict[str, Any]:
        return {"choices": [choice.to_dict() for choice in self.choices]}


@dataclass(frozen=True, kw_only=True)
class MultipleChoiceQuestion(BaseQuestion):
    """Several options may be picked; the weights of the picked ones add up.

    Positive weights must add up to 100% (give or take ``WEIGHT_SUM_TOLERANCE``); wrong
    options usually carry negative weights so that ticking everything earns nothing.
    """

    type: ClassVar[str] = "multiple"
    choices: tuple[Choice, ...]

    def _validate(self) -> None:
        choices = _items(self.choices, "choices", Choice, min_count=2, what="choices")
        _set(self, "choices", choices)
        total = self.positive_weight
        if abs(total - 100) > WEIGHT_SUM_TOLERANCE:
            raise QuestionError(
                "weight_sum",
                "The positive weights of the choices must add up to 100%, not {total:g}%",
                {"total": total},
                field="choices",
            )

    @property
    def positive_weight(self) -> float:
        """Sum of the positive weights, in choice order."""
        return sum(choice.weight for choice in self.choices if choice.weight > 0)

    @property
    def correct_indexes(self) -> tuple[int, ...]:
        """Indexes of the choices with a positive weight."""
        return tuple(i for i, choice in enumerate(self.choices) if choice.weight > 0)

    def _data(self) -> dict[str, Any]:
        return {"choices": [choice.to_dict() for choice in self.choices]}


@dataclass(frozen=True, kw_only=True)
class TrueFalseQuestion(BaseQuestion):
    """A statement that is true or false.

    ``right_feedback`` is shown to a student who answered correctly, ``wrong_feedback`` to one
    who did not (GIFT ``{T#wrong#right}``).
    """

    type: ClassVar[str] = "truefalse"
    answer: bool
    right_feedback: str = ""
    wrong_feedback: str = ""

    def _validate(self) -> None:
        if not isinstance(self.answer, bool):
            raise QuestionError(
                "not_bool", "{field} must be true or false", {"field": "answer"}, field="answer"
            )
        _set(self, "right_feedback", _text(self.right_feedback, "right_feedback"))
        _set(self, "wrong_feedback", _text(self.wrong_feedback, "wrong_feedback"))

    def _data(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "right_feedback": self.right_feedback,
            "wrong_feedback": self.wrong_feedback,
        }


@dataclass(frozen=True, kw_only=True)
class ShortAnswerQuestion(BaseQuestion):
    """A typed answer compared with the accepted ones (case, spaces and ё/е ignored)."""

    type: ClassVar[str] = "short"
    answers: tuple[Answer, ...]

    def _validate(self) -> None:
        answers = _items(self.answers, "answers", Answer, min_count=1, what="answers")
        _set(self, "answers", answers)
        if not any(answer.weight == 100 for answer in answers):
            raise QuestionError(
                "no_full_answer", "One accepted answer must be worth 100%", field="answers"
            )

    def _data(self) -> dict[str, Any]:
        return {"answers": [answer.to_dict() for answer in self.answers]}


@dataclass(frozen=True, kw_only=True)
class NumericQuestion(BaseQuestion):
    """A number within a tolerance or a range; the best-matching answer's weight counts.

    ``other_feedback`` is shown when no answer matches (GIFT ``~#feedback``).
    """

    type: ClassVar[str] = "numeric"
    answers: tuple[NumericAnswer, ...]
    other_feedback: str = ""

    def _validate(self) -> None:
        answers = _items(self.answers, "answers", NumericAnswer, min_count=1, what="answers")
        _set(self, "answers", answers)
        _set(self, "other_feedback", _text(self.other_feedback, "other_feedback"))
        if not any(answer.weight == 100 for answer in answers):
            raise QuestionError(
                "no_full_answer", "One accepted answer must be worth 100%", field="answers"
            )

    def _data(self) -> dict[str, Any]:
        return {
            "answers": [answer.to_dict() for answer in self.answers],
            "other_feedback": self.other_feedback,
        }


@dataclass(frozen=True, kw_only=True)
class MatchingQuestion(BaseQuestion):
    """Pairs to match; each correct pair earns its share of the marks.

    The student matches every left item against :attr:`right_options` (the distinct right
    items, then the ``distractors`` that match nothing).
    """

    type: ClassVar[str] = "matching"
    pairs: tuple[MatchPair, ...]
    distractors: tuple[str, ...] = ()

    def _validate(self) -> None:
        pairs = _items(self.pairs, "pairs", MatchPair, min_count=2, what="pairs")
        _set(self, "pairs", pairs)
        seen: set[str] = set()
        for index, pair in enumerate(pairs):
            if pair.left in seen:
                raise QuestionError(
                    "duplicate_left",
                    "The left item {left!r} appears twice",
                    {"left": pair.left},
                    field=f"pairs[{index}].left",
                )
            seen.add(pair.left)
        distractors = _items(self.distractors, "distractors", str, min_count=0, what="items")
        cleaned = tuple(
            _required_text(item, f"distractors[{i}]") for i, item in enumerate(distractors)
        )
        rights = {pair.right for pair in pairs}
        for index, item in enumerate(cleaned):
            if item in rights or item in cleaned[:index]:
                raise QuestionError(
                    "duplicate_distractor",
                    "The extra answer {item!r} repeats another answer",
                    {"item": item},
                    field=f"distractors[{index}]",
                )
        _set(self, "distractors", cleaned)

    @property
    def right_options(self) -> tuple[str, ...]:
        """The distinct right items in order of appearance, then the distractors."""
        return (*dict.fromkeys(pair.right for pair in self.pairs), *self.distractors)

    @property
    def correct_matches(self) -> dict[int, int]:
        """Left index -> index into :attr:`right_options` of its correct match."""
        options = self.right_options
        return {i: options.index(pair.right) for i, pair in enumerate(self.pairs)}

    def _data(self) -> dict[str, Any]:
        return {
            "pairs": [pair.to_dict() for pair in self.pairs],
            "distractors": list(self.distractors),
        }


Question: TypeAlias = (
    SingleChoiceQuestion
    | MultipleChoiceQuestion
    | TrueFalseQuestion
    | ShortAnswerQuestion
    | NumericQuestion
    | MatchingQuestion
)

QUESTION_TYPES: dict[str, type[BaseQuestion]] = {
    cls.type: cls
    for cls in (
        SingleChoiceQuestion,
        MultipleChoiceQuestion,
        TrueFalseQuestion,
        ShortAnswerQuestion,
        NumericQuestion,
        MatchingQuestion,
    )
}

# --- from_dict -------------------------------------------------------------------------------

_COMMON_KEYS = {
    "type",
    "title",
    "text",
    "text_after",
    "text_format",
    "general_feedback",
    "default_mark",
    "category",
}
_TYPE_KEYS = {
    "single": {"choices"},
    "multiple": {"choices"},
    "truefalse": {"answer", "right_feedback", "wrong_feedback"},
    "short": {"answers"},
    "numeric": {"answers", "other_feedback"},
    "matching": {"pairs", "distractors"},
}
_REQUIRED_KEYS = {
    "single": {"choices"},
    "multiple": {"choices"},
    "truefalse": {"answer"},
    "short": {"answers"},
    "numeric": {"answers"},
    "matching": {"pairs"},
}
_ITEM_KEYS: dict[type, tuple[set[str], set[str]]] = {
    Choice: ({"text"}, {"text", "weight", "feedback"}),
    Answer: ({"text"}, {"text", "weight", "feedback"}),
    NumericAnswer: (set(), {"value", "tolerance", "weight", "feedback", "minimum", "maximum"}),
    MatchPair: ({"left", "right"}, {"left", "right"}),
}


def _check_keys(data: Mapping[str, Any], required: set[str], allowed: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise QuestionError(
                "unknown_key", "Unknown key {key!r} in {where}", {"key": key, "where": where}
            )
    for key in sorted(required):
        if key not in data:
            raise QuestionError(
                "missing_key", "Missing key {key!r} in {where}", {"key": key, "where": where}
            )


def _build_items(value: Any, field: str, item_type: type) -> list:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise QuestionError("not_list", "{field} must be a list", {"field": field}, field=field)
    required, allowed = _ITEM_KEYS[item_type]
    built = []
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(item, Mapping):
            raise QuestionError(
                "not_object", "{field} must be an object", {"field": where}, field=where
            )
        _check_keys(item, required, allowed, where)
        try:
            built.append(item_type(**item))
        except QuestionError as error:
            raise _reindex(error, field, index) from None
    return built


def question_from_dict(data: Mapping[str, Any]) -> Question:
    """Build the right question class from ``to_dict()`` output.

    Raises :class:`QuestionError` for unknown types, unknown or missing keys and invalid values.
    """
    if not isinstance(data, Mapping):
        raise QuestionError("not_object", "{field} must be an object", {"field": "question"})
    kind = data.get("type")
    cls = QUESTION_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise QuestionError(
            "unknown_type",
            "Unknown question type {type!r}; expected one of: {types}",
            {"type": kind, "types": ", ".join(QUESTION_TYPES)},
            field="type",
        )
    _check_keys(data, _REQUIRED_KEYS[kind] | {"text"}, _COMMON_KEYS | _TYPE_KEYS[kind], "question")
    kwargs = {key: value for key, value in data.items() if key != "type"}
    if kind in ("single", "multiple"):
        kwargs["choices"] = _build_items(data["choices"], "choices", Choice)
    elif kind == "short":
        kwargs["answers"] = _build_items(data["answers"], "answers", Answer)
    elif kind == "numeric":
        kwargs["answers"] = _build_items(data["answers"], "answers", NumericAnswer)
    elif kind == "matching":
        kwargs["pairs"] = _build_items(data["pairs"], "pairs", MatchPair)
    return cls(**kwargs)  # type: ignore[return-value]
