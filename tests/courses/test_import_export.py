"""Export to the folder format and import back: round trip, refusals, replace, CLI, demo."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from courses import bundle, services
from courses.models import Completion, Course, Enrolment, Item, Module
from courses.registry import (
    ItemImportError,
    ItemKind,
    get_handler,
    register_item_kind,
    unregister_item_kind,
)
from school.extensions import db

EN = {"Accept-Language": "en"}
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "courses" / "demo" / "public-defender-basics"


def build_course(instructor, *, slug="osnovy") -> Course:
    course = services.create_course(
        instructor, title="Основы защиты", slug=slug, summary="Кратко: «о главном».",
        description="## О курсе\n\nТекст с [ссылкой](/courses/).", language="ru",
    )  # fmt: skip
    first = services.create_module(course, title="Встреча с полицией", body="Вступление.")
    services.create_item(first, title="Права", body="### Ст. 51\n\n- молчать\n- звонить")
    services.create_item(first, title="Обыск", body="Текст", required=False)
    second = services.create_module(course, title="Жалобы")
    services.create_item(second, title="Жалоба прокурору", body="Образец")
    return db.session.get(Course, course.id)


def snapshot(course: Course) -> dict:
    """Everything an export carries, to compare two courses."""
    return {
        "course": (course.title, course.summary, course.language, course.demo, course.description),
        "modules": [
            (
                m.slug,
                m.title,
                m.body,
                [(i.slug, i.kind, i.title, i.body, i.required, i.position) for i in m.items],
            )
            for m in course.modules
        ],
    }


def upload(client, data: bytes, **fields):
    # Encoded in memory: the test client would spool a large body to an unclosed temp file.
    file = FileStorage(io.BytesIO(data), filename="course.zip", content_type="application/zip")
    boundary, body = encode_multipart({"file": file, **fields})
    return client.post(
        "/courses/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=EN,
    )


def zip_of(files: dict[str, str | bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


@pytest.fixture
def teacher(login):
    return login("instructor")


@pytest.fixture
def without_quiz_kind(app):
    handler = get_handler("quiz")
    unregister_item_kind("quiz")
    yield
    if handler is not None:
        register_item_kind("quiz", handler)


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


# --------------------------------------------------------------------------- round trip


def test_export_then_import_gives_the_same_course(teacher):
    original = build_course(teacher.user)
    response = teacher.get("/courses/osnovy/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert 'filename="osnovy.zip"' in response.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "osnovy/01-vstrecha-s-policiej/02-obysk.md" in names

    imported = upload(teacher, response.data, slug="osnovy-kopiya")
    assert imported.status_code == 302
    copy = services.course_by_slug("osnovy-kopiya")
    assert snapshot(copy) == snapshot(services.course_by_slug("osnovy"))
    assert not copy.published and [u.id for u in copy.instructors] == [teacher.user.id]
    # The copy exports to the same files, apart from its address.
    again = services.export_data(copy)
    again.slug = "osnovy"
    assert bundle.write_zip(again) == response.data
    assert original.id != copy.id


def test_delete_and_reimport_gives_identical_bytes(teacher):
    build_course(teacher.user)
    exported = teacher.get("/courses/osnovy/export.zip").data
    services.delete_course(services.course_by_slug("osnovy"))
    assert upload(teacher, exported).status_code == 302
    assert teacher.get("/courses/osnovy/export.zip").data == exported


def test_only_editors_export(teacher, login, client):
    build_course(teacher.user)
    services.set_published(services.course_by_slug("osnovy"), True)
    assert login("instructor").get("/courses/osnovy/export.zip").status_code == 403
    assert login("student").get("/courses/osnovy/export.zip").status_code == 403
    assert client.get("/courses/osnovy/export.zip").status_code == 302


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 definitely broken", "not a readable zip archive"),
        (zip_of({"osnovy/course.md": "---\ntitle: К\n---\n", "../evil.md": "x"}),
         "../evil.md points outside the course folder"),
        (zip_of({"osnovy/course.md": "---\ntitle: К\n---\n", "/etc/evil.md": "x"}),
         "/etc/evil.md points outside the course folder"),
        (zip_of({"osnovy/course.md": "---\ntitle: К\n---\n"}, {"osnovy/01-a/module.md": "/etc"}),
         "osnovy/01-a/module.md is a link"),
        (zip_of({"osnovy/course.md": "---\ntitle: [К\n---\n"}),
         "osnovy/course.md, line 2: the front matter is not valid YAML"),
        (zip_of({"osnovy/course.md": "---\nslug: osnovy\n---\n"}),
         "osnovy/course.md has no title."),
        (zip_of({"notes.txt": "x"}), "No course.md found."),
        # Markdown past the render limits is refused as on the form, naming the limit.
        (zip_of({"osnovy/course.md": "---\ntitle: К\n---\n" + "[" * 1001}),
         "osnovy/course.md: The text has 1,001 square brackets «[»; the limit is 1,000."),
        (zip_of({"osnovy/course.md": "---\ntitle: К\n---\n",
                 "osnovy/01-a/module.md": "---\ntitle: М\n---\n",
                 "osnovy/01-a/01-lesson.md": "---\ntitle: У\n---\n" + "".join(
                     "  " * level + "- x\n" for level in range(30))}),
         "osnovy/a/lesson.md: Lists and quotes are nested 15 levels deep; the limit is 10 levels."),
    ],
)  # fmt: skip
def test_bad_archives_are_refused_with_clear_messages(teacher, data, message):
    response = upload(teacher, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Course) == 0


def test_archive_over_20_mb_is_refused(teacher):
    data = zip_of({"osnovy/course.md": "---\ntitle: К\n---\n"}) + b"\0" * (20 * 1024 * 1024)
    response = upload(teacher, data)
    assert response.status_code == 400
    assert "The file is larger than 20 MB." in response.get_data(as_text=True)


def test_missing_file_is_refused(teacher):
    response = teacher.post("/courses/import", data={}, headers=EN)
    assert response.status_code == 400
    assert "Choose the zip file of a course." in response.get_data(as_text=True)


def test_duplicate_slug_is_refused_and_the_existing_course_kept(teacher, login):
    build_course(teacher.user)
    before = snapshot(services.course_by_slug("osnovy"))
    exported = teacher.get("/courses/osnovy/export.zip").data
    changed = exported.replace("Права".encode(), "Нет".encode())
    response = upload(teacher, changed)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "A course with the address osnovy already exists." in text
    assert "Replace the existing course" in text
    other = login("instructor")
    text = upload(other, changed).get_data(as_text=True)
    assert "Give another address to import it as a new course." in text
    refused = upload(other, changed, replace="y")
    assert "You can replace only the courses you teach." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert snapshot(services.course_by_slug("osnovy")) == before
    assert count(Course) == 1


def test_replace_updates_content_and_keeps_progress(teacher, login):
    course = build_course(teacher.user)
    services.set_published(course, True)
    student = login("student")
    student.post("/courses/osnovy/enrol")
    kept = course.modules[0].items[0]
    dropped_id = course.modules[1].items[0].id
    student.post(f"/courses/osnovy/items/{kept.id}/done")
    student.post(f"/courses/osnovy/items/{dropped_id}/done")

    data = services.export_data(services.course_by_slug("osnovy"))
    data.title = "Основы защиты, 2-е издание"
    data.modules[0].items[0].body = "Обновлённый текст"
    data.modules[1].items[0].slug = "zhaloba-v-sud"
    data.modules[1].items[0].title = "Жалоба в суд"
    response = upload(teacher, bundle.write_zip(data), replace="y")
    assert response.status_code == 302
    db.session.expire_all()
    course = services.course_by_slug("osnovy")
    assert course.title == "Основы защиты, 2-е издание" and course.published
    item = db.session.get(Item, kept.id)
    assert item is not None and item.body == "Обновлённый текст"
    assert [(i.slug, i.title) for i in course.modules[1].items] == [
        ("zhaloba-v-sud", "Жалоба в суд")
    ]
    assert count(Enrolment) == 1
    assert db.session.scalars(db.select(Completion.item_id)).all() == [kept.id]


class BrokenKind(ItemKind):
    """A kind whose importer refuses its data, as the quizzes package does for bad GIFT."""

    def import_item(self, item, front_matter, files):
        raise ItemImportError("строка 3: неизвестный тип вопроса")


@pytest.fixture
def broken_kind(app):
    register_item_kind("broken", BrokenKind())
    yield
    unregister_item_kind("broken")


def test_import_is_all_or_nothing(teacher, broken_kind):
    """A refusal late in the import leaves the database as it was."""
    build_course(teacher.user)
    before = snapshot(services.course_by_slug("osnovy"))
    data = services.export_data(services.course_by_slug("osnovy"))
    data.title = "Изменено"
    data.modules.insert(0, bundle.ModuleData("novyj", "Новый модуль", "", []))
    data.modules[1].items[0].body = "Изменено"
    del data.modules[2].items[0]
    data.modules[2].items.append(bundle.ItemData("plohoj", "Плохой", kind="broken"))
    exported = bundle.write_zip(data)
    response = upload(teacher, exported, replace="y")
    assert response.status_code == 400
    assert "zhaloby/plohoj: строка 3: неизвестный тип вопроса" in response.get_data(as_text=True)
    db.session.expire_all()
    assert snapshot(services.course_by_slug("osnovy")) == before
    assert count(Module) == 2 and count(Course) == 1


def test_invalid_data_from_code_is_refused(teacher):
    data = services.export_data(build_course(teacher.user))
    data.slug = "drugoj"
    data.modules[1].items.append(bundle.ItemData("zhaloba-prokuroru", "Дубль"))
    with pytest.raises(services.CourseError):
        services.import_course(data, actor=teacher.user)
    assert count(Course) == 1


# --------------------------------------------------------------------------- CLI


def test_cli_export_and_import(app, tmp_path, teacher):
    build_course(teacher.user)
    runner = app.test_cli_runner()
    target = tmp_path / "osnovy.zip"
    result = runner.invoke(args=["courses", "export", "osnovy", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == services.export_zip(services.course_by_slug("osnovy"))

    again = runner.invoke(args=["courses", "export", "osnovy", "-o", str(target)])
    assert again.exit_code != 0 and "already exists" in again.output

    result = runner.invoke(
        args=["courses", "import", str(target), "--slug", "kopiya", "--instructor",
              teacher.user.username, "--publish"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Course kopiya created: 2 modules, 3 items, published." in result.output
    copy = services.course_by_slug("kopiya")
    assert copy.published and [u.id for u in copy.instructors] == [teacher.user.id]

    duplicate = runner.invoke(args=["courses", "import", str(target)])
    assert duplicate.exit_code != 0 and "--replace" in duplicate.output
    replaced = runner.invoke(args=["courses", "import", str(target), "--replace"])
    assert replaced.exit_code == 0 and "replaced" in replaced.output


def test_cli_folder_export_and_import(app, tmp_path, teacher):
    build_course(teacher.user)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "export", "osnovy", "--folder", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "osnovy" / "course.md").is_file()
    result = runner.invoke(
        args=["courses", "import", str(tmp_path / "osnovy"), "--slug", "iz-papki"]
    )
    assert result.exit_code == 0, result.output
    assert snapshot(services.course_by_slug("iz-papki")) == snapshot(
        services.course_by_slug("osnovy")
    )


def test_cli_errors_exit_non_zero(app, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    result = runner.invoke(args=["courses", "import", str(bad)])
    assert result.exit_code != 0
    assert "cannot import" in result.output
    missing = runner.invoke(args=["courses", "export", "none", "-o", str(tmp_path / "x.zip")])
    assert missing.exit_code != 0 and "no course" in missing.output
    nobody = runner.invoke(args=["courses", "import", str(bad), "--instructor", "ghost"])
    assert nobody.exit_code != 0 and "no user" in nobody.output
    assert count(Course) == 0


# --------------------------------------------------------------------------- demo


def test_demo_seeder_imports_the_demo_course(app, make_user, without_quiz_kind):
    from school import hooks

    instructor = make_user("instructor", username="demo_teacher")
    order, seeder = hooks.demo_seeders["courses"]
    assert order == 20
    log = []
    seeder({"instructor": instructor}, log.append)
    course = services.course_by_slug("public-defender-basics")
    assert course.published and course.demo
    assert [u.id for u in course.instructors] == [instructor.id]
    assert len(course.modules) >= 3
    assert sum(1 for i in course.items() if i.kind == "lesson") >= 8
    assert sum(1 for i in course.items() if i.kind == "quiz") >= 2
    assert any("quiz" in line for line in log)  # the quiz settings wait for the quizzes package
    seeder({"instructor": instructor}, log.append)  # idempotent
    assert count(Course) == 1
    # The imported demo course exports back to its folder's lessons.
    exported = services.export_data(course)
    source = bundle.read_folder(DEMO)
    assert [(m.slug, m.title, m.body) for m in exported.modules] == [
        (m.slug, m.title, m.body) for m in source.modules
    ]
    assert [(i.slug, i.title, i.body) for m in exported.modules for i in m.items] == [
        (i.slug, i.title, i.body) for m in source.modules for i in m.items
    ]
