"""Grading of quiz responses. Pure functions: no Flask, no database.

Response shapes, by question type (anything else, ``None`` or an empty value scores 0 and
is never an error):

==============  ==============================================================================
single          ``int`` (or a digit string from a form): index of the chosen choice
multiple        iterable of ``int`` or digit strings (set, list, tuple): ticked choices
truefalse       ``bool``
short           ``str`` as typed
numeric         ``str`` as typed (``"3,14"``, ``"−2"``, ``"1 000"`` accepted) or a number
matching        mapping left index -> index into ``question.right_options``; keys and values
                may also be digit strings, as they come back from JSON
essay           ``str`` as written; scores 0 and stays ``pending`` until an instructor grades it
description     nothing: not graded, worth 0 marks
==============  ==============================================================================

Short answers follow Moodle: ``*`` in an accepted answer matches any characters.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from quizzes.questions import (
    BaseQuestion,
    DescriptionQuestion,
    EssayQuestion,
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericAnswer,
    NumericQuestion,
    Question,
    ShortAnswerQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
)

__all__ = [
    "Grade",
    "GradeState",
    "PartResult",
    "QuizResult",
    "answer_matches",
    "correct_answer_text",
    "correct_response",
    "format_number",
    "grade",
    "grade_quiz",
    "normalize_answer",
    "parse_number",
    "shuffled_order",
]

_FULL = 1 - 1e-9
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SPACES_RE = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_MAX_NUMBER_LENGTH = 100


class GradeState(StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    #: An essay waiting for an instructor's mark.
    PENDING = "pending"
    #: A description: nothing to grade.
    UNGRADED = "ungraded"


@dataclass(frozen=True)
class PartResult:
    """How one part of the question went, for a review page.

    - single / multiple: one part per choice, in question order. ``selected``: the student
      ticked it; ``correct``: the choice itself is right (weight > 0); ``weight``: its weight.
    - truefalse / short / numeric: one part. ``selected``: answered; ``correct``: the response
      earned full credit; ``weight``: the credit earned in percent; ``chosen``: for short and
      numeric, the index of the matched answer (``None`` when nothing matched).
    - matching: one part per pair. ``selected``: the left item was matched; ``correct``: with
      the right item; ``chosen``/``expected``: chosen and correct indexes into ``right_options``;
      ``weight``: the pair's share of the credit in percent when correct, else 0.
    """

    index: int
    selected: bool
    correct: bool
    weight: float = 0.0
    feedback: str = ""
    chosen: int | None = None
    expected: int | None = None


@dataclass(frozen=True)
class Grade:
    """The outcome of one response. ``fraction`` is ``score / max_score`` (0..1)."""

    score: float
    max_score: float
    fraction: float
    state: GradeState
    answered: bool
    feedback: tuple[str, ...] = ()
    parts: tuple[PartResult, ...] = ()

    @property
    def correct(self) -> bool:
        """Full marks."""
        return self.state is GradeState.CORRECT

    @property
    def partial(self) -> bool:
        """Some, but not all, of the marks."""
        return self.state is GradeState.PARTIAL


@dataclass(frozen=True)
class QuizResult:
    """Total of a quiz attempt. ``percent`` is 0..100 (0 for an empty quiz)."""

    total: float
    max_score: float
    percent: float
    grades: tuple[Grade, ...]


# --- response normalisation ------------------------------------------------------------------


def normalize_answer(text: str) -> str:
    """Fold a short answer for comparison: NFC, case, ё -> е, collapsed and trimmed spaces."""
    folded = unicodedata.normalize("NFC", text).casefold()
    folded = unicodedata.normalize("NFC", folded).replace("ё", "е")
    return " ".join(folded.split())


def parse_number(value: Any) -> float | None:
    """Read a typed number: decimal comma or point, spaces as thousands separators,
    a typographic minus. Returns ``None`` for anything that is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if not isinstance(value, str) or len(value) > _MAX_NUMBER_LENGTH:
        return None
    text = _SPACES_RE.sub("", unicodedata.normalize("NFKC", value))
    text = text.replace("\u2212", "-").replace("\u2013", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER_RE.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def _index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None


def _indexes(response: Any) -> set[int]:
    if response is None or isinstance(response, str | bytes | Mapping):
        return set()
    if not isinstance(response, Iterable):
        return set()
    found = set()
    for item in response:
        index = _index(item)
        if index is not None:
            found.add(index)
    return found


# --- grading ---------------------------------------------------------------------------------


def _clamp(fraction: float) -> float:
    return min(1.0, max(0.0, fraction))


def _grade(
    question: BaseQuestion,
    fraction: float,
    *,
    answered: bool,
    feedback: Iterable[str] = (),
    parts: Iterable[PartResult] = (),
) -> Grade:
    fraction = _clamp(fraction)
    if fraction >= _FULL:
        fraction, state = 1.0, GradeState.CORRECT
    elif fraction > 0:
        state = GradeState.PARTIAL
    else:
        state = GradeState.INCORRECT
    mark = question.default_mark
    return Grade(
        score=mark if fraction == 1.0 else fraction * mark,
        max_score=mark,
        fraction=fraction,
        state=state,
        answered=answered,
        feedback=tuple(text for text in feedback if text),
        parts=tuple(parts),
    )


def _grade_single(question: SingleChoiceQuestion, response: Any) -> Grade:
    chosen = _index(response)
    if chosen is not None and not 0 <= chosen < len(question.choices):
        chosen = None
    parts = [
        PartResult(i, i == chosen, choice.weight > 0, choice.weight, choice.feedback)
        for i, choice in enumerate(question.choices)
    ]
    if chosen is None:
        return _grade(question, 0.0, answered=False, parts=parts)
    choice = question.choices[chosen]
    return _grade(
        question, choice.weight / 100, answered=True, feedback=[choice.feedback], parts=parts
    )


def _grade_multiple(question: MultipleChoiceQuestion, response: Any) -> Grade:
    chosen = {i for i in _indexes(response) if 0 <= i < len(question.choices)}
    parts = [
        PartResult(i, i in chosen, choice.weight > 0, choice.weight, choice.feedback)
        for i, choice in enumerate(question.choices)
    ]
    # Dividing by the positive total (which is ~100) makes ticking every right choice worth
    # exactly full marks even when the weights are written as 33.33%.
    total = sum(question.choices[i].weight for i in sorted(chosen))
    fraction = total / question.positive_weight if chosen else 0.0
    feedback = [question.choices[i].feedback for i in sorted(chosen)]
    return _grade(question, fraction, answered=bool(chosen), feedback=feedback, parts=parts)


def _grade_truefalse(question: TrueFalseQuestion, response: Any) -> Grade:
    if not isinstance(response, bool):
        return _grade(question, 0.0, answered=False, parts=[PartResult(0, False, False)])
    right = response == question.answer
    return _grade(
        question,
        1.0 if right else 0.0,
        answered=True,
        feedback=[question.right_feedback if right else question.wrong_feedback],
        parts=[PartResult(0, True, right, 100.0 if right else 0.0)],
    )


def _best_match(weights: Iterable[tuple[int, float]]) -> tuple[int | None, float]:
    best: tuple[int | None, float] = (None, 0.0)
    for index, weight in weights:
        if best[0] is None or weight > best[1]:
            best = (index, weight)
    return best


def _grade_matched(
    question: ShortAnswerQuestion | NumericQuestion,
    answered: bool,
    matches: Iterable[tuple[int, float]],
    other_feedback: str = "",
) -> Grade:
    if not answered:
        return _grade(question, 0.0, answered=False, parts=[PartResult(0, False, False)])
    index, weight = _best_match(matches)
    feedback = question.answers[index].feedback if index is not None else other_feedback
    part = PartResult(0, True, weight >= 100, weight, feedback, chosen=index)
    return _grade(question, weight / 100, answered=True, feedback=[feedback], parts=[part])


_STAR_RE = re.compile(r"(?<!\\)\*")


def _fold(text: str) -> str:
    """:func:`normalize_answer` without trimming, for the pieces around a wildcard."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return _SPACES_RE.sub(" ", folded.replace("ё", "е"))


def answer_matches(text: str, typed: str) -> bool:
    """Whether a typed answer (already normalised) matches an accepted short answer, where
    ``*`` stands for any characters and ``\\*`` for a star, as in Moodle."""
    if not typed:
        return False
    pieces = _STAR_RE.split(text)
    if len(pieces) == 1:
        return normalize_answer(text.replace("\\*", "*")) == typed
    pattern = ".*".join(re.escape(_fold(piece.replace("\\*", "*"))) for piece in pieces)
    return re.fullmatch(pattern.strip(), typed, re.DOTALL) is not None


def _grade_short(question: ShortAnswerQuestion, response: Any) -> Grade:
    typed = normalize_answer(response) if isinstance(response, str) else ""
    matches = (
        (i, answer.weight)
        for i, answer in enumerate(question.answers)
        if answer_matches(answer.text, typed)
    )
    return _grade_matched(question, bool(typed), matches)


def _grade_essay(question: EssayQuestion, response: Any, mark: float | None = None) -> Grade:
    answered = isinstance(response, str) and bool(response.strip())
    if mark is None:
        return Grade(0.0, question.default_mark, 0.0, GradeState.PENDING, answered)
    return _grade(question, mark / question.default_mark, answered=answered)


def _grade_description(question: DescriptionQuestion, response: Any) -> Grade:
    return Grade(0.0, 0.0, 0.0, GradeState.UNGRADED, False)


def _accepts(answer: NumericAnswer, number: float) -> bool:
    low, high = answer.bounds
    # v ± tolerance is computed in binary floating point; allow for its rounding error.
    slack = 1e-12 * max(1.0, abs(low), abs(high))
    return low - slack <= number <= high + slack


def _grade_numeric(question: NumericQuestion, response: Any) -> Grade:
    answered = response is not None and not (isinstance(response, str) and not response.strip())
    number = parse_number(response)
    matches = (
        (
            (i, answer.weight)
            for i, answer in enumerate(question.answers)
            if _accepts(answer, number)
        )
        if number is not None
        else ()
    )
    return _grade_matched(question, answered, matches, question.other_feedback)


def _grade_matching(question: MatchingQuestion, response: Any) -> Grade:
    given: dict[int, int] = {}
    if isinstance(response, Mapping):
        for key, value in response.items():
            left, right = _index(key), _index(value)
            if left is not None and right is not None:
                given[left] = right
    expected = question.correct_matches
    share = 100 / len(question.pairs)
    parts = []
    right_count = 0
    for left in range(len(question.pairs)):
        chosen = given.get(left)
        ok = chosen == expected[left]
        right_count += ok
        parts.append(
            PartResult(
                left,
                chosen is not None,
                ok,
                share if ok else 0.0,
                chosen=chosen,
                expected=expected[left],
            )
        )
    answered = any(part.selected for part in parts)
    return _grade(question, right_count / len(question.pairs), answered=answered, parts=parts)


def grade(question: Question, response: Any, mark: float | None = None) -> Grade:
    """Grade one response (shapes in the module docstring). Never raises for bad responses.

    ``mark`` is an instructor's mark for an essay (ignored for other types)."""
    if isinstance(question, EssayQuestion):
        return _grade_essay(question, response, mark)
    grader = _GRADERS.get(type(question))
    if grader is None:
        raise TypeError(f"Not a question: {question!r}")
    return grader(question, response)


# The grader of each question type.
_GRADERS: dict[type, Callable[[Any, Any], Grade]] = {
    SingleChoiceQuestion: _grade_single,
    MultipleChoiceQuestion: _grade_multiple,
    TrueFalseQuestion: _grade_truefalse,
    ShortAnswerQuestion: _grade_short,
    NumericQuestion: _grade_numeric,
    MatchingQuestion: _grade_matching,
    EssayQuestion: _grade_essay,
    DescriptionQuestion: _grade_description,
}


def grade_quiz(
    questions: Sequence[Question],
    responses: Sequence[Any] | Mapping[int, Any],
    marks: Mapping[int, float] | None = None,
) -> QuizResult:
    """Grade a whole attempt. ``responses`` is aligned with ``questions`` (a shorter sequence
    leaves the rest unanswered) or maps question index -> response; ``marks`` maps question
    index -> an instructor's mark for an essay."""
    if isinstance(responses, Mapping):
        given = [responses.get(i) for i in range(len(questions))]
    else:
        given = [responses[i] if i < len(responses) else None for i in range(len(questions))]
    marks = marks or {}
    grades = tuple(
        grade(q, r, marks.get(i)) for i, (q, r) in enumerate(zip(questions, given, strict=True))
    )
    total = math.fsum(g.score for g in grades)
    maximum = math.fsum(g.max_score for g in grades)
    percent = 100 * total / maximum if maximum > 0 else 0.0
    return QuizResult(total=total, max_score=maximum, percent=percent, grades=grades)


# --- answer key ------------------------------------------------------------------------------


def format_number(value: float, decimal_separator: str = ".") -> str:
    """A number written briefly (``3``, ``3.14``, ``1e-07``) with the given decimal separator."""
    value = float(value)
    text = str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return text.replace(".", decimal_separator)


def _numeric_text(answer: NumericAnswer, decimal_separator: str) -> str:
    def num(value: float) -> str:
        return format_number(value, decimal_separator)

    if answer.minimum is not None and answer.maximum is not None:
        return f"{num(answer.minimum)} – {num(answer.maximum)}"
    if answer.tolerance:
        return f"{num(answer.value)} ± {num(answer.tolerance)}"
    return num(answer.value)


def correct_answer_text(
    question: Question,
    *,
    true_label: str = "True",
    false_label: str = "False",
    decimal_separator: str = ".",
) -> list[str]:
    """The answers worth full credit, as text for an answer key or a review page.

    Multiple choice lists every positively weighted choice; matching gives ``left → right``.
    Pass translated labels for true/false and the reader's decimal separator.
    """
    if isinstance(question, SingleChoiceQuestion):
        return [question.choices[i].text for i in question.correct_indexes]
    if isinstance(question, MultipleChoiceQuestion):
        return [question.choices[i].text for i in question.correct_indexes]
    if isinstance(question, TrueFalseQuestion):
        return [true_label if question.answer else false_label]
    if isinstance(question, ShortAnswerQuestion):
        return [answer.text for answer in question.answers if answer.weight == 100]
    if isinstance(question, NumericQuestion):
        return [
            _numeric_text(answer, decimal_separator)
            for answer in question.answers
            if answer.weight == 100
        ]
    if isinstance(question, MatchingQuestion):
        return [f"{pair.left} → {pair.right}" for pair in question.pairs]
    if isinstance(question, EssayQuestion | DescriptionQuestion):
        return []
    raise TypeError(f"Not a question: {question!r}")


def correct_response(question: Question) -> Any:
    """A response that earns full marks, in the shape :func:`grade` expects."""
    if isinstance(question, SingleChoiceQuestion):
        return question.correct_indexes[0]
    if isinstance(question, MultipleChoiceQuestion):
        return frozenset(question.correct_indexes)
    if isinstance(question, TrueFalseQuestion):
        return question.answer
    if isinstance(question, ShortAnswerQuestion):
        return next(answer.text for answer in question.answers if answer.weight == 100)
    if isinstance(question, NumericQuestion):
        best = next(answer for answer in question.answers if answer.weight == 100)
        return repr(best.midpoint)
    if isinstance(question, MatchingQuestion):
        return question.correct_matches
    if isinstance(question, EssayQuestion):
        return question.text
    if isinstance(question, DescriptionQuestion):
        return None
    raise TypeError(f"Not a question: {question!r}")


def shuffled_order(n: int, seed: int | str | bytes) -> list[int]:
    """A permutation of ``range(n)`` that is always the same for the same seed
    (store the seed with the attempt to show choices in a stable shuffled order)."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order
