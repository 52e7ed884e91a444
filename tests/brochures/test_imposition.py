"""Saddle-stitch imposition of A5 brochures on A4 landscape sheets."""

from __future__ import annotations

import logging
from io import BytesIO

import pytest
from pypdf import PdfReader

from brochures.imposition import booklet_order, impose_booklet
from school import printing
from tests import pdfs

META = printing.PdfMetadata(title="Брошюра", author="Фонд", lang="ru")


def source_pdf(n_pages: int, size: str = "A5") -> bytes:
    pages = "".join(
        f'<p style="break-before: page; font-size: 30pt">Page {n}</p>'
        for n in range(1, n_pages + 1)
    )
    html = f"<html lang='en'><head><style>@page {{ size: {size}; margin: 20mm }}</style></head>"
    return printing.render_pdf(f"{html}<body>{pages}</body></html>", META)


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


@pytest.fixture(scope="module")
def ten_pages() -> bytes:
    return source_pdf(10)


def test_order_for_four_pages():
    assert booklet_order(4) == [(4, 1), (2, 3)]


def test_order_for_eight_pages():
    assert booklet_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]


def test_order_for_ten_pages_pads_before_the_back_cover():
    # 12 page slots: 1..9, blank, blank, 10 (the back cover stays last).
    assert booklet_order(10) == [
        (10, 1),
        (2, None),
        (None, 3),
        (4, 9),
        (8, 5),
        (6, 7),
    ]


def test_order_for_one_and_two_pages():
    assert booklet_order(1) == [(None, 1), (None, None)]
    assert booklet_order(2) == [(2, 1), (None, None)]


@pytest.mark.parametrize("n_pages", range(1, 42))
def test_order_uses_every_page_once_on_whole_sheets(n_pages):
    sides = booklet_order(n_pages)
    assert len(sides) % 2 == 0
    slots = [page for side in sides for page in side]
    assert sorted(page for page in slots if page is not None) == list(range(1, n_pages + 1))
    assert len(slots) - n_pages < 4
    assert sides[0][1] == 1
    if n_pages > 1:
        assert sides[0][0] == n_pages
    # Folded, each sheet's front and back faces read as consecutive page pairs.
    for sheet in range(len(sides) // 2):
        front, back = sides[2 * sheet], sides[2 * sheet + 1]
        assert front[1] is None or back[0] is None or back[0] == front[1] + 1


def test_order_needs_a_page():
    with pytest.raises(ValueError):
        booklet_order(0)


def _left_and_right(page) -> tuple[str, str]:
    """Text drawn on the left and on the right half of an imposed sheet side."""
    half = float(page.mediabox.width) / 2
    parts: dict[bool, list[str]] = {True: [], False: []}

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            parts[x < half].append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(parts[True]), " ".join(parts[False])


def test_imposed_sides_show_the_right_pages(ten_pages):
    imposed = PdfReader(BytesIO(impose_booklet(ten_pages)))
    expected = booklet_order(10)
    assert len(imposed.pages) == len(expected) == 6
    for page, (left, right) in zip(imposed.pages, expected, strict=True):
        box = page.mediabox
        assert round(float(box.width)) == 842 and round(float(box.height)) == 595
        left_text, right_text = _left_and_right(page)
        assert left_text == ("" if left is None else f"Page {left}")
        assert right_text == ("" if right is None else f"Page {right}")


def test_imposition_keeps_metadata_and_is_deterministic(ten_pages):
    first = impose_booklet(ten_pages)
    assert impose_booklet(ten_pages) == first
    reader = PdfReader(BytesIO(first))
    assert reader.metadata.title == "Брошюра"
    assert reader.trailer["/Root"]["/Lang"] == "ru"
    fonts = pdfs.pdf_fonts(first)
    assert {font.name for font in fonts} == {"PT-Serif"}
    assert all(font.embedded and font.subset for font in fonts)
    for page in reader.pages:
        assert page["/Contents"].get_object().get("/Filter") == "/FlateDecode"


@pytest.mark.parametrize("size", ["A4", "A5 landscape", "A6"])
def test_refuses_pages_that_are_not_a5_portrait(size):
    with pytest.raises(ValueError, match="A5 portrait"):
        impose_booklet(source_pdf(2, size))


def test_refuses_what_is_not_a_pdf():
    with pytest.raises(ValueError, match="PDF"):
        impose_booklet(b"not a pdf")
