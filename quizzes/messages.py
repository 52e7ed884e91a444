"""Translated messages for invalid questions and GIFT files (codes from the pure modules)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from babel.lists import format_list
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _

from quizzes.gift import GiftError, ParseResult, Unsupported
from quizzes.questions import QuestionError


def _number(value: float) -> str:
    return format_decimal(round(value, 3), "#,##0.###")


def _too_few(params: Mapping[str, Any]) -> str:
    count = params.get("min", 1)
    what = params.get("what")
    if what == "choices":
        return ngettext("Give at least %(num)d choice.", "Give at least %(num)d choices.", count)
    if what == "pairs":
        return ngettext("Give at least %(num)d pair.", "Give at least %(num)d pairs.", count)
    return _("Give at least one accepted answer.")


_QUESTION_MESSAGES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "not_text": lambda p: _("This must be text."),
    "empty_text": lambda p: _("This must not be empty."),
    "not_number": lambda p: _("Enter a number."),
    "not_finite": lambda p: _("Enter an ordinary number."),
    "weight_range": lambda p: _(
        "The weight %(weight)s%% is out of range: use %(low)s%% to %(high)s%%.",
        weight=_number(p.get("weight", 0)),
        low=_number(p.get("low", -100)),
        high=_number(p.get("high", 100)),
    ),
    "too_few": _too_few,
    "empty_question": lambda p: _("Write the question."),
    "category_newline": lambda p: _("A category cannot contain line breaks."),
    "bad_format": lambda p: _("Choose Markdown, HTML or plain text."),
    "bad_mark": lambda p: _("The mark must be greater than 0."),
    "no_full_choice": lambda p: _("One choice must be worth 100%."),
    "weight_sum": lambda p: _(
        "The positive weights must add up to 100%% (now %(total)s%%).",
        total=_number(p.get("total", 0)),
    ),
    "not_bool": lambda p: _("Choose true or false."),
    "no_full_answer": lambda p: _("One accepted answer must be worth 100%."),
    "negative_tolerance": lambda p: _("The tolerance must not be negative."),
    "half_range": lambda p: _("A range needs both a minimum and a maximum."),
    "inverted_range": lambda p: _("The minimum is greater than the maximum."),
    "range_with_value": lambda p: _("Give either a value with a tolerance or a range, not both."),
    "duplicate_left": lambda p: _("The item «%(left)s» appears twice.", left=p.get("left", "")),
    "duplicate_distractor": lambda p: _(
        "The extra answer «%(item)s» repeats another answer.", item=p.get("item", "")
    ),
}

_GIFT_MESSAGES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "title_unclosed": lambda p: _("The title is not closed with ::."),
    "unexpected_close": lambda p: _("Unexpected } (write \\} for a brace in the text)."),
    "unclosed_brace": lambda p: _("The answers opened with { are not closed with }."),
    "nested_brace": lambda p: _("Unexpected { inside the answers (write \\{ for a brace)."),
    "second_block": lambda p: _("A question can have only one block of answers {…}."),
    "no_marker": lambda p: _(
        "The answer «%(text)s» must start with = or ~.", text=p.get("text", "")
    ),
    "bad_weight": lambda p: _(
        "Bad weight «%(weight)s»: write a percentage such as %%50%% or %%-33.3%%.",
        weight=p.get("weight", ""),
    ),
    "empty_answer": lambda p: _("An answer is empty."),
    "bad_numeric_answer": lambda p: _(
        "The numeric answer «%(text)s» should look like 3.14, 3.14:0.01 (with a tolerance) "
        "or 1..5 (a range).",
        text=p.get("text", ""),
    ),
    "numeric_tilde": lambda p: _(
        "In a numeric question ~ only introduces the feedback for other answers: ~#feedback."
    ),
    "tf_feedback": lambda p: _(
        "A true/false answer takes at most two feedback texts: {T#if wrong#if right}."
    ),
    "tf_case": lambda p: _(
        "Read as true/false, but Moodle reads it only in capitals: {T}, {TRUE}, {F}, {FALSE}."
    ),
    "matching_arrow": lambda p: _(
        "The matching pair «%(text)s» has no ->.", text=p.get("text", "")
    ),
    "matching_feedback": lambda p: _("Matching pairs cannot have feedback."),
}


def question_error_message(error: QuestionError) -> str:
    """The translated message of an invalid question."""
    message = _QUESTION_MESSAGES.get(error.code)
    if message is None:
        return _("The question is not valid: %(detail)s", detail=str(error))
    return message(error.params)


def gift_error_message(error: GiftError) -> str:
    """The translated message of a GIFT error, with its line number."""
    if error.code in _GIFT_MESSAGES:
        text = _GIFT_MESSAGES[error.code](error.params)
    elif error.code in _QUESTION_MESSAGES:
        text = _QUESTION_MESSAGES[error.code](error.params)
    else:
        text = error.message
    return _("Line %(line)s: %(message)s", line=error.line, message=text)


def unsupported_message(item: Unsupported) -> str:
    if item.kind == "essay":
        return _(
            "Line %(line)s: essay questions (an empty answer block {}) are not supported.",
            line=item.line,
        )
    if item.kind == "description":
        return _(
            "Line %(line)s: a text without answers (a description) is not supported; "
            "put it into the quiz introduction.",
            line=item.line,
        )
    return _("Line %(line)s: this kind of question is not supported.", line=item.line)


def gift_warning_messages(result: ParseResult) -> list[str]:
    """What Moodle accepts but an editor would refuse, with line numbers."""
    return [gift_error_message(warning) for warning in result.warnings]


def gift_problem_messages(result: ParseResult) -> list[str]:
    """Every error and unsupported question, in line order."""
    problems = [(e.line, gift_error_message(e)) for e in result.errors]
    problems += [(u.line, unsupported_message(u)) for u in result.unsupported]
    return [message for _line, message in sorted(problems, key=lambda p: p[0])]


# --- an attempt's gaps, before it is submitted ---------------------------------------------


def _numbers(numbers: tuple[int, ...]) -> str:
    """Question numbers as the reader's language lists them: "2, 5 и 7"."""
    return format_list([str(n) for n in numbers], locale=get_locale() or "ru")


def digits_hint() -> str:
    """How to write a number here, with the reader's decimal separator."""
    return _("Write it in digits, for example 48 or %(example)s.", example=format_decimal(2.5))


def unanswered_message(numbers: tuple[int, ...]) -> str:
    return ngettext(
        "You have not answered question %(list)s.",
        "You have not answered questions %(list)s.",
        len(numbers),
        list=_numbers(numbers),
    )


def not_numbers_message(numbers: tuple[int, ...]) -> str:
    text = ngettext(
        "The answer to question %(list)s is not a number.",
        "The answers to questions %(list)s are not numbers.",
        len(numbers),
        list=_numbers(numbers),
    )
    return f"{text} {digits_hint()}"
