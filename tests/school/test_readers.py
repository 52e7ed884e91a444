"""The postal-reader register: people served by post, without an account."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from school import hooks, readers
from school.extensions import db
from school.models import PostalReader

NAMES = [
    "Şəhriyar Məmmədov",
    "Արամ Պետրոսյան",
    "ნინო ბერიძე",
    "Γιώργος Παπαδόπουλος",
    "王小明",
    "Nguyễn Văn An",
    "Ёлкин Щукин-Ъ",
]


@pytest.mark.parametrize("name", NAMES)
def test_names_in_any_script_are_kept_as_written(app, name):
    reader = readers.create_reader(name)
    assert db.session.get(PostalReader, reader.id).name == name


def test_a_reader_without_a_reference_is_numbered_from_the_register(app):
    first = readers.create_reader("Иван Петров")
    second = readers.create_reader("Пётр Иванов")
    assert first.reference == f"{first.id:06d}"
    assert second.reference == f"{second.id:06d}"


def test_a_numbered_reference_already_typed_by_staff_is_skipped(app):
    readers.create_reader("Анна", reference="000002")
    numbered = readers.create_reader("Борис")
    assert numbered.reference != "000002"
    assert readers.reader_by_reference(numbered.reference) is numbered


def test_references_are_unique_whatever_the_case_or_width(app):
    readers.create_reader("Анна", reference="ИК-2/15")
    with pytest.raises(readers.ReaderError) as refused:
        readers.create_reader("Мария", reference="ик-2/15")
    assert refused.value.field == "reference"
    with pytest.raises(readers.ReaderError):
        readers.create_reader("Мария", reference="ＩＫ-2/15".replace("ＩＫ", "ИК"))
    assert db.session.scalar(select(func.count(PostalReader.id))) == 1


@pytest.mark.parametrize(
    ("name", "reference", "field"),
    [
        ("", "", "name"),
        ("   ", "", "name"),
        ("x" * 201, "", "name"),
        ("Анна", "две части", "reference"),
        ("Анна", "a" * 33, "reference"),
        ("Анна", "pending:1", "reference"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(app, name, reference, field):
    with pytest.raises(readers.ReaderError) as refused:
        readers.create_reader(name, reference)
    assert refused.value.field == field


def test_names_are_one_line(app):
    reader = readers.create_reader("Анна\r\nИванова\t ")
    assert reader.name == "Анна Иванова"


def test_the_register_is_found_by_name_in_any_case_and_by_reference(app):
    readers.create_reader("Ёлкина Анна", reference="A-1")
    readers.create_reader("Петров Иван", reference="B-2")
    assert [r.name for r in readers.list_readers(1, "ёлкина").items] == ["Ёлкина Анна"]
    assert [r.name for r in readers.list_readers(1, "b-2").items] == ["Петров Иван"]
    assert [r.name for r in readers.list_readers(1, "50%").items] == []


def test_export_holds_the_reader_and_what_features_keep(app, monkeypatch):
    monkeypatch.setitem(hooks.reader_exporters, "letters", lambda reader: ["a letter"])
    reader = readers.create_reader("Анна", reference="A-1", note="пишет крупно")
    data = readers.export_reader(reader)
    assert data["reader"]["name"] == "Анна"
    assert data["reader"]["reference"] == "A-1"
    assert data["reader"]["note"] == "пишет крупно"
    assert data["letters"] == ["a letter"]


def test_erasure_runs_every_feature_eraser_then_removes_the_reader(app, monkeypatch):
    erased = []
    monkeypatch.setitem(hooks.reader_erasers, "letters", lambda reader: erased.append(reader.id))
    reader = readers.create_reader("Анна")
    reader_id = reader.id
    readers.erase_reader(reader)
    assert erased == [reader_id]
    assert db.session.get(PostalReader, reader_id) is None


def test_staff_keep_the_register_on_the_web(app, login):
    staff = login("staff")
    page = staff.get("/readers/")
    assert page.status_code == 200
    created = staff.post("/readers/new", data={"name": "Şəhriyar Məmmədov", "reference": ""})
    assert created.status_code == 302
    reader = db.session.scalar(select(PostalReader))
    reader_id = reader.id
    assert "Şəhriyar Məmmədov" in staff.get(f"/readers/{reader.id}").get_data(as_text=True)
    saved = staff.post(
        f"/readers/{reader.id}", data={"name": "Şəhriyar Məmmədov", "reference": "Z-9", "note": ""}
    )
    assert saved.status_code == 302
    export = staff.get(f"/readers/{reader.id}/export.json")
    assert export.headers["Cache-Control"] == "private, no-store"
    assert json.loads(export.data)["reader"]["reference"] == "Z-9"
    assert staff.get("/readers/?q=z-9").get_data(as_text=True).count("Şəhriyar") == 1
    refused = staff.post(f"/readers/{reader.id}/delete", data={})
    assert refused.status_code == 200
    assert db.session.get(PostalReader, reader.id) is not None
    deleted = staff.post(f"/readers/{reader_id}/delete", data={"confirm": "y"})
    assert deleted.status_code == 302
    assert db.session.get(PostalReader, reader_id) is None


def test_a_taken_reference_is_shown_on_its_field_and_nothing_typed_is_lost(app, login):
    readers.create_reader("Анна", reference="A-1")
    staff = login("staff")
    page = staff.post("/readers/new", data={"name": "Мария Иванова", "reference": "a-1"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Мария Иванова" in body
    assert 'id="reference-error"' in body


@pytest.mark.parametrize("role", ["student", "instructor"])
def test_only_staff_see_the_register(app, login, role):
    reader = readers.create_reader("Анна")
    client = login(role)
    for url in (
        "/readers/",
        "/readers/new",
        f"/readers/{reader.id}",
        f"/readers/{reader.id}/export.json",
    ):
        assert client.get(url).status_code == 403


def test_the_register_page_costs_the_same_queries_whatever_its_size(app, login):
    from sqlalchemy import event

    staff = login("staff")

    def statements() -> int:
        count = 0

        def seen(*args):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert staff.get("/readers/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        return count

    readers.create_reader("Анна")
    small = statements()
    for number in range(120):
        db.session.add(
            PostalReader(
                name=f"Читатель {number}",
                name_key=f"читатель {number}",
                reference=f"R{number}",
                reference_key=f"r{number}",
                note="",
            )
        )
    db.session.commit()
    assert statements() == small
