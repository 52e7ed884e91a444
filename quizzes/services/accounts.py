"""A user's quiz attempts for the account export and erasure, and for leaving a course."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from quizzes.models import Attempt, Quiz
from quizzes.questions import question_from_dict
from quizzes.services.analysis import count_out
from school.extensions import db
from school.models import User


def export_user(user: User) -> list[dict[str, Any]]:
    """The user's quiz attempts with their answers, for the account data export."""
    exported = []
    for attempt in db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.started_at)
    ):
        responses = attempt.responses or {}
        marks = attempt.manual_grades or {}
        answers = []
        for entry in attempt.layout:
            question = question_from_dict(entry["data"])
            answer = {
                "question": question.title or question.display_text(),
                "response": responses.get(str(entry["id"])),
            }
            given = marks.get(str(entry["id"]))
            if given is not None:
                answer.update(mark=given.get("mark"), comment=given.get("comment", ""))
            answers.append(answer)
        exported.append(
            {
                "course": attempt.quiz.course.slug,
                "quiz": attempt.quiz.title,
                "number": attempt.number,
                "state": attempt.state,
                "started_at": attempt.started_at.isoformat(),
                "submitted_at": attempt.submitted_at.isoformat() if attempt.submitted_at else None,
                "percent": attempt.percent,
                "passed": attempt.passed,
                "awaiting_grading": attempt.awaiting_grading,
                "answers": answers,
            }
        )
    return exported


def erase_user(user: User) -> None:
    """Delete the user's attempts (they also cascade with the account)."""
    count_out(Attempt.user_id == user.id)
    db.session.execute(delete(Attempt).where(Attempt.user_id == user.id))


def forget_attempts(quiz: Quiz, user: User) -> None:
    """Delete one user's attempts at one quiz, inside the caller's transaction."""
    count_out((Attempt.quiz_id == quiz.id) & (Attempt.user_id == user.id))
    db.session.execute(
        delete(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
    )
