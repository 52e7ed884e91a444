"""Students: catalogue, course page, enrolment, lessons, progress, completion, home panel."""

from __future__ import annotations

import json
import re

import pytest

from courses import services
from courses.models import Certificate, Completion, Course, Enrolment, Item
from courses.registry import get_handler, register_item_kind, unregister_item_kind
from school.extensions import db
from tests.conftest import PASSWORD

EN = {"Accept-Language": "en"}


def build_course(instructor, *, slug="osnovy", published=True, modules=None) -> Course:
    modules = modules or {"Первый модуль": ["Урок 1", "Урок 2"], "Второй модуль": ["Урок 3"]}
    course = services.create_course(instructor, title=f"Курс {slug}", slug=slug)
    for module_title, lessons in modules.items():
        module = services.create_module(course, title=module_title)
        for title in lessons:
            services.create_item(module, title=title, body=f"Текст: {title}")
    if published:
        services.set_published(course, True)
    return db.session.get(Course, course.id)


def lesson_ids(course_id: int) -> list[int]:
    db.session.expire_all()
    return [item.id for item in db.session.get(Course, course_id).items()]


@pytest.fixture
def course(make_user):
    teacher = make_user("instructor", display_name="Анна Петрова")
    return build_course(teacher)


@pytest.fixture
def student(login):
    return login("student", display_name="Мария Иванова")


@pytest.fixture
def without_quiz_kind(app):
    """The site as it is before the quizzes package is installed."""
    handler = get_handler("quiz")
    unregister_item_kind("quiz")
    yield
    if handler is not None:
        register_item_kind("quiz", handler)


def add_quiz_item(course_id: int, *, required=True) -> Item:
    """A quiz item as the importer creates it (there is no form for kinds without a handler)."""
    module = db.session.get(Course, course_id).modules[-1]
    item = Item(module=module, kind="quiz", slug="test", title="Тест", body="Вступление",
                required=required, position=len(module.items))  # fmt: skip
    db.session.add(item)
    db.session.commit()
    return item


# --------------------------------------------------------------------------- catalogue


def test_catalogue_lists_published_courses_only_and_paginates(client, make_user):
    teacher = make_user("instructor")
    for number in range(22):
        build_course(teacher, slug=f"kurs-{number:02d}", modules={"М": []})
    build_course(teacher, slug="chernovik", published=False, modules={"М": []})
    first = client.get("/courses/").get_data(as_text=True)
    second = client.get("/courses/?page=2").get_data(as_text=True)
    shown = re.findall(r'href="/courses/(kurs-\d\d)/"', first + second)
    assert len(shown) == len(set(shown)) == 22
    assert "chernovik" not in first + second
    assert 'rel="next"' in first
    assert client.get("/courses/?page=99").status_code == 200


def test_anonymous_visitors_read_the_outline_and_lessons(client, course):
    page = client.get("/courses/osnovy/").get_data(as_text=True)
    assert "Урок 1" in page and "Второй модуль" in page and "Анна Петрова" in page
    first = lesson_ids(course.id)[0]
    lesson = client.get(f"/courses/osnovy/items/{first}", headers=EN)
    text = lesson.get_data(as_text=True)
    assert lesson.status_code == 200
    assert "Текст: Урок 1" in text
    assert "To save your progress, log in or register" in text
    assert "Mark as done" not in text


def test_unknown_course_or_item_is_not_found(client, course):
    assert client.get("/courses/none/").status_code == 404
    assert client.get("/courses/osnovy/items/999999").status_code == 404


# --------------------------------------------------------------------------- enrolment


def test_enrol_and_leave_keeping_progress(student, course):
    first = lesson_ids(course.id)[0]
    assert student.post("/courses/osnovy/enrol").status_code == 302
    assert student.post("/courses/osnovy/enrol").status_code == 302  # idempotent
    assert db.session.scalar(db.select(db.func.count(Enrolment.id))) == 1
    student.post(f"/courses/osnovy/items/{first}/done")
    assert student.get("/courses/osnovy/leave").status_code == 200
    assert student.post("/courses/osnovy/leave", data={}).status_code == 302
    assert db.session.scalar(db.select(db.func.count(Enrolment.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Completion.id))) == 1
    student.post("/courses/osnovy/enrol")
    page = student.get("/courses/osnovy/", headers=EN).get_data(as_text=True)
    assert "1 of 3 required items done (33%)" in page


