"""Print never loses a character: a stress entry in every format, read back with character boxes.

Each character pdfplumber finds must lie inside its page's text area (the page box minus the
margins that print.css gives the page), except the running head above it and the page number
below it; every letter and digit of the entry must come back in order; no text is smaller than
the format promises (16 pt in large print, 8.5 pt in A5); every heading level looks different;
an image from the site is printed inside the text area with its alt text under it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

import pdfplumber
import pytest
from PIL import Image

from brochures import rendering, services
from brochures.imposition import booklet_order
from school import printing
from school.config import STATIC_DIR
from school.extensions import db
from tests import pdfs
from tests.finance import factories as f

pytestmark = pytest.mark.slow

MM = 72 / 25.4
TOLERANCE = 0.75  # pt: rounding of glyph boxes, far below one character
LONG_WORD = "Превысокомногорассмотрительствующий" * 2  # 70 letters
URL = "https://pravo.example.org/documents/" + "-".join(
    f"razdel{n:03d}" for n in range(1, 40)
)  # a 300-character address without spaces
URL = (URL + "0" * 300)[:300]
CODE_LINE = "ЗАЯВЛЕНИЕ_О_СОХРАНЕНИИ_ПРОЖИТОЧНОГО_МИНИМУМА=" + "1234567890" * 12
IMAGE = "img/stress-figure.png"
ALT = "Схема: куда подать заявление о сохранении прожиточного минимума"
HEADINGS = ["Уровень один", "Уровень два", "Уровень три", "Уровень четыре", "Уровень пять",
            "Уровень шесть"]  # fmt: skip


def _stress_answer(image_url: str) -> tuple[str, list[str]]:
    """The Markdown of the stress entry and the texts that must come back, in order."""
    parts: list[str] = []
    expected: list[str] = []

    def add(markdown: str, *texts: str) -> None:
        parts.append(markdown)
        expected.extend(texts)

    for level, title in enumerate(HEADINGS, start=1):
        add(f"{'#' * level} {title}", title)
        add(f"Текст раздела уровня {level}.", f"Текст раздела уровня {level}.")
    add(f"Адрес закона: {URL}", "Адрес закона:", URL)
    add(f"Длинное слово {LONG_WORD} в середине строки.", f"Длинное слово {LONG_WORD} в середине")
    add(f"```\n{CODE_LINE}\nкороткая строка кода\n```", CODE_LINE, "короткая строка кода")
    rows = ["| № | Документ | Примечание |", "|---|---|---|"]
    cells: list[str] = []
    for n in range(1, 41):
        note = LONG_WORD if n % 10 == 0 else f"копия {n}"
        rows.append(f"| {n} | Справка {n} о доходах | {note} |")
        cells.extend([f"Справка {n} о доходах", note])
    add("\n".join(rows), "Документ", "Примечание", *cells)
    lines = []
    for a in range(1, 4):
        lines.append(f"- Пункт {a}")
        expected.append(f"Пункт {a}")
        for b in range(1, 4):
            lines.append(f"    - Пункт {a}.{b}")
            expected.append(f"Пункт {a}.{b}")
            for c in range(1, 3):
                lines.append(f"        - Пункт {a}.{b}.{c}")
                expected.append(f"Пункт {a}.{b}.{c}")
    parts.append("\n".join(lines))
    add(f"![{ALT}]({image_url})", ALT)
    add("Последний абзац со сноской.[^1]", "Последний абзац со сноской.1")
    add("[^1]: Текст сноски.", "Текст сноски")
    return "\n\n".join(parts), expected


EXPECTED = _stress_answer("/images/picture.png")[1]
QUESTION = f"Как прочитать {LONG_WORD}?"
SHORT = f"Коротко: смотрите {URL} и {LONG_WORD}."
REFERENCE = f"ст. 99 Федерального закона № 229-ФЗ, {LONG_WORD}"


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


@pytest.fixture(scope="module")
def _module_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pdf-cache")


@pytest.fixture(scope="module")
def _static_dir(tmp_path_factory) -> Path:
    """The project's print stylesheets and a picture far wider than any page."""
    static = tmp_path_factory.mktemp("static")
    (static / "css").mkdir()
    for name in ("print.css", "print-brochure.css"):
        (static / "css" / name).write_bytes((STATIC_DIR / "css" / name).read_bytes())
    (static / "img").mkdir()
    Image.new("RGB", (2400, 900), (90, 120, 160)).save(static / IMAGE)
    return static


