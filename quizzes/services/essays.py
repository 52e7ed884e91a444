"""Essays graded by hand: a quiz's grading queue and an instructor's marks and comments.

An attempt with an essay waits (``awaiting_grading``) until every essay has a mark; then it
gets its percent and its pass or fail, completes the course item when passed (and so the
certificate follows), and only then counts in the quiz's statistics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from quizzes import grading
from quizzes.models import SUBMITTED, Attempt, Quiz
from quizzes.questions import EssayQuestion, question_from_dict
from quizzes.responses import layout_numbers
from quizzes.services._common import QuizError
from quizzes.services.analysis import count_in, count_out
from quizzes.services.attempts import _complete_if_passed, _relocked, apply_grades
from school import notify
from school.extensions import db
from school.models import User

QUEUE_PER_PAGE = 30
MAX_COMMENT = 5_000


def grading_queue(quiz: Quiz, page: int = 1, per_page: int = QUEUE_PER_PAGE) -> Pagination:
    """The quiz's attempts waiting for grading, oldest first (students' only)."""
    query = (
        select(Attempt)
        .where(
            Attempt.quiz_id == quiz.id,
            Attempt.awaiting_grading.is_(True),
            Attempt.state == SUBMITTED,
            Attempt.preview.is_(False),
        )
        .order_by(Attempt.submitted_at, Attempt.id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


@dataclass(frozen=True)
class EssayToGrade:
    """One essay of an attempt: where it is, what was asked and written, the mark so far."""

    question_id: int
    number: int
    question: EssayQuestion
    response: str
    mark: float | None
    comment: str


def essays_of(attempt: Attempt) -> list[EssayToGrade]:
    given = attempt.manual_grades or {}
    essays = []
    for number, entry in zip(layout_numbers(attempt.layout), attempt.layout, strict=True):
        question = question_from_dict(entry["data"])
        if not isinstance(question, EssayQuestion):
            continue
        grade = given.get(str(entry["id"]), {})
        response = (attempt.responses or {}).get(str(entry["id"])) or ""
        essays.append(
            EssayToGrade(
                entry["id"], number, question, response, grade.get("mark"), grade.get("comment", "")
            )
        )
    return essays


def grade_essays(attempt: Attempt, marks: Mapping[int, tuple[float, str]], grader: User) -> Attempt:
    """Store the instructor's marks (0 to the question's marks) and comments of an attempt's
    essays; when none is left to grade, the attempt is scored, passed or not, and counted."""
    essays = {essay.question_id: essay for essay in essays_of(attempt)}
    for question_id, (mark, comment) in marks.items():
        essay = essays.get(question_id)
        if essay is None:
            raise QuizError(_l("This attempt has no such essay."), "mark")
        if not math.isfinite(mark) or not 0 <= mark <= essay.question.default_mark:
            raise QuizError(
                _l(
                    "Give a mark from 0 to %(max)s.",
                    max=grading.format_number(essay.question.default_mark),
                ),
                f"mark-{question_id}",
            )
        if len(comment) > MAX_COMMENT:
            raise QuizError(_l("The comment is too long."), f"comment-{question_id}")
    attempt = _relocked(attempt)
    was_waiting = attempt.awaiting_grading
    given = dict(attempt.manual_grades or {})
    for question_id, (mark, comment) in marks.items():
        given[str(question_id)] = {"mark": mark, "comment": comment.strip(), "by": grader.id}
    attempt.manual_grades = given
    if attempt.analysis is not None:
        count_out(Attempt.id == attempt.id)
        attempt.analysis = None
    apply_grades(attempt)
    if not attempt.awaiting_grading:
        count_in(attempt)
        if was_waiting and not attempt.preview:
            notify.essay_graded(
                attempt.user_id,
                title=attempt.quiz.title,
                link=("quizzes.attempt", {"attempt_id": attempt.id}),
            )
    db.session.commit()
    _complete_if_passed([attempt])
    return attempt
