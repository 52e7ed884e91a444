"""Quiz use cases: settings, the question bank, GIFT import/export, attempts and grading,
results, statistics and paper quizzes.

Functions that change data own their transaction and commit, except the course item kind's
hooks (:mod:`quizzes.kind`), which run inside the courses package's transactions. Attempts
are started and submitted under ``begin_write()`` with their rows locked, so a double click,
a resent form or two concurrent requests never make a second attempt or a second grade.
"""

from __future__ import annotations

import csv
import io
import math
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from babel.numbers import get_decimal_symbol
from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from courses import services as course_services
from courses.models import Item
from quizzes import grading, statistics
from quizzes.gift import ParseResult, dump_gift, parse_gift
from quizzes.messages import gift_problem_messages
from quizzes.models import (
    GRADING_HIGHEST,
    GRADING_LAST,
    GRADING_METHODS,
    IN_PROGRESS,
    REVIEW_ANSWERS,
    REVIEW_IMMEDIATELY,
    REVIEW_LEVELS,
    REVIEW_TIMES,
    SUBMITTED,
    Attempt,
    Question,
    Quiz,
)
from quizzes.questions import (
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericQuestion,
    ShortAnswerQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
    question_from_dict,
)
from quizzes.questions import Question as QuestionData
from quizzes.responses import build_layout, chosen_options, form_values, shown_question
from school.database import begin_write
from school.extensions import db
from school.models import User
from school.permissions import can_edit
from school.timeutil import now_utc

#: Seconds after the deadline during which answers still count (the page took time to send).
DEFAULT_GRACE_SECONDS = 30
#: Largest GIFT file accepted (a whole question bank is a few dozen kilobytes).
MAX_GIFT_BYTES = 1024 * 1024
MAX_QUESTIONS = 500
MAX_ATTEMPTS_LIMIT = 100
MAX_TIME_LIMIT_MINUTES = 24 * 60


