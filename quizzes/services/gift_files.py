"""GIFT files: reading an upload, importing every question of it or none, and exporting the
question bank."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from quizzes.gift import ParseResult, dump_gift, parse_gift
from quizzes.messages import gift_problem_messages
from quizzes.models import Quiz
from quizzes.services._common import QuizError, lock_quiz
from quizzes.services.bank import replace_questions
from school.extensions import db

#: Largest GIFT file accepted (a whole question bank is a few dozen kilobytes).
MAX_GIFT_BYTES = 1024 * 1024


class GiftImportError(QuizError):
    """A GIFT text that cannot be imported: ``result`` holds every error and unsupported part."""

    def __init__(self, result: ParseResult) -> None:
        super().__init__(_l("The file has errors; nothing was imported."), "file", "gift")
        self.result = result

    @property
    def messages(self) -> list[str]:
        return gift_problem_messages(self.result)


def decode_gift(data: bytes) -> str:
    """The text of an uploaded GIFT file; refuses what is too large or not UTF-8."""
    if len(data) > MAX_GIFT_BYTES:
        raise QuizError(
            _l("The file is larger than %(limit)s KB.", limit=MAX_GIFT_BYTES // 1024), "file"
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise QuizError(_l("The file is not UTF-8 text. Save it as UTF-8."), "file") from None


def parse_for_import(text: str) -> ParseResult:
    """Parse GIFT text; raise :class:`GiftImportError` unless every question can be imported."""
    result = parse_gift(text)
    if not result.ok:
        raise GiftImportError(result)
    if not result.questions:
        raise QuizError(_l("The file holds no questions."), "file")
    return result


def import_gift(quiz: Quiz, text: str, *, replace: bool = False) -> int:
    """Import every question of a GIFT text, or none: returns how many were added.

    Raises :class:`GiftImportError` listing every error (with its line) and every
    unsupported question; nothing is saved then.
    """
    result = parse_for_import(text)
    quiz = lock_quiz(quiz.id)
    try:
        count = replace_questions(quiz, result.questions, replace=replace)
    except QuizError:
        db.session.rollback()
        raise
    db.session.commit()
    return count


def export_gift(quiz: Quiz) -> str:
    """The quiz's questions as GIFT, in the quiz's order."""
    return dump_gift(row.question for row in quiz.questions)