@pytest.fixture(autouse=True)
def _print_setup(app_config, _module_cache):
    app_config["PDF_CACHE_DIR"] = str(_module_cache)


def _picture() -> bytes:
    """A picture far wider than any page."""
    out = BytesIO()
    Image.new("RGB", (2400, 900), (90, 120, 160)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def uploaded(monkeypatch) -> str:
    """The site path of an uploaded picture, as the print engine's image source serves it."""
    data = _picture()
    name = hashlib.sha256(data).hexdigest() + ".png"
    found = {name: (data, "image/png")}
    monkeypatch.setattr(printing, "_image_source", found.get)
    return "/images/" + name


@pytest.fixture
def stress(make_user, uploaded):
    staff = make_user("staff", username="editor")
    topic = f.topic("stress", "Проверка печати")
    answer, _expected = _stress_answer(uploaded)
    entry = f.entry(
        staff, "stress", QUESTION, short_answer=SHORT, full_answer=answer, topics=[topic],
        references=[REFERENCE], demo=True,
    )  # fmt: skip
    booklet = f.brochure(staff, {"Проверка печати": [entry]}, slug="stress")
    memo = f.brochure(
        staff, {"Проверка печати": [entry]}, slug="stress-memo", kind="memo",
        primary_format="memo", memo_topic=topic,
    )  # fmt: skip
    return booklet, memo


# ------------------------------------------------------------------------------ reading back


def _page_margins() -> dict[str, tuple[float, float, float, float]]:
    """Margins (top, right, bottom, left in pt) of every named @page in the print CSS; a page
    that sets none has those of the unnamed @page rule."""
    names = ("print.css", "print-brochure.css")
    css = "\n".join((STATIC_DIR / "css" / name).read_text() for name in names)
    margins: dict[str, tuple[float, ...]] = {}
    default = None
    for name, body in re.findall(r"@page\s*([\w-]*)\s*\{((?:[^{}]|\{[^{}]*\})*)\}", css):
        found = re.search(r"^\s*margin:\s*([\d.]+)mm(?: ([\d.]+)mm ([\d.]+)mm ([\d.]+)mm)?;", body,
                          re.M)  # fmt: skip
        values = [float(v) * MM for v in found.groups() if v] if found else None
        if values and len(values) == 1:
            values *= 4
        if not name:
            default = default or values
        elif values or name not in margins:
            margins[name] = tuple(values) if values else None
    return {name: value or default for name, value in margins.items()}


MARGINS = _page_margins()


class Char(NamedTuple):
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


class Page(NamedTuple):
    width: float
    height: float
    chars: list[Char]
    images: list[tuple[float, float, float, float]]  # x0, x1, top, bottom


def _pages(pdf: bytes) -> list[Page]:
    pages = []
    with pdfplumber.open(BytesIO(pdf)) as document:
        for page in document.pages:
            chars = [
                Char(c["text"], c["x0"], c["x1"], c["top"], c["bottom"], c["size"])
                for c in page.chars
                if c["text"].strip()
            ]
            images = [(i["x0"], i["x1"], i["top"], i["bottom"]) for i in page.images]
            pages.append(Page(float(page.width), float(page.height), chars, images))
    return pages


def _imposed_pages(pdf: bytes, count: int) -> list[Page]:
    """The A5 pages of imposed sheets, cut at the fold and put back in reading order."""
    halves: dict[int, Page] = {}
    for sheet, (left, right) in zip(_pages(pdf), booklet_order(count), strict=True):
        fold = sheet.width / 2
        for number, offset in ((left, 0.0), (right, fold)):
            if number is None:
                continue
            inside = [c for c in sheet.chars if (c.x0 + c.x1) / 2 >= offset
                      and (c.x0 + c.x1) / 2 < offset + fold]  # fmt: skip
            chars = [c._replace(x0=c.x0 - offset, x1=c.x1 - offset) for c in inside]
            images = [(x0 - offset, x1 - offset, top, bottom)
                      for x0, x1, top, bottom in sheet.images
                      if offset <= (x0 + x1) / 2 < offset + fold]  # fmt: skip
            halves[number] = Page(fold, sheet.height, chars, images)
    return [halves[n] for n in range(1, count + 1)]


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in text if c.isalnum())


