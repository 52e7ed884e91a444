"""The item kind registry: the extension point the quizzes package plugs into.

A small "poll" kind is registered here through the public API and used end to end: outline
links, status labels, completion through ``complete_item``, export and import of its own
front matter and files, deletion and "forget my progress".
"""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import url_for

from courses import bundle, services
from courses.models import Certificate, Completion, Course, Item
from courses.registry import (
    ItemImportError,
    ItemKind,
    LessonKind,
    get_handler,
    kind_label,
    register_item_kind,
    registered_kinds,
    unregister_item_kind,
)
from school.extensions import db

EN = {"Accept-Language": "en"}


class PollKind(ItemKind):
    """Keeps each poll's question in memory, keyed by item id."""

    label = "Poll"
    creatable = True

    def __init__(self) -> None:
        self.questions: dict[int, str] = {}
        self.deleted: list[int] = []
        self.forgotten: list[tuple[int, int]] = []

    def student_url(self, item) -> str:
        return url_for("school.privacy", poll=item.id)

    def edit_url(self, item) -> str:
        return url_for("school.privacy", edit_poll=item.id)

    def status_label(self, item, user) -> str:
        return f"poll status {item.id}"

    def front_matter(self, item) -> dict:
        return {"anonymous": True, "title": "ignored: courses writes the title"}

    def export_files(self, item) -> dict[str, bytes]:
        return {".txt": self.questions.get(item.id, "").encode()}

    def import_item(self, item, front_matter, files) -> None:
        if front_matter.get("anonymous") is not True:
            raise ItemImportError("anonymous must be true")
        self.questions[item.id] = files.get(".txt", b"").decode()

    def on_copy(self, source, target) -> None:
        self.questions[target.id] = self.questions.get(source.id, "")

    def on_delete(self, item) -> None:
        self.deleted.append(item.id)

    def forget_user(self, item, user) -> None:
        self.forgotten.append((item.id, user.id))


@pytest.fixture
def poll(app):
    handler = PollKind()
    register_item_kind("poll", handler)
    yield handler
    unregister_item_kind("poll")


@pytest.fixture
def teacher(login):
    return login("instructor")


def build(teacher_user, poll: PollKind) -> tuple[Course, Item]:
    course = services.create_course(teacher_user, title="Курс", slug="kurs")
    module = services.create_module(course, title="Модуль")
    services.create_item(module, title="Урок", body="Текст")
    item = services.create_item(module, kind="poll", title="Опрос", body="Ответьте честно.")
    poll.questions[item.id] = "Помог ли вам курс?"
    services.set_published(course, True)
    return db.session.get(Course, course.id), db.session.get(Item, item.id)


def test_registry_basics(poll):
    assert get_handler("poll") is poll
    assert isinstance(get_handler("lesson"), LessonKind)
    assert "poll" in registered_kinds() and "lesson" in registered_kinds()
    assert kind_label("poll") == "Poll"
    assert str(kind_label("quiz")) in {"Quiz", "Тест"}
    assert kind_label("something") == "something"
    with pytest.raises(ValueError):
        register_item_kind("Bad Kind", PollKind())
    register_item_kind("poll", poll)  # registering again is harmless
    assert get_handler("poll") is poll


def test_outline_and_item_page_lead_to_the_kinds_own_page(poll, teacher, login):
    _course, item = build(teacher.user, poll)
    student = login("student")
    student.post("/courses/kurs/enrol")
    page = student.get("/courses/kurs/", headers=EN).get_data(as_text=True)
    assert f'href="/privacy?poll={item.id}"' in page
    assert f"poll status {item.id}" in page
    response = student.get(f"/courses/kurs/items/{item.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/privacy?poll={item.id}")
    # Editors find the kind's settings and can add items of the kind.
    editor = teacher.get("/courses/kurs/edit/", headers=EN).get_data(as_text=True)
    assert f'href="/privacy?edit_poll={item.id}"' in editor
    assert "kind=poll" in editor


def test_new_item_of_a_kind_goes_to_its_settings(poll, teacher):
    course, _item = build(teacher.user, poll)
    module = course.modules[0]
    response = teacher.post(
        f"/courses/kurs/edit/modules/{module.id}/items/new?kind=poll",
        data={"title": "Второй опрос", "body": "", "required": "y"},
    )
    created = db.session.scalar(db.select(Item).where(Item.title == "Второй опрос"))
    assert created.kind == "poll"
    assert response.headers["Location"].endswith(f"/privacy?edit_poll={created.id}")


