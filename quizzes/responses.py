"""An attempt's layout and its form data. Pure functions: no Flask, no database.

The layout of an attempt is fixed when it starts: which questions, in which order, and in
which order each question's choices (or a matching question's right-hand options) are shown.
Form controls carry the *shown position* of an option, never its index in the question: the
author's order often puts the right answer first, and the page must not give it away.

Form field names: ``q<id>`` for single, multiple, true/false, short and numeric questions,
``q<id>-<left index>`` for each row of a matching question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from quizzes.grading import normalize_answer, parse_number, shuffled_order
from quizzes.questions import (
    DescriptionQuestion,
    EssayQuestion,
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericQuestion,
    Question,
    ShortAnswerQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
    question_from_dict,
)

__all__ = [
    "MAX_ESSAY_RESPONSE",
    "MAX_TEXT_RESPONSE",
    "FormData",
    "Gaps",
    "Option",
    "ShownQuestion",
    "build_layout",
    "chosen_options",
    "field_name",
    "form_values",
    "gaps",
    "layout_numbers",
    "numbers",
    "parse_form",
    "shown_question",
]

#: Longest typed answer kept (short and numeric questions); the rest is cut off.
MAX_TEXT_RESPONSE = 500
#: Longest essay kept.
MAX_ESSAY_RESPONSE = 20_000


class FormData(Protocol):
    """What is needed from a form: Werkzeug's ``MultiDict`` fits."""

    def getlist(self, key: str) -> list[str]: ...


def field_name(entry_id: Any, row: int | None = None) -> str:
    """The form field of a question (and of one row of a matching question)."""
    return f"q{entry_id}" if row is None else f"q{entry_id}-{row}"


def numbers(types: Iterable[str]) -> list[int]:
    """The number each question is shown with, from its type: descriptions get none (0)."""
    shown, count = [], 0
    for kind in types:
        count += kind != DescriptionQuestion.type
        shown.append(0 if kind == DescriptionQuestion.type else count)
    return shown


def layout_numbers(layout: Iterable[Mapping[str, Any]]) -> list[int]:
    return numbers(entry["data"].get("type", "") for entry in layout)


def _permutation(n: int, seed: int, key: str, shuffle: bool) -> list[int]:
    return shuffled_order(n, f"{seed}:{key}") if shuffle else list(range(n))


def build_layout(
    questions: Sequence[tuple[Any, Mapping[str, Any]]],
    seed: int,
    *,
    shuffle_questions: bool,
    shuffle_answers: bool,
) -> list[dict[str, Any]]:
    """Freeze an attempt: ``questions`` are ``(id, question JSON)`` in the quiz's order."""
    order = _permutation(len(questions), seed, "questions", shuffle_questions)
    layout = []
    for index in order:
        entry_id, data = questions[index]
        question = question_from_dict(data)
        entry: dict[str, Any] = {"id": entry_id, "data": dict(data)}
        if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
            entry["order"] = _permutation(
                len(question.choices), seed, f"{entry_id}:choices", shuffle_answers
            )
        elif isinstance(question, MatchingQuestion):
            entry["rights"] = _permutation(
                len(question.right_options), seed, f"{entry_id}:rights", shuffle_answers
            )
        layout.append(entry)
    return layout


def _valid_order(order: Any, n: int) -> list[int]:
    if isinstance(order, list) and sorted(order) == list(range(n)):
        return list(order)
    return list(range(n))


def _position(value: str, n: int) -> int | None:
    value = value.strip()
    if not value.isdecimal() or len(value) > 6:
        return None
    position = int(value)
    return position if position < n else None


def _first(form: FormData, name: str) -> str:
    values = form.getlist(name)
    return values[0] if values else ""


def _text_response(value: str, limit: int = MAX_TEXT_RESPONSE) -> str | None:
    value = value.replace("\r\n", "\n").strip()[:limit]
    return value or None


def parse_response(entry: Mapping[str, Any], form: FormData) -> Any:
    """The response to one question of the layout, or None when it was left unanswered."""
    question = question_from_dict(entry["data"])
    name = field_name(entry["id"])
    if isinstance(question, SingleChoiceQuestion):
        order = _valid_order(entry.get("order"), len(question.choices))
        position = _position(_first(form, name), len(order))
        return None if position is None else order[position]
    if isinstance(question, MultipleChoiceQuestion):
        order = _valid_order(entry.get("order"), len(question.choices))
        positions = {_position(v, len(order)) for v in form.getlist(name)} - {None}
        return sorted(order[p] for p in positions) or None
    if isinstance(question, TrueFalseQuestion):
        value = _first(form, name).strip().lower()
        return {"true": True, "false": False}.get(value)
    if isinstance(question, ShortAnswerQuestion | NumericQuestion):
        return _text_response(_first(form, name))
    if isinstance(question, EssayQuestion):
        return _text_response(_first(form, name), MAX_ESSAY_RESPONSE)
    if isinstance(question, MatchingQuestion):
        rights = _valid_order(entry.get("rights"), len(question.right_options))
        matched = {}
        for row in range(len(question.pairs)):
            position = _position(_first(form, field_name(entry["id"], row)), len(rights))
            if position is not None:
                matched[str(row)] = rights[position]
        return matched or None
    return None


def parse_form(layout: Iterable[Mapping[str, Any]], form: FormData) -> dict[str, Any]:
    """Responses to every answered question, keyed by question id as text (JSON-ready)."""
    responses = {}
    for entry in layout:
        response = parse_response(entry, form)
        if response is not None:
            responses[str(entry["id"])] = response
    return responses