class Layout(NamedTuple):
    body: str  # letters and digits inside the text areas, page after page
    outside: list[tuple[int, str, float, float]]  # page, char, x0, top
    margin_text: list[str]  # what each page prints above and below its text area
    images: list[tuple[int, bool]]  # page, inside the text area


def _layout(pages: list[Page], page_names: list[str]) -> Layout:
    body, outside, margin_text, images = [], [], [], []
    for number, (page, name) in enumerate(zip(pages, page_names, strict=True), start=1):
        top, right, bottom, left = MARGINS[name]
        x_min, x_max = left - TOLERANCE, page.width - right + TOLERANCE
        y_min, y_max = top - TOLERANCE, page.height - bottom + TOLERANCE
        head, foot = [], []
        for c in page.chars:
            if not (x_min <= c.x0 and c.x1 <= x_max):
                outside.append((number, c.text, round(c.x0, 1), round(c.top, 1)))
            elif c.bottom <= y_min and c.top >= 0:
                head.append(c.text)  # the running head, in the top margin
            elif c.top >= y_max and c.bottom <= page.height:
                foot.append(c.text)  # the page number, in the bottom margin
            elif y_min <= c.top and c.bottom <= y_max:
                body.append(c.text)
            else:
                outside.append((number, c.text, round(c.x0, 1), round(c.top, 1)))
        margin_text.append("".join(head) + "|" + "".join(foot))
        for x0, x1, y0, y1 in page.images:
            images.append((number, x_min <= x0 and x1 <= x_max and y_min <= y0 and y1 <= y_max))
    return Layout(_normalised("".join(body)), outside, margin_text, images)


def _missing(body: str, expected: list[str]) -> list[str]:
    """The expected texts that do not come back, each searched after the one before."""
    missing, position = [], 0
    for text in expected:
        found = body.find(_normalised(text), position)
        if found < 0:
            missing.append(text)
        else:
            position = found + len(_normalised(text))
    return missing


def _check_margins(layout: Layout) -> None:
    for index, text in enumerate(layout.margin_text, start=1):
        head, _bar, foot = (_normalised(part) for part in text.partition("|"))
        assert head in ("", _normalised("Проверка печати")), (index, head)
        assert foot in ("", str(index)), (index, foot)


def _small(pages: list[Page], minimum: float) -> list[tuple[int, str, float]]:
    return [
        (number, c.text, round(c.size, 2))
        for number, page in enumerate(pages, start=1)
        for c in page.chars
        if c.size < minimum - 0.01
    ]


BROCHURE_EXPECTED = [QUESTION, SHORT, *EXPECTED, REFERENCE]
PAGE_NAMES = {"a5": "a5", "a4": "a4", "large": "large-print"}


# ------------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("fmt", ["a5", "a4", "large"])
def test_stress_entry_fits_the_page_and_loses_nothing(stress, fmt):
    booklet, _memo = stress
    pdf = services.build(booklet, fmt).read()
    pages = _pages(pdf)
    names = [PAGE_NAMES[fmt]] * len(pages)
    if fmt == "a5":
        names[-1] = "back-cover"
    layout = _layout(pages, names)
    assert layout.outside == [], layout.outside[:20]
    assert _missing(layout.body, BROCHURE_EXPECTED) == []
    _check_margins(layout)
    assert layout.images and all(inside for _page, inside in layout.images), layout.images


def test_imposed_booklet_fits_its_sheets_and_loses_nothing(stress):
    booklet, _memo = stress
    count = len(_pages(services.build(booklet, "a5").read()))
    pages = _imposed_pages(services.build(booklet, "a5", impose=True).read(), count)
    layout = _layout(pages, ["a5"] * (count - 1) + ["back-cover"])
    assert layout.outside == [], layout.outside[:20]
    assert _missing(layout.body, BROCHURE_EXPECTED) == []
    _check_margins(layout)
    assert layout.images and all(inside for _page, inside in layout.images), layout.images


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_stress_memo_fits_its_page_and_loses_nothing(stress, paper):
    _booklet, memo = stress
    memo.paper = paper
    db.session.commit()
    result = services.build(memo, "memo")
    assert result.fits
    pages = _pages(result.read())
    layout = _layout(pages, ["memo" if paper == "a4" else "memo-a5"])
    assert layout.outside == [], layout.outside[:20]
    assert _missing(layout.body, [QUESTION, SHORT, REFERENCE]) == []
    if paper == "a5":
        assert _small(pages, 8.5) == []


