"""The printable course workbook: PDF structure, typography, table of contents and caching."""

from __future__ import annotations

import logging
import re
from io import BytesIO

import pytest
import weasyprint
from markupsafe import escape
from pypdf import PdfReader

from courses import documents, services
from courses.models import Course, Item
from courses.registry import ItemKind, get_handler, register_item_kind, unregister_item_kind
from school.extensions import db
from school.markdown import render_markdown
from tests import pdfs

PT_FONTS = {
    f"{family}{style}"
    for family in ("PT-Serif", "PT-Sans")
    for style in ("", "-Bold", "-Italic", "-Bold-Italic")
}
PARAGRAPH = (
    "Задержанный вправе пользоваться помощью защитника с момента фактического задержания; "
    "протокол составляется в течение трёх часов, а копию протокола вручают под расписку. "
)
LESSONS = {
    "Встреча с полицией": ["Права", "Обыск", "Протокол"],
    "Жалобы": ["Прокурору", "В суд"],
}


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


class WorksheetKind(ItemKind):
    """A printable exercise kind, plugged in the way the quizzes package does it."""

    label = "Exercise"

    def workbook_html(self, item) -> str:
        return f'<ol class="questions"><li>Вопрос к «{escape(item.title)}»: ______</li></ol>'

    def answer_key_html(self, item) -> str:
        return f"<p>Ответ к «{escape(item.title)}»: молчать.</p>"


@pytest.fixture
def worksheet_kind(app):
    previous = get_handler("exercise")
    register_item_kind("exercise", WorksheetKind())
    yield
    unregister_item_kind("exercise")
    if previous is not None:
        register_item_kind("exercise", previous)


def build(teacher, *, published=True, language="ru", paragraphs=9) -> Course:
    course = services.create_course(
        teacher, title="Основы общественной защиты", slug="osnovy", language=language,
        summary="Что делать при задержании.", description="Курс о главном.",
    )  # fmt: skip
    for module_title, lessons in LESSONS.items():
        module = services.create_module(course, title=module_title, body="Введение в модуль.")
        for title in lessons:
            body = f"## Подзаголовок\n\n{PARAGRAPH * paragraphs}\n\n- пункт\n- ещё пункт"
            services.create_item(module, title=title, body=body)
    if published:
        services.set_published(course, True)
    return db.session.get(Course, course.id)


@pytest.fixture
def teacher(make_user):
    return make_user("instructor", display_name="Анна Петрова")


def toc_entries(page_text: str) -> dict[str, int]:
    entries = {}
    for line in page_text.splitlines():
        if match := re.fullmatch(r"(.+?)[ .]*?(\d+)", line.strip()):
            entries[match[1].rstrip(" .")] = int(match[2])
    return entries


