"""Before an attempt ends: the summary of unanswered questions and of numeric answers that are
not numbers (a page of its own, no JavaScript), the countdown's data, and the server as the
judge of time whatever the page or the script asked for."""

from __future__ import annotations

import re

import pytest

from quizzes.models import IN_PROGRESS, SUBMITTED, Attempt
from quizzes.responses import Gaps, gaps
from school.extensions import db
from tests.quizzes.conftest import SUBMIT_ANYWAY, attempt_form, question_ids, right_responses
from tests.quizzes.test_submission import move_into_past, started

EN = {"Accept-Language": "en"}
RU = {"Accept-Language": "ru"}


def _layout(*types: str) -> list[dict]:
    return [{"id": i, "data": {"type": kind}} for i, kind in enumerate(types, start=1)]


def test_gaps_name_unanswered_questions_and_numbers_that_are_not_numbers():
    layout = _layout("single", "numeric", "short", "numeric", "numeric")
    responses = {"1": 0, "2": "сорок восемь", "4": "2,5", "5": "−3"}
    assert gaps(layout, responses) == Gaps(unanswered=(3,), not_numbers=(2,))
    assert not gaps(layout, {"1": 0, "2": "48", "3": "да", "4": "1 000", "5": "0"})
    assert gaps([], {}) == Gaps()


def _partial(attempt, quiz, *, numeric="48") -> dict:
    """Right answers to the first two questions and to the numeric one, typed as ``numeric``."""
    ids = question_ids(quiz)
    right = right_responses(quiz)
    kept = {k: right[k] for k in (str(ids["single"]), str(ids["multiple"]))}
    return attempt_form(attempt, kept) | {f"q{ids['numeric']}": numeric}


def test_submitting_with_gaps_first_lists_them_and_keeps_the_answers(make_quiz, student, login):
    setup = make_quiz()
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    url = f"/quizzes/attempts/{attempt.id}"

    response = client.post(f"{url}/submit", data=_partial(attempt, setup.quiz), headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "You have not answered questions 3, 4, and 6." in page
    numbers = {sq["id"]: n for n, sq in enumerate(attempt.layout, start=1)}
    for kind in ("truefalse", "short", "matching"):
        number = numbers[question_ids(setup.quiz)[kind]]
        assert re.search(rf'href="{url}#q\d+-block">Question {number}</a>', page)
    # Nothing is lost on the way: the answers are saved, the attempt is still open.
    stored = db.session.get(Attempt, attempt.id)
    assert stored.state == IN_PROGRESS
    assert stored.responses[str(question_ids(setup.quiz)["numeric"])] == "48"

    # Back to the answers, or submit anyway: the saved answers are graded.
    assert f'href="{url}"' in page and 'name="saved" value="1"' in page
    done = client.post(f"{url}/submit", data={"saved": "1"})
    assert done.status_code == 302 and done.location == url
    graded = db.session.get(Attempt, attempt.id)
    assert graded.state == SUBMITTED and graded.score > 0
    assert graded.responses == stored.responses


def test_a_complete_attempt_is_submitted_at_once(make_quiz, student, login):
    setup = make_quiz()
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    form = attempt_form(attempt, right_responses(setup.quiz))
    response = client.post(f"/quizzes/attempts/{attempt.id}/submit", data=form)
    assert response.status_code == 302
    assert db.session.get(Attempt, attempt.id).state == SUBMITTED


def test_the_countdown_at_zero_submits_whatever_is_left(make_quiz, student, login):
    setup = make_quiz(time_limit_minutes=10)
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    data = _partial(attempt, setup.quiz) | SUBMIT_ANYWAY
    response = client.post(f"/quizzes/attempts/{attempt.id}/submit", data=data)
    assert response.status_code == 302
    graded = db.session.get(Attempt, attempt.id)
    assert graded.state == SUBMITTED and not graded.overdue


def test_a_numeric_answer_in_words_is_kept_and_explained(make_quiz, student, login):
    setup = make_quiz()
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    url = f"/quizzes/attempts/{attempt.id}"
    numeric = question_ids(setup.quiz)["numeric"]
    number = next(n for n, e in enumerate(attempt.layout, start=1) if e["id"] == numeric)

    data = _partial(attempt, setup.quiz, numeric="сорок восемь")
    saved = client.post(f"{url}/save", data=data, headers=RU, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert f"Ответ на вопрос {number} — не число." in page
    assert "Напишите его цифрами, например 48 или 2,5." in page
    field = re.search(rf'<input[^>]*name="q{numeric}"[^>]*>', page).group(0)
    assert 'value="сорок восемь"' in field and 'aria-invalid="true"' in field
    assert f'id="q{numeric}-error"' in page

    summary = client.post(f"{url}/submit", data=data, headers=EN).get_data(as_text=True)
    assert f"The answer to question {number} is not a number." in summary
    assert "Write it in digits, for example 48 or 2.5." in summary
    # Written as a number (a comma, a thousands space), it is accepted without a word.
    fixed = client.post(f"{url}/save", data=data | {f"q{numeric}": "3,0"}, follow_redirects=True)
    assert "aria-invalid" not in fixed.get_data(as_text=True)


def test_after_the_time_a_submission_with_gaps_is_closed_not_summarised(make_quiz, student, login):
    setup = make_quiz(time_limit_minutes=10)
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    url = f"/quizzes/attempts/{attempt.id}"
    client.post(f"{url}/save", data=_partial(attempt, setup.quiz))
    move_into_past(attempt, minutes_ago=5)
    late = attempt_form(attempt, right_responses(setup.quiz))
    del late[f"q{question_ids(setup.quiz)['short']}"]
    response = client.post(f"{url}/submit", data=late, headers=EN)
    assert response.status_code == 302
    graded = db.session.get(Attempt, attempt.id)
    assert graded.state == SUBMITTED and graded.overdue
    assert graded.score < graded.max_score  # the answers saved in time, not the late ones
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Time was up" in page or "Time is up" in page


@pytest.mark.parametrize("limit", [None, 10])
def test_only_a_timed_attempt_carries_the_countdown(make_quiz, student, login, limit):
    setup = make_quiz(time_limit_minutes=limit)
    client = login(user=student(setup))
    attempt = started(client, setup.quiz)
    page = client.get(f"/quizzes/attempts/{attempt.id}", headers=RU).get_data(as_text=True)
    scripts = re.findall(r'<script src="(/static/js/quiz-timer\.[0-9a-f]{12}\.js)" defer>', page)
    if limit is None:
        assert not scripts and 'id="quiz-timer"' not in page
        return
    assert len(scripts) == 1 and client.get(scripts[0]).status_code == 200
    timer = re.search(r'<p class="quiz-timer" id="quiz-timer" hidden([^>]*)>', page).group(1)
    seconds = int(re.search(r'data-seconds-left="(\d+)"', timer).group(1))
    assert 590 <= seconds <= 600
    assert f'data-submit-url="/quizzes/attempts/{attempt.id}/submit"' in timer
    assert "Осталось 5 минут" in timer
    # Without the script: the end time, and what was left, in words.
    assert "Время выйдет в" in page and "оставалось около 10 минут" in page
