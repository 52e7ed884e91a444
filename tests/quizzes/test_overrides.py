"""Per-student overrides of a quiz's time limit, attempts and closing time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quizzes import services
from quizzes.models import Quiz
from school.extensions import db
from tests.quizzes.conftest import right_responses

EN = {"Accept-Language": "en"}


def fresh(setup):
    return db.session.get(Quiz, setup.quiz.id)


def test_extra_time_changes_only_that_students_deadline(make_quiz, student):
    setup = make_quiz(time_limit_minutes=10)
    slow, other = student(setup), student(setup)
    services.set_override(fresh(setup), slow, time_limit_minutes=30, max_attempts=None,
                          closes_at=None)  # fmt: skip
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    mine = services.start_attempt(fresh(setup), slow, now=now)
    theirs = services.start_attempt(fresh(setup), other, now=now)
    assert services.deadline_of(mine) == now + timedelta(minutes=30)
    assert services.deadline_of(theirs) == now + timedelta(minutes=10)
    assert services.limits_for(fresh(setup), slow.id).overridden


def test_more_attempts_for_one_student(make_quiz, student):
    setup = make_quiz(max_attempts=1)
    user, other = student(setup), student(setup)
    for who in (user, other):
        services.submit_attempt(
            services.start_attempt(fresh(setup), who), right_responses(setup.quiz)
        )
    with pytest.raises(services.QuizError):
        services.start_attempt(fresh(setup), user)
    services.set_override(fresh(setup), user, time_limit_minutes=None, max_attempts=2,
                          closes_at=None)  # fmt: skip
    assert services.start_attempt(fresh(setup), user).number == 2
    with pytest.raises(services.QuizError):
        services.start_attempt(fresh(setup), other)


def test_a_later_closing_time_keeps_the_quiz_open_for_one_student(make_quiz, student):
    closed = datetime(2026, 1, 1, tzinfo=UTC)
    setup = make_quiz(closes_at=closed)
    user, other = student(setup), student(setup)
    later = datetime.now(UTC) + timedelta(days=2)
    services.set_override(fresh(setup), user, time_limit_minutes=None, max_attempts=None,
                          closes_at=later)  # fmt: skip
    assert services.start_attempt(fresh(setup), user).deadline_at == later
    with pytest.raises(services.QuizError):
        services.start_attempt(fresh(setup), other)


def test_clearing_every_field_removes_the_override(make_quiz, student):
    setup = make_quiz(max_attempts=1)
    user = student(setup)
    services.set_override(fresh(setup), user, time_limit_minutes=5, max_attempts=None,
                          closes_at=None)  # fmt: skip
    assert services.set_override(fresh(setup), user, time_limit_minutes=None,
                                 max_attempts=None, closes_at=None) is None  # fmt: skip
    assert fresh(setup).overrides == []


def test_out_of_range_values_are_refused(make_quiz, student):
    setup = make_quiz()
    with pytest.raises(services.QuizError):
        services.set_override(fresh(setup), student(setup), time_limit_minutes=0,
                              max_attempts=None, closes_at=None)  # fmt: skip


def test_the_instructor_sets_limits_on_the_web(make_quiz, student, login):
    setup = make_quiz(time_limit_minutes=10)
    user = student(setup)
    client = login(user=setup.instructor)
    found = client.get(f"/quizzes/{setup.quiz.id}/override?username={user.username}")
    assert found.status_code == 302 and f"/students/{user.id}/override" in found.location
    page = client.get(f"/quizzes/{setup.quiz.id}/students/{user.id}/override", headers=EN)
    assert "Time limit for this student, minutes" in page.get_data(as_text=True)
    bad = client.post(
        f"/quizzes/{setup.quiz.id}/students/{user.id}/override",
        data={"time_limit_minutes": "-5"},
        headers=EN,
    )
    assert bad.status_code == 400
    saved = client.post(
        f"/quizzes/{setup.quiz.id}/students/{user.id}/override",
        data={"time_limit_minutes": "25", "max_attempts": "3"},
        headers=EN,
    )
    assert saved.status_code == 302
    limits = services.limits_for(fresh(setup), user.id)
    assert (limits.time_limit_minutes, limits.max_attempts) == (25, 3)
    missing = client.get(f"/quizzes/{setup.quiz.id}/override?username=nobody-here")
    assert missing.status_code == 302 and missing.location.endswith("/results")
