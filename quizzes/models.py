"""Quizzes, their questions and students' attempts.

A quiz belongs to one course item of kind ``quiz``. Questions are stored as the JSON of
:meth:`quizzes.questions.BaseQuestion.to_dict`. An attempt freezes, when it starts, the
questions it shows (a copy of their data), their order and the order of each question's
answers, so later edits of the question bank change neither what the student sees on reload
nor how a finished attempt was graded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Item
from quizzes.questions import Question as QuestionData
from quizzes.questions import question_from_dict
from school.extensions import db
from school.models import User
from school.timeutil import UTCDateTime, now_utc

GRADING_HIGHEST = "highest"
GRADING_LAST = "last"
GRADING_METHODS = (GRADING_HIGHEST, GRADING_LAST)
REVIEW_SCORE = "score"
REVIEW_ANSWERS = "answers"
REVIEW_LEVELS = (REVIEW_SCORE, REVIEW_ANSWERS)
REVIEW_IMMEDIATELY = "immediately"
REVIEW_AFTER_CLOSE = "after_close"
REVIEW_TIMES = (REVIEW_IMMEDIATELY, REVIEW_AFTER_CLOSE)

IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"


class Quiz(db.Model):
    """The settings of a quiz item."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("course_items.id", ondelete="CASCADE"), unique=True
    )
    # Percent of the maximum score needed to pass (0..100).
    pass_mark: Mapped[int] = mapped_column(default=70)
    # None: unlimited.
    max_attempts: Mapped[int | None] = mapped_column()
    grading: Mapped[str] = mapped_column(String(10), default=GRADING_HIGHEST)
    # None: no time limit.
    time_limit_minutes: Mapped[int | None] = mapped_column()
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_answers: Mapped[bool] = mapped_column(default=True)
    review: Mapped[str] = mapped_column(String(10), default=REVIEW_ANSWERS)
    review_when: Mapped[str] = mapped_column(String(12), default=REVIEW_IMMEDIATELY)
    # After this moment no attempt can be started or continued; answers may be shown then.
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    item: Mapped[Item] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz",
        cascade="all, delete-orphan",
        order_by="(Question.position, Question.id)",
        passive_deletes=True,
    )
    # Per-student exceptions, loaded once for all of a quiz's attempts.
    overrides: Mapped[list[QuizOverride]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def title(self) -> str:
        return self.item.title

    @property
    def course(self):
        return self.item.module.course

    def __repr__(self) -> str:
        return f"<Quiz {self.id} item={self.item_id}>"


class Question(db.Model):
    """A question of a quiz's bank, in the quiz's order."""

    __tablename__ = "quiz_questions"
    __table_args__ = (Index("ix_quiz_questions_quiz_position", "quiz_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[str] = mapped_column(String(20))
    # BaseQuestion.to_dict() output.
    data: Mapped[dict[str, Any]] = mapped_column(db.JSON)
    category: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")

    @property
    def question(self) -> QuestionData:
        """The typed question (validated again from the stored JSON)."""
        return question_from_dict(self.data)

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.type}>"


class Attempt(db.Model):
    """One student's attempt at a quiz.

    ``layout`` is frozen at the start: a list, in the order shown, of
    ``{"id": question id, "data": question JSON, "order": [...], "rights": [...]}`` where
    ``order`` lists the original indexes of a choice question's choices as shown and
    ``rights`` those of a matching question's right-hand options. ``responses`` maps the
    question id (as text) to the response in the shape :func:`quizzes.grading.grade` takes.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        Index("ix_quiz_attempts_quiz_state", "quiz_id", "state"),
        Index("ix_quiz_attempts_quiz_state_preview", "quiz_id", "state", "preview"),
        # A quiz's students from the index alone (gradebook.results_page).
        Index("ix_quiz_attempts_quiz_preview_user", "quiz_id", "preview", "user_id"),
        # The grading queue of a quiz.
        Index("ix_quiz_attempts_quiz_awaiting", "quiz_id", "awaiting_grading"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    # An editor trying the quiz out: not counted in results, statistics or completion.
    preview: Mapped[bool] = mapped_column(default=False)
    seed: Mapped[int] = mapped_column()
    layout: Mapped[list[dict[str, Any]]] = mapped_column(db.JSON)
    responses: Mapped[dict[str, Any]] = mapped_column(db.JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default=IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # True when the answers that came after the deadline were ignored.
    overdue: Mapped[bool] = mapped_column(default=False)
    score: Mapped[float | None] = mapped_column()
    max_score: Mapped[float | None] = mapped_column()
    percent: Mapped[float | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()
    # Submitted with essays that no instructor has graded yet: score and percent wait
    # (None), so pass or fail, completion and the statistics follow the grading.
    awaiting_grading: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Question id (as text) -> {"mark": float, "comment": str, "by": user id} of graded essays.
    manual_grades: Mapped[dict[str, Any] | None] = mapped_column(db.JSON(none_as_null=True))
    # What the attempt added to its quiz's statistics (statistics.Contribution.to_dict()), so
    # that deleting it takes exactly that away again.
    analysis: Mapped[dict[str, Any] | None] = mapped_column(
        db.JSON(none_as_null=True), deferred=True
    )

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()

    @property
    def finished(self) -> bool:
        return self.state == SUBMITTED

    def __repr__(self) -> str:
        return f"<Attempt {self.id} quiz={self.quiz_id} #{self.number} {self.state}>"


class QuizOverride(db.Model):
    """One student's own time limit, number of attempts or closing time for a quiz, set by an
    instructor (extra time is also an accessibility need). ``None`` keeps the quiz's setting."""

    __tablename__ = "quiz_overrides"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    time_limit_minutes: Mapped[int | None] = mapped_column()
    max_attempts: Mapped[int | None] = mapped_column()
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class QuizStatistics(db.Model):
    """The item analysis of a quiz's finished attempts, kept as histograms
    (``statistics.Histograms.to_dict()``) and updated as attempts finish or are deleted."""

    __tablename__ = "quiz_statistics"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    data: Mapped[dict[str, Any]] = mapped_column(db.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