class QuizError(ValueError):
    """A refused quiz action; ``field`` names the form field the message belongs to."""

    def __init__(self, message: Any, field: str | None = None, code: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


class GiftImportError(QuizError):
    """A GIFT text that cannot be imported: ``result`` holds every error and unsupported part."""

    def __init__(self, result: ParseResult) -> None:
        super().__init__(_l("The file has errors; nothing was imported."), "file", "gift")
        self.result = result

    @property
    def messages(self) -> list[str]:
        return gift_problem_messages(self.result)


# --------------------------------------------------------------------------- lookups


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


def grace() -> timedelta:
    return timedelta(seconds=current_app.config.get("QUIZ_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))


# --------------------------------------------------------------------------- settings


@dataclass
class Settings:
    """The settings of a quiz, as forms and the course bundle give them."""

    pass_mark: int = 70
    max_attempts: int | None = None
    grading: str = GRADING_HIGHEST
    time_limit_minutes: int | None = None
    shuffle_questions: bool = False
    shuffle_answers: bool = True
    review: str = REVIEW_ANSWERS
    review_when: str = REVIEW_IMMEDIATELY
    closes_at: datetime | None = None

    @classmethod
    def of(cls, quiz: Quiz) -> Settings:
        return cls(**{name: getattr(quiz, name) for name in cls.__dataclass_fields__})


def check_settings(settings: Settings) -> None:
    """Refuse settings out of range, with the field at fault."""
    if not 0 <= settings.pass_mark <= 100:
        raise QuizError(_l("The pass mark is a percentage from 0 to 100."), "pass_mark")
    if settings.max_attempts is not None and not 1 <= settings.max_attempts <= MAX_ATTEMPTS_LIMIT:
        raise QuizError(
            _l("Allow from 1 to %(limit)s attempts, or leave empty.", limit=MAX_ATTEMPTS_LIMIT),
            "max_attempts",
        )
    if settings.grading not in GRADING_METHODS:
        raise QuizError(_l("Choose how attempts are graded."), "grading")
    if settings.time_limit_minutes is not None and not (
        1 <= settings.time_limit_minutes <= MAX_TIME_LIMIT_MINUTES
    ):
        raise QuizError(
            _l(
                "The time limit is from 1 to %(limit)s minutes, or empty for none.",
                limit=MAX_TIME_LIMIT_MINUTES,
            ),
            "time_limit_minutes",
        )
    if settings.review not in REVIEW_LEVELS:
        raise QuizError(_l("Choose what students see after an attempt."), "review")
    if settings.review_when not in REVIEW_TIMES:
        raise QuizError(_l("Choose when students see it."), "review_when")
    if settings.review_when != REVIEW_IMMEDIATELY and settings.closes_at is None:
        raise QuizError(
            _l("Set a closing time to show the answers after the quiz closes."), "closes_at"
        )


def update_settings(quiz: Quiz, settings: Settings) -> None:
    check_settings(settings)
    for name in Settings.__dataclass_fields__:
        setattr(quiz, name, getattr(settings, name))
    quiz.updated_at = now_utc()
    db.session.commit()


# Front matter of a quiz item in the course bundle.
FRONT_MATTER_KEYS = (
    "pass_mark",
    "max_attempts",
    "grading",
    "time_limit_minutes",
    "shuffle_questions",
    "shuffle_answers",
    "review",
    "review_when",
    "closes_at",
)


def front_matter(quiz: Quiz | None) -> dict[str, Any]:
    settings = Settings.of(quiz) if quiz is not None else Settings()
    data: dict[str, Any] = {
        "pass_mark": settings.pass_mark,
        "max_attempts": settings.max_attempts,
        "grading": settings.grading,
        "time_limit_minutes": settings.time_limit_minutes,
        "shuffle_questions": settings.shuffle_questions,
        "shuffle_answers": settings.shuffle_answers,
        "review": settings.review,
        "review_when": settings.review_when,
    }
    if settings.closes_at is not None:
        data["closes_at"] = settings.closes_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return data


def _int_setting(meta: Mapping[str, Any], key: str, default: int | None, *, empty: bool) -> Any:
    value = meta.get(key, default)
    if value is None:
        if empty:
            return None
        raise QuizError(_l("%(key)s must be a whole number.", key=key), key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise QuizError(_l("%(key)s must be a whole number.", key=key), key)
    return int(value)


def _bool_setting(meta: Mapping[str, Any], key: str, default: bool) -> bool:
    value = meta.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise QuizError(_l("%(key)s must be true or false.", key=key), key)
    return value


def _choice_setting(meta: Mapping[str, Any], key: str, default: str, allowed: Sequence[str]):
    value = meta.get(key, default)
    if value is None:
        return default
    if value not in allowed:
        raise QuizError(
            _l("%(key)s must be one of: %(allowed)s.", key=key, allowed=", ".join(allowed)), key
        )
    return value


def _datetime_setting(meta: Mapping[str, Any], key: str) -> datetime | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise QuizError(
            _l("%(key)s must be a date and time with a time zone, e.g. 2026-05-01T18:00:00Z.",
               key=key),
            key,
        )  # fmt: skip
    return value.astimezone(UTC)


def settings_from_front_matter(meta: Mapping[str, Any]) -> Settings:
    """Read quiz settings from an item's front matter; missing keys take the defaults."""
    defaults = Settings()
    settings = Settings(
        pass_mark=_int_setting(meta, "pass_mark", defaults.pass_mark, empty=False),
        max_attempts=_int_setting(meta, "max_attempts", None, empty=True),
        grading=_choice_setting(meta, "grading", defaults.grading, GRADING_METHODS),
        time_limit_minutes=_int_setting(meta, "time_limit_minutes", None, empty=True),
        shuffle_questions=_bool_setting(meta, "shuffle_questions", defaults.shuffle_questions),
        shuffle_answers=_bool_setting(meta, "shuffle_answers", defaults.shuffle_answers),
        review=_choice_setting(meta, "review", defaults.review, REVIEW_LEVELS),
        review_when=_choice_setting(meta, "review_when", defaults.review_when, REVIEW_TIMES),
        closes_at=_datetime_setting(meta, "closes_at"),
    )
    check_settings(settings)
    return settings


# --------------------------------------------------------------------------- question bank


def _touch(quiz: Quiz) -> None:
    quiz.updated_at = now_utc()


def _lock_quiz(quiz_id: int) -> Quiz:
    begin_write()
    return db.session.execute(
        select(Quiz)
        .where(Quiz.id == quiz_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _question_row(quiz: Quiz, question: QuestionData, position: int) -> Question:
    data = question.to_dict()
    return Question(
        quiz=quiz, position=position, type=question.type, data=data, category=question.category
    )


def add_question(quiz: Quiz, question: QuestionData) -> Question:
    """Append a question to the quiz's bank."""
    quiz = _lock_quiz(quiz.id)
    if len(quiz.questions) >= MAX_QUESTIONS:
        db.session.rollback()
        raise QuizError(_l("A quiz can hold at most %(limit)s questions.", limit=MAX_QUESTIONS))
    row = _question_row(quiz, question, len(quiz.questions))
    db.session.add(row)
    _touch(quiz)
    db.session.commit()
    return row


def update_question(row: Question, question: QuestionData) -> None:
    """Replace a question's content (attempts keep the version they were given)."""
    quiz = _lock_quiz(row.quiz_id)
    row = db.session.get(Question, row.id)
    row.type = question.type
    row.data = question.to_dict()
    row.category = question.category
    row.updated_at = now_utc()
    _touch(quiz)
    db.session.commit()


def _renumber(rows: Iterable[Question]) -> None:
    for position, row in enumerate(rows):
        row.position = position


def delete_question(row: Question) -> None:
    quiz = _lock_quiz(row.quiz_id)
    row = db.session.get(Question, row.id)
    quiz.questions.remove(row)
    _renumber(quiz.questions)
    _touch(quiz)
    db.session.commit()


def move_question(row: Question, offset: int) -> bool:
    """Move a question up (-1) or down (+1); False at either end."""
    quiz = _lock_quiz(row.quiz_id)
    rows = list(quiz.questions)
    index = next(i for i, r in enumerate(rows) if r.id == row.id)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(rows):
        db.session.rollback()
        return False
    rows[index], rows[target] = rows[target], rows[index]
    _renumber(rows)
    _touch(quiz)
    db.session.commit()
    return True


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


def replace_questions(quiz: Quiz, questions: Sequence[QuestionData], *, replace: bool) -> int:
    """Add questions to the bank (after deleting the old ones if ``replace``), inside the
    caller's transaction; returns how many were added."""
    if replace:
        quiz.questions.clear()
        db.session.flush()
    start = len(quiz.questions)
    if start + len(questions) > MAX_QUESTIONS:
        raise QuizError(_l("A quiz can hold at most %(limit)s questions.", limit=MAX_QUESTIONS))
    for offset, question in enumerate(questions):
        quiz.questions.append(_question_row(quiz, question, start + offset))
    _touch(quiz)
    return len(questions)


def import_gift(quiz: Quiz, text: str, *, replace: bool = False) -> int:
    """Import every question of a GIFT text, or none: returns how many were added.

    Raises :class:`GiftImportError` listing every error (with its line) and every
    unsupported question; nothing is saved then.
    """
    result = parse_for_import(text)
    quiz = _lock_quiz(quiz.id)
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


# --------------------------------------------------------------------------- attempts


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
    if quiz.max_attempts is None or can_edit(user, quiz):
        return None
    used = len(_counted(attempts if attempts is not None else attempts_of(quiz, user), False))
    return max(0, quiz.max_attempts - used)


def is_closed(quiz: Quiz, now: datetime | None = None) -> bool:
    return quiz.closes_at is not None and (now or now_utc()) >= quiz.closes_at


def is_enrolled(user: User, quiz: Quiz) -> bool:
    return course_services.enrolment_for(user, quiz.course) is not None


def start_refusal(quiz: Quiz, user: User, attempts: Sequence[Attempt], now: datetime) -> Any:
    """Why the user cannot start a new attempt now, or None."""
    if question_count(quiz) == 0:
        return _l("This quiz has no questions yet.")
    if can_edit(user, quiz):
        return None
    if is_closed(quiz, now):
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
    closes = attempt.quiz.closes_at
    if closes is not None and attempt.started_at < closes:
        return min(attempt.deadline_at or closes, closes)
    return attempt.deadline_at


def in_time(attempt: Attempt, now: datetime) -> bool:
    """Answers sent at ``now`` still count (the deadline plus a short grace)."""
    deadline = deadline_of(attempt)
    return deadline is None or now <= deadline + grace()


def _deadline(quiz: Quiz, started: datetime) -> datetime | None:
    deadline = None
    if quiz.time_limit_minutes:
        deadline = started + timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at is not None and (deadline is None or quiz.closes_at < deadline):
        deadline = quiz.closes_at
    return deadline


def _lock_attempt(attempt_id: int) -> Attempt | None:
    return db.session.execute(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _layout_questions(attempt: Attempt) -> list[QuestionData]:
    return [question_from_dict(entry["data"]) for entry in attempt.layout]


def _responses_in_layout(attempt: Attempt) -> list[Any]:
    responses = attempt.responses or {}
    return [responses.get(str(entry["id"])) for entry in attempt.layout]


def _finish(attempt: Attempt, now: datetime) -> None:
    """Grade the saved responses and close the attempt (inside a write transaction)."""
    result = grading.grade_quiz(_layout_questions(attempt), _responses_in_layout(attempt))
    attempt.score = result.total
    attempt.max_score = result.max_score
    attempt.percent = result.percent
    attempt.passed = result.percent >= attempt.quiz.pass_mark - 1e-9
    attempt.state = SUBMITTED
    attempt.submitted_at = now


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
        deadline_at=_deadline(quiz, now),
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
    attempt_id = attempt.id
    begin_write()
    attempt = _lock_attempt(attempt_id)
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
    attempt_id = attempt.id
    begin_write()
    attempt = _lock_attempt(attempt_id)
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
    attempt_id = attempt.id
    begin_write()
    attempt = _lock_attempt(attempt_id)
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


def attempts_by_user(quiz: Quiz) -> dict[int, list[Any]]:
    """Id and number of every student's attempts at the quiz (previews left out), oldest
    first, by user id."""
    by_user: dict[int, list[Any]] = {}
    for row in db.session.execute(
        select(Attempt.id, Attempt.number, Attempt.user_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False))
        .order_by(Attempt.user_id, Attempt.number)
    ):
        by_user.setdefault(row.user_id, []).append(row)
    return by_user


def delete_attempt(attempt: Attempt) -> None:
    """An editor removes an attempt (the student gets it back if attempts are limited)."""
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


def answers_visible(quiz: Quiz, viewer: User, *, now: datetime | None = None) -> bool:
    """May ``viewer`` see the correct answers and explanations of finished attempts now?"""
    if can_edit(viewer, quiz):
        return True
    if quiz.review != REVIEW_ANSWERS:
        return False
    if quiz.review_when == REVIEW_IMMEDIATELY:
        return True
    return is_closed(quiz, now)


@dataclass(frozen=True)
class AttemptPage:
    """An attempt in progress as its page shows it: questions in order, the saved answers as
    form values, and the minutes left (None without a deadline)."""

    questions: list[Any]
    values: dict[str, Any]
    minutes_left: int | None
    deadline: datetime | None


def attempt_page(attempt: Attempt, *, now: datetime | None = None) -> AttemptPage:
    now = now or now_utc()
    responses = attempt.responses or {}
    questions, values = [], {}
    for number, entry in enumerate(attempt.layout, start=1):
        questions.append(shown_question(entry, number))
        values.update(form_values(entry, responses.get(str(entry["id"]))))
    minutes_left = None
    deadline = deadline_of(attempt)
    if deadline is not None:
        seconds = max(0, int((deadline - now).total_seconds()))
        minutes_left = (seconds + 59) // 60
    return AttemptPage(questions, values, minutes_left, deadline)


@dataclass(frozen=True)
class ReviewItem:
    """One question of a finished attempt, for the result page."""

    shown: Any
    grade: grading.Grade
    response: Any
    correct_answers: list[str]


def review(attempt: Attempt) -> list[ReviewItem]:
    """Each question of the attempt as shown, graded, with the correct answers."""
    items = []
    responses = attempt.responses or {}
    for number, entry in enumerate(attempt.layout, start=1):
        shown = shown_question(entry, number)
        response = responses.get(str(entry["id"]))
        items.append(
            ReviewItem(
                shown=shown,
                grade=grading.grade(shown.question, response),
                response=response,
                correct_answers=correct_answers(shown.question),
            )
        )
    return items


def correct_answers(question: QuestionData) -> list[str]:
    """The full-credit answers as text, with translated true/false and the decimal comma."""
    separator = "," if _locale_uses_comma() else "."
    return grading.correct_answer_text(
        question, true_label=_("True"), false_label=_("False"), decimal_separator=separator
    )


def _locale_uses_comma() -> bool:
    return get_decimal_symbol(get_locale() or "en") == ","


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


# --------------------------------------------------------------------------- results


@dataclass
class ResultRow:
    user_id: int
    name: str
    username: str
    attempts: int
    in_progress: int
    best: float | None
    last: float | None
    grade: float | None
    passed: bool
    last_submitted_at: datetime | None


def results(quiz: Quiz) -> list[ResultRow]:
    """One row per student who has attempted the quiz (editors' previews left out)."""
    rows = db.session.execute(
        select(
            Attempt.user_id,
            Attempt.number,
            Attempt.state,
            Attempt.percent,
            Attempt.submitted_at,
            User.username,
            User.display_name,
        )
        .join(User, User.id == Attempt.user_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False))
        .order_by(Attempt.user_id, Attempt.number)
    ).all()
    by_user: dict[int, list] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    table = []
    for user_id, attempts in by_user.items():
        finished = [a for a in attempts if a.state == SUBMITTED and a.percent is not None]
        best = max((a.percent for a in finished), default=None)
        last = max(finished, key=lambda a: a.number).percent if finished else None
        grade = last if quiz.grading == GRADING_LAST else best
        first = attempts[0]
        table.append(
            ResultRow(
                user_id=user_id,
                name=first.display_name or first.username,
                username=first.username,
                attempts=len(finished),
                in_progress=len(attempts) - len(finished),
                best=best,
                last=last,
                grade=grade,
                passed=passes(quiz, grade),
                last_submitted_at=max((a.submitted_at for a in finished), default=None),
            )
        )
    table.sort(key=lambda r: (r.name.casefold(), r.user_id))
    return table


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def csv_cell(value: Any) -> str:
    """A CSV cell that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return format_decimal(round(value, 2), "0.##")
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def results_csv(quiz: Quiz) -> bytes:
    """The results table as CSV: UTF-8 with a byte order mark, so spreadsheets read Cyrillic."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            _("Student"),
            _("Username"),
            _("Attempts"),
            _("Best, %"),
            _("Last, %"),
            _("Grade, %"),
            _("Passed"),
            _("Last submitted (UTC)"),
        ]
    )
    for row in results(quiz):
        writer.writerow(
            csv_cell(value)
            for value in (
                row.name,
                row.username,
                row.attempts,
                row.best,
                row.last,
                row.grade,
                row.passed,
                row.last_submitted_at.strftime("%Y-%m-%d %H:%M") if row.last_submitted_at else "",
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------- statistics


@dataclass
class OptionRow:
    label: str
    count: int
    share: float
    correct: bool = False


@dataclass
class QuestionReport:
    number: int
    question_id: int
    question: QuestionData
    deleted: bool
    stats: statistics.QuestionStats
    options: list[OptionRow] = field(default_factory=list)


@dataclass
class StatisticsReport:
    attempts: int
    mean_percent: float | None
    questions: list[QuestionReport]


_TOP_TEXT_ANSWERS = 10


def _option_keys(question: QuestionData) -> list[Any]:
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        return list(range(len(question.choices)))
    if isinstance(question, TrueFalseQuestion):
        return [True, False]
    if isinstance(question, MatchingQuestion):
        return sorted(question.correct_matches.items())
    return []


def _option_rows(question: QuestionData, stats: statistics.QuestionStats) -> list[OptionRow]:
    counts = stats.option_counts
    n = stats.attempts

    def row(label: str, key: Any, correct: bool) -> OptionRow:
        count = counts.get(key, 0)
        return OptionRow(label, count, count / n if n else 0.0, correct)

    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        return [row(choice.text, i, choice.weight > 0) for i, choice in enumerate(question.choices)]
    if isinstance(question, TrueFalseQuestion):
        return [row(_("True"), True, question.answer), row(_("False"), False, not question.answer)]
    if isinstance(question, MatchingQuestion):
        options = question.right_options
        rows = []
        for (left, right), count in sorted(counts.items(), key=lambda kv: (kv[0], -kv[1])):
            if not (0 <= left < len(question.pairs) and 0 <= right < len(options)):
                continue
            label = f"{question.pairs[left].left} → {options[right]}"
            correct = question.correct_matches.get(left) == right
            rows.append(OptionRow(label, count, count / n if n else 0.0, correct))
        return rows
    # Short and numeric answers: the most frequent ones typed.
    accepted: set[Any] = set()
    if isinstance(question, ShortAnswerQuestion):
        accepted = {grading.normalize_answer(a.text) for a in question.answers if a.weight == 100}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    rows = []
    for key, count in ranked[:_TOP_TEXT_ANSWERS]:
        if isinstance(question, NumericQuestion) and isinstance(key, float):
            label = grading.format_number(key, "," if _locale_uses_comma() else ".")
            correct = grading.grade(question, key).correct
        else:
            label = str(key)
            correct = key in accepted
        rows.append(OptionRow(label, count, count / n if n else 0.0, correct))
    return rows


def statistics_report(quiz: Quiz) -> StatisticsReport:
    """Item analysis of every finished attempt (editors' previews left out)."""
    attempts = list(
        db.session.scalars(
            select(Attempt)
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.state == SUBMITTED,
                Attempt.preview.is_(False),
            )
            .order_by(Attempt.id)
        )
    )
    current = {row.id: row.question for row in quiz.questions}
    snapshots: dict[int, QuestionData] = {}
    data = []
    for attempt in attempts:
        items = {}
        responses = attempt.responses or {}
        for entry in attempt.layout:
            question_id = entry["id"]
            question = question_from_dict(entry["data"])
            snapshots.setdefault(question_id, question)
            response = responses.get(str(question_id))
            items[question_id] = statistics.ItemResponse(
                grading.grade(question, response).fraction, chosen_options(question, response)
            )
        total = (attempt.percent or 0.0) / 100
        data.append(statistics.AttemptData(min(1.0, max(0.0, total)), items))
    options = {qid: _option_keys(question) for qid, question in current.items()}
    stats = statistics.item_analysis(data, options=options)
    reports = []
    for number, item in enumerate(stats.questions, start=1):
        question = current.get(item.key) or snapshots[item.key]
        reports.append(
            QuestionReport(
                number=number,
                question_id=item.key,
                question=question,
                deleted=item.key not in current,
                stats=item,
                options=_option_rows(question, item),
            )
        )
    mean = stats.mean_total * 100 if stats.mean_total is not None else None
    return StatisticsReport(attempts=stats.attempts, mean_percent=mean, questions=reports)


# --------------------------------------------------------------------------- account hooks


def export_user(user: User) -> list[dict[str, Any]]:
    """The user's quiz attempts with their answers, for the account data export."""
    exported = []
    for attempt in db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.started_at)
    ):
        responses = attempt.responses or {}
        answers = []
        for entry in attempt.layout:
            question = question_from_dict(entry["data"])
            answers.append(
                {
                    "question": question.title or question.display_text(),
                    "response": responses.get(str(entry["id"])),
                }
            )
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
                "answers": answers,
            }
        )
    return exported


def erase_user(user: User) -> None:
    """Delete the user's attempts (they also cascade with the account)."""
    db.session.execute(delete(Attempt).where(Attempt.user_id == user.id))


def forget_attempts(quiz: Quiz, user: User) -> None:
    """Delete one user's attempts at one quiz, inside the caller's transaction."""
    db.session.execute(
        delete(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
    )


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
    return grading.format_number(value, "," if _locale_uses_comma() else ".")


def count_by_state(quiz: Quiz) -> Counter:
    rows = db.session.execute(
        select(Attempt.state, func.count(Attempt.id))
        .where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False))
        .group_by(Attempt.state)
    ).all()
    return Counter(dict(rows))