def test_leave_and_forget_deletes_progress(student, course):
    first = lesson_ids(course.id)[0]
    student.post("/courses/osnovy/enrol")
    student.post(f"/courses/osnovy/items/{first}/done")
    student.post("/courses/osnovy/leave", data={"forget": "y"})
    assert db.session.scalar(db.select(db.func.count(Completion.id))) == 0


def test_enrol_needs_an_account_and_a_visible_course(client, login, make_user, course):
    response = client.post("/courses/osnovy/enrol")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    build_course(make_user("instructor"), slug="draft", published=False)
    assert login("student").post("/courses/draft/enrol").status_code == 404


def test_enrol_from_a_lesson_returns_to_it(student, course):
    first = lesson_ids(course.id)[0]
    response = student.post(
        "/courses/osnovy/enrol", data={"next": f"/courses/osnovy/items/{first}"}
    )
    assert response.headers["Location"].endswith(f"/courses/osnovy/items/{first}")
    evil = student.post("/courses/osnovy/enrol", data={"next": "https://evil.example/"})
    assert "evil.example" not in evil.headers["Location"]


# --------------------------------------------------------------------------- progress


def test_mark_done_and_undo_update_the_progress_bar(student, course):
    first, second, _third = lesson_ids(course.id)
    student.post("/courses/osnovy/enrol")
    response = student.post(f"/courses/osnovy/items/{first}/done", data={"then": "next"})
    assert response.headers["Location"].endswith(f"/courses/osnovy/items/{second}")
    page = student.get("/courses/osnovy/", headers=EN).get_data(as_text=True)
    assert '<progress class="progress" max="3" value="1"' in page
    assert "1 of 3 required items done (33%)" in page
    student.post(f"/courses/osnovy/items/{first}/done")  # twice: still one
    assert db.session.scalar(db.select(db.func.count(Completion.id))) == 1
    student.post(f"/courses/osnovy/items/{first}/undo")
    page = student.get("/courses/osnovy/", headers=EN).get_data(as_text=True)
    assert "0 of 3 required items done (0%)" in page


def test_mark_done_needs_enrolment(student, course):
    first = lesson_ids(course.id)[0]
    response = student.post(f"/courses/osnovy/items/{first}/done", headers=EN)
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Completion.id))) == 0
    page = student.get(f"/courses/osnovy/items/{first}", headers=EN).get_data(as_text=True)
    assert "Enrol in the course to keep track of your progress." in page
    assert "Enrol in the course" in page


def test_lesson_pages_link_previous_and_next_across_modules(student, course):
    first, second, third = lesson_ids(course.id)
    page = student.get(f"/courses/osnovy/items/{second}").get_data(as_text=True)
    assert f'rel="prev" href="/courses/osnovy/items/{first}"' in page
    assert f'rel="next" href="/courses/osnovy/items/{third}"' in page
    last = student.get(f"/courses/osnovy/items/{third}").get_data(as_text=True)
    assert 'rel="next"' not in last


def test_continue_where_you_left_off(student, course):
    first, _second, third = lesson_ids(course.id)
    student.post("/courses/osnovy/enrol")
    assert student.get("/courses/osnovy/continue").headers["Location"].endswith(f"/items/{first}")
    student.get(f"/courses/osnovy/items/{third}")  # opened, not done: resume there
    assert student.get("/courses/osnovy/continue").headers["Location"].endswith(f"/items/{third}")
    student.post(f"/courses/osnovy/items/{third}/done")
    # After the last item, back to the first one not done.
    assert student.get("/courses/osnovy/continue").headers["Location"].endswith(f"/items/{first}")
    page = student.get("/courses/osnovy/", headers=EN).get_data(as_text=True)
    assert "Continue where you left off" in page
    home = student.get("/", headers=EN).get_data(as_text=True)
    assert f'href="/courses/osnovy/items/{first}"' in home
    assert "Курс osnovy: Урок 1" in home


def test_home_panel_skips_finished_courses(student, course):
    student.post("/courses/osnovy/enrol")
    for item_id in lesson_ids(course.id):
        student.post(f"/courses/osnovy/items/{item_id}/done")
    assert "/courses/osnovy/items/" not in student.get("/").get_data(as_text=True)


