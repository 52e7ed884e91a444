"""Authoring: who may edit, creating and validating courses, ordering, preview, publishing."""

from __future__ import annotations

import pytest

from courses import services
from courses.models import Course, Item, Module
from school.extensions import db
from tests.conftest import PASSWORD
from tests.querycount import page_statements

EN = {"Accept-Language": "en"}


def build_course(instructor, *, slug="osnovy", published=False, modules=None) -> Course:
    """A course with modules of lessons, made through the services."""
    modules = modules or {"Первый модуль": ["Урок 1", "Урок 2"], "Второй модуль": ["Урок 3"]}
    course = services.create_course(instructor, title="Основы защиты", slug=slug)
    for module_title, lessons in modules.items():
        module = services.create_module(course, title=module_title)
        for title in lessons:
            services.create_item(module, title=title, body=f"Текст: {title}")
    if published:
        services.set_published(course, True)
    return db.session.get(Course, course.id)


def titles(course_id: int) -> list[list[str]]:
    db.session.expire_all()
    course = db.session.get(Course, course_id)
    return [[item.title for item in module.items] for module in course.modules]


@pytest.fixture
def teacher(login):
    return login("instructor", display_name="Анна Петрова")


# --------------------------------------------------------------------------- permissions


def test_only_the_courses_instructors_and_admins_edit(app, teacher, login, client):
    course = build_course(teacher.user)
    url = f"/courses/{course.slug}/edit/"
    assert teacher.get(url).status_code == 200
    assert login("admin").get(url).status_code == 200
    assert login("instructor").get(url).status_code == 403
    assert login("student").get(url).status_code == 403
    assert client.get(url).status_code == 302  # anonymous: log in first


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("edit/settings", {"title": "Взлом", "slug": "osnovy", "language": "ru"}),
        ("edit/publish", {"published": "1"}),
        ("edit/modules/new", {"title": "Чужой модуль"}),
        ("edit/delete", {"confirm": "osnovy"}),
        ("edit/instructors", {"username": "intruder"}),
    ],
)
def test_other_instructors_and_students_cannot_change_a_course(teacher, login, path, data):
    course = build_course(teacher.user)
    intruder = login("instructor", username="intruder")
    student = login("student")
    for client in (intruder, student):
        assert client.post(f"/courses/osnovy/{path}", data=data).status_code == 403
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert course.title == "Основы защиты" and not course.published
    assert len(course.modules) == 2 and len(course.instructors) == 1


def test_item_edits_by_others_are_forbidden(teacher, login):
    course = build_course(teacher.user)
    item = course.modules[0].items[0]
    other = login("instructor")
    base = f"/courses/osnovy/edit/items/{item.id}"
    assert other.post(base, data={"title": "X", "body": "Y"}).status_code == 403
    assert other.post(f"{base}/move", data={"direction": "down"}).status_code == 403
    assert other.post(f"{base}/delete").status_code == 403
    assert other.get(f"{base}/preview").status_code == 403
    assert titles(course.id) == [["Урок 1", "Урок 2"], ["Урок 3"]]


def test_students_cannot_create_or_import_courses(login):
    student = login("student")
    assert student.get("/courses/new").status_code == 403
    assert (
        student.post("/courses/new", data={"title": "Мой курс", "language": "ru"}).status_code
        == 403
    )
    assert student.get("/courses/import").status_code == 403
    assert student.get("/courses/manage").status_code == 403
    assert db.session.scalar(db.select(db.func.count(Course.id))) == 0


def test_ids_from_another_course_are_not_found(teacher):
    first = build_course(teacher.user, slug="first")
    build_course(teacher.user, slug="second")
    item = first.modules[0].items[0]
    module = first.modules[0]
    assert teacher.get(f"/courses/second/edit/items/{item.id}").status_code == 404
    assert teacher.get(f"/courses/second/edit/modules/{module.id}").status_code == 404
    assert teacher.get("/courses/second/edit/items/999999").status_code == 404
    assert teacher.get("/courses/nonexistent/edit/").status_code == 404


# --------------------------------------------------------------------------- creating


