"""Fixtures of the quiz tests: a published course with a quiz of every question type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from courses import services as course_services
from courses.models import Course, Item
from quizzes import services
from quizzes.models import Quiz
from school.extensions import db
from school.models import User

# One question of each type, in this order; the numbers in comments are line numbers.
ALL_TYPES_GIFT = """\
$CATEGORY: Тест/Все типы

::Одиночный::Какой документ предъявляют до начала обыска? {
\t=постановление#Верно.
\t~паспорт#Нет.
\t~%50%решение суда#Почти.
\t####Ст. 182 УПК РФ.
}

::Множественный::Что стоит сделать с протоколом? {
\t~%50%прочитать#Да.
\t~%50%попросить копию#Да.
\t~%-100%подписать пустой бланк#Никогда.
}

::Верно-неверно::Понятые при обыске обязательны.{T#Неверно.#Верно.####Ст. 170 УПК.}

::Краткий::Как называется документ, которым удостоверяются полномочия защитника? {
\t=доверенность#Верно.
\t=%50%ордер#Это для адвоката.
}

::Числовой::Сколько часов длится административное задержание? {#
\t=%100%3:0#Верно.
\t=%50%48#Это при аресте.
\t~#Нет.
}

::Сопоставление::Сопоставьте норму и её предмет. {
\t=Ст. 51 Конституции -> не свидетельствовать против себя
\t=Ст. 25 Конституции -> неприкосновенность жилища
\t=Ст. 46 УПК -> права подозреваемого
\t= -> право на пенсию
}
"""

TYPES_IN_ORDER = ["single", "multiple", "truefalse", "short", "numeric", "matching"]


@dataclass
class QuizSetup:
    course: Course
    item: Item
    quiz: Quiz
    instructor: User

    def reload(self) -> QuizSetup:
        return QuizSetup(
            db.session.get(Course, self.course.id),
            db.session.get(Item, self.item.id),
            db.session.get(Quiz, self.quiz.id),
            db.session.get(User, self.instructor.id),
        )


@pytest.fixture
def make_quiz(app, make_user):
    """``make_quiz(gift=..., published=True, **settings)``: a course with one quiz item."""

    def factory(
        gift: str | None = ALL_TYPES_GIFT,
        *,
        published: bool = True,
        instructor: User | None = None,
        **settings: Any,
    ) -> QuizSetup:
        instructor = instructor or make_user("instructor")
        course = course_services.create_course(instructor, title="Курс защитника")
        module = course_services.create_module(course, title="Модуль")
        item = course_services.create_item(module, kind="quiz", title="Тест по модулю")
        quiz = services.quiz_for_item(item)
        if settings:
            services.update_settings(quiz, services.Settings(**settings))
        if gift:
            services.import_gift(quiz, gift)
        if published:
            course_services.set_published(course, True)
        return QuizSetup(course, item, quiz, instructor)

    return factory


@pytest.fixture
def student(make_user):
    """``student(setup)``: a new student enrolled in the setup's course."""

    def factory(setup: QuizSetup | None = None, **fields) -> User:
        user = make_user("student", **fields)
        if setup is not None:
            course_services.enrol(user, setup.course)
        return user

    return factory


def question_ids(quiz: Quiz) -> dict[str, int]:
    """Question id by type (one question of each type in ALL_TYPES_GIFT)."""
    return {row.type: row.id for row in db.session.get(Quiz, quiz.id).questions}


#: What the countdown script adds when time is up (and a student who has seen the summary of
#: unanswered questions): submit now, whatever is left unanswered.
SUBMIT_ANYWAY = {"confirmed": "1"}


def visible(html: str) -> str:
    """A page's words with the typographer's non-breaking spaces read as spaces."""
    return html.replace("&nbsp;", " ").replace("\xa0", " ")


def right_responses(quiz: Quiz) -> dict[str, Any]:
    """Full-marks responses to every question, keyed as attempts store them."""
    from quizzes.grading import correct_response

    responses = {}
    for row in db.session.get(Quiz, quiz.id).questions:
        response = correct_response(row.question)
        if isinstance(response, frozenset):
            response = sorted(response)
        elif isinstance(response, dict):
            response = {str(k): v for k, v in response.items()}
        responses[str(row.id)] = response
    return responses


def attempt_form(attempt, responses: dict[str, Any]) -> dict[str, Any]:
    """The form data a student's browser sends for these responses (shown positions)."""
    from quizzes.responses import form_values

    data: dict[str, Any] = {}
    for entry in attempt.layout:
        for name, value in form_values(entry, responses.get(str(entry["id"]))).items():
            data[name] = sorted(value) if isinstance(value, set) else value
    return data
