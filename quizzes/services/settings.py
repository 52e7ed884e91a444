"""Quiz settings: checked as a whole, saved from the form, and read from and written to an
item's front matter in the course bundle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from quizzes.models import (
    GRADING_HIGHEST,
    GRADING_METHODS,
    REVIEW_ANSWERS,
    REVIEW_IMMEDIATELY,
    REVIEW_LEVELS,
    REVIEW_TIMES,
    Quiz,
)
from quizzes.services._common import QuizError
from school.extensions import db
from school.timeutil import now_utc

MAX_ATTEMPTS_LIMIT = 100
MAX_TIME_LIMIT_MINUTES = 24 * 60


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
            ngettext(
                "Allow from 1 to %(num)d attempt, or leave empty.",
                "Allow from 1 to %(num)d attempts, or leave empty.",
                MAX_ATTEMPTS_LIMIT,
            ),
            "max_attempts",
        )
    if settings.grading not in GRADING_METHODS:
        raise QuizError(_l("Choose how attempts are graded."), "grading")
    if settings.time_limit_minutes is not None and not (
        1 <= settings.time_limit_minutes <= MAX_TIME_LIMIT_MINUTES
    ):
        raise QuizError(
            ngettext(
                "The time limit is from 1 to %(num)d minute, or empty for none.",
                "The time limit is from 1 to %(num)d minutes, or empty for none.",
                MAX_TIME_LIMIT_MINUTES,
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
