"""Typed quiz questions: frozen dataclasses, validation and JSON-ready dictionaries.

Every question type is a frozen dataclass that validates itself on construction and raises
:class:`QuestionError` (a ``ValueError``) with an English message, a stable ``code`` and the
``params`` used in the message, so the web layer can show a translated message instead.

Text fields are normalised on construction: line endings become ``\\n`` and surrounding
whitespace is stripped. Weights are percentages (``100`` is full credit, ``-50`` takes half
of the question's marks away; a question's score is clamped to ``0..default_mark``).

Some problems are advisories rather than errors: weights that do not add up to 100% and
questions without a full-credit answer. Moodle accepts them, so a question built with
``strict=False`` (GIFT import, stored data) keeps them in :attr:`BaseQuestion.warnings`;
a strict one (the default, the editor) refuses them.

``question.to_dict()`` gives a JSON-ready dict with a ``"type"`` key; ``question_from_dict()``
(or ``BaseQuestion.from_dict()``) turns it back into the matching class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

from quizzes.parts import (
    Answer,
    Choice,
    MatchPair,
    NumericAnswer,
    QuestionError,
    TextFormat,
    _format,
    _formats_dict,
    _items,
    _number,
    _reindex,
    _required_text,
    _set,
    _text,
)

__all__ = [
    "GRADED_TYPES",
    "QUESTION_TYPES",
    "WEIGHT_SUM_TOLERANCE",
    "Answer",
    "BaseQuestion",
    "Choice",
    "DescriptionQuestion",
    "EssayQuestion",
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
    general_feedback_format: TextFormat | None = None
    strict: bool = field(default=True, compare=False, repr=False)

    #: Marks of a question of this type may be 0 (a description is not graded).
    unmarked: ClassVar[bool] = False
    _FORMAT_FIELDS: ClassVar[tuple[str, ...]] = ("general_feedback_format",)

    def __post_init__(self) -> None:
        _set(self, "_warnings", [])
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
                "Unknown text format {format!r}; use markdown, html, plain or moodle",
                {"format": self.text_format},
                field="text_format",
            ) from None
        for name in self._FORMAT_FIELDS:
            own = _format(getattr(self, name), name)
            # The format of an empty text, or the question's own, is not kept.
            empty = not _text(getattr(self, name.removesuffix("_format")), name)
            _set(self, name, None if own == self.text_format or empty else own)
        mark = _number(self.default_mark, "default_mark")
        if mark < 0 or (mark == 0 and not self.unmarked):
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

    def _advise(self, error: QuestionError) -> None:
        """A problem Moodle accepts: refused when strict, else kept as a warning."""
        if self.strict:
            raise error
        self._warnings.append(error)

    @property
    def warnings(self) -> tuple[QuestionError, ...]:
        """Advisories of a question built with ``strict=False``."""
        return tuple(self._warnings)

    def format_of(self, part_format: TextFormat | None) -> TextFormat:
        """A part's format: its own, or the question's."""
        return part_format or self.text_format

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
        return data | _formats_dict(self, self._FORMAT_FIELDS)

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
        _set(self, "choices", tuple(_own_formats(choice, self) for choice in choices))
        if not any(choice.weight == 100 for choice in choices):
            self._advise(
                QuestionError("no_full_choice", "One choice must be worth 100%", field="choices")
            )

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
        _set(self, "choices", tuple(_own_formats(choice, self) for choice in choices))
        total = self.positive_weight
        if abs(total - 100) > WEIGHT_SUM_TOLERANCE:
            self._advise(
                QuestionError(
                    "weight_sum",
                    "The positive weights of the choices must add up to 100%, not {total:g}%",
                    {"total": total},
                    field="choices",
                )
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
    right_feedback_format: TextFormat | None = None
    wrong_feedback_format: TextFormat | None = None

    _FORMAT_FIELDS: ClassVar[tuple[str, ...]] = (
        "general_feedback_format",
        "right_feedback_format",
        "wrong_feedback_format",
    )

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
        _set(self, "answers", tuple(_own_formats(answer, self) for answer in answers))
        _no_full_answer(self, answers)

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
    other_feedback_format: TextFormat | None = None

    _FORMAT_FIELDS: ClassVar[tuple[str, ...]] = (
        "general_feedback_format",
        "other_feedback_format",
    )

    def _validate(self) -> None:
        answers = _items(self.answers, "answers", NumericAnswer, min_count=1, what="answers")
        _set(self, "answers", tuple(_own_formats(answer, self) for answer in answers))
        _set(self, "other_feedback", _text(self.other_feedback, "other_feedback"))
        _no_full_answer(self, answers)

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
        pairs = tuple(_own_formats(pair, self) for pair in pairs)
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


@dataclass(frozen=True, kw_only=True)
class EssayQuestion(BaseQuestion):
    """A written answer that an instructor grades by hand (GIFT ``{}``)."""

    type: ClassVar[str] = "essay"


@dataclass(frozen=True, kw_only=True)
class DescriptionQuestion(BaseQuestion):
    """Text shown between questions; nothing to answer, not graded (GIFT text without
    an answer block). Its mark is 0."""

    type: ClassVar[str] = "description"
    unmarked: ClassVar[bool] = True
    default_mark: float = 0.0


def _own_formats(part: Any, question: BaseQuestion) -> Any:
    """The part with its formats that equal the question's cleared, so that equal questions
    compare equal however their parts were written."""
    names = [
        name for name in ("text_format", "feedback_format", "left_format") if hasattr(part, name)
    ]
    same = {name: None for name in names if getattr(part, name) == question.text_format}
    return type(part)(**(part.__dict__ | same)) if same else part


def _no_full_answer(question: BaseQuestion, answers: tuple) -> None:
    if not any(answer.weight == 100 for answer in answers):
        question._advise(
            QuestionError(
                "no_full_answer", "One accepted answer must be worth 100%", field="answers"
            )
        )


Question: TypeAlias = (
    SingleChoiceQuestion
    | MultipleChoiceQuestion
    | TrueFalseQuestion
    | ShortAnswerQuestion
    | NumericQuestion
    | MatchingQuestion
    | EssayQuestion
    | DescriptionQuestion
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
        EssayQuestion,
        DescriptionQuestion,
    )
}

#: Types graded automatically (an essay waits for an instructor; a description is not graded).
GRADED_TYPES = frozenset(QUESTION_TYPES) - {"essay", "description"}

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
    "general_feedback_format",
}
_TYPE_KEYS = {
    "single": {"choices"},
    "multiple": {"choices"},
    "truefalse": {
        "answer",
        "right_feedback",
        "wrong_feedback",
        "right_feedback_format",
        "wrong_feedback_format",
    },
    "short": {"answers"},
    "numeric": {"answers", "other_feedback", "other_feedback_format"},
    "matching": {"pairs", "distractors"},
    "essay": set(),
    "description": set(),
}
_REQUIRED_KEYS = {
    "single": {"choices"},
    "multiple": {"choices"},
    "truefalse": {"answer"},
    "short": {"answers"},
    "numeric": {"answers"},
    "matching": {"pairs"},
    "essay": set(),
    "description": set(),
}
_ITEM_KEYS: dict[type, tuple[set[str], set[str]]] = {
    Choice: ({"text"}, {"text", "weight", "feedback", "text_format", "feedback_format"}),
    Answer: ({"text"}, {"text", "weight", "feedback", "feedback_format"}),
    NumericAnswer: (
        set(),
        {"value", "tolerance", "weight", "feedback", "minimum", "maximum", "feedback_format"},
    ),
    MatchPair: ({"left", "right"}, {"left", "right", "left_format"}),
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


def question_from_dict(data: Mapping[str, Any], *, strict: bool = False) -> Question:
    """Build the right question class from ``to_dict()`` output.

    Raises :class:`QuestionError` for unknown types, unknown or missing keys and invalid values;
    advisories (see the module's docstring) only when ``strict``, as stored questions may
    hold what Moodle accepts.
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
    kwargs["strict"] = strict
    if kind in ("single", "multiple"):
        kwargs["choices"] = _build_items(data["choices"], "choices", Choice)
    elif kind == "short":
        kwargs["answers"] = _build_items(data["answers"], "answers", Answer)
    elif kind == "numeric":
        kwargs["answers"] = _build_items(data["answers"], "answers", NumericAnswer)
    elif kind == "matching":
        kwargs["pairs"] = _build_items(data["pairs"], "pairs", MatchPair)
    return cls(**kwargs)  # type: ignore[return-value]
