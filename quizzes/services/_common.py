"""What several quiz use cases share: the refusal, the lock on a quiz's row, and the decimal
separator of the reader's language."""

from __future__ import annotations

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from sqlalchemy import select

from quizzes.models import Quiz
from school.database import begin_write
from school.extensions import db
from school.refusal import Refusal
from school.timeutil import now_utc


class QuizError(Refusal):
    """A refused quiz action (see :class:`school.refusal.Refusal`)."""


def touch(quiz: Quiz) -> None:
    quiz.updated_at = now_utc()


def lock_quiz(quiz_id: int) -> Quiz:
    """Start a write transaction holding the quiz's row, read afresh."""
    begin_write()
    return db.session.execute(
        select(Quiz)
        .where(Quiz.id == quiz_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one()


def locale_uses_comma() -> bool:
    return get_decimal_symbol(get_locale() or "en") == ","
