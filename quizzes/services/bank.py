"""The question bank: adding, changing, moving and deleting a quiz's questions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import ngettext

from quizzes.models import Question, Quiz
from quizzes.questions import Question as QuestionData
from quizzes.services._common import QuizError, lock_quiz, touch
from school.extensions import db
from school.reorder import reorder
from school.timeutil import now_utc

MAX_QUESTIONS = 500


def _question_row(quiz: Quiz, question: QuestionData, position: int) -> Question:
    data = question.to_dict()
    return Question(
        quiz=quiz, position=position, type=question.type, data=data, category=question.category
    )


def add_question(quiz: Quiz, question: QuestionData) -> Question:
    """Append a question to the quiz's bank."""
    quiz = lock_quiz(quiz.id)
    if len(quiz.questions) >= MAX_QUESTIONS:
        db.session.rollback()
        raise QuizError(
            ngettext(
                "A quiz can hold at most %(num)d question.",
                "A quiz can hold at most %(num)d questions.",
                MAX_QUESTIONS,
            )
        )
    row = _question_row(quiz, question, len(quiz.questions))
    db.session.add(row)
    touch(quiz)
    db.session.commit()
    return row


def update_question(row: Question, question: QuestionData) -> None:
    """Replace a question's content (attempts keep the version they were given)."""
    quiz = lock_quiz(row.quiz_id)
    row = db.session.get(Question, row.id)
    row.type = question.type
    row.data = question.to_dict()
    row.category = question.category
    row.updated_at = now_utc()
    touch(quiz)
    db.session.commit()


def _renumber(rows: Iterable[Question]) -> None:
    for position, row in enumerate(rows):
        row.position = position


def delete_question(row: Question) -> None:
    quiz = lock_quiz(row.quiz_id)
    row = db.session.get(Question, row.id)
    quiz.questions.remove(row)
    _renumber(quiz.questions)
    touch(quiz)
    db.session.commit()


def move_question(row: Question, offset: int) -> bool:
    """Move a question up (-1) or down (+1); False at either end."""
    quiz = lock_quiz(row.quiz_id)
    rows = list(quiz.questions)
    by_id = {r.id: r for r in rows}
    order = reorder(list(by_id), row.id, offset)
    if order is None:
        db.session.rollback()
        return False
    _renumber([by_id[i] for i in order])
    touch(quiz)
    db.session.commit()
    return True


def replace_questions(quiz: Quiz, questions: Sequence[QuestionData], *, replace: bool) -> int:
    """Add questions to the bank (after deleting the old ones if ``replace``), inside the
    caller's transaction; returns how many were added."""
    if replace:
        quiz.questions.clear()
        db.session.flush()
    start = len(quiz.questions)
    if start + len(questions) > MAX_QUESTIONS:
        raise QuizError(
            ngettext(
                "A quiz can hold at most %(num)d question.",
                "A quiz can hold at most %(num)d questions.",
                MAX_QUESTIONS,
            )
        )
    for offset, question in enumerate(questions):
        quiz.questions.append(_question_row(quiz, question, start + offset))
    touch(quiz)
    return len(questions)