def test_instructor_creates_a_draft_course(teacher):
    response = teacher.post(
        "/courses/new",
        data={
            "title": "Как написать жалобу",
            "slug": "",
            "summary": "Коротко",
            "description": "## Описание",
            "language": "ru",
        },
    )
    assert response.status_code == 302
    course = services.course_by_slug("kak-napisat-zhalobu")
    assert course is not None and not course.published
    assert [u.id for u in course.instructors] == [teacher.user.id]
    assert response.headers["Location"].endswith("/courses/kak-napisat-zhalobu/edit/")
    page = teacher.get("/courses/manage").get_data(as_text=True)
    assert "Как написать жалобу" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "slug": "novyj"}, "Enter a title."),
        ({"title": "Курс", "slug": "Bad Slug"}, "lowercase Latin letters"),
        ({"title": "Курс", "slug": "osnovy"}, "already uses this address"),
        ({"title": "Курс", "slug": "manage"}, "reserved"),
        ({"title": "Курс", "slug": "novyj", "description": "ж" * 110_000}, "the limit is 200 KB"),
    ],
)
def test_bad_course_input_is_refused_and_kept(teacher, data, message):
    build_course(teacher.user)
    form = {"summary": "Моё описание", "language": "ru", **data}
    response = teacher.post("/courses/new", data=form, headers=EN)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in text
    assert "Моё описание" in text
    assert db.session.scalar(db.select(db.func.count(Course.id))) == 1


