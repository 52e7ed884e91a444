"""Paper quizzes: the worksheet and the answer key as PDFs read back with pypdf, and the
worksheets and answers of the course workbook."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from courses import documents
from courses.registry import get_handler
from quizzes import paper
from quizzes.models import Quiz
from school.extensions import db
from school.timeutil import now_utc
from tests import pdfs
from tests.pdfs import pdf_fonts, pdf_text
from tests.quizzes.conftest import visible

PT_FONTS = {
    f"{family}{style}"
    for family in ("PT-Serif", "PT-Sans")
    for style in ("", "-Bold", "-Italic", "-Bold-Italic")
}
# Printed only in the answer key: a right short answer, an explanation, a matching key.
KEY_ONLY = ["доверенность", "Ст. 182 УПК РФ.", "Ст. 170 УПК."]


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.split()) for page in pdf_text(pdf))


def fetch(client, url: str) -> bytes:
    response = pdfs.fetch(client, url)
    try:
        assert response.status_code == 200, url
        assert response.mimetype == "application/pdf"
        return response.get_data()
    finally:
        response.close()


@pytest.mark.slow
def test_worksheet_and_answer_key(make_quiz, login):
    setup = make_quiz()
    client = login(user=setup.instructor)
    sheet = fetch(client, f"/quizzes/{setup.quiz.id}/paper.pdf")
    key = fetch(client, f"/quizzes/{setup.quiz.id}/answer-key.pdf")
    sheet_text, key_text = text_of(sheet), text_of(key)

    # Russian text is extractable; the labels follow the course's language.
    assert "Какой документ предъявляют до начала обыска?" in sheet_text
    assert "Вопрос 1" in sheet_text and "Вопрос 6" in sheet_text
    assert "Отметьте один ответ." in sheet_text
    assert "Верно" in sheet_text and "Неверно" in sheet_text
    # Choices are lettered; matching has two columns: numbered items, lettered matches.
    assert "а) постановление" in sheet_text or "а)постановление" in sheet_text.replace(" ", "")
    assert re.search(r"1\. Ст\. 51 Конституции", sheet_text)
    assert re.search(r"А\. (не свидетельствовать|неприкосновенность|права|право)", sheet_text)
    for secret in KEY_ONLY:
        assert secret not in sheet_text
        assert secret in key_text
    assert "Ответы: Тест по модулю" in key_text
    assert re.search(r"1 — [АБВГ]", key_text)
    assert "→" in key_text and "->" not in key_text  # matching pairs keep their arrow

    for pdf in (sheet, key):
        fonts = pdf_fonts(pdf)
        assert {font.name for font in fonts} <= pdfs.bundled_font_names()
        assert all(font.embedded for font in fonts)
    info = PdfReader(BytesIO(key)).metadata
    assert info.title == "Ответы: Тест по модулю"


@pytest.mark.slow
def test_page_formats(make_quiz, login):
    setup = make_quiz()
    client = login(user=setup.instructor)

    def width_mm(pdf: bytes) -> int:
        return round(float(PdfReader(BytesIO(pdf)).pages[0].mediabox.width) * 25.4 / 72)

    assert width_mm(fetch(client, f"/quizzes/{setup.quiz.id}/paper.pdf?format=a5")) == 148
    large = fetch(client, f"/quizzes/{setup.quiz.id}/paper.pdf?format=large")
    normal = fetch(client, f"/quizzes/{setup.quiz.id}/paper.pdf?format=nonsense")
    assert width_mm(large) == width_mm(normal) == 210
    assert len(PdfReader(BytesIO(large)).pages) > len(PdfReader(BytesIO(normal)).pages)


def drawn_text(pdf: bytes, index: int) -> list[tuple[float, float, str]]:
    """(height above the foot of the page in mm, size in pt, text) of what a page draws."""
    found = []

    def visit(text, cm, tm, _font, size) -> None:
        if text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((y * 25.4 / 72, round(size * scale, 2), text.strip()))

    PdfReader(BytesIO(pdf)).pages[index].extract_text(visitor_text=visit)
    return found


@pytest.mark.slow
def test_large_print_running_head_and_page_numbers_are_at_least_16pt(make_quiz, login):
    # Not a brochure: the large-print page setup of print.css alone sizes the margin boxes.
    setup = make_quiz()
    client = login(user=setup.instructor)
    pdf = fetch(client, f"/quizzes/{setup.quiz.id}/paper.pdf?format=large")
    pages = pdf_text(pdf)
    assert len(pages) >= 2
    assert {font.name for font in pdf_fonts(pdf)} <= {"PT-Sans", "PT-Sans-Bold"}
    for index in range(1, len(pages)):
        drawn = drawn_text(pdf, index)
        # A4 with margins of 20mm at the head and 24mm at the foot: the boxes are outside them.
        heads = [(size, text) for y, size, text in drawn if y > 297 - 20]
        numbers = [(size, text) for y, size, text in drawn if y < 24]
        assert heads == [(heads[0][0], "Тест по модулю")], heads
        assert numbers == [(numbers[0][0], str(index + 1))], numbers
        body = Counter(size for y, size, _text in drawn if 24 <= y <= 297 - 20).most_common(1)
        assert heads[0][0] >= 16, heads
        assert numbers[0][0] >= 16 and numbers[0][0] >= body[0][0], (numbers, body)


def test_a_quiz_without_questions_has_no_paper(make_quiz, login):
    setup = make_quiz(gift=None)
    client = login(user=setup.instructor)
    assert pdfs.fetch(client, f"/quizzes/{setup.quiz.id}/paper.pdf").status_code == 404
    handler = get_handler("quiz")
    assert handler.workbook_html(setup.item) == ""
    assert handler.answer_key_html(setup.item) == ""


def test_workbook_parts_use_the_same_templates(make_quiz, app):
    setup = make_quiz()
    handler = get_handler("quiz")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        sheet = visible(handler.workbook_html(setup.item))
        key = visible(handler.answer_key_html(setup.item))
    assert "<html" not in sheet and "<html" not in key
    assert "Отметьте один ответ." in sheet  # the course's language, not the reader's
    for secret in KEY_ONLY:
        assert secret not in sheet
        assert secret in key
    with app.test_request_context():
        html = visible(documents.workbook_html(db.session.get(Quiz, setup.quiz.id).course))
    assert "Какой документ предъявляют до начала обыска?" in html
    assert "доверенность" in html


def test_paper_layout_is_stable_and_hides_the_answer_order(make_quiz):
    setup = make_quiz(shuffle_answers=False)
    quiz = db.session.get(Quiz, setup.quiz.id)
    first = paper.paper_questions(quiz)
    assert paper.paper_questions(quiz) == first
    matching = next(q for q in first if q.type == "matching")
    # The right-hand column is shuffled so that it never simply follows the left one.
    letters = [letter for _left, letter in matching.matches]
    assert letters != ["А", "Б", "В"]
    assert sorted(letters + [o.letter for o in matching.rights if o.text == "право на пенсию"]) == [
        "А",
        "Б",
        "В",
        "Г",
    ]
    single = next(q for q in first if q.type == "single")
    assert [o.letter for o in single.options] == ["а", "б", "в"]
    assert single.answers == ["а) постановление"]
    assert single.partial == ["в) решение суда (50%)"]
    numeric = next(q for q in first if q.type == "numeric")
    assert numeric.answers == ["3"] and numeric.partial == ["48 (50%)"]


def test_letters():
    assert paper.letters("ru", 3) == ["а", "б", "в"]
    assert paper.letters("en", 3, upper=True) == ["A", "B", "C"]
    assert paper.letters("ru", 30)[-1] == "бб"


def test_the_right_column_never_lines_up_with_the_items():
    from quizzes.questions import MatchingQuestion, MatchPair

    question = MatchingQuestion(text="?", pairs=(MatchPair("a", "1"), MatchPair("b", "2")))
    for seed in range(50):
        order = paper._right_column(question, f"paper:{seed}")
        assert sorted(order) == [0, 1]
        assert order != [0, 1]


WITHHELD = "Ответы к этому тесту не печатаются"


@pytest.mark.parametrize(
    "settings",
    [
        {"review": "score"},
        {"review": "answers", "review_when": "after_close", "closes_at": "future"},
    ],
    ids=["score only", "not closed yet"],
)
def test_the_workbook_leaves_out_answers_the_quiz_does_not_show(make_quiz, app, settings):
    if settings.get("closes_at") == "future":
        settings = {**settings, "closes_at": now_utc() + timedelta(days=7)}
    setup = make_quiz(**settings)
    with app.test_request_context():
        html = visible(documents.workbook_html(db.session.get(Quiz, setup.quiz.id).course))
    assert "Какой документ предъявляют до начала обыска?" in html  # the worksheet stays
    for secret in KEY_ONLY:
        assert secret not in html
    assert WITHHELD in html


def test_the_workbook_prints_answers_once_the_quiz_shows_them(make_quiz, app):
    closed = now_utc() - timedelta(minutes=1)
    setup = make_quiz(review="answers", review_when="after_close", closes_at=closed)
    with app.test_request_context():
        html = visible(documents.workbook_html(db.session.get(Quiz, setup.quiz.id).course))
    assert all(secret in html for secret in KEY_ONLY)
    assert WITHHELD not in html