@dataclass(frozen=True)
class Gaps:
    """What a student should see before submitting: the questions (by shown number) left
    unanswered, and the numeric questions whose answer is not a number."""

    unanswered: tuple[int, ...] = ()
    not_numbers: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.unanswered or self.not_numbers)


def gaps(layout: Sequence[Mapping[str, Any]], responses: Mapping[str, Any]) -> Gaps:
    """The gaps of ``responses`` (as :func:`parse_form` gives them) in the attempt's layout."""
    unanswered, not_numbers = [], []
    for number, entry in zip(layout_numbers(layout), layout, strict=True):
        response = responses.get(str(entry["id"]))
        if entry["data"].get("type") == DescriptionQuestion.type:
            continue
        if response is None:
            unanswered.append(number)
        elif entry["data"].get("type") == NumericQuestion.type and parse_number(response) is None:
            not_numbers.append(number)
    return Gaps(tuple(unanswered), tuple(not_numbers))


def form_values(entry: Mapping[str, Any], response: Any) -> dict[str, Any]:
    """Form field name -> the value(s) to show as given, for refilling the attempt page.

    Choice and matching values are shown positions as text; a multiple choice gives a set.
    """
    if response is None:
        return {}
    question = question_from_dict(entry["data"])
    name = field_name(entry["id"])
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        order = _valid_order(entry.get("order"), len(question.choices))
        shown = {index: str(position) for position, index in enumerate(order)}
        if isinstance(question, SingleChoiceQuestion):
            return {name: shown.get(response)} if isinstance(response, int) else {}
        picked = response if isinstance(response, list) else []
        return {name: {shown[i] for i in picked if isinstance(i, int) and i in shown}}
    if isinstance(question, TrueFalseQuestion):
        return {name: "true" if response else "false"} if isinstance(response, bool) else {}
    if isinstance(question, ShortAnswerQuestion | NumericQuestion | EssayQuestion):
        return {name: response} if isinstance(response, str) else {}
    if isinstance(question, MatchingQuestion) and isinstance(response, Mapping):
        rights = _valid_order(entry.get("rights"), len(question.right_options))
        shown = {index: str(position) for position, index in enumerate(rights)}
        values = {}
        for row, right in response.items():
            if str(row).isdecimal() and right in shown:
                values[field_name(entry["id"], int(row))] = shown[right]
        return values
    return {}


# --- what the page shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One option as shown: its position on the page (the form value) and original index."""

    position: int
    index: int
    text: str
    correct: bool = False
    weight: float = 0.0
    feedback: str = ""
    text_format: str = "markdown"
    feedback_format: str = "markdown"


@dataclass(frozen=True)
class ShownQuestion:
    """A question of an attempt (or of an import preview) ready for a template."""

    id: Any
    number: int
    question: Question
    options: tuple[Option, ...] = ()
    lefts: tuple[str, ...] = ()
    rights: tuple[Option, ...] = ()

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def name(self) -> str:
        return field_name(self.id)

    def row_name(self, row: int) -> str:
        return field_name(self.id, row)


def shown_question(entry: Mapping[str, Any], number: int) -> ShownQuestion:
    """The display model of a layout entry; ``number`` is its 1-based place on the page."""
    question = question_from_dict(entry["data"])
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        order = _valid_order(entry.get("order"), len(question.choices))
        options = tuple(
            Option(
                position,
                index,
                question.choices[index].text,
                question.choices[index].weight > 0,
                question.choices[index].weight,
                question.choices[index].feedback,
                question.format_of(question.choices[index].text_format),
                question.format_of(question.choices[index].feedback_format),
            )
            for position, index in enumerate(order)
        )
        return ShownQuestion(entry["id"], number, question, options=options)
    if isinstance(question, MatchingQuestion):
        all_rights = question.right_options
        order = _valid_order(entry.get("rights"), len(all_rights))
        fmt = question.text_format
        rights = tuple(
            Option(p, i, all_rights[i], text_format=fmt, feedback_format=fmt)
            for p, i in enumerate(order)
        )
        lefts = tuple(pair.left for pair in question.pairs)
        return ShownQuestion(entry["id"], number, question, lefts=lefts, rights=rights)
    return ShownQuestion(entry["id"], number, question)


# --- statistics ------------------------------------------------------------------------------


def chosen_options(question: Question, response: Any) -> frozenset:
    """The option keys a response chose, for item analysis (empty when unanswered).

    Choice indexes for choice questions, ``True``/``False``, the folded text of a short
    answer, the number typed in a numeric answer (``float``, or the folded text when it is
    not a number) and ``(left, right)`` index pairs for matching.
    """
    if response is None:
        return frozenset()
    if isinstance(question, SingleChoiceQuestion):
        return frozenset({response}) if isinstance(response, int) else frozenset()
    if isinstance(question, MultipleChoiceQuestion):
        if not isinstance(response, list | tuple | set | frozenset):
            return frozenset()
        return frozenset(i for i in response if isinstance(i, int))
    if isinstance(question, TrueFalseQuestion):
        return frozenset({response}) if isinstance(response, bool) else frozenset()
    if isinstance(question, ShortAnswerQuestion):
        text = normalize_answer(response) if isinstance(response, str) else ""
        return frozenset({text}) if text else frozenset()
    if isinstance(question, NumericQuestion):
        number = parse_number(response)
        if number is not None:
            return frozenset({number})
        text = normalize_answer(response) if isinstance(response, str) else ""
        return frozenset({text}) if text else frozenset()
    if isinstance(question, MatchingQuestion) and isinstance(response, Mapping):
        pairs = set()
        for left, right in response.items():
            if str(left).isdecimal() and isinstance(right, int):
                pairs.add((int(left), right))
        return frozenset(pairs)
    return frozenset()