@pytest.fixture
def workbook_pdf(client, teacher) -> bytes:
    build(teacher)
    response = pdfs.fetch(client, "/courses/osnovy/workbook.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return response.data


def test_workbook_structure_fonts_and_text(workbook_pdf):
    pages = pdfs.pdf_text(workbook_pdf)
    assert len(pages) > 2  # more than cover and contents
    assert "Основы общественной защиты" in pages[0]
    assert "Анна Петрова" in pages[0]
    assert "Содержание" in pages[1]
    whole = " ".join(pages)
    for title in ("Права", "Обыск", "Протокол", "Прокурору", "В суд", "Жалобы"):
        assert title in whole
    assert "Задержанный вправе пользоваться помощью защитника" in " ".join(whole.split())
    fonts = pdfs.pdf_fonts(workbook_pdf)
    assert fonts and {font.name for font in fonts} <= PT_FONTS
    assert all(font.embedded for font in fonts)


def test_table_of_contents_gives_the_pages_where_lessons_start(workbook_pdf):
    pages = pdfs.pdf_text(workbook_pdf)
    toc = toc_entries(pages[1])
    lessons = [title for titles in LESSONS.values() for title in titles]
    assert set(lessons) <= set(toc), toc
    for title in lessons:
        start = next(
            number
            for number, text in enumerate(pages[2:], start=3)
            if title in [line.strip() for line in text.splitlines()]
        )
        assert toc[title] == start, (title, toc)
    starts = [toc[title] for title in lessons]
    assert starts == sorted(starts) and len(set(starts)) > 2
    assert toc["Модуль 1. Встреча с полицией"] == toc["Права"]


def test_page_numbers_running_heads_and_metadata(workbook_pdf):
    pages = pdfs.pdf_text(workbook_pdf)
    assert not re.search(r"^\s*1\s*$", pages[0], re.MULTILINE)  # the cover has no number
    for number, text in enumerate(pages[2:], start=3):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert str(number) in lines, (number, lines)
    # Above the page number at the foot of the text: the running head, the current title.
    titles = {title for lessons in LESSONS.values() for title in lessons} | set(LESSONS)
    for text in pages[3:]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[-2] in titles, lines[-3:]
    reader = PdfReader(BytesIO(workbook_pdf))
    assert reader.metadata.title == "Основы общественной защиты"
    assert reader.metadata.author == "Анна Петрова"
    assert reader.trailer["/Root"]["/Lang"] == "ru"


def test_lesson_headings_nest_under_the_lesson_in_the_outline(workbook_pdf):
    # A lesson's "##" (h2 on its web page, under the page's h1) prints as h3 under the lesson's
    # h2 title, so the bookmarks read module > lesson > section and never feed the running head.
    reader = PdfReader(BytesIO(workbook_pdf))
    found = []

    def walk(items, level):
        for entry in items:
            if isinstance(entry, list):
                walk(entry, level + 1)
            else:
                found.append((level, entry.title))

    walk(reader.outline, 1)
    chapters = [(level, title) for level, title in found if title in LESSONS]
    assert chapters == [(1, title) for title in LESSONS]
    lessons = [title for titles in LESSONS.values() for title in titles]
    assert [(level, title) for level, title in found if title in lessons] == [
        (2, title) for title in lessons
    ]
    sections = [level for level, title in found if title == "Подзаголовок"]
    assert sections == [3] * len(lessons)


def test_the_course_description_nests_under_about_the_course(app, teacher):
    course = build(teacher)
    course.description = "### Для кого\n\nТекст.\n\n#### Подробнее\n\nЕщё."
    db.session.commit()
    with app.test_request_context():
        html = documents.workbook_html(course)
    about = html[html.index('<h1 id="about">') :]
    assert re.findall(r"<h(\d)>(Для кого|Подробнее)</h\d>", about) == [
        ("2", "Для кого"),
        ("3", "Подробнее"),
    ]


@pytest.mark.parametrize(
    ("source", "top", "expected"),
    [
        ("## Раздел\n\n### Пункт\n\nТекст", 3, "<h3>Раздел</h3>\n<h4>Пункт</h4>"),
        ("### Раздел\n\n#### Пункт", 3, "<h3>Раздел</h3>\n<h4>Пункт</h4>"),  # older lessons
        ("#### Пункт\n\n## Раздел", 3, "<h5>Пункт</h5>\n<h3>Раздел</h3>"),
        ("## Р\n\n###### Мелко", 3, "<h3>Р</h3>\n<h6>Мелко</h6>"),
        ("Текст `<h2>` и <h2>сырой</h2>", 3, "&lt;h2&gt;"),
    ],
)
def test_nest_headings(source, top, expected):
    html = documents.nest_headings(render_markdown(source), top)
    assert expected in html
    assert "<h2>" not in html


def test_russian_text_is_hyphenated(workbook_pdf):
    lines = [line.strip() for page in pdfs.pdf_text(workbook_pdf) for line in page.splitlines()]
    assert any(re.search(r"[а-яё]-$", line) for line in lines)


def test_hyphenation_follows_the_course_language(app, teacher):
    course = build(teacher, language="en", paragraphs=1)
    with app.test_request_context():
        html = documents.workbook_html(course)
    assert '<html lang="en"' in html
    assert "Contents" in html and "Содержание" not in html


def test_worksheets_and_answer_key_come_from_the_registry(app, client, teacher, worksheet_kind):
    course = build(teacher, paragraphs=1)
    module = course.modules[0]
    db.session.add(Item(module=module, kind="exercise", slug="upr", title="Упражнение",
                        body="Ответьте письменно.", position=9))  # fmt: skip
    db.session.add(Item(module=module, kind="unknown", slug="neizv", title="Неизвестное",
                        body="Не печатается.", position=10))  # fmt: skip
    db.session.commit()
    pages = pdfs.pdf_text(pdfs.fetch(client, "/courses/osnovy/workbook.pdf").data)
    whole = " ".join(" ".join(pages).split())
    assert "Вопрос к «Упражнение»" in whole
    assert "Не печатается" not in whole and "Неизвестное" not in whole
    key_start = next(i for i, text in enumerate(pages) if "Ответ к «Упражнение»" in text)
    assert key_start == len(pages) - 1  # the answer key is at the end
    assert "Ответы к заданиям" in pages[key_start]
    assert "Ответы к заданиям" in toc_entries(pages[1])


def test_second_download_comes_from_the_cache(client, teacher, monkeypatch):
    renders = []
    original = weasyprint.HTML.render

    def counting(self, *args, **kwargs):
        renders.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", counting)
    course = build(teacher, paragraphs=1)
    first = pdfs.fetch(client, "/courses/osnovy/workbook.pdf")
    second = pdfs.fetch(client, "/courses/osnovy/workbook.pdf")
    assert len(renders) == 1
    assert first.data == second.data
    etag = first.headers["ETag"]
    assert etag == second.headers["ETag"] and "no-cache" in first.headers["Cache-Control"]
    not_modified = pdfs.fetch(
        client, "/courses/osnovy/workbook.pdf", headers={"If-None-Match": etag}
    )
    assert not_modified.status_code == 304 and not not_modified.data
    assert len(renders) == 1
    # A change to the course makes a new edition.
    item = course.modules[0].items[0]
    services.update_item(item, title="Права задержанного", slug=item.slug, body="Новое.",
                         required=True)  # fmt: skip
    changed = pdfs.fetch(client, "/courses/osnovy/workbook.pdf", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert len(renders) == 2


def test_workbook_is_public_for_published_courses_only(client, login, teacher):
    build(teacher, published=False, paragraphs=1)
    assert pdfs.fetch(client, "/courses/osnovy/workbook.pdf").status_code == 404
    assert pdfs.fetch(login("student"), "/courses/osnovy/workbook.pdf").status_code == 404
    assert pdfs.fetch(login(user=teacher), "/courses/osnovy/workbook.pdf").status_code == 200


@pytest.mark.slow
def test_demo_course_workbook(client, make_user):
    from school import hooks

    _order, seeder = hooks.demo_seeders["courses"]
    seeder({"instructor": make_user("instructor", display_name="Анна Петрова")}, lambda _: None)
    course = services.course_by_slug("public-defender-basics")
    pdf = pdfs.fetch(client, "/courses/public-defender-basics/workbook.pdf").data
    pages = pdfs.pdf_text(pdf)
    assert len(pages) > 10
    assert {font.name for font in pdfs.pdf_fonts(pdf)} <= pdfs.bundled_font_names()
    toc = toc_entries(pages[1])
    lessons = [item.title for item in course.items() if item.kind == "lesson"]
    assert len(lessons) >= 8
    for title in lessons:
        start = next(
            number
            for number, text in enumerate(pages[2:], start=3)
            if title in [line.strip() for line in text.splitlines()]
        )
        assert toc[title] == start, (title, toc)
    lines = [line.strip() for page in pages for line in page.splitlines()]
    assert any(re.search(r"[а-яё]-$", line) for line in lines)
    assert "демонстрационный материал" in " ".join(" ".join(pages).split()).lower()
