"""Essays graded by hand and descriptions between questions: the attempt waits for grading,
the grading queue, marks and comments, pass or fail and completion after the grading, the
statistics, and the paper quiz."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from courses.models import Completion
from quizzes import paper, services
from quizzes.models import Attempt, Quiz
from school.extensions import db
from school.models import Notification
from tests.quizzes.conftest import SUBMIT_ANYWAY, question_ids

EN = {"Accept-Language": "en"}
ESSAY_GIFT = """\
::Введение::Прочтите дело ниже. Ответы проверит куратор.

::Верно::Адвоката можно потребовать сразу. {T}

::Эссе::Опишите, что вы скажете следователю. {####Главное: ст. 51 Конституции.}
"""


def completions(user) -> int:
    return db.session.scalar(select(func.count(Completion.id)).where(Completion.user_id == user.id))


def finish(setup, user, responses):
    attempt = services.start_attempt(setup.quiz, user)
    return services.submit_attempt(attempt, responses)


@pytest.fixture
def essay_quiz(make_quiz, student):
    setup = make_quiz(ESSAY_GIFT, pass_mark=75)
    ids = question_ids(setup.quiz)
    user = student(setup)
    return setup, ids, user


def test_an_attempt_with_an_essay_waits_for_grading(essay_quiz):
    setup, ids, user = essay_quiz
    attempt = finish(setup, user, {str(ids["truefalse"]): True, str(ids["essay"]): "Молчу."})
    assert attempt.awaiting_grading
    assert attempt.percent is None and attempt.passed is None
    assert attempt.score == 1 and attempt.max_score == 2  # the description is worth 0
    assert completions(user) == 0
    queue = services.grading_queue(setup.quiz)
    assert [a.id for a in queue.items] == [attempt.id]


def test_grading_decides_pass_completion_and_tells_the_student(essay_quiz):
    setup, ids, user = essay_quiz
    attempt = finish(setup, user, {str(ids["truefalse"]): True, str(ids["essay"]): "Молчу."})
    services.grade_essays(attempt, {ids["essay"]: (0.5, "Мало подробностей.")}, setup.instructor)
    attempt = db.session.get(Attempt, attempt.id)
    assert not attempt.awaiting_grading
    assert attempt.percent == pytest.approx(75) and attempt.passed
    assert completions(user) == 1
    assert services.grading_queue(setup.quiz).items == []
    note = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
    assert note is not None and note.kind == "essay_graded"
    # Regrading lower takes the pass away; completion stays as the course keeps it.
    services.grade_essays(attempt, {ids["essay"]: (0.0, "")}, setup.instructor)
    assert db.session.get(Attempt, attempt.id).passed is False


def test_a_failed_essay_does_not_complete(essay_quiz):
    setup, ids, user = essay_quiz
    attempt = finish(setup, user, {str(ids["truefalse"]): True, str(ids["essay"]): "?"})
    services.grade_essays(attempt, {ids["essay"]: (0.0, "Нет ответа.")}, setup.instructor)
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.passed is False and attempt.percent == pytest.approx(50)
    assert completions(user) == 0


@pytest.mark.parametrize("mark", [-1, 1.5, float("nan")])
def test_marks_out_of_range_are_refused(essay_quiz, mark):
    setup, ids, user = essay_quiz
    attempt = finish(setup, user, {str(ids["essay"]): "Текст"})
    with pytest.raises(services.QuizError):
        services.grade_essays(attempt, {ids["essay"]: (mark, "")}, setup.instructor)
    assert db.session.get(Attempt, attempt.id).awaiting_grading


def test_statistics_count_an_attempt_once_graded(essay_quiz):
    setup, ids, user = essay_quiz
    attempt = finish(setup, user, {str(ids["truefalse"]): True, str(ids["essay"]): "Текст"})
    assert services.statistics_report(setup.quiz).attempts == 0
    services.grade_essays(attempt, {ids["essay"]: (1.0, "")}, setup.instructor)
    report = services.statistics_report(db.session.get(Quiz, setup.quiz.id))
    assert report.attempts == 1
    by_type = {q.question.type: q for q in report.questions}
    assert "description" not in by_type
    assert by_type["essay"].stats.facility == pytest.approx(1.0)


def test_grading_on_the_web(essay_quiz, login):
    setup, ids, user = essay_quiz
    attempt = finish(setup, user, {str(ids["essay"]): "Я <b>ничего</b> не скажу."})
    client = login(user=setup.instructor)
    queue = client.get(f"/quizzes/{setup.quiz.id}/grading", headers=EN).get_data(as_text=True)
    assert f"/quizzes/attempts/{attempt.id}/grade" in queue
    page = client.get(f"/quizzes/attempts/{attempt.id}/grade", headers=EN)
    html = page.get_data(as_text=True)
    assert "&lt;b&gt;ничего&lt;/b&gt;" in html and "Mark (0 to 1)" in html
    bad = client.post(
        f"/quizzes/attempts/{attempt.id}/grade", data={f"mark-{ids['essay']}": "два"}, headers=EN
    )
    assert bad.status_code == 400 and "Enter a number." in bad.get_data(as_text=True)
    too_high = client.post(
        f"/quizzes/attempts/{attempt.id}/grade", data={f"mark-{ids['essay']}": "3"}, headers=EN
    )
    assert too_high.status_code == 400 and "Give a mark from 0 to 1." in too_high.get_data(
        as_text=True
    )
    done = client.post(
        f"/quizzes/attempts/{attempt.id}/grade",
        data={f"mark-{ids['essay']}": "0,5", f"comment-{ids['essay']}": "Хорошо, но кратко."},
        headers=EN,
    )
    assert done.status_code == 302
    assert db.session.get(Attempt, attempt.id).manual_grades[str(ids["essay"])]["mark"] == 0.5
    own = login(user=user).get(f"/quizzes/attempts/{attempt.id}", headers=EN)
    assert "Not passed" in own.get_data(as_text=True)  # 0.5 of 2 marks, pass mark 75%


def test_students_write_essays_and_see_they_wait(essay_quiz, login):
    setup, ids, user = essay_quiz
    client = login(user=user)
    client.post(f"/quizzes/{setup.quiz.id}/start")
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == user.id))
    page = client.get(f"/quizzes/attempts/{attempt.id}", headers=EN).get_data(as_text=True)
    assert "<textarea" in page and "Прочтите дело ниже." in page
    # The description is not a numbered question.
    assert "Question 1" in page and "Question 2" in page and "Question 3" not in page
    data = {f"q{ids['essay']}": "Буду молчать.", f"q{ids['truefalse']}": "true", **SUBMIT_ANYWAY}
    response = client.post(f"/quizzes/attempts/{attempt.id}/submit", data=data, headers=EN)
    assert response.status_code in (200, 302)
    result = client.get(f"/quizzes/attempts/{attempt.id}", headers=EN).get_data(as_text=True)
    assert "Waiting for grading" in result
    assert db.session.get(Attempt, attempt.id).responses[str(ids["essay"])] == "Буду молчать."


def test_paper_quiz_prints_essays_with_space_and_descriptions(essay_quiz, app):
    setup, _ids, _user = essay_quiz
    quiz = db.session.get(Quiz, setup.quiz.id)
    with app.test_request_context():
        html = paper.paper_html(quiz)
        key = paper.paper_html(quiz, answer_key=True)
    assert html.count('class="pq-line"') >= 12 and "Прочтите дело ниже." in html
    assert "Вопрос 1" in html and "Вопрос 2" in html and "Вопрос 3" not in html
    assert "Оценивает преподаватель." in key and "Прочтите дело ниже." not in key


@pytest.mark.parametrize("kind", ["essay", "description"])
def test_editors_write_essays_and_descriptions(make_quiz, login, kind):
    setup = make_quiz(None)
    client = login(user=setup.instructor)
    form = client.get(f"/quizzes/{setup.quiz.id}/questions/new/{kind}", headers=EN)
    assert form.status_code == 200
    data = {"text": "Опишите ситуацию.", "text_format": "markdown", "default_mark": "2"}
    saved = client.post(f"/quizzes/{setup.quiz.id}/questions/new/{kind}", data=data, headers=EN)
    assert saved.status_code == 302
    (row,) = db.session.get(Quiz, setup.quiz.id).questions
    assert row.type == kind
    assert row.question.default_mark == (2 if kind == "essay" else 0)


def test_the_account_export_holds_the_marks_and_comments(essay_quiz):
    setup, ids, user = essay_quiz
    attempt = finish(setup, user, {str(ids["essay"]): "Молчу."})
    assert services.export_user(user)[0]["awaiting_grading"] is True
    services.grade_essays(attempt, {ids["essay"]: (1.0, "Верно.")}, setup.instructor)
    (exported,) = services.export_user(user)
    essay = next(a for a in exported["answers"] if a.get("comment"))
    assert (essay["mark"], essay["comment"], essay["response"]) == (1.0, "Верно.", "Молчу.")