@pytest.mark.parametrize(("fmt", "minimum"), [("large", 16), ("a5", 8.5)])
def test_no_text_under_the_formats_minimum_size(stress, fmt, minimum):
    booklet, _memo = stress
    pages = _pages(services.build(booklet, fmt).read())
    assert _small(pages, minimum) == []
    layout = _layout(pages, [PAGE_NAMES[fmt]] * len(pages))
    assert _normalised("со сноской.1") in layout.body  # the footnote marker, at that size


def _heading_looks(fmt: str) -> list[tuple[str, float, bool]]:
    """Font, size and case of each heading level inside an answer, as printed."""
    spec = rendering.FORMATS[fmt]
    headings = "".join(f"<h{n}>{title}</h{n}><p>Текст.</p>" for n, title in enumerate(HEADINGS, 1))
    html = (
        f'<!doctype html><html lang="ru" class="{spec.page_format}"><head>'
        '<link rel="stylesheet" href="static:css/print.css">'
        '<link rel="stylesheet" href="static:css/print-brochure.css"></head><body>'
        f'<article class="entry"><h2>Вопрос</h2><div class="answer">{headings}</div></article>'
        "</body></html>"
    )
    pdf = printing.render_pdf(html, printing.PdfMetadata(title="t", author="a"))
    with pdfplumber.open(BytesIO(pdf)) as document:
        words = document.pages[0].extract_words(extra_attrs=["fontname", "size"])
    looks = []
    for title in HEADINGS:
        last = title.split()[1]
        word = next(w for w in words if _normalised(w["text"]) == _normalised(last))
        looks.append((word["fontname"].partition("+")[2], round(word["size"], 1),
                      word["text"].isupper()))  # fmt: skip
    return looks


@pytest.mark.parametrize("fmt", ["a5", "a4", "large"])
def test_every_heading_level_has_its_own_print_style(fmt):
    looks = _heading_looks(fmt)
    assert len(set(looks)) == 6, looks
    sizes = [size for _font, size, _upper in looks]
    assert sizes == sorted(sizes, reverse=True)  # never a deeper level larger than its parent


@pytest.mark.parametrize("fmt", ["a5", "large"])
def test_a_site_picture_prints_within_the_text_width_with_its_caption(_static_dir, monkeypatch,
                                                                      fmt):  # fmt: skip
    monkeypatch.setattr(printing, "STATIC_DIR", _static_dir)
    spec = rendering.FORMATS[fmt]
    html = (
        f'<!doctype html><html lang="ru" class="{spec.page_format}"><head>'
        '<link rel="stylesheet" href="static:css/print.css"></head><body>'
        f'<p>Текст.</p><p><img src="/static/{IMAGE}" alt="{ALT}"></p></body></html>'
    )
    pages = _pages(printing.render_pdf(html, printing.PdfMetadata(title="t", author="a")))
    layout = _layout(pages, [PAGE_NAMES[fmt]] * len(pages))
    assert layout.images == [(1, True)]
    assert layout.outside == []
    assert _missing(layout.body, ["Текст.", ALT]) == []


def test_stress_lesson_fits_the_workbook_page_and_loses_nothing(client, make_user, uploaded):
    from courses import services as courses

    teacher = make_user("instructor", display_name="Анна Петрова")
    course = courses.create_course(
        teacher, title="Проверка печати", slug="stress", language="ru",
        summary=SHORT, description="Курс о печати.",
    )  # fmt: skip
    module = courses.create_module(course, title="Проверка печати", body=SHORT)
    answer, _expected = _stress_answer(uploaded)
    courses.create_item(module, title=QUESTION, body=answer)
    courses.set_published(course, True)
    response = pdfs.fetch(client, "/courses/stress/workbook.pdf")
    assert response.status_code == 200
    pages = _pages(response.data)
    layout = _layout(pages, ["a4"] * len(pages))
    assert layout.outside == [], layout.outside[:20]
    assert _missing(layout.body, [SHORT, QUESTION, *EXPECTED]) == []
    assert layout.images and all(inside for _page, inside in layout.images), layout.images
