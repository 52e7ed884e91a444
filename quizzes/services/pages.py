"""What a student's quiz pages show: the attempt in progress, the review of a finished one, the
quiz's status and its place in the course, and numbers as the reader writes them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from courses import services as course_services
from quizzes import grading
from quizzes.models import REVIEW_ANSWERS, REVIEW_IMMEDIATELY, Attempt, Quiz
from quizzes.questions import Question as QuestionData
from quizzes.responses import Gaps, form_values, gaps, layout_numbers, shown_question
from quizzes.services._common import locale_uses_comma
from quizzes.services.attempts import attempts_of, deadline_of, grade_of, is_closed, passes
from school.models import User
from school.permissions import can_edit
from school.timeutil import now_utc


def answers_public(quiz: Quiz, *, now: datetime | None = None) -> bool:
    """May every student see the correct answers and explanations now (the review policy)?

    What is printed for everyone (the course workbook) follows the same rule.
    """
    if quiz.review != REVIEW_ANSWERS:
        return False
    if quiz.review_when == REVIEW_IMMEDIATELY:
        return True
    return is_closed(quiz, now)


def answers_visible(quiz: Quiz, viewer: User, *, now: datetime | None = None) -> bool:
    """May ``viewer`` see the correct answers and explanations of finished attempts now?"""
    if can_edit(viewer, quiz):
        return True
    # A student whose own closing time is later waits for it.
    own_close = quiz.review_when == REVIEW_IMMEDIATELY or is_closed(quiz, now, viewer)
    return answers_public(quiz, now=now) and own_close


@dataclass(frozen=True)
class AttemptPage:
    """An attempt in progress as its page shows it: questions in order, the saved answers as
    form values, the time left (None without a deadline) and the saved answers' gaps."""

    questions: list[Any]
    values: dict[str, Any]
    minutes_left: int | None
    deadline: datetime | None
    seconds_left: int | None = None
    gaps: Gaps = field(default_factory=Gaps)


def attempt_page(attempt: Attempt, *, now: datetime | None = None) -> AttemptPage:
    now = now or now_utc()
    responses = attempt.responses or {}
    questions, values = [], {}
    for number, entry in zip(layout_numbers(attempt.layout), attempt.layout, strict=True):
        questions.append(shown_question(entry, number))
        values.update(form_values(entry, responses.get(str(entry["id"]))))
    minutes_left = seconds = None
    deadline = deadline_of(attempt)
    if deadline is not None:
        seconds = max(0, int((deadline - now).total_seconds()))
        minutes_left = (seconds + 59) // 60
    saved = gaps(attempt.layout, responses)
    return AttemptPage(questions, values, minutes_left, deadline, seconds, saved)


@dataclass(frozen=True)
class ReviewItem:
    """One question of a finished attempt, for the result page."""

    shown: Any
    grade: grading.Grade
    response: Any
    correct_answers: list[str]
    # An instructor's comment on an essay.
    comment: str = ""


def review(attempt: Attempt) -> list[ReviewItem]:
    """Each question of the attempt as shown, graded, with the correct answers."""
    items = []
    responses = attempt.responses or {}
    marks = attempt.manual_grades or {}
    for number, entry in zip(layout_numbers(attempt.layout), attempt.layout, strict=True):
        shown = shown_question(entry, number)
        response = responses.get(str(entry["id"]))
        given = marks.get(str(entry["id"]), {})
        items.append(
            ReviewItem(
                shown=shown,
                grade=grading.grade(shown.question, response, given.get("mark")),
                response=response,
                correct_answers=correct_answers(shown.question),
                comment=given.get("comment", ""),
            )
        )
    return items


def correct_answers(question: QuestionData) -> list[str]:
    """The full-credit answers as text, with translated true/false and the decimal comma."""
    separator = "," if locale_uses_comma() else "."
    return grading.correct_answer_text(
        question, true_label=_("True"), false_label=_("False"), decimal_separator=separator
    )


def record_visit(user: User, quiz: Quiz) -> None:
    """Remember the quiz as the student's place in the course."""
    course_services.record_visit(user, quiz.item)


def next_item(quiz: Quiz) -> tuple[str, str] | None:
    """Title and address of the course item after the quiz, if any."""
    _previous, following = course_services.neighbours(quiz.item)
    if following is None:
        return None
    return following.title, course_services.item_url(following)


def status_label(quiz: Quiz | None, user: User) -> str | None:
    """A short status for the course outline."""
    if quiz is None:
        return None
    attempts = [a for a in attempts_of(quiz, user) if not a.preview]
    if not attempts:
        return None
    grade = grade_of(quiz, attempts)
    if grade is None:
        return _("in progress")
    if passes(quiz, grade):
        return _("passed, %(percent)s%%", percent=percent_text(grade))
    return _("%(percent)s%%, not passed yet", percent=percent_text(grade))


def percent_text(value: float | None) -> str:
    """A percentage for display: ``83.3``, ``100``."""
    if value is None:
        return "—"
    return format_decimal(math.floor(value * 10 + 0.5) / 10, "#,##0.#")


def score_text(value: float | None) -> str:
    """Marks for display, to two decimals: ``0.33``, ``1``."""
    if value is None:
        return "—"
    return format_decimal(round(value, 2), "#,##0.##")


def number_text(value: float | None) -> str:
    """A number as the reader writes it (decimal comma in Russian)."""
    if value is None:
        return ""
    return grading.format_number(value, "," if locale_uses_comma() else ".")