def test_kinds_not_completed_by_hand_complete_through_complete_item(poll, teacher, login):
    course, item = build(teacher.user, poll)
    student = login("student")
    student.post("/courses/kurs/enrol")
    lesson = course.modules[0].items[0]
    student.post(f"/courses/kurs/items/{lesson.id}/done")
    student.post(f"/courses/kurs/items/{item.id}/done")  # refused: not by hand
    assert db.session.scalar(db.select(db.func.count(Completion.id))) == 1
    assert services.complete_item(student.user, db.session.get(Item, item.id)) is True
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 1


def test_kind_data_goes_through_export_and_import(poll, teacher):
    _course, item = build(teacher.user, poll)
    exported = teacher.get("/courses/kurs/export.zip").data
    archive = zipfile.ZipFile(io.BytesIO(exported))
    text = archive.read("kurs/01-modul/02-opros.md").decode()
    assert text.startswith("---\ntitle: Опрос\nkind: poll\nrequired: true\nanonymous: true\n---\n")
    assert archive.read("kurs/01-modul/02-opros.txt").decode() == "Помог ли вам курс?"

    result = services.import_course(bundle.read_zip(exported), actor=teacher.user, slug="kopiya")
    copy = result.course.items()[1]
    assert copy.id != item.id and copy.kind == "poll"
    assert poll.questions[copy.id] == "Помог ли вам курс?"
    assert result.warnings == []


def test_kind_import_errors_refuse_the_whole_import(poll, teacher):
    _course, _item = build(teacher.user, poll)
    data = services.export_data(services.course_by_slug("kurs"))
    data.modules[0].items[1].front_matter["anonymous"] = False
    with pytest.raises(services.CourseError) as excinfo:
        services.import_course(data, actor=teacher.user, slug="kopiya")
    assert "modul/opros: anonymous must be true" in str(excinfo.value.message)
    assert services.course_by_slug("kopiya") is None


def test_delete_and_forget_reach_the_kind(poll, teacher, login):
    _course, item = build(teacher.user, poll)
    item_id = item.id
    student = login("student")
    student.post("/courses/kurs/enrol")
    student.post("/courses/kurs/leave", data={"forget": "y"})
    assert poll.forgotten == [(item_id, student.user.id)]
    teacher.post(f"/courses/kurs/edit/items/{item_id}/delete")
    assert poll.deleted == [item_id]


def test_kinds_without_a_handler_survive_export_but_warn_on_import(teacher):
    course = services.create_course(teacher.user, title="Курс", slug="kurs")
    module = services.create_module(course, title="Модуль")
    data = services.export_data(db.session.get(Course, course.id))
    data.modules[0].items.append(
        bundle.ItemData("opros", "Опрос", kind="survey", body="Текст",
                        front_matter={"title": "Опрос", "kind": "survey", "required": True,
                                      "anonymous": True},
                        files={".txt": b"?"})
    )  # fmt: skip
    result = services.import_course(data, actor=teacher.user, slug="kopiya")
    assert any("survey" in warning for warning in result.warnings)
    item = result.course.items()[0]
    assert (item.kind, item.title, item.body) == ("survey", "Опрос", "Текст")
    assert module.id != item.module_id


def test_duplicating_an_item_copies_the_kinds_data(poll, teacher):
    _course, item = build(teacher.user, poll)
    response = teacher.post(f"/courses/kurs/edit/items/{item.id}/copy")
    copy = db.session.scalar(db.select(Item).where(Item.slug == "opros-2"))
    assert response.headers["Location"].endswith(f"/courses/kurs/edit/items/{copy.id}")
    assert (copy.kind, copy.title, copy.position) == ("poll", "Опрос", 2)
    assert poll.questions[copy.id] == "Помог ли вам курс?"


def test_editors_buttons_are_whole_phrases_in_russian(poll, teacher):
    course, _item = build(teacher.user, poll)
    module = course.modules[0]
    ru = {"Accept-Language": "ru"}
    editor = teacher.get("/courses/kurs/edit/", headers=ru).get_data(as_text=True)
    assert "Добавить урок" in editor
    assert "Добавить задание" in editor  # a kind without its own phrases has the defaults
    assert "Добавить:" not in editor
    form = teacher.get(
        f"/courses/kurs/edit/modules/{module.id}/items/new?kind=lesson", headers=ru
    ).get_data(as_text=True)
    assert "<h1>Новый урок</h1>" in form or "Новый урок</h1>" in form
