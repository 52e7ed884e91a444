"""The question bank on the web: a form per question type, validation, order, deletion, settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quizzes import services
from quizzes.models import Attempt, Question, Quiz
from school.extensions import db
from tests.quizzes.conftest import visible

EN = {"Accept-Language": "en"}
COMMON = {"text_format": "markdown", "default_mark": "1", "title": "", "category": ""}


def bank(quiz) -> list[Question]:
    return list(db.session.get(Quiz, quiz.id).questions)


@pytest.fixture
def editor(make_quiz, login):
    setup = make_quiz(gift=None)
    return setup, login(user=setup.instructor)


def post_new(client, quiz, kind, data, headers=None):
    return client.post(
        f"/quizzes/{quiz.id}/questions/new/{kind}", data={**COMMON, **data}, headers=headers or EN
    )


def test_every_type_can_be_written_with_its_form(editor):
    setup, client = editor
    forms = {
        "single": {
            "text": "Какой документ предъявляют до обыска?",
            "choices-0-text": "постановление",
            "choices-0-weight": "100",
            "choices-0-feedback": "Верно.",
            "choices-1-text": "паспорт",
            "choices-1-weight": "0",
            "choices-2-text": "решение суда",
            "choices-2-weight": "50",
        },
        "multiple": {
            "text": "Что верно?",
            "choices-0-text": "один",
            "choices-0-weight": "33,333",
            "choices-1-text": "два",
            "choices-1-weight": "33,333%",
            "choices-2-text": "три",
            "choices-2-weight": "33,333",
            "choices-3-text": "четыре",
            "choices-3-weight": "-100",
        },
        "truefalse": {
            "text": "Понятые обязательны.",
            "answer": "false",
            "right_feedback": "Да, неверно.",
            "wrong_feedback": "Нет.",
        },
        "short": {
            "text": "Чем удостоверяются полномочия защитника?",
            "answers-0-text": "доверенность",
            "answers-0-weight": "100",
            "answers-1-text": "ордер",
            "answers-1-weight": "50",
        },
        "numeric": {
            "text": "Сколько часов?",
            "answers-0-value": "3,5",
            "answers-0-tolerance": "0,5",
            "answers-0-weight": "100",
            "answers-1-minimum": "40",
            "answers-1-maximum": "48",
            "answers-1-weight": "50",
            "other_feedback": "Нет.",
        },
        "matching": {
            "text": "Сопоставьте.",
            "pairs-0-left": "Ст. 51",
            "pairs-0-right": "молчание",
            "pairs-1-left": "Ст. 25",
            "pairs-1-right": "жилище",
            "distractors": "пенсия\n\nналоги\n",
            "general_feedback": "Пояснение.",
        },
    }
    for kind, data in forms.items():
        response = post_new(client, setup.quiz, kind, data)
        assert response.status_code == 302, (kind, response.get_data(as_text=True))
    questions = {row.type: row.question for row in bank(setup.quiz)}
    assert list(questions) == list(forms)
    assert [c.weight for c in questions["single"].choices] == [100, 0, 50]
    assert questions["single"].choices[0].feedback == "Верно."
    assert questions["multiple"].choices[1].weight == pytest.approx(33.333)
    assert questions["truefalse"].answer is False
    assert questions["truefalse"].right_feedback == "Да, неверно."
    assert [(a.text, a.weight) for a in questions["short"].answers] == [
        ("доверенность", 100),
        ("ордер", 50),
    ]
    numeric = questions["numeric"]
    assert (numeric.answers[0].value, numeric.answers[0].tolerance) == (3.5, 0.5)
    assert numeric.answers[1].bounds == (40, 48) and numeric.other_feedback == "Нет."
    assert questions["matching"].distractors == ("пенсия", "налоги")
    assert questions["matching"].general_feedback == "Пояснение."


def test_problems_are_shown_by_the_field_and_the_input_is_kept(editor):
    setup, client = editor
    response = post_new(
        client,
        setup.quiz,
        "multiple",
        {
            "text": "Что верно?",
            "choices-0-text": "один",
            "choices-0-weight": "50",
            "choices-1-text": "два",
            "choices-1-weight": "30",
        },
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The positive weights must add up to 100% (now 80%)." in page
    assert 'value="два"' in page and 'value="30"' in page

    response = post_new(
        client,
        setup.quiz,
        "single",
        {"text": "Вопрос", "choices-0-text": "а", "choices-0-weight": "много"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="choices-0-weight-error"' in page and "Enter a number." in page

    response = post_new(client, setup.quiz, "matching", {"text": "?", "pairs-0-left": "а"})
    page = response.get_data(as_text=True)
    assert 'id="pairs-0-right-error"' in page and "This must not be empty." in page

    response = post_new(client, setup.quiz, "short", {"text": "Вопрос?"})
    assert "Give at least one accepted answer." in response.get_data(as_text=True)
    response = post_new(client, setup.quiz, "truefalse", {"text": " ", "answer": "true"})
    assert "Write the question." in response.get_data(as_text=True)
    assert bank(setup.quiz) == []


def test_messages_are_translated(editor):
    setup, client = editor
    response = post_new(
        client,
        setup.quiz,
        "single",
        {"text": "Вопрос", "choices-0-text": "а", "choices-1-text": "б"},
        headers={"Accept-Language": "ru"},
    )
    assert "Один из вариантов должен стоить 100%." in response.get_data(as_text=True)


def test_more_rows_keeps_what_was_typed(editor):
    setup, client = editor
    response = post_new(
        client, setup.quiz, "single", {"text": "Вопрос", "choices-0-text": "а", "action": "more"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="choices-7-text"' in page and 'value="а"' in page
    assert bank(setup.quiz) == []


def test_editing_keeps_finished_attempts_as_they_were(make_quiz, student, login):
    setup = make_quiz()
    user = student(setup)
    attempt = services.start_attempt(setup.quiz, user)
    row = bank(setup.quiz)[0]
    client = login(user=setup.instructor)
    page = client.get(f"/quizzes/{setup.quiz.id}/questions/{row.id}").get_data(as_text=True)
    assert 'value="постановление"' in page
    data = {
        **COMMON,
        "text": "Новый текст вопроса",
        "choices-0-text": "постановление",
        "choices-0-weight": "100",
        "choices-1-text": "паспорт",
        "choices-1-weight": "0",
    }
    response = client.post(f"/quizzes/{setup.quiz.id}/questions/{row.id}", data=data)
    assert response.status_code == 302
    assert db.session.get(Question, row.id).question.text == "Новый текст вопроса"
    services.submit_attempt(db.session.get(Attempt, attempt.id), {})
    page = visible(client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True))
    assert "Какой документ предъявляют до начала обыска?" in page
    assert "Новый текст вопроса" not in page


def test_questions_move_and_are_deleted(make_quiz, login):
    setup = make_quiz()
    client = login(user=setup.instructor)
    first, second = (row.id for row in bank(setup.quiz)[:2])
    url = f"/quizzes/{setup.quiz.id}/questions/{second}/move"
    client.post(url, data={"direction": "up"})
    assert [r.id for r in bank(setup.quiz)[:2]] == [second, first]
    client.post(url, data={"direction": "up"})  # already first: nothing happens
    assert [r.id for r in bank(setup.quiz)[:2]] == [second, first]

    delete = f"/quizzes/{setup.quiz.id}/questions/{first}/delete"
    assert "Delete the question?" in client.get(delete, headers=EN).get_data(as_text=True)
    assert client.post(delete).status_code == 302
    rows = bank(setup.quiz)
    assert first not in [r.id for r in rows]
    assert [r.position for r in rows] == list(range(5))


def test_the_bank_page_previews_every_question(make_quiz, login):
    setup = make_quiz()
    page = (
        login(user=setup.instructor)
        .get(f"/quizzes/{setup.quiz.id}/questions", headers=EN)
        .get_data(as_text=True)
    )
    assert page.count('class="quiz-question quiz-preview"') == 6
    assert "доверенность" in page and "неприкосновенность жилища" in page
    assert "Category: Тест/Все типы" in page


def test_settings_are_saved_in_utc(editor, make_user):
    setup, client = editor
    user = setup.instructor
    user = db.session.merge(user)
    user.timezone = "Europe/Moscow"
    db.session.commit()
    response = client.post(
        f"/quizzes/{setup.quiz.id}/settings",
        data={
            "pass_mark": "80",
            "max_attempts": "",
            "grading": "last",
            "time_limit_minutes": "15",
            "shuffle_questions": "y",
            "review": "answers",
            "review_when": "after_close",
            "closes_at": "2030-05-01T18:00",
        },
    )
    assert response.status_code == 302
    quiz = db.session.get(Quiz, setup.quiz.id)
    assert (quiz.pass_mark, quiz.max_attempts, quiz.grading) == (80, None, "last")
    assert quiz.time_limit_minutes == 15 and quiz.shuffle_questions and not quiz.shuffle_answers
    assert quiz.closes_at == datetime(2030, 5, 1, 15, 0, tzinfo=UTC)

    response = client.post(
        f"/quizzes/{setup.quiz.id}/settings",
        data={"pass_mark": "120", "grading": "highest", "review": "score", "review_when": "x"},
        headers=EN,
    )
    assert response.status_code == 400
    assert db.session.get(Quiz, setup.quiz.id).pass_mark == 80
