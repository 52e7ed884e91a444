"""Submitting: idempotent (double click, resent form, concurrent requests) and the server-side
time limit with its grace (times are moved into the past through the model, never slept)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from courses.models import Completion
from quizzes import services
from quizzes.models import IN_PROGRESS, SUBMITTED, Attempt
from school.extensions import db
from school.timeutil import now_utc
from tests.quizzes.conftest import attempt_form, right_responses

EN = {"Accept-Language": "en"}


def started(client, quiz) -> Attempt:
    response = client.post(f"/quizzes/{quiz.id}/start")
    return db.session.get(Attempt, int(response.location.rsplit("/", 1)[1]))


def move_into_past(attempt: Attempt, minutes_ago: float) -> None:
    """The attempt's deadline passed ``minutes_ago`` minutes ago."""
    attempt = db.session.get(Attempt, attempt.id)
    deadline = now_utc() - timedelta(minutes=minutes_ago)
    attempt.started_at = deadline - timedelta(minutes=attempt.quiz.time_limit_minutes or 10)
    attempt.deadline_at = deadline
    db.session.commit()


def test_a_resent_submission_keeps_the_first_grade(make_quiz, student, login):
    setup = make_quiz()
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    right = attempt_form(attempt, right_responses(setup.quiz))
    first = client.post(f"/quizzes/attempts/{attempt.id}/submit", data=right)
    graded = db.session.get(Attempt, attempt.id)
    assert graded.percent == pytest.approx(100)
    submitted_at = graded.submitted_at

    # The same form again (a double click) and a different one (the back button).
    again = client.post(f"/quizzes/attempts/{attempt.id}/submit", data=right, headers=EN)
    other = client.post(f"/quizzes/attempts/{attempt.id}/submit", data={}, headers=EN)
    assert first.location == again.location == other.location
    page = client.get(other.location, headers=EN).get_data(as_text=True)
    assert "already been submitted" in page
    assert "6 of 6 marks: 100%" in page
    graded = db.session.get(Attempt, attempt.id)
    assert graded.percent == pytest.approx(100)
    assert graded.submitted_at == submitted_at
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 1
    # Saving into a finished attempt changes nothing either.
    client.post(f"/quizzes/attempts/{attempt.id}/save", data={})
    assert db.session.get(Attempt, attempt.id).responses == right_responses(setup.quiz)


def _in_threads(app, count: int, work) -> list:
    results: list = [None] * count
    errors: list = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[index] = work(index)
            except Exception as error:  # reported below, in the test's thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Read what the threads committed, not this session's snapshot.
    db.session.rollback()
    assert not errors, errors
    return results


def test_concurrent_submissions_grade_once(app, make_quiz, student):
    setup = make_quiz()
    user = student(setup)
    attempt_id = services.start_attempt(setup.quiz, user).id
    right = right_responses(setup.quiz)

    def submit(index: int):
        attempt = db.session.get(Attempt, attempt_id)
        # Half the requests carry right answers, half carry none: only one may count.
        graded = services.submit_attempt(attempt, right if index % 2 else {})
        return graded.percent, graded.submitted_at

    outcomes = _in_threads(app, 6, submit)
    assert len(set(outcomes)) == 1
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == SUBMITTED
    assert (attempt.percent, attempt.submitted_at) == outcomes[0]
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 1
    completions = db.select(db.func.count(Completion.id)).where(Completion.user_id == user.id)
    assert db.session.scalar(completions) == (1 if attempt.passed else 0)


def test_concurrent_starts_make_one_attempt(app, make_quiz, student):
    setup = make_quiz(max_attempts=1)
    user_id = student(setup).id
    quiz_id = setup.quiz.id

    def begin(index: int) -> int:
        from quizzes.models import Quiz
        from school.models import User

        return services.start_attempt(
            db.session.get(Quiz, quiz_id), db.session.get(User, user_id)
        ).id

    ids = _in_threads(app, 6, begin)
    assert len(set(ids)) == 1
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 1


