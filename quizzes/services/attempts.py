"""Taking a quiz: who may start an attempt, starting, saving and submitting it, the time limit
and the closing time, and the grade over a student's attempts.

Attempts are started and submitted under ``begin_write()`` with their rows locked, so a double
click, a resent form or two concurrent requests never make a second attempt or a second grade.
A passed attempt completes its course item (:func:`courses.services.complete_item`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from courses import services as course_services
from quizzes import grading
from quizzes.models import GRADING_LAST, IN_PROGRESS, SUBMITTED, Attempt, Quiz
from quizzes.questions import Question as QuestionData
from quizzes.questions import question_from_dict
from quizzes.responses import build_layout
from quizzes.services._common import QuizError
from quizzes.services.analysis import count_in, count_out
from quizzes.services.lookup import question_count
from quizzes.services.overrides import limits_for
from school.database import begin_write, locked_row
from school.extensions import db
from school.models import User
from school.permissions import can_edit
from school.timeutil import now_utc

#: Seconds after the deadline during which answers still count (the page took time to send).
DEFAULT_GRACE_SECONDS = 30


def grace() -> timedelta:
    return timedelta(seconds=current_app.config.get("QUIZ_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))


def _user_attempts(quiz_id: int, user_id: int, *, lock: bool = False) -> list[Attempt]:
    stmt = (
        select(Attempt)
        .where(Attempt.quiz_id == quiz_id, Attempt.user_id == user_id)
        .order_by(Attempt.number)
    )
    if lock:
        # A submission running at the same moment must not be graded a second time here.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return list(db.session.scalars(stmt))


def attempts_of(quiz: Quiz, user: User) -> list[Attempt]:
    """The user's attempts at the quiz, oldest first."""
    return _user_attempts(quiz.id, user.id)


def _counted(attempts: Iterable[Attempt], preview: bool) -> list[Attempt]:
    return [a for a in attempts if a.preview == preview]


def attempts_left(quiz: Quiz, user: User, attempts: Sequence[Attempt] | None = None) -> int | None:
    """How many more attempts the user may start (None: unlimited)."""
    limit = limits_for(quiz, user.id).max_attempts
    if limit is None or can_edit(user, quiz):
        return None
    used = len(_counted(attempts if attempts is not None else attempts_of(quiz, user), False))
    return max(0, limit - used)


def is_closed(quiz: Quiz, now: datetime | None = None, user: User | None = None) -> bool:
    """Closed for this user (their override applied), or for everyone without one."""
    closes = limits_for(quiz, getattr(user, "id", None)).closes_at
    return closes is not None and (now or now_utc()) >= closes


def is_enrolled(user: User, quiz: Quiz) -> bool:
    return course_services.enrolment_for(user, quiz.course) is not None


def start_refusal(quiz: Quiz, user: User, attempts: Sequence[Attempt], now: datetime) -> Any:
    """Why the user cannot start a new attempt now, or None."""
    if question_count(quiz) == 0:
        return _l("This quiz has no questions yet.")
    if can_edit(user, quiz):
        return None
    if is_closed(quiz, now, user):
        return _l("The quiz is closed.")
    if not is_enrolled(user, quiz):
        return _l("Enrol in the course to take this quiz.")
    left = attempts_left(quiz, user, attempts)
    if left is not None and left <= 0:
        return _l("You have used all your attempts.")
    return None


@dataclass
class Overview:
    """Where a user stands with a quiz, for its page."""

    attempts: list[Attempt] = field(default_factory=list)
    current: Attempt | None = None
    refusal: Any = None
    needs_enrolment: bool = False
    left: int | None = None
    grade: float | None = None
    passed: bool = False
    # When the attempt in progress ends.
    deadline: datetime | None = None


def overview(quiz: Quiz, user: User | None, *, now: datetime | None = None) -> Overview:
    """The user's attempts, the one in progress, what is left and why they cannot start.

    Attempts whose time ran out are closed first, with the answers saved in time.
    """
    now = now or now_utc()
    if user is None or not getattr(user, "is_authenticated", False):
        return Overview()
    for attempt in attempts_of(quiz, user):
        if attempt.state == IN_PROGRESS:
            finish_if_overdue(attempt, now=now)
    attempts = attempts_of(quiz, user)
    grade = grade_of(quiz, [a for a in attempts if not a.preview])
    refusal = start_refusal(quiz, user, attempts, now)
    current = next((a for a in attempts if a.state == IN_PROGRESS), None)
    return Overview(
        attempts=attempts,
        current=current,
        deadline=deadline_of(current) if current is not None else None,
        refusal=refusal,
        needs_enrolment=refusal is not None
        and not can_edit(user, quiz)
        and not is_enrolled(user, quiz),
        left=attempts_left(quiz, user, attempts),
        grade=grade,
        passed=passes(quiz, grade),
    )


