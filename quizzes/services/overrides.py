"""Per-student overrides of a quiz's time limit, number of attempts and closing time.

The quiz's settings, with a student's override where the instructor set one: every rule that
limits attempts (starting, the deadline, closing) reads :func:`limits_for`. A quiz's overrides
are loaded once with the quiz, so pages listing many attempts stay at a constant number of
queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from quizzes.models import Quiz, QuizOverride
from quizzes.services._common import QuizError, lock_quiz
from school.extensions import db
from school.models import User

MAX_OVERRIDE_MINUTES = 24 * 60 * 7
MAX_OVERRIDE_ATTEMPTS = 100


@dataclass(frozen=True)
class Limits:
    time_limit_minutes: int | None
    max_attempts: int | None
    closes_at: datetime | None
    overridden: bool = False


def override_of(quiz: Quiz, user_id: int | None) -> QuizOverride | None:
    if user_id is None:
        return None
    return next((row for row in quiz.overrides if row.user_id == user_id), None)


def limits_for(quiz: Quiz, user_id: int | None) -> Limits:
    """The quiz's limits for this student, their override applied."""
    row = override_of(quiz, user_id)
    if row is None:
        return Limits(quiz.time_limit_minutes, quiz.max_attempts, quiz.closes_at)
    return Limits(
        row.time_limit_minutes if row.time_limit_minutes is not None else quiz.time_limit_minutes,
        row.max_attempts if row.max_attempts is not None else quiz.max_attempts,
        row.closes_at if row.closes_at is not None else quiz.closes_at,
        overridden=True,
    )


def set_override(
    quiz: Quiz,
    user: User,
    *,
    time_limit_minutes: int | None,
    max_attempts: int | None,
    closes_at: datetime | None,
) -> QuizOverride | None:
    """Give a student their own limits (all three None: back to the quiz's settings)."""
    if time_limit_minutes is not None and not 1 <= time_limit_minutes <= MAX_OVERRIDE_MINUTES:
        raise QuizError(
            _l("Give a time limit from 1 to %(max)s minutes.", max=MAX_OVERRIDE_MINUTES),
            "time_limit_minutes",
        )
    if max_attempts is not None and not 1 <= max_attempts <= MAX_OVERRIDE_ATTEMPTS:
        raise QuizError(
            _l("Give from 1 to %(max)s attempts.", max=MAX_OVERRIDE_ATTEMPTS), "max_attempts"
        )
    user_id = user.id
    quiz = lock_quiz(quiz.id)
    row = override_of(quiz, user_id)
    if time_limit_minutes is None and max_attempts is None and closes_at is None:
        if row is not None:
            quiz.overrides.remove(row)
        db.session.commit()
        return None
    if row is None:
        row = QuizOverride(quiz_id=quiz.id, user_id=user_id)
        quiz.overrides.append(row)
    row.time_limit_minutes = time_limit_minutes
    row.max_attempts = max_attempts
    row.closes_at = closes_at
    db.session.commit()
    return row
