"""GIFT on the web and in the CLI: upload, preview, confirm; errors with line numbers and nothing
saved; the export download; the round trip of every question type through the database."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from quizzes import services
from quizzes.gift import parse_gift
from quizzes.models import Question, Quiz
from school.extensions import db
from tests.quizzes.conftest import ALL_TYPES_GIFT, TYPES_IN_ORDER

DATA = Path(__file__).parent / "data"
EN = {"Accept-Language": "en"}


def bank(quiz) -> list[Question]:
    return list(db.session.get(Quiz, quiz.id).questions)


def upload(client, quiz, text: str | bytes, **extra):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        f"/quizzes/{quiz.id}/import",
        data={"file": (io.BytesIO(data), "questions.gift"), **extra},
        content_type="multipart/form-data",
        headers=EN,
    )


@pytest.fixture
def editor(make_quiz, login):
    setup = make_quiz(gift=None)
    return setup, login(user=setup.instructor)


def test_upload_shows_a_preview_and_saves_only_on_confirmation(editor):
    setup, client = editor
    response = upload(client, setup.quiz, ALL_TYPES_GIFT)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The file holds 6 questions." in page
    assert page.count('class="quiz-question quiz-preview"') == 6
    # As a student would see them (disabled controls), with the right answers marked.
    assert 'type="radio" name="qp1" value="0" disabled' in page
    assert "Accepted answers" in page and "доверенность" in page
    assert "Categories: Тест/Все типы" in page
    assert bank(setup.quiz) == []

    # Only the text travels back, and it is parsed again.
    response = client.post(
        f"/quizzes/{setup.quiz.id}/import/confirm",
        data={"gift_text": ALL_TYPES_GIFT, "replace": ""},
        headers=EN,
    )
    assert response.status_code == 302
    rows = bank(setup.quiz)
    assert [row.type for row in rows] == TYPES_IN_ORDER
    assert rows[0].category == "Тест/Все типы"
    assert [row.question for row in rows] == parse_gift(ALL_TYPES_GIFT).questions


def test_pasted_text_works_too_and_replace_swaps_the_bank(make_quiz, login):
    setup = make_quiz()
    client = login(user=setup.instructor)
    text = "Адвоката можно потребовать сразу. {T}"
    response = client.post(
        f"/quizzes/{setup.quiz.id}/import", data={"text": text, "replace": "y"}, headers=EN
    )
    page = response.get_data(as_text=True)
    assert "The quiz's current 6 questions will be replaced." in page
    hidden = dict(re.findall(r'<input id="\w+" name="(\w+)" type="hidden" value="([^"]*)"', page))
    assert hidden == {"gift_text": text, "replace": "1"}
    client.post(f"/quizzes/{setup.quiz.id}/import/confirm", data=hidden)
    assert [row.type for row in bank(setup.quiz)] == ["truefalse"]


def test_a_broken_file_lists_every_error_by_line_and_saves_nothing(editor):
    setup, client = editor
    broken = (DATA / "broken.gift").read_text(encoding="utf-8")
    response = upload(client, setup.quiz, broken)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The file was not imported" in page
    for line in (4, 7, 11, 16, 19, 23, 25, 35, 38, 41, 44, 49):
        assert f"Line {line}: " in page, line
    # Moodle accepts line 32 (weights not adding up to 100%), the essay and the description.
    for line in (32, 53, 56):
        assert f"Line {line}: " not in page, line
    assert "The answers opened with { are not closed with }." in page
    assert "Import these questions" not in page
    assert bank(setup.quiz) == []

    # A forged confirmation with the broken text saves nothing either.
    response = client.post(
        f"/quizzes/{setup.quiz.id}/import/confirm", data={"gift_text": broken}, headers=EN
    )
    assert response.status_code == 302
    assert bank(setup.quiz) == []


def test_essays_descriptions_and_warnings_show_in_the_preview(editor):
    setup, client = editor
    gift = (
        "$CATEGORY: $course$/top/Права/Суд\n\nРасскажите о себе. {}\n\n"
        "Прочтите текст ниже.\n\nКак дела? {=%50%хорошо}\n"
    )
    page = upload(client, setup.quiz, gift)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Accepted as Moodle accepts them, but check these" in text
    assert "Line 7: " in text
    assert "Categories: Права/Суд" in text
    assert "Прочтите текст ниже." in text
    assert bank(setup.quiz) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Вопрос {T}".encode("cp1251"), "The file is not UTF-8 text."),
        (b"", "Choose a GIFT file or paste its text."),
        (b"// only a comment\n", "The file holds no questions."),
    ],
)
def test_unreadable_files_get_a_clear_message(editor, content, message):
    setup, client = editor
    response = upload(client, setup.quiz, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_export_download(make_quiz, login):
    setup = make_quiz()
    response = login(user=setup.instructor).get(f"/quizzes/{setup.quiz.id}/export.gift")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert 'filename="' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("$CATEGORY: Тест/Все типы")
    assert [q.type for q in parse_gift(text).questions] == TYPES_IN_ORDER


def test_round_trip_of_every_type_through_the_database(make_quiz):
    sample = (DATA / "sample_ru.gift").read_text(encoding="utf-8")
    first = make_quiz(ALL_TYPES_GIFT + "\n" + sample)
    original = [row.question for row in bank(first.quiz)]
    assert {q.type for q in original} == set(TYPES_IN_ORDER)

    exported = services.export_gift(db.session.get(Quiz, first.quiz.id))
    second = make_quiz(exported, instructor=first.instructor)
    again = [row.question for row in bank(second.quiz)]
    assert again == original
    assert services.export_gift(db.session.get(Quiz, second.quiz.id)) == exported


def test_cli_import_and_export(app, make_quiz, tmp_path):
    setup = make_quiz(gift=None)
    runner = app.test_cli_runner()
    source = tmp_path / "bank.gift"
    source.write_text(ALL_TYPES_GIFT, encoding="utf-8")
    result = runner.invoke(
        args=["quizzes", "import-gift", str(source), "--quiz", str(setup.quiz.id)]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 6 question(s)" in result.output
    db.session.rollback()
    assert [row.type for row in bank(setup.quiz)] == TYPES_IN_ORDER

    target = tmp_path / "out.gift"
    result = runner.invoke(
        args=["quizzes", "export-gift", "--quiz", str(setup.quiz.id), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert (
        parse_gift(target.read_text(encoding="utf-8")).questions
        == parse_gift(ALL_TYPES_GIFT).questions
    )


def test_cli_refuses_a_broken_file_listing_every_line(app, make_quiz):
    setup = make_quiz(gift=None)
    runner = app.test_cli_runner()
    broken = DATA / "broken.gift"
    result = runner.invoke(
        args=["quizzes", "import-gift", str(broken), "--quiz", str(setup.quiz.id)]
    )
    assert result.exit_code != 0
    for line in (4, 7, 11, 16, 19, 23, 25, 35, 38, 41, 44, 49):
        assert f"Line {line}: " in result.output, line
    assert "nothing was imported" in result.output
    db.session.rollback()
    assert bank(setup.quiz) == []


@pytest.mark.parametrize(
    "args",
    [
        ["quizzes", "import-gift", "missing.gift", "--quiz", "{quiz}"],
        ["quizzes", "import-gift", "{file}", "--quiz", "999999"],
        ["quizzes", "export-gift", "--quiz", "999999", "-o", "out.gift"],
        ["quizzes", "export-gift", "--quiz", "{quiz}", "-o", "/nonexistent/dir/out.gift"],
    ],
)
def test_cli_errors_exit_non_zero(app, make_quiz, tmp_path, args):
    setup = make_quiz(gift=None)
    source = tmp_path / "bank.gift"
    source.write_text(ALL_TYPES_GIFT, encoding="utf-8")
    args = [a.format(quiz=setup.quiz.id, file=source) for a in args]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert "Error:" in result.output