def deadline_of(attempt: Attempt) -> datetime | None:
    """When the attempt's time is up: its own deadline, or the quiz's closing time if that
    was set or moved earlier after the attempt began."""
    closes = limits_for(attempt.quiz, attempt.user_id).closes_at
    if closes is not None and attempt.started_at < closes:
        return min(attempt.deadline_at or closes, closes)
    return attempt.deadline_at


def in_time(attempt: Attempt, now: datetime) -> bool:
    """Answers sent at ``now`` still count (the deadline plus a short grace)."""
    deadline = deadline_of(attempt)
    return deadline is None or now <= deadline + grace()


def _deadline(quiz: Quiz, started: datetime, user_id: int) -> datetime | None:
    limits = limits_for(quiz, user_id)
    deadline = None
    if limits.time_limit_minutes:
        deadline = started + timedelta(minutes=limits.time_limit_minutes)
    if limits.closes_at is not None and (deadline is None or limits.closes_at < deadline):
        deadline = limits.closes_at
    return deadline


def _lock_attempt(attempt_id: int) -> Attempt | None:
    return locked_row(Attempt, attempt_id)


def _relocked(attempt: Attempt) -> Attempt:
    """The attempt read afresh in a write transaction, its row locked until it ends."""
    attempt_id = attempt.id
    begin_write()
    return _lock_attempt(attempt_id)


def _layout_questions(attempt: Attempt) -> list[QuestionData]:
    return [question_from_dict(entry["data"]) for entry in attempt.layout]


def _responses_in_layout(attempt: Attempt) -> list[Any]:
    responses = attempt.responses or {}
    return [responses.get(str(entry["id"])) for entry in attempt.layout]


def manual_marks(attempt: Attempt) -> dict[int, float]:
    """Layout index -> the instructor's mark of each graded essay."""
    given = attempt.manual_grades or {}
    return {
        index: float(given[str(entry["id"])]["mark"])
        for index, entry in enumerate(attempt.layout)
        if str(entry["id"]) in given
    }


def apply_grades(attempt: Attempt) -> None:
    """Score the attempt with its responses and the essays' marks. Until every essay is
    graded it waits: the score so far is kept, percent and pass or fail are not decided."""
    result = grading.grade_quiz(
        _layout_questions(attempt), _responses_in_layout(attempt), manual_marks(attempt)
    )
    pending = any(g.state is grading.GradeState.PENDING for g in result.grades)
    attempt.awaiting_grading = pending
    attempt.score = result.total
    attempt.max_score = result.max_score
    attempt.percent = None if pending else result.percent
    attempt.passed = None if pending else result.percent >= attempt.quiz.pass_mark - 1e-9


def _finish(attempt: Attempt, now: datetime) -> None:
    """Grade the saved responses and close the attempt (inside a write transaction)."""
    apply_grades(attempt)
    attempt.state = SUBMITTED
    attempt.submitted_at = now
    if not attempt.awaiting_grading:
        count_in(attempt)


def _complete_if_passed(attempts: Iterable[Attempt]) -> None:
    for attempt in attempts:
        if attempt.passed and not attempt.preview:
            course_services.complete_item(attempt.user, attempt.quiz.item)


def start_attempt(quiz: Quiz, user: User, *, now: datetime | None = None) -> Attempt:
    """Start an attempt, or return the one in progress; raises :class:`QuizError` when the
    user may not start one (closed, not enrolled, no attempts left, no questions)."""
    now = now or now_utc()
    quiz_id, user_id = quiz.id, user.id
    begin_write()
    # One start at a time per user: attempt numbers stay unique and the limit holds.
    db.session.execute(
        select(User.id).where(User.id == user_id).with_for_update(key_share=True)
    ).scalar_one()
    quiz = db.session.get(Quiz, quiz_id)
    attempts = _user_attempts(quiz_id, user_id, lock=True)
    finished_now = []
    for attempt in attempts:
        if attempt.state == IN_PROGRESS and not in_time(attempt, now):
            _finish(attempt, now)
            attempt.overdue = True
            finished_now.append(attempt)
    current = next((a for a in attempts if a.state == IN_PROGRESS), None)
    if current is not None:
        db.session.commit()
        _complete_if_passed(finished_now)
        return current
    refusal = start_refusal(quiz, user, attempts, now)
    if refusal is not None:
        db.session.commit()
        _complete_if_passed(finished_now)
        raise QuizError(refusal, code="refused")
    seed = secrets.randbelow(2**31 - 1)
    layout = build_layout(
        [(row.id, row.data) for row in quiz.questions],
        seed,
        shuffle_questions=quiz.shuffle_questions,
        shuffle_answers=quiz.shuffle_answers,
    )
    attempt = Attempt(
        quiz_id=quiz_id,
        user_id=user_id,
        number=max((a.number for a in attempts), default=0) + 1,
        preview=can_edit(user, quiz),
        seed=seed,
        layout=layout,
        responses={},
        state=IN_PROGRESS,
        started_at=now,
        deadline_at=_deadline(quiz, now, user_id),
    )
    db.session.add(attempt)
    db.session.commit()
    _complete_if_passed(finished_now)
    return attempt