def test_completion_issues_one_certificate(student, course):
    ids = lesson_ids(course.id)
    student.post("/courses/osnovy/enrol")
    for item_id in ids[:-1]:
        student.post(f"/courses/osnovy/items/{item_id}/done")
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
    response = student.post(f"/courses/osnovy/items/{ids[-1]}/done", headers=EN)
    assert response.headers["Location"].endswith("/courses/osnovy/#certificate")
    certificate = db.session.scalar(db.select(Certificate))
    assert certificate.name_shown == "Мария Иванова"
    assert certificate.instructors == ["Анна Петрова"]
    assert certificate.course_title == "Курс osnovy"
    enrolment = db.session.scalar(db.select(Enrolment))
    assert enrolment.completed_at is not None
    page = student.get("/courses/osnovy/", headers=EN).get_data(as_text=True)
    assert "You have completed the course." in page and certificate.code in page
    # Undo and redo: the course is complete again, still one certificate, same code.
    student.post(f"/courses/osnovy/items/{ids[-1]}/undo")
    student.post(f"/courses/osnovy/items/{ids[-1]}/done")
    assert db.session.scalars(db.select(Certificate.code)).all() == [certificate.code]


def test_optional_items_are_not_needed(student, course):
    first, second, third = lesson_ids(course.id)
    item = db.session.get(Item, second)
    services.update_item(item, title=item.title, slug=item.slug, body=item.body, required=False)
    student.post("/courses/osnovy/enrol")
    student.post(f"/courses/osnovy/items/{first}/done")
    page = student.get("/courses/osnovy/", headers=EN).get_data(as_text=True)
    assert "1 of 2 required items done (50%)" in page and "optional" in page
    student.post(f"/courses/osnovy/items/{third}/done")
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 1


def test_complete_item_is_idempotent_and_enrols(course, make_user):
    user = make_user("student")
    ids = lesson_ids(course.id)
    assert services.complete_item(user, db.session.get(Item, ids[0])) is False
    assert services.complete_item(user, db.session.get(Item, ids[0])) is False
    assert db.session.scalar(db.select(db.func.count(Enrolment.id))) == 1
    assert db.session.scalar(db.select(db.func.count(Completion.id))) == 1
    for item_id in ids[1:]:
        done = services.complete_item(user, db.session.get(Item, item_id))
    assert done is True
    assert services.complete_item(user, db.session.get(Item, ids[0])) is True
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 1


def test_quiz_item_without_its_package_works_gracefully(without_quiz_kind, student, course):
    quiz = add_quiz_item(course.id)
    student.post("/courses/osnovy/enrol")
    page = student.get("/courses/osnovy/", headers=EN).get_data(as_text=True)
    assert "Тест" in page and "not available yet" in page
    response = student.get(f"/courses/osnovy/items/{quiz.id}", headers=EN)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Вступление" in text
    assert "not available on the site yet" in text and "Mark as done" not in text
    student.post(f"/courses/osnovy/items/{quiz.id}/done")
    assert db.session.scalar(db.select(db.func.count(Completion.id))) == 0
    # A required quiz keeps the course from completing by lessons alone.
    for item_id in lesson_ids(course.id):
        if item_id != quiz.id:
            student.post(f"/courses/osnovy/items/{item_id}/done")
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 0
    # ...until the quiz is passed (the quizzes package calls complete_item).
    assert services.complete_item(student.user, db.session.get(Item, quiz.id)) is True


def test_my_courses_page(student, course):
    student.post("/courses/osnovy/enrol")
    page = student.get("/courses/mine", headers=EN).get_data(as_text=True)
    assert "Курс osnovy" in page and "Continue" in page


# --------------------------------------------------------------------------- account data


def test_account_export_and_deletion_cover_course_data(student, course):
    ids = lesson_ids(course.id)
    student.post("/courses/osnovy/enrol")
    for item_id in ids:
        student.post(f"/courses/osnovy/items/{item_id}/done")
    data = json.loads(student.get("/account/export").data)["courses"]
    assert data["enrolments"][0]["course"] == "osnovy"
    assert len(data["completions"]) == 3
    assert data["certificates"][0]["name_shown"] == "Мария Иванова"
    code = data["certificates"][0]["code"]

    response = student.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    for model in (Enrolment, Completion, Certificate):
        assert db.session.scalar(db.select(db.func.count(model.id))) == 0
    assert student.get(f"/courses/certificates/{code}").status_code == 404


def test_deleting_an_instructor_keeps_the_course(login, make_user):
    teacher = login("instructor")
    build_course(teacher.user)
    teacher.post("/account/delete", data={"password": PASSWORD, "confirm": "y"})
    course = services.course_by_slug("osnovy")
    assert course is not None and course.instructors == [] and course.created_by_id is None