def test_a_late_submission_is_graded_with_the_answers_saved_in_time(make_quiz, student, login):
    setup = make_quiz(time_limit_minutes=10)
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=10)
    right = attempt_form(attempt, right_responses(setup.quiz))
    client.post(f"/quizzes/attempts/{attempt.id}/save", data=right)

    move_into_past(attempt, minutes_ago=5)
    response = client.post(f"/quizzes/attempts/{attempt.id}/submit", data={}, headers=EN)
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "graded with the answers saved in time" in page
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == SUBMITTED and attempt.overdue
    assert attempt.percent == pytest.approx(100)
    assert attempt.responses == right_responses(setup.quiz)


def test_answers_within_the_grace_period_count(make_quiz, student, login):
    setup = make_quiz(time_limit_minutes=10)
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    move_into_past(attempt, minutes_ago=10 / 60)  # ten seconds late, within 30 s of grace
    client.post(
        f"/quizzes/attempts/{attempt.id}/submit",
        data=attempt_form(attempt, right_responses(setup.quiz)),
    )
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.percent == pytest.approx(100) and not attempt.overdue


def test_a_late_save_is_ignored_and_ends_the_attempt(make_quiz, student, login):
    setup = make_quiz(time_limit_minutes=5)
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    move_into_past(attempt, minutes_ago=1)
    client.post(
        f"/quizzes/attempts/{attempt.id}/save",
        data=attempt_form(attempt, right_responses(setup.quiz)),
    )
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == SUBMITTED and attempt.overdue
    assert attempt.responses == {} and attempt.percent == 0


def test_an_overdue_attempt_is_closed_when_opened(make_quiz, student, login):
    setup = make_quiz(time_limit_minutes=5, max_attempts=2)
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    move_into_past(attempt, minutes_ago=2)
    page = client.get(f"/quizzes/attempts/{attempt.id}", headers=EN).get_data(as_text=True)
    assert "Your result" in page
    assert db.session.get(Attempt, attempt.id).state == SUBMITTED
    # A new attempt can start at once; the overdue one counted.
    new = started(client, setup.quiz)
    assert new.id != attempt.id and new.number == 2


def test_starting_closes_an_overdue_attempt_first(make_quiz, student):
    setup = make_quiz(time_limit_minutes=5)
    user = student(setup)
    attempt = services.start_attempt(setup.quiz, user)
    later = attempt.deadline_at + timedelta(minutes=1)
    new = services.start_attempt(setup.reload().quiz, user, now=later)
    assert new.number == 2
    assert db.session.get(Attempt, attempt.id).state == SUBMITTED
    assert db.session.get(Attempt, new.id).state == IN_PROGRESS


def test_the_deadline_never_passes_the_closing_time(make_quiz, student):
    closes = now_utc() + timedelta(minutes=3)
    setup = make_quiz(time_limit_minutes=60, closes_at=closes)
    attempt = services.start_attempt(setup.quiz, student(setup))
    assert attempt.deadline_at == closes


def test_results_close_attempts_whose_time_is_up(make_quiz, student, login):
    setup = make_quiz(time_limit_minutes=5)
    attempt = services.start_attempt(setup.quiz, student(setup))
    move_into_past(attempt, minutes_ago=3)
    client = login(user=setup.instructor)
    assert client.get(f"/quizzes/{setup.quiz.id}/results").status_code == 200
    assert db.session.get(Attempt, attempt.id).state == SUBMITTED


def test_closing_the_quiz_ends_attempts_already_running(make_quiz, student):
    setup = make_quiz()
    attempt = services.start_attempt(setup.quiz, student(setup))
    assert attempt.deadline_at is None
    # Started ten minutes ago; the editor has just closed the quiz as of five minutes ago.
    db.session.get(Attempt, attempt.id).started_at = now_utc() - timedelta(minutes=10)
    setup.reload().quiz.closes_at = now_utc() - timedelta(minutes=5)
    db.session.commit()
    attempt = services.submit_attempt(
        db.session.get(Attempt, attempt.id), right_responses(setup.quiz)
    )
    assert attempt.overdue and attempt.percent == 0