@dataclass(frozen=True)
class SaveOutcome:
    attempt: Attempt
    saved: bool
    # The attempt was already finished, or its time was up: the answers were not stored.
    finished: bool = False
    late: bool = False


def save_responses(
    attempt: Attempt, responses: Mapping[str, Any], *, now: datetime | None = None
) -> SaveOutcome:
    """Store the answers of an attempt in progress, if they arrive in time.

    Answers arriving after the deadline (plus grace) are ignored and the attempt is graded
    with the answers saved before.
    """
    now = now or now_utc()
    attempt = _relocked(attempt)
    if attempt.state == SUBMITTED:
        db.session.commit()
        return SaveOutcome(attempt, saved=False, finished=True)
    if not in_time(attempt, now):
        attempt.overdue = True
        _finish(attempt, now)
        db.session.commit()
        _complete_if_passed([attempt])
        return SaveOutcome(attempt, saved=False, finished=True, late=True)
    attempt.responses = dict(responses)
    attempt.saved_at = now
    db.session.commit()
    return SaveOutcome(attempt, saved=True)


def submit_attempt(
    attempt: Attempt, responses: Mapping[str, Any] | None, *, now: datetime | None = None
) -> Attempt:
    """Grade and close an attempt. Idempotent: an attempt already submitted is returned as it
    is, so a resent form never grades twice. Answers sent too late are ignored; the attempt is
    then graded with the answers saved in time."""
    now = now or now_utc()
    attempt = _relocked(attempt)
    if attempt.state == SUBMITTED:
        db.session.commit()
        _complete_if_passed([attempt])
        return attempt
    if responses is not None:
        if in_time(attempt, now):
            attempt.responses = dict(responses)
            attempt.saved_at = now
        else:
            attempt.overdue = True
    _finish(attempt, now)
    db.session.commit()
    _complete_if_passed([attempt])
    return attempt


def finish_if_overdue(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """Close an attempt whose time is up with the answers saved in time."""
    now = now or now_utc()
    if attempt.state == SUBMITTED or in_time(attempt, now):
        return attempt
    attempt = _relocked(attempt)
    if attempt.state == IN_PROGRESS and not in_time(attempt, now):
        attempt.overdue = True
        _finish(attempt, now)
        db.session.commit()
        _complete_if_passed([attempt])
    else:
        db.session.commit()
    return attempt


def finish_overdue_attempts(quiz: Quiz, *, now: datetime | None = None) -> int:
    """Close every attempt of the quiz whose time is up (before showing results)."""
    now = now or now_utc()
    ids = list(
        db.session.scalars(
            select(Attempt.id).where(Attempt.quiz_id == quiz.id, Attempt.state == IN_PROGRESS)
        )
    )
    finished = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is not None and not in_time(attempt, now):
            finish_if_overdue(attempt, now=now)
            finished += 1
    return finished


def delete_attempt(attempt: Attempt) -> None:
    """An editor removes an attempt (the student gets it back if attempts are limited)."""
    count_out(Attempt.id == attempt.id)
    db.session.delete(attempt)
    db.session.commit()


def grade_of(quiz: Quiz, attempts: Sequence[Attempt]) -> float | None:
    """The quiz grade in percent by the quiz's method, over finished attempts."""
    finished = [a for a in attempts if a.state == SUBMITTED and a.percent is not None]
    if not finished:
        return None
    if quiz.grading == GRADING_LAST:
        return max(finished, key=lambda a: a.number).percent
    return max(a.percent for a in finished)


def passes(quiz: Quiz, percent: float | None) -> bool:
    return percent is not None and percent >= quiz.pass_mark - 1e-9
