"""Saddle-stitch imposition: A5 brochure pages, two-up on A4 landscape sheets.

Print the result double-sided, flipped on the short edge, stack the sheets in output order,
fold in the middle and staple: the pages then read 1, 2, 3, ... Pure module (pypdf only).
"""

from __future__ import annotations

from io import BytesIO

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, TextStringObject

__all__ = ["A4_LANDSCAPE", "A5_PORTRAIT", "booklet_order", "impose_booklet"]

_MM = 72 / 25.4
A5_PORTRAIT = (148 * _MM, 210 * _MM)
A4_LANDSCAPE = (297 * _MM, 210 * _MM)
# WeasyPrint writes A5 as 419.53 x 595.28 pt; allow for rounding by other producers.
_TOLERANCE = 1.5

Side = tuple[int | None, int | None]


def booklet_order(n_pages: int) -> list[Side]:
    """Pages (1-based, None for blank) on the left and right of each sheet side.

    Sides come in printing order: sheet 1 front, sheet 1 back, sheet 2 front, ... The page
    count is padded to a multiple of four with blank pages inserted before the back cover,
    so the last page stays the back cover.
    """
    if n_pages < 1:
        raise ValueError("a booklet needs at least one page")
    padded = -(-n_pages // 4) * 4
    blanks: list[int | None] = [None] * (padded - n_pages)
    if n_pages == 1:
        sequence: list[int | None] = [1, *blanks]
    else:
        sequence = [*range(1, n_pages), *blanks, n_pages]
    sides: list[Side] = []
    for sheet in range(padded // 4):
        outer, inner = 2 * sheet, 2 * sheet + 1
        sides.append((sequence[padded - 1 - outer], sequence[outer]))
        sides.append((sequence[inner], sequence[padded - 1 - inner]))
    return sides


def _is_close(value: float, expected: float) -> bool:
    return abs(value - expected) <= _TOLERANCE


def _check_a5_portrait(page: PageObject, number: int) -> None:
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    if page.rotation % 180:
        width, height = height, width
    if not (_is_close(width, A5_PORTRAIT[0]) and _is_close(height, A5_PORTRAIT[1])):
        raise ValueError(
            f"page {number} is {width / _MM:.0f}×{height / _MM:.0f} mm; "
            "booklet imposition needs A5 portrait pages (148×210 mm)"
        )


def impose_booklet(pdf_bytes: bytes) -> bytes:
    """Impose an A5 portrait PDF two-up on A4 landscape sheets in saddle-stitch order.

    Raises ValueError when the input is not a PDF of A5 portrait pages.
    """
    try:
        reader = PdfReader(BytesIO(pdf_bytes))
        pages = list(reader.pages)
    except Exception as error:
        raise ValueError(f"not a readable PDF: {error}") from error
    if not pages:
        raise ValueError("the PDF has no pages")
    for number, page in enumerate(pages, start=1):
        _check_a5_portrait(page, number)

    sheet_width, sheet_height = A4_LANDSCAPE
    fold = sheet_width / 2
    writer = PdfWriter()
    # pypdf would otherwise label the file PDF 1.3 while it keeps the source's 1.7 features.
    writer.pdf_header = reader.pdf_header
    for left, right in booklet_order(len(pages)):
        sheet = writer.add_blank_page(width=sheet_width, height=sheet_height)
        for number, at_left in ((left, True), (right, False)):
            if number is None:
                continue
            page = pages[number - 1]
            if page.rotation % 360:
                page.transfer_rotation_to_content()
            box = page.mediabox
            width, height = float(box.width), float(box.height)
            # Pages meet at the fold, so the inner margins stay as designed.
            x = fold - width if at_left else fold
            y = (sheet_height - height) / 2
            sheet.merge_transformed_page(
                page, Transformation().translate(x - float(box.left), y - float(box.bottom))
            )
    for sheet in writer.pages:
        sheet.compress_content_streams()
    writer.compress_identical_objects()

    info = reader.metadata
    if info:
        writer.add_metadata({key: value for key, value in info.items() if key != "/Producer"})
    lang = reader.trailer["/Root"].get("/Lang")
    if lang is not None:
        writer.root_object[NameObject("/Lang")] = TextStringObject(str(lang))
    output = BytesIO()
    writer.write(output)
    return output.getvalue()
