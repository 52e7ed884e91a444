"""Attempts: enrolment, limits, the fixed shuffled order, grading methods, passing, review."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from courses.models import Completion
from quizzes import services
from quizzes.models import IN_PROGRESS, SUBMITTED, Attempt
from school.extensions import db
from school.timeutil import now_utc
from tests.quizzes.conftest import SUBMIT_ANYWAY, attempt_form, right_responses, visible

EN = {"Accept-Language": "en"}


def attempts_of(quiz, user) -> list[Attempt]:
    return list(
        db.session.scalars(
            db.select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
            .order_by(Attempt.number)
        )
    )


def start(client, quiz) -> Attempt:
    response = client.post(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302
    match = re.search(r"/quizzes/attempts/(\d+)$", response.location)
    assert match, response.location
    return db.session.get(Attempt, int(match.group(1)))


def test_a_student_must_be_enrolled_to_start(make_quiz, student, login):
    setup = make_quiz()
    client = login(user=student())
    page = client.get(f"/quizzes/{setup.quiz.id}/", headers=EN).get_data(as_text=True)
    assert "Enrol in the course to take this quiz." in page
    assert "Start the quiz" not in page
    response = client.post(f"/quizzes/{setup.quiz.id}/start")
    assert response.status_code == 302
    assert response.location.endswith(f"/quizzes/{setup.quiz.id}/")
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 0


def test_attempts_left_are_shown_and_the_limit_is_enforced(make_quiz, student, login):
    setup = make_quiz(max_attempts=2)
    user = student(setup)
    client = login(user=user)
    url = f"/quizzes/{setup.quiz.id}/"
    assert "2 attempts left." in client.get(url, headers=EN).get_data(as_text=True)

    for left in (1, 0):
        attempt = start(client, setup.quiz)
        client.post(f"/quizzes/attempts/{attempt.id}/submit", data=SUBMIT_ANYWAY)
        page = client.get(url, headers=EN).get_data(as_text=True)
        assert f"{left} attempt{'' if left == 1 else 's'} left." in page

    assert "You have used all your attempts." in page
    assert "Start a new attempt" not in page
    response = client.post(f"/quizzes/{setup.quiz.id}/start", headers=EN)
    assert response.status_code == 302 and response.location.endswith(url)
    assert len(attempts_of(setup.quiz, user)) == 2
    with pytest.raises(services.QuizError):
        services.start_attempt(setup.reload().quiz, user)
    assert len(attempts_of(setup.quiz, user)) == 2


def test_starting_again_continues_the_attempt_in_progress(make_quiz, student, login):
    setup = make_quiz(max_attempts=1)
    client = login(user=student(setup))
    first = start(client, setup.quiz)
    second = start(client, setup.quiz)
    assert first.id == second.id
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 1


def test_the_shuffled_order_is_fixed_for_the_attempt(make_quiz, student, login):
    setup = make_quiz(shuffle_questions=True, shuffle_answers=True)
    client = login(user=student(setup))
    attempt = start(client, setup.quiz)
    url = f"/quizzes/attempts/{attempt.id}"
    first = client.get(url).get_data(as_text=True)
    # The same page again, but for the CSRF tokens (they carry a timestamp).
    token = re.compile(r'name="csrf_token"[^>]*>')
    assert token.sub("", client.get(url).get_data(as_text=True)) == token.sub("", first)

    # The page shows the questions in the frozen order...
    names = re.findall(r'<fieldset class="quiz-question" id="(q\d+)-block"', first)
    assert names == [f"q{entry['id']}" for entry in attempt.layout]
    # ...and choice values are positions on the page, not the author's indexes.
    single = next(e for e in attempt.layout if e["data"]["type"] == "single")
    values = re.findall(rf'name="q{single["id"]}" value="(\d+)"', first)
    assert values == ["0", "1", "2"]
    assert sorted(single["order"]) == [0, 1, 2]
    stored = db.session.get(Attempt, attempt.id)
    assert stored.seed == attempt.seed and stored.layout == attempt.layout


def test_form_positions_map_back_to_the_right_choices(make_quiz, student, login):
    setup = make_quiz(shuffle_questions=True, shuffle_answers=True)
    user = student(setup)
    client = login(user=user)
    attempt = start(client, setup.quiz)
    responses = right_responses(setup.quiz)
    response = client.post(
        f"/quizzes/attempts/{attempt.id}/submit", data=attempt_form(attempt, responses)
    )
    assert response.status_code == 302
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == SUBMITTED
    assert attempt.percent == pytest.approx(100)
    assert attempt.passed is True
    assert attempt.responses == responses


def test_passing_completes_the_course_item(make_quiz, student, login):
    setup = make_quiz(pass_mark=60)
    user = student(setup)
    client = login(user=user)
    attempt = start(client, setup.quiz)
    client.post(f"/quizzes/attempts/{attempt.id}/submit", data=SUBMIT_ANYWAY)
    assert db.session.get(Attempt, attempt.id).passed is False
    completed = db.select(Completion).where(
        Completion.user_id == user.id, Completion.item_id == setup.item.id
    )
    assert db.session.scalar(completed) is None

    attempt = start(client, setup.quiz)
    client.post(
        f"/quizzes/attempts/{attempt.id}/submit",
        data=attempt_form(attempt, right_responses(setup.quiz)),
    )
    assert db.session.get(Attempt, attempt.id).passed is True
    assert db.session.scalar(completed) is not None


@pytest.mark.parametrize(("method", "expected"), [("highest", 100.0), ("last", 0.0)])
def test_grading_method_across_attempts(make_quiz, student, method, expected):
    setup = make_quiz(grading=method)
    user = student(setup)
    attempt = services.start_attempt(setup.quiz, user)
    services.submit_attempt(attempt, right_responses(setup.quiz))
    attempt = services.start_attempt(setup.reload().quiz, user)
    services.submit_attempt(attempt, {})
    quiz = setup.reload().quiz
    assert services.grade_of(quiz, services.attempts_of(quiz, user)) == pytest.approx(expected)
    (row,) = services.results(quiz)
    assert row.best == pytest.approx(100) and row.last == pytest.approx(0)
    assert row.grade == pytest.approx(expected)
    assert row.attempts == 2
    assert row.passed is (expected >= quiz.pass_mark)


def test_partial_credit_and_pass_mark(make_quiz, student):
    setup = make_quiz(pass_mark=50)
    user = student(setup)
    ids = {row.type: row.id for row in setup.quiz.questions}
    attempt = services.start_attempt(setup.quiz, user)
    # Half of the multiple choice (0.5), a partly right short answer (0.5), true/false right.
    attempt = services.submit_attempt(
        attempt,
        {str(ids["multiple"]): [0], str(ids["short"]): "ОРДЕР", str(ids["truefalse"]): True},
    )
    assert attempt.score == pytest.approx(2.0)
    assert attempt.max_score == pytest.approx(6.0)
    assert attempt.percent == pytest.approx(100 * 2 / 6)
    assert attempt.passed is False


def test_saved_answers_come_back_on_reload(make_quiz, student, login):
    setup = make_quiz(shuffle_answers=True)
    client = login(user=student(setup))
    attempt = start(client, setup.quiz)
    ids = {entry["data"]["type"]: entry["id"] for entry in attempt.layout}
    responses = {
        str(ids["multiple"]): [0, 1],
        str(ids["short"]): "доверенность",
        str(ids["truefalse"]): False,
    }
    form = attempt_form(attempt, responses)
    response = client.post(f"/quizzes/attempts/{attempt.id}/save", data=form, headers=EN)
    assert response.status_code == 302
    page = visible(client.get(f"/quizzes/attempts/{attempt.id}", headers=EN).get_data(as_text=True))
    assert "Your answers are saved." in page
    for value in form[f"q{ids['multiple']}"]:
        assert f'name="q{ids["multiple"]}" value="{value}" checked' in page
    assert 'value="доверенность"' in page
    assert f'name="q{ids["truefalse"]}" value="false" checked' in page
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == IN_PROGRESS and attempt.responses == responses


def test_review_with_answers_shows_correctness_and_explanations(make_quiz, student, login):
    setup = make_quiz(review="answers")
    client = login(user=student(setup))
    attempt = start(client, setup.quiz)
    client.post(f"/quizzes/attempts/{attempt.id}/submit", data=SUBMIT_ANYWAY)
    page = visible(client.get(f"/quizzes/attempts/{attempt.id}", headers=EN).get_data(as_text=True))
    assert "0 of 6 marks: 0%" in page
    assert "Not passed" in page
    assert "Not answered" in page
    assert "Ст. 182 УПК РФ." in page  # the explanation
    assert "доверенность" in page  # the right short answer


def test_review_score_only_hides_the_answers(make_quiz, student, login):
    setup = make_quiz(review="score")
    client = login(user=student(setup))
    attempt = start(client, setup.quiz)
    client.post(f"/quizzes/attempts/{attempt.id}/submit", data=SUBMIT_ANYWAY)
    page = visible(client.get(f"/quizzes/attempts/{attempt.id}", headers=EN).get_data(as_text=True))
    assert "0 of 6 marks: 0%" in page
    assert "Ст. 182 УПК РФ." not in page
    assert "доверенность" not in page


def test_answers_after_the_quiz_closes(make_quiz, student, login):
    closes = now_utc() + timedelta(days=1)
    setup = make_quiz(review="answers", review_when="after_close", closes_at=closes)
    client = login(user=student(setup))
    attempt = start(client, setup.quiz)
    client.post(f"/quizzes/attempts/{attempt.id}/submit", data=SUBMIT_ANYWAY)
    page = visible(client.get(f"/quizzes/attempts/{attempt.id}", headers=EN).get_data(as_text=True))
    assert "will be shown after the quiz closes" in page
    assert "Ст. 182 УПК РФ." not in page

    quiz = setup.reload().quiz
    quiz.closes_at = now_utc() - timedelta(minutes=1)
    db.session.commit()
    page = visible(client.get(f"/quizzes/attempts/{attempt.id}", headers=EN).get_data(as_text=True))
    assert "Ст. 182 УПК РФ." in page


def test_after_close_review_needs_a_closing_time(make_quiz):
    setup = make_quiz()
    with pytest.raises(services.QuizError) as caught:
        services.update_settings(
            setup.quiz, services.Settings(review_when="after_close", closes_at=None)
        )
    assert caught.value.field == "closes_at"


def test_a_closed_quiz_refuses_new_attempts(make_quiz, student, login):
    setup = make_quiz(closes_at=now_utc() - timedelta(hours=1))
    client = login(user=student(setup))
    page = client.get(f"/quizzes/{setup.quiz.id}/", headers=EN).get_data(as_text=True)
    assert "The quiz is closed." in page
    client.post(f"/quizzes/{setup.quiz.id}/start")
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 0


def test_a_quiz_without_questions_cannot_be_started(make_quiz, student):
    setup = make_quiz(gift=None)
    with pytest.raises(services.QuizError):
        services.start_attempt(setup.quiz, student(setup))


def test_editors_attempts_are_previews_left_out_of_results(make_quiz, login):
    setup = make_quiz(max_attempts=1)
    client = login(user=setup.instructor)
    for _ in range(3):
        attempt = start(client, setup.quiz)
        client.post(f"/quizzes/attempts/{attempt.id}/submit", data=SUBMIT_ANYWAY)
    attempts = attempts_of(setup.quiz, setup.instructor)
    assert len(attempts) == 3 and all(a.preview for a in attempts)
    assert services.results(setup.reload().quiz) == []
    assert db.session.scalar(db.select(db.func.count(Completion.id))) == 0


def test_the_outline_status_label(make_quiz, student, app):
    setup = make_quiz(pass_mark=50)
    user = student(setup)
    with app.test_request_context(headers=EN):
        from courses.registry import get_handler

        handler = get_handler("quiz")
        assert handler.status_label(setup.item, user) is None
        attempt = services.start_attempt(setup.quiz, user)
        assert handler.status_label(setup.item, user) == "in progress"
        services.submit_attempt(attempt, right_responses(setup.quiz))
        assert handler.status_label(setup.item, user) == "passed, 100%"
