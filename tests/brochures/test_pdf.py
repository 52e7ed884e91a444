"""Brochure and memo PDFs, read back with pypdf: sizes, fonts, contents, bookmarks, safety."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest

from brochures import rendering, services
from brochures.imposition import booklet_order
from brochures.layout import anchor_for
from school.extensions import db
from tests import pdfs
from tests.finance import factories as f

A5 = (419.53, 595.28)
A4 = (595.28, 841.89)
PT_NAMES = {
    f"{family}{style}"
    for family in f.PT_FAMILIES
    for style in ("", "-Bold", "-Italic", "-Bold-Italic")
}
LONG_ANSWER = "\n\n".join(
    [
        f.PARAGRAPH * 3,
        'Закон "Об исполнительном производстве" -- главный.',
        "### Что делать\n\n- написать заявление;\n- приложить *копию* паспорта.",
        f.PARAGRAPH * 4,
    ]
)


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


@pytest.fixture(scope="module")
def _module_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pdf-cache")


@pytest.fixture(autouse=True)
def _shared_pdf_cache(app_config, _module_cache):
    # The same brochure is built by several tests: render it once for the whole module.
    app_config["PDF_CACHE_DIR"] = str(_module_cache)


@pytest.fixture
def staff(make_user):
    return make_user("staff", username="editor")


@pytest.fixture
def booklet(staff):
    """A small two-section brochure: long enough for running heads and a real contents page."""
    pensions, loans = f.topic("pensions", "Пенсии"), f.topic("loans", "Кредиты")
    first = f.entry(
        staff, "pension", "Как получать пенсию в колонии?", full_answer=LONG_ANSWER,
        topics=[pensions], valid_as_of=date(2025, 3, 1), demo=True,
    )  # fmt: skip
    second = f.entry(
        staff, "deductions", "Что могут удерживать из пенсии?", full_answer=LONG_ANSWER,
        topics=[pensions], valid_as_of=date(2025, 6, 15),
    )  # fmt: skip
    third = f.entry(
        staff, "husband-loan", "Нужно ли платить кредит мужа?", full_answer=LONG_ANSWER,
        topics=[loans], valid_as_of=date(2024, 11, 20),
    )  # fmt: skip
    return f.brochure(
        staff,
        {"Пенсия": [first, second], "Кредиты и долги": [third]},
        introduction="Эта брошюра — для тех, кто в заключении, и их родных.",
    )


@pytest.fixture
def a5_pdf(booklet) -> bytes:
    return services.build(booklet, "a5").read()


def _toc(pages: list[str]) -> dict[str, int]:
    """Title -> page number printed in the contents (titles may wrap over lines)."""
    toc: dict[str, int] = {}
    start = next(i for i, text in enumerate(pages) if text.lstrip().startswith("Содержание"))
    pending = ""
    for page in pages[start:]:
        if "Введение" in page and not re.search(r"Введение[ .]*\d+", page):
            break
        for line in page.splitlines()[1:]:
            line = line.strip()
            match = re.fullmatch(r"(.*?)[ .]*?(\d+)", line)
            if match and (pending or match[1]):
                title = re.sub(r"[ .]+$", "", f"{pending} {match[1]}".strip())
                toc[title] = int(match[2])
                pending = ""
            elif line and not line.isdigit():
                pending = f"{pending} {line}".strip()
        if pages.index(page) > start + 2:
            break
    return toc


def test_a5_booklet_pages_fonts_text_and_metadata(a5_pdf, app):
    assert f.size_pt(a5_pdf) == A5
    reader = f.reader(a5_pdf)
    assert all((round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) == A5
               for p in reader.pages)  # fmt: skip
    fonts = pdfs.pdf_fonts(a5_pdf)
    assert fonts and all(font.embedded and font.subset for font in fonts)
    assert {font.name for font in fonts} <= PT_NAMES

    text = " ".join(f.page_texts(a5_pdf))
    for fragment in ("Деньги в заключении", "Как получать пенсию в колонии?", "№ 229-ФЗ", "«", "ё"):
        assert fragment in text
    info = reader.metadata
    assert info.title == "Деньги в заключении"
    assert info.author == app.config["ORG_NAME"]
    assert info["/Subject"] == "Ответы на частые вопросы"
    assert reader.trailer["/Root"]["/Lang"] == "ru"


def test_cover_shows_title_edition_and_the_range_of_checked_dates(a5_pdf):
    cover = f.page_texts(a5_pdf)[0]
    assert "Деньги в заключении" in cover
    assert "Издание 1-е" in cover
    # From the oldest "valid as of" of the entries to the newest: never the newest alone.
    assert "Проверено с 20 ноября 2024 г. по 15 июня 2025 г." in " ".join(cover.split())
    assert "Демонстрационные материалы" in cover  # one entry is demo content


def test_contents_page_numbers_are_where_the_entries_start(a5_pdf):
    pages = f.page_texts(a5_pdf)
    toc = _toc(pages)
    titles = {
        "Введение": "Введение",
        "Пенсия": "Пенсия",
        "Как получать пенсию в колонии?": "Как получать пенсию в колонии?",
        "Что могут удерживать из пенсии?": "Что могут удерживать из пенсии?",
        "Кредиты и долги": "Кредиты и долги",
        "Нужно ли платить кредит мужа?": "Нужно ли платить кредит мужа?",
    }
    assert set(titles) <= set(toc), toc
    bookmarks = {title: page for _level, title, page in f.outline(a5_pdf)}
    toc_end = max(i for i, text in enumerate(pages) if "Содержание" in text.splitlines()[0:1])
    for title in titles:
        printed = toc[title]
        first_seen = next(
            i for i, text in enumerate(pages[toc_end + 1 :], start=toc_end + 2) if title in text
        )
        assert printed == first_seen == bookmarks[title], (title, printed, first_seen)
    # Chapters of the booklet start on right-hand (odd) pages.
    for chapter in ("Введение", "Пенсия", "Кредиты и долги"):
        assert toc[chapter] % 2 == 1


def test_bookmarks_are_sections_and_questions(a5_pdf):
    levels = [(level, title) for level, title, _page in f.outline(a5_pdf)]
    assert (1, "Пенсия") in levels and (1, "Кредиты и долги") in levels
    assert (2, "Как получать пенсию в колонии?") in levels
    assert (2, "Нужно ли платить кредит мужа?") in levels
    assert not any(title == "Что делать" for _level, title in levels)  # headings inside answers
    section = [title for level, title in levels if level == 2]
    assert section == [
        "Как получать пенсию в колонии?",
        "Что могут удерживать из пенсии?",
        "Нужно ли платить кредит мужа?",
    ]


def test_running_heads_page_numbers_and_hyphenation(a5_pdf):
    pages = f.page_texts(a5_pdf)
    assert pages[0].strip().splitlines()[-1] != "1"  # no number on the cover
    # A page inside a chapter carries the section title at the top and its number at the foot.
    start = next(i for i, text in enumerate(pages) if text.lstrip().startswith("Пенсия"))
    lines = [line.strip() for line in pages[start + 1].splitlines() if line.strip()]
    assert "Пенсия" in lines
    assert str(start + 2) in lines
    # Russian hyphenation with an ASCII hyphen (the fonts have no U+2010).
    body = "\n".join(pages[start:])
    assert re.search(r"[а-яё]-\n[а-яё]", body)
    assert "\u2010" not in body


def test_every_public_answer_says_valid_as_of(a5_pdf):
    text = " ".join(f.page_texts(a5_pdf))
    for day in ("1 марта 2025", "15 июня 2025", "20 ноября 2024"):
        assert f"Актуально на {day}" in text
    assert "демонстрационный текст, не юридическая консультация" in text
    assert "Федерального закона № 229-ФЗ" in text


@pytest.mark.parametrize(("fmt", "size"), [("a4", A4), ("large", A4)])
def test_other_formats(booklet, fmt, size):
    pdf = services.build(booklet, fmt).read()
    assert f.size_pt(pdf) == size
    assert {font.name for font in pdfs.pdf_fonts(pdf)} <= PT_NAMES
    toc = _toc(f.page_texts(pdf))
    bookmarks = {title: page for _level, title, page in f.outline(pdf)}
    assert toc["Нужно ли платить кредит мужа?"] == bookmarks["Нужно ли платить кредит мужа?"]
    if fmt == "large":
        sizes = f.font_sizes(pdf)
        assert min(sizes) >= 16, sorted(sizes.items())[:5]
        names = {font.name for font in pdfs.pdf_fonts(pdf)}
        assert not any("Italic" in name for name in names)
        assert all(name.startswith("PT-Sans") for name in names)  # one sans face throughout
        lines = "\n".join(f.page_texts(pdf))
        assert not re.search(r"[а-яё]-\n[а-яё]", lines)  # no hyphenation in large print


def test_memo_is_one_page_of_short_answers_on_a4_or_a5(staff):
    pensions = f.topic()
    entries = [
        f.entry(staff, f"q{n}", f"Вопрос номер {n} о пенсии?", short_answer=f"Ответ {n}. " * 8,
                topics=[pensions])
        for n in range(1, 6)
    ]  # fmt: skip
    memo = f.brochure(
        staff, {"Пенсия": entries}, slug="memo", kind="memo", primary_format="memo",
        paper="a5", memo_topic=pensions,
    )  # fmt: skip
    with pytest.raises(services.BrochureError):
        services.build(memo, "a5")
    result = services.build(memo, "memo")
    pdf = result.read()
    assert result.fits and result.pages == 1
    assert f.size_pt(pdf) == A5
    text = f.page_texts(pdf)[0]
    assert "Вопрос номер 5 о пенсии?" in text and "Ответ 5." in text
    assert f.PARAGRAPH[:30] not in text  # full answers are not in a memo

    memo.paper = "a4"
    db.session.commit()
    assert f.size_pt(services.build(memo, "memo").read()) == A4


def test_a_long_memo_is_printed_smaller_to_fit_its_page(staff):
    pensions = f.topic()
    entries = [
        f.entry(staff, f"q{n}", f"Длинный вопрос номер {n}?", short_answer=f.PARAGRAPH,
                topics=[pensions])
        for n in range(1, 8)
    ]  # fmt: skip
    memo = f.brochure(
        staff, {"Пенсия": entries}, slug="memo", kind="memo", primary_format="memo",
        paper="a5", memo_topic=pensions,
    )  # fmt: skip
    result = services.build(memo, "memo")
    assert result.fits and result.pages == 1
    assert result.renders > 1
    assert "Длинный вопрос номер 7?" in f.page_texts(result.read())[0]


HOSTILE = (
    "Текст ответа.\n\n"
    "![x](file:///etc/passwd)\n\n"
    '<img src="file:///etc/passwd">\n\n'
    "![x](http://127.0.0.1:9/x.png)\n\n"
    "![y](/etc/passwd)\n\n"
    "<link rel=attachment href=file:///etc/passwd>\n\n"
    "[ссылка](file:///etc/passwd) и <a rel=attachment href=file:///etc/passwd>вложение</a>"
)


def test_entry_text_cannot_pull_files_or_remote_resources_into_the_pdf(staff):
    hostile = f.entry(staff, "hostile", "Опасный ответ?", full_answer=HOSTILE)
    item = f.brochure(staff, {"Раздел": [hostile]})
    for fmt in ("a5", "large"):
        pdf = services.build(item, fmt).read()
        reader = f.reader(pdf)
        assert "/EmbeddedFiles" not in (reader.trailer["/Root"].get("/Names") or {})
        assert b"EmbeddedFile" not in pdf and b"FileAttachment" not in pdf
        for page in reader.pages:
            xobjects = page["/Resources"].get("/XObject") or {}
            assert not any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())
            for annot in page.get("/Annots") or []:
                annot = annot.get_object()
                assert annot["/Subtype"] != "/FileAttachment"
                assert "/URI" not in (annot.get("/A") or {})
        text = " ".join(f.page_texts(pdf))
        assert "Текст ответа." in text
        assert "root:" not in text and "/bin/" not in text and "nologin" not in text


def test_print_markdown_drops_links_and_keeps_pictures():
    upload = "/images/" + "a" * 64 + ".png"
    text = f"[a](https://example.org) ![b](https://example.org/x.png) **c**\n\n![d]({upload})"
    html = str(rendering.print_markdown(text))
    assert "<a" not in html and "example.org" not in html
    assert "a" in html and "<strong>c</strong>" in html
    assert 'alt="b"' in html  # a picture from another host keeps its alt text, not its address
    assert f'src="{upload}"' in html and 'alt="d"' in html


def test_anchor_ids_are_safe():
    assert anchor_for("Pension In Prison!") == "q-pension-in-prison"
    assert anchor_for("---") == "q-x"


@pytest.mark.slow
def test_booklet_imposition_of_a_real_brochure(booklet, a5_pdf):
    result = services.build(booklet, "a5", impose=True)
    imposed = f.reader(result.read())
    n = len(f.reader(a5_pdf).pages)
    sides = booklet_order(n)
    assert len(imposed.pages) == len(sides) and len(sides) % 2 == 0
    for page in imposed.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    # The first sheet's front holds the back cover (left) and the cover (right).
    first = imposed.pages[0].extract_text()
    assert "Деньги в заключении" in first
    assert result.etag.endswith("-booklet")
    assert imposed.metadata.title == "Деньги в заключении"
    assert {font.name for font in pdfs.pdf_fonts(result.read())} <= PT_NAMES
    again = services.build(booklet, "a5", impose=True)
    assert again.renders == 0 and again.path == result.path
