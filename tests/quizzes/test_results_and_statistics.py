"""Results per student (page and CSV) and item analysis on a known data set made through the
services, with the figures worked out by hand below."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import delete, select, update

from quizzes import grading, services, statistics
from quizzes.models import Attempt, QuizStatistics
from quizzes.questions import question_from_dict
from quizzes.responses import chosen_options
from quizzes.services import analysis
from quizzes.services.accounts import erase_user
from quizzes.statistics import Flag
from school.extensions import db
from tests.querycount import page_statements

EN = {"Accept-Language": "en"}

GIFT = """\
::Q1::Одиночный выбор {=A ~B ~C}

::Q2::Верно или неверно {T}

::Q3::Короткий ответ {=да}
"""

# Ten students; their answers to Q1 (choice index), Q2 (True/False) and Q3 (typed text).
#
#        Q1 Q2 Q3   right   total
#   S1   A  T  нет  1 1 0   2/3
#   S2   A  T  нет  1 1 0   2/3
#   S3   A  T  нет  1 1 0   2/3
#   S4   A  F  нет  1 0 0   1/3
#   S5   A  F  нет  1 0 0   1/3
#   S6   B  T  нет  0 1 0   1/3
#   S7   B  F  да   0 0 1   1/3
#   S8   C  F  ДА   0 0 1   1/3
#   S9   C  F  Да   0 0 1   1/3
#   S10  -  -  -    0 0 0   0
#
# Facility: Q1 5/10, Q2 4/10, Q3 3/10. Mean total 4/10.
# Kelley groups of round(0.27 * 10) = 3: upper S1-S3; lower S10 plus two places shared by
# the six attempts tied at 1/3 (S4-S9), each place worth their mean item score.
#   Q1: upper 1, lower (0 + 2 * 2/6) / 3 = 2/9   -> D = 7/9
#   Q2: upper 1, lower (0 + 2 * 1/6) / 3 = 1/9   -> D = 8/9
#   Q3: upper 0, lower (0 + 2 * 3/6) / 3 = 1/3   -> D = -1/3 (flagged: negative)
ANSWERS = [
    (0, True, "нет"),
    (0, True, "нет"),
    (0, True, "нет"),
    (0, False, "нет"),
    (0, False, "нет"),
    (1, True, "нет"),
    (1, False, "да"),
    (2, False, "ДА"),
    (2, False, " Да "),
    (None, None, None),
]


@pytest.fixture
def known(make_quiz, student):
    setup = make_quiz(GIFT, pass_mark=60, shuffle_answers=True, shuffle_questions=True)
    ids = [row.id for row in setup.quiz.questions]
    for number, answers in enumerate(ANSWERS, start=1):
        user = student(setup, username=f"s{number:02d}", display_name=f"Студент {number:02d}")
        attempt = services.start_attempt(setup.reload().quiz, user)
        responses = {str(i): a for i, a in zip(ids, answers, strict=True) if a is not None}
        services.submit_attempt(attempt, responses)
    # An editor's preview with every answer right must not count.
    preview = services.start_attempt(setup.reload().quiz, setup.instructor)
    services.submit_attempt(preview, {str(ids[0]): 0, str(ids[1]): True, str(ids[2]): "да"})
    return setup.reload(), ids


def test_item_analysis_on_the_known_data_set(known):
    setup, ids = known
    report = services.statistics_report(setup.quiz)
    assert report.attempts == 10
    assert report.mean_percent == pytest.approx(40)
    q1, q2, q3 = report.questions
    assert [q.question_id for q in report.questions] == ids

    assert q1.stats.facility == pytest.approx(0.5)
    assert q2.stats.facility == pytest.approx(0.4)
    assert q3.stats.facility == pytest.approx(0.3)
    assert q1.stats.discrimination == pytest.approx(7 / 9)
    assert q2.stats.discrimination == pytest.approx(8 / 9)
    assert q3.stats.discrimination == pytest.approx(-1 / 3)
    assert q1.stats.flags == () and q2.stats.flags == ()
    assert q3.stats.flags == (Flag.NEGATIVE_DISCRIMINATION,)

    assert [(o.label, o.count, o.correct) for o in q1.options] == [
        ("A", 5, True),
        ("B", 2, False),
        ("C", 2, False),
    ]
    assert q1.options[0].share == pytest.approx(0.5)
    assert [(o.count, o.correct) for o in q2.options] == [(4, True), (5, False)]
    assert [(o.label, o.count, o.correct) for o in q3.options] == [
        ("нет", 6, False),
        ("да", 3, True),
    ]
    assert q1.stats.unanswered == q2.stats.unanswered == q3.stats.unanswered == 1


def test_the_statistics_page(known, login):
    setup, _ids = known
    page = (
        login(user=setup.instructor)
        .get(f"/quizzes/{setup.quiz.id}/statistics", headers=EN)
        .get_data(as_text=True)
    )
    assert "10 finished attempts." in page
    assert "Average: 40%." in page
    assert "weak students do better than strong ones" in page
    assert page.count('class="quiz-stat is-flagged"') == 1
    assert "-0.33" in page and "0.78" in page


def test_the_results_table(known, login):
    setup, _ids = known
    rows = services.results(setup.quiz)
    assert [row.name for row in rows] == [f"Студент {n:02d}" for n in range(1, 11)]
    assert [row.passed for row in rows] == [True] * 3 + [False] * 7
    assert rows[0].best == pytest.approx(200 / 3) and rows[-1].best == 0
    page = (
        login(user=setup.instructor)
        .get(f"/quizzes/{setup.quiz.id}/results", headers=EN)
        .get_data(as_text=True)
    )
    assert "Студент 01" in page and "(s01)" in page
    assert "66.7" in page


def test_results_csv_is_excel_friendly_and_formula_safe(make_quiz, student, login):
    setup = make_quiz(GIFT)
    ids = [row.id for row in setup.quiz.questions]
    for name in ('=HYPERLINK("http://evil")', "+7 999", "Ёлка Иванова", "@SUM(A1)"):
        user = student(setup, display_name=name)
        attempt = services.start_attempt(setup.reload().quiz, user)
        services.submit_attempt(attempt, {str(ids[0]): 0})
    response = login(user=setup.instructor).get(f"/quizzes/{setup.quiz.id}/results.csv", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Student", "Username", "Attempts"]
    names = sorted(row[0] for row in rows[1:])
    assert names == sorted(['\'=HYPERLINK("http://evil")', "'+7 999", "Ёлка Иванова", "'@SUM(A1)"])
    assert all(row[3] == "33.33" for row in rows[1:])


def test_empty_reports(make_quiz, login):
    setup = make_quiz(GIFT)
    client = login(user=setup.instructor)
    assert "No student has attempted" in client.get(
        f"/quizzes/{setup.quiz.id}/results", headers=EN
    ).get_data(as_text=True)
    assert "No finished attempts yet." in client.get(
        f"/quizzes/{setup.quiz.id}/statistics", headers=EN
    ).get_data(as_text=True)


def test_the_results_are_paginated_in_a_fixed_number_of_queries(known, login, student):
    setup, _ids = known
    client = login(user=setup.instructor)
    url = f"/quizzes/{setup.quiz.id}/results"
    few = page_statements(client, url)
    for number in range(11, 11 + services.RESULTS_PER_PAGE):
        user = student(setup, username=f"s{number:02d}", display_name=f"Студент {number:02d}")
        services.submit_attempt(services.start_attempt(setup.reload().quiz, user), {})
    assert page_statements(client, url) == few
    first = client.get(url, headers=EN).get_data(as_text=True)
    assert first.count('<th scope="row">') == services.RESULTS_PER_PAGE
    assert f'href="{url}?page=2"' in first
    second = client.get(url + "?page=2", headers=EN).get_data(as_text=True)
    assert second.count('<th scope="row">') == 10
    assert "Студент 60" in second and "Студент 01" not in second
    assert "Page 2 of 2" in second
    past = client.get(url + "?page=3", headers=EN).get_data(as_text=True)
    assert past.count('<th scope="row">') == 0 and "Page 3 of 2" in past


# ------------------------------------------------------------------------------ stored figures


def _regraded(quiz) -> statistics.QuizStats:
    """The figures as they were once worked out: every attempt graded again, on the spot."""
    data = []
    for attempt in db.session.scalars(
        select(Attempt)
        .where(Attempt.quiz_id == quiz.id, Attempt.state == "submitted", ~Attempt.preview)
        .order_by(Attempt.id)
    ):
        items = {}
        for entry in attempt.layout:
            question = question_from_dict(entry["data"])
            response = (attempt.responses or {}).get(str(entry["id"]))
            items[entry["id"]] = statistics.ItemResponse(
                grading.grade(question, response).fraction, chosen_options(question, response)
            )
        data.append(statistics.AttemptData(min(1.0, (attempt.percent or 0) / 100), items))
    return statistics.item_analysis(data)


def _same_figures(report, quiz) -> None:
    expected = _regraded(quiz)
    assert report.attempts == expected.attempts
    by_key = {q.key: q for q in expected.questions}
    for question in report.questions:
        want = by_key[question.question_id]
        assert question.stats.attempts == want.attempts
        assert question.stats.facility == pytest.approx(want.facility, abs=1e-12)
        assert question.stats.discrimination == pytest.approx(want.discrimination, abs=1e-12)
        assert question.stats.option_counts == {**question.stats.option_counts,
                                                **want.option_counts}  # fmt: skip
        assert question.stats.flags == want.flags


def _stored(quiz) -> dict:
    """The stored figures, without where each question was first seen (which orders only
    questions since deleted from the quiz, and may still name an attempt since removed)."""
    row = db.session.scalar(select(QuizStatistics).where(QuizStatistics.quiz_id == quiz.id))
    questions = {
        key: {k: v for k, v in value.items() if k not in ("first", "data")}
        for key, value in row.data["questions"].items()
    }
    return {**row.data, "questions": questions}


def test_the_stored_figures_are_those_of_grading_every_attempt_again(known, login, student):
    setup, _ids = known
    _same_figures(services.statistics_report(setup.quiz), setup.quiz)
    client = login(user=setup.instructor)
    url = f"/quizzes/{setup.quiz.id}/statistics"
    few = page_statements(client, url)
    for number in range(11, 31):
        user = student(setup, username=f"s{number:02d}")
        services.submit_attempt(services.start_attempt(setup.reload().quiz, user), {})
    assert page_statements(client, url) == few  # one row read, however many attempts
    _same_figures(services.statistics_report(setup.reload().quiz), setup.quiz)


def test_deleted_attempts_and_accounts_are_taken_out(known):
    setup, _ids = known
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.quiz_id == setup.quiz.id, ~Attempt.preview)
        .order_by(Attempt.id)
    ).all()  # fmt: skip
    services.delete_attempt(attempts[0])
    erase_user(attempts[-1].user)
    db.session.commit()
    quiz = setup.reload().quiz
    incremental = _stored(quiz)
    assert incremental["attempts"] == 8
    analysis.rebuild_statistics(quiz.id)
    assert _stored(quiz) == incremental  # counting out gives what recounting gives
    _same_figures(services.statistics_report(quiz), quiz)


def test_attempts_from_before_stored_figures_are_recounted(known, login, monkeypatch, app):
    setup, _ids = known
    quiz = setup.quiz
    expected = services.statistics_report(quiz)
    # As after the upgrade: no stored figures, and no stored part on any attempt.
    db.session.execute(delete(QuizStatistics))
    db.session.execute(update(Attempt).values(analysis=None))
    db.session.commit()
    monkeypatch.setattr(analysis, "INLINE_REBUILD", 0)  # a big quiz: the queue recounts it
    client = login(user=setup.instructor)
    page = client.get(f"/quizzes/{quiz.id}/statistics", headers=EN).get_data(as_text=True)
    assert "being recounted" in page
    app.extensions["jobs"].drain()
    report = services.statistics_report(setup.reload().quiz)
    assert not report.stale and report.attempts == expected.attempts == 10
    assert [q.stats for q in report.questions] == [q.stats for q in expected.questions]