def test_settings_change_title_and_slug(teacher):
    course = build_course(teacher.user)
    response = teacher.post(
        "/courses/osnovy/edit/settings",
        data={"title": "Новое название", "slug": "novoe", "summary": "", "language": "en"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert (course.title, course.slug, course.language) == ("Новое название", "novoe", "en")
    assert teacher.get("/courses/osnovy/edit/").status_code == 404


def test_lesson_body_over_200_kb_is_refused_and_nothing_saved_is_lost(teacher):
    course = build_course(teacher.user)
    item = course.modules[0].items[0]
    huge = "Ж" * (101 * 1024)  # 2 bytes each in UTF-8: 202 KB
    response = teacher.post(
        f"/courses/osnovy/edit/items/{item.id}",
        data={"title": "Новый заголовок", "slug": item.slug, "body": huge, "required": "y"},
        headers=EN,
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The text is 202 KB; the limit is 200 KB." in text
    assert 'value="Новый заголовок"' in text
    db.session.expire_all()
    item = db.session.get(Item, item.id)
    assert (item.title, item.body) == ("Урок 1", "Текст: Урок 1")


def test_body_just_under_the_limit_is_accepted(teacher):
    course = build_course(teacher.user)
    item = course.modules[0].items[0]
    body = "ж" * (100 * 1024)  # exactly 200 KB
    response = teacher.post(
        f"/courses/osnovy/edit/items/{item.id}",
        data={"title": "Урок 1", "slug": item.slug, "body": body, "required": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert len(db.session.get(Item, item.id).body) == 100 * 1024


def test_modules_and_lessons_are_added_with_slugs_from_titles(teacher):
    build_course(teacher.user, modules={"Модуль": []})
    response = teacher.post(
        "/courses/osnovy/edit/modules/new", data={"title": "Если полиция у двери", "body": ""}
    )
    assert response.status_code == 302
    module = db.session.scalar(db.select(Module).where(Module.title == "Если полиция у двери"))
    assert module.slug == "esli-policiya-u-dveri" and module.position == 1
    response = teacher.post(
        f"/courses/osnovy/edit/modules/{module.id}/items/new?kind=lesson",
        data={"title": "Обыск", "body": "### Что делать\n\nТекст", "required": "y"},
    )
    assert response.status_code == 302
    item = db.session.scalar(db.select(Item).where(Item.title == "Обыск"))
    assert (item.slug, item.kind, item.required) == ("obysk", "lesson", True)
    # A second lesson with the same title gets a free name.
    teacher.post(
        f"/courses/osnovy/edit/modules/{module.id}/items/new?kind=lesson",
        data={"title": "Обыск", "body": ""},
    )
    slugs = db.session.scalars(db.select(Item.slug).where(Item.module_id == module.id))
    assert sorted(slugs) == ["obysk", "obysk-2"]
    duplicate = teacher.post(
        f"/courses/osnovy/edit/modules/{module.id}/items/new?kind=lesson",
        data={"title": "Ещё", "slug": "obysk", "body": ""},
        headers=EN,
    )
    assert duplicate.status_code == 400
    assert "Another item of this module uses this name." in duplicate.get_data(as_text=True)


def test_unknown_or_unavailable_kinds_cannot_be_added(teacher):
    course = build_course(teacher.user)
    module = course.modules[0]
    assert (
        teacher.get(f"/courses/osnovy/edit/modules/{module.id}/items/new?kind=nope").status_code
        == 404
    )


# --------------------------------------------------------------------------- ordering


def test_move_modules_up_and_down(teacher):
    course = build_course(teacher.user)
    second = course.modules[1]
    teacher.post(f"/courses/osnovy/edit/modules/{second.id}/move", data={"direction": "up"})
    assert titles(course.id) == [["Урок 3"], ["Урок 1", "Урок 2"]]
    teacher.post(f"/courses/osnovy/edit/modules/{second.id}/move", data={"direction": "up"})
    assert titles(course.id) == [["Урок 3"], ["Урок 1", "Урок 2"]]  # already first
    teacher.post(f"/courses/osnovy/edit/modules/{second.id}/move", data={"direction": "down"})
    assert titles(course.id) == [["Урок 1", "Урок 2"], ["Урок 3"]]
    bad = teacher.post(f"/courses/osnovy/edit/modules/{second.id}/move", data={"direction": "x"})
    assert bad.status_code == 400


def test_move_items_within_and_across_modules(teacher):
    course = build_course(teacher.user)
    lesson1, lesson2 = course.modules[0].items
    lesson3 = course.modules[1].items[0]

    def move(item, direction):
        response = teacher.post(
            f"/courses/osnovy/edit/items/{item.id}/move", data={"direction": direction}
        )
        assert response.status_code == 302

    move(lesson2, "up")
    assert titles(course.id) == [["Урок 2", "Урок 1"], ["Урок 3"]]
    move(lesson1, "down")  # last of its module: into the next module, first place
    assert titles(course.id) == [["Урок 2"], ["Урок 1", "Урок 3"]]
    move(lesson3, "down")  # nowhere to go
    assert titles(course.id) == [["Урок 2"], ["Урок 1", "Урок 3"]]
    move(lesson1, "up")  # first of its module: to the end of the previous one
    assert titles(course.id) == [["Урок 2", "Урок 1"], ["Урок 3"]]
    db.session.expire_all()
    positions = [[i.position for i in m.items] for m in db.session.get(Course, course.id).modules]
    assert positions == [[0, 1], [0]]


def test_move_into_a_module_with_the_same_name_is_refused(teacher):
    course = build_course(teacher.user, modules={"А": ["Введение"], "Б": ["Введение"]})
    item = course.modules[1].items[0]
    response = teacher.post(
        f"/courses/osnovy/edit/items/{item.id}/move", data={"direction": "up"}, headers=EN
    )
    assert response.status_code == 302
    assert titles(course.id) == [["Введение"], ["Введение"]]
    page = teacher.get("/courses/osnovy/edit/", headers=EN).get_data(as_text=True)
    assert "already has an item named vvedenie" in page


def test_outline_editor_offers_only_possible_moves(teacher):
    build_course(teacher.user, modules={"Один": ["Урок"]})
    page = teacher.get("/courses/osnovy/edit/", headers=EN).get_data(as_text=True)
    assert 'value="up"' not in page and 'value="down"' not in page


# --------------------------------------------------------------------------- preview, publish


def test_preview_shows_the_lesson_as_students_see_it(teacher, login):
    course = build_course(teacher.user)
    item = course.modules[0].items[0]
    services.update_item(
        item, title="Урок 1", slug=item.slug, body="**Важно**: молчите.", required=True
    )
    response = teacher.get(f"/courses/osnovy/edit/items/{item.id}/preview", headers=EN)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>Важно</strong>" in text
    assert "Preview: this is how students see this page." in text
    assert login("student").get(f"/courses/osnovy/items/{item.id}").status_code == 404


def test_preview_button_renders_unsaved_text(teacher):
    course = build_course(teacher.user)
    item = course.modules[0].items[0]
    response = teacher.post(
        f"/courses/osnovy/edit/items/{item.id}",
        data={"title": "Урок 1", "slug": item.slug, "body": "### Черновик", "action": "preview"},
    )
    assert response.status_code == 200
    assert "<h2>Черновик</h2>" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Item, item.id).body == "Текст: Урок 1"


def test_markdown_is_sanitised(teacher, client):
    course = build_course(teacher.user, published=True)
    item = course.modules[0].items[0]
    body = "<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![i](https://evil.example/a.png)"
    services.update_item(item, title="Урок 1", slug=item.slug, body=body, required=True)
    text = client.get(f"/courses/osnovy/items/{item.id}").get_data(as_text=True)
    assert "<script>alert" not in text and "javascript:" not in text and "evil.example" not in text


def test_publish_and_unpublish(teacher, login, client):
    build_course(teacher.user)
    student = login("student")
    assert student.get("/courses/osnovy/").status_code == 404
    assert client.get("/courses/osnovy/").status_code == 404
    assert "Основы защиты" not in client.get("/courses/").get_data(as_text=True)
    assert teacher.get("/courses/osnovy/").status_code == 200  # instructors see drafts

    assert teacher.post("/courses/osnovy/edit/publish", data={"published": "1"}).status_code == 302
    assert client.get("/courses/osnovy/").status_code == 200
    assert "Основы защиты" in client.get("/courses/").get_data(as_text=True)

    teacher.post("/courses/osnovy/edit/publish", data={"published": "0"})
    assert student.get("/courses/osnovy/").status_code == 404


# --------------------------------------------------------------------------- instructors, deletion


def test_instructors_are_managed_by_username(teacher, login, make_user):
    course = build_course(teacher.user)
    colleague = make_user("instructor", username="boris")
    make_user("student", username="masha")
    refused = teacher.post(
        "/courses/osnovy/edit/instructors", data={"username": "masha"}, headers=EN
    )
    assert "Only instructors can teach a course." in refused.get_data(as_text=True)
    unknown = teacher.post(
        "/courses/osnovy/edit/instructors", data={"username": "nobody"}, headers=EN
    )
    assert "There is no user with this username." in unknown.get_data(as_text=True)
    assert (
        teacher.post("/courses/osnovy/edit/instructors", data={"username": "Boris"}).status_code
        == 302
    )
    assert login(user=colleague).get("/courses/osnovy/edit/").status_code == 200

    teacher.post(f"/courses/osnovy/edit/instructors/{colleague.id}/remove")
    assert login(user=colleague).get("/courses/osnovy/edit/").status_code == 403
    last = teacher.post(f"/courses/osnovy/edit/instructors/{teacher.user.id}/remove", headers=EN)
    assert last.status_code == 302
    db.session.expire_all()
    assert [u.id for u in db.session.get(Course, course.id).instructors] == [teacher.user.id]


def test_delete_course_needs_the_slug_typed(teacher):
    course_id = build_course(teacher.user).id
    wrong = teacher.post("/courses/osnovy/edit/delete", data={"confirm": "other"}, headers=EN)
    assert wrong.status_code == 400
    assert "Nothing was deleted" in wrong.get_data(as_text=True)
    assert db.session.get(Course, course_id) is not None
    assert (
        teacher.post("/courses/osnovy/edit/delete", data={"confirm": "osnovy"}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(Course, course_id) is None
    assert db.session.scalar(db.select(db.func.count(Item.id))) == 0


def test_delete_module_and_item(teacher):
    course = build_course(teacher.user)
    course_id, item_id = course.id, course.modules[0].items[0].id
    module_id = course.modules[1].id
    assert teacher.get(f"/courses/osnovy/edit/items/{item_id}/delete").status_code == 200
    teacher.post(f"/courses/osnovy/edit/items/{item_id}/delete")
    teacher.post(f"/courses/osnovy/edit/modules/{module_id}/delete")
    assert titles(course_id) == [["Урок 2"]]
    db.session.expire_all()
    assert db.session.get(Item, item_id) is None
    assert db.session.get(Course, course_id).items()[0].position == 0


def test_state_changes_need_a_csrf_token(app_config, request):
    app_config["WTF_CSRF_ENABLED"] = True
    request.getfixturevalue("app")
    make_user = request.getfixturevalue("make_user")
    user = make_user("instructor")
    course = build_course(user, published=True)
    client = request.getfixturevalue("app").test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    second = course.modules[1]
    refused = client.post(
        f"/courses/osnovy/edit/modules/{second.id}/move", data={"direction": "up"}
    )
    assert refused.status_code == 400
    assert titles(course.id) == [["Урок 1", "Урок 2"], ["Урок 3"]]
    editor = client.get("/courses/osnovy/edit/").get_data(as_text=True)
    assert editor.count('name="csrf_token"') >= 4


def test_duplicate_a_lesson(teacher, login):
    course = build_course(teacher.user)
    item = course.modules[0].items[0]
    assert login("instructor").post(f"/courses/osnovy/edit/items/{item.id}/copy").status_code == 403
    assert teacher.post(f"/courses/osnovy/edit/items/{item.id}/copy").status_code == 302
    assert titles(course.id) == [["Урок 1", "Урок 1", "Урок 2"], ["Урок 3"]]
    db.session.expire_all()
    slugs = [i.slug for i in db.session.get(Course, course.id).modules[0].items]
    assert slugs == ["urok-1", "urok-1-2", "urok-2"]


def test_the_editors_course_list_is_paginated_in_a_fixed_number_of_queries(login, make_user):
    admin = login("admin")
    teacher = make_user("instructor")

    def add_courses(start: int, count: int) -> None:
        for number in range(start, start + count):
            course = services.create_course(
                teacher, title=f"Курс {number:03d}", slug=f"kurs-{number:03d}"
            )
            module = services.create_module(course, title="Модуль")
            services.create_item(module, title="Урок", kind="lesson", body="Текст")

    add_courses(0, 2)
    few = page_statements(admin, "/courses/manage")
    add_courses(2, services.EDITOR_COURSES_PER_PAGE + 3)
    assert page_statements(admin, "/courses/manage") == few
    page = admin.get("/courses/manage").get_data(as_text=True)
    assert page.count('<th scope="row">') == services.EDITOR_COURSES_PER_PAGE
    assert 'href="/courses/manage?page=2"' in page
    second = admin.get("/courses/manage?page=2").get_data(as_text=True)
    assert second.count('<th scope="row">') == 5 and "Курс 054" in second
