"""Quizzes inside courses: the demo seeder, the course bundle (front matter + .gift), the outline,
item deletion, forgetting progress, and the account export and deletion hooks."""

from __future__ import annotations

import io
import zipfile

import pytest

from courses import bundle
from courses import services as course_services
from courses.models import Course, Item
from quizzes import services
from quizzes.models import Attempt, Question, Quiz
from school import services as account_services
from school.extensions import db
from tests.conftest import PASSWORD
from tests.quizzes.conftest import TYPES_IN_ORDER, right_responses, visible

DEMO_SETTINGS = {
    "Проверьте себя: задержание, обыск, беседа": (70, 3, "highest", None, True, True),
    "Проверьте себя: защитник, жалобы, передачи": (70, None, "last", 20, False, True),
}


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model)) or 0


def test_seed_demo_on_an_empty_database_gives_quizzes_of_every_type(app, login):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    quizzes = list(db.session.scalars(db.select(Quiz).order_by(Quiz.id)))
    assert [quiz.title for quiz in quizzes] == list(DEMO_SETTINGS)
    for quiz in quizzes:
        types = {row.type for row in quiz.questions}
        assert types == set(TYPES_IN_ORDER), quiz.title
        assert len(quiz.questions) == 10
        assert any(row.question.is_missing_word for row in quiz.questions)
        settings = (
            quiz.pass_mark,
            quiz.max_attempts,
            quiz.grading,
            quiz.time_limit_minutes,
            quiz.shuffle_questions,
            quiz.shuffle_answers,
        )
        assert settings == DEMO_SETTINGS[quiz.title]
        assert quiz.course.published

    # A student can take the demo quiz and pass it.
    quiz = quizzes[0]
    client = login("student")
    user = client.user
    course_services.enrol(user, quiz.course)
    attempt = services.start_attempt(quiz, user)
    attempt = services.submit_attempt(attempt, right_responses(quiz))
    assert attempt.percent == pytest.approx(100) and attempt.passed
    page = visible(client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True))
    assert "Ст. 51 Конституции РФ защищает" in page


def test_the_course_bundle_carries_settings_and_questions(make_quiz):
    setup = make_quiz(pass_mark=80, max_attempts=2, grading="last", time_limit_minutes=15)
    course = db.session.get(Course, setup.course.id)
    archive = zipfile.ZipFile(io.BytesIO(course_services.export_zip(course)))
    names = archive.namelist()
    gift = next(n for n in names if n.endswith(".gift"))
    document = archive.read(gift.removesuffix(".gift") + ".md").decode()
    assert "kind: quiz" in document and "pass_mark: 80" in document
    assert "max_attempts: 2" in document and "grading: last" in document
    assert "time_limit_minutes: 15" in document
    assert "Ст. 182 УПК РФ." in archive.read(gift).decode()

    data = bundle.read_zip(course_services.export_zip(course))
    copy = course_services.import_course(data, slug="kurs-kopiya", actor=setup.instructor).course
    (item,) = [i for i in copy.items() if i.kind == "quiz"]
    imported = services.quiz_for_item(item)
    assert (imported.pass_mark, imported.max_attempts, imported.grading) == (80, 2, "last")
    assert imported.time_limit_minutes == 15
    original = [row.question for row in db.session.get(Quiz, setup.quiz.id).questions]
    assert [row.question for row in imported.questions] == original


def test_reimporting_replaces_the_questions_and_keeps_the_attempts(make_quiz, student):
    setup = make_quiz()
    user = student(setup)
    attempt = services.start_attempt(setup.quiz, user)
    services.submit_attempt(attempt, right_responses(setup.quiz))
    data = bundle.read_zip(course_services.export_zip(db.session.get(Course, setup.course.id)))
    quiz_item = next(i for m in data.modules for i in m.items if i.kind == "quiz")
    quiz_item.files[".gift"] = "Новый вопрос {T}\n".encode()
    quiz_item.front_matter["pass_mark"] = 50
    course_services.import_course(data, replace=True, actor=setup.instructor)
    quiz = db.session.get(Quiz, setup.quiz.id)
    assert [row.type for row in quiz.questions] == ["truefalse"] and quiz.pass_mark == 50
    finished = db.session.get(Attempt, attempt.id)
    assert finished.percent == pytest.approx(100) and len(finished.layout) == 6


