"""Finding quizzes, questions and attempts."""

from __future__ import annotations

from sqlalchemy import func, select

from courses.models import Item
from quizzes.models import Attempt, Question, Quiz
from school.extensions import db


def get_quiz(quiz_id: int) -> Quiz | None:
    return db.session.get(Quiz, quiz_id)


def quiz_for_item(item: Item) -> Quiz | None:
    return db.session.scalar(select(Quiz).where(Quiz.item_id == item.id))


def get_question(question_id: int) -> Question | None:
    return db.session.get(Question, question_id)


def get_attempt(attempt_id: int) -> Attempt | None:
    return db.session.get(Attempt, attempt_id)


def question_count(quiz: Quiz) -> int:
    return (
        db.session.scalar(select(func.count(Question.id)).where(Question.quiz_id == quiz.id)) or 0
    )