@pytest.mark.parametrize(
    ("front_matter", "gift", "messages"),
    [
        ({}, "Вопрос {=да\n\nЕщё {T#a#b#c}\n", ["line 1", "line 3"]),
        ({}, "Выберите. {~%x%a =b}\n", ["line 1"]),
        ({"pass_mark": 150}, "Вопрос {T}\n", ["pass mark"]),
        ({"grading": "average"}, "Вопрос {T}\n", ["grading must be one of"]),
        ({"review_when": "after_close"}, "Вопрос {T}\n", ["closing time"]),
    ],
)
def test_a_bundle_with_a_bad_quiz_is_refused_as_a_whole(make_user, front_matter, gift, messages):
    instructor = make_user("instructor")
    item = bundle.ItemData(
        slug="test",
        title="Тест",
        kind="quiz",
        front_matter={"title": "Тест", "kind": "quiz", **front_matter},
        files={".gift": gift.encode()},
    )
    data = bundle.CourseData(
        slug="plokhoy-kurs",
        title="Плохой курс",
        modules=[bundle.ModuleData(slug="modul", title="Модуль", items=[item])],
    )
    with pytest.raises(course_services.CourseError) as caught:
        course_services.import_course(data, actor=instructor)
    text = str(caught.value.message).lower()
    for message in messages:
        assert message in text
    assert count(Course) == 0 and count(Quiz) == 0 and count(Question) == 0


def test_a_quiz_item_made_in_the_outline_gets_its_quiz(make_user, login):
    instructor = make_user("instructor")
    course = course_services.create_course(instructor, title="Курс")
    module = course_services.create_module(course, title="Модуль")
    item = course_services.create_item(module, kind="quiz", title="Тест")
    client = login(user=instructor)
    first = client.get(f"/quizzes/item/{item.id}?to=questions")
    second = client.get(f"/quizzes/item/{item.id}?to=questions")
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert first.location.endswith("/questions")
    assert count(Quiz) == 1
    # The course's item page leads to the quiz.
    page = client.get(f"/courses/{course.slug}/items/{item.id}")
    assert page.status_code == 302 and page.location.startswith("/quizzes/")


def test_deleting_the_item_deletes_the_quiz(make_quiz, student):
    setup = make_quiz()
    services.start_attempt(setup.quiz, student(setup))
    course_services.delete_item(db.session.get(Item, setup.item.id))
    assert count(Quiz) == 0 and count(Question) == 0 and count(Attempt) == 0


def test_leaving_a_course_and_forgetting_deletes_the_attempts(make_quiz, student):
    setup = make_quiz()
    user = student(setup)
    other = student(setup)
    services.start_attempt(setup.quiz, user)
    services.start_attempt(setup.reload().quiz, other)
    course_services.leave(user, db.session.get(Course, setup.course.id), forget=True)
    remaining = db.session.scalars(db.select(Attempt.user_id)).all()
    assert remaining == [other.id]


def test_account_export_and_deletion(make_quiz, student, login):
    setup = make_quiz()
    user = student(setup)
    username = user.username
    attempt = services.start_attempt(setup.quiz, user)
    ids = {row.type: row.id for row in setup.quiz.questions}
    services.submit_attempt(attempt, {str(ids["short"]): "доверенность"})
    client = login(user=user)
    exported = client.get("/account/export").get_json()
    (record,) = exported["quizzes"]
    assert record["quiz"] == "Тест по модулю" and record["state"] == "submitted"
    answers = {a["question"]: a["response"] for a in record["answers"]}
    assert answers["Краткий"] == "доверенность"

    response = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert count(Attempt) == 0
    assert account_services.find_user(username) is None
