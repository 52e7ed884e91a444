"""Press files of brochures and editions (interior, cover, spine, job sheet).

Built on the job queue (an edition's, from the edition page) or by the command line, never in
a web request. An edition's press files are built from the press HTML frozen when it was
published, and stored once (:class:`~brochures.models.EditionFile`), like its office PDFs.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from brochures import press, rendering
from brochures.layout import Document
from brochures.models import Brochure, Edition, EditionFile
from brochures.services.common import BrochureError
from brochures.services.editions import _metadata_from_dict, document_for
from brochures.services.pdfs import edition_file, save_edition_files
from school import jobs, printing
from school.extensions import db

#: The press files, as the ``format`` of an edition's stored files: ``a5-press-cover``.
PRESS_FILES = ("interior", "cover", "spine", "sheet")


def press_format(fmt: str, name: str) -> str:
    return f"{fmt}-press-{name}"


@dataclass(frozen=True)
class PressOrder:
    """What the job sheet says of the order: copies and the interior paper."""

    copies: int | None = None
    paper: str = press.DEFAULT_PAPER


@dataclass(frozen=True)
class PressFiles:
    interior: bytes
    cover: bytes
    spine: bytes | None
    sheet: bytes
    pages: int

    def named(self) -> dict[str, bytes]:
        files = {"interior": self.interior, "cover": self.cover, "sheet": self.sheet}
        if self.spine is not None:
            files["spine"] = self.spine
        return files


def check_press_format(brochure: Brochure, fmt: str) -> None:
    if brochure.is_memo or fmt not in press.TRIMS:
        raise BrochureError(_l("Press files are made of brochures, in A5, A4 or large print."))


def _source(brochure: Brochure, fmt: str, edition: Edition | None):
    """The document, its press HTML and its metadata: frozen in the edition, or as it is now."""
    if edition is None:
        doc = document_for(brochure)
        return doc, rendering.press_html(doc, fmt), rendering.metadata(doc)
    frozen = edition.renders.get(fmt) or {}
    parts = frozen.get("press")
    if not parts:
        raise BrochureError(
            _l("This edition was published before press files existed: publish a new one.")
        )
    return Document.from_dict(edition.document), parts, _metadata_from_dict(frozen["metadata"])


def _render(html: str, meta: printing.PdfMetadata, css: str) -> bytes:
    cached = printing.render_cached(
        html,
        current_app.config["PDF_CACHE_DIR"],
        meta,
        stylesheets=[css],
        variant=press.VARIANT,
    )
    return press.to_press_colours(cached.path.read_bytes(), printing.STATIC_DIR)


def _interior(html: str, meta: printing.PdfMetadata, css: str) -> tuple[bytes, int, int]:
    """The interior padded with blank pages to a multiple of four; its pages and the blanks."""
    pdf = _render(html, meta, css)
    pages = printing.pdf_page_count(pdf)
    blanks = press.padded_pages(pages) - pages
    if blanks:
        padding = '<div class="press-blank"></div>' * blanks
        pdf = _render(html.replace("</body>", padding + "</body>", 1), meta, css)
        pages = printing.pdf_page_count(pdf)
    return pdf, pages, blanks


def _paper_label(paper: press.Paper) -> str:
    if paper.key.startswith("coated"):
        return _("Coated paper, %(grams)s g/m²", grams=paper.grams)
    return _("Offset paper, %(grams)s g/m²", grams=paper.grams)


def _sheet_rows(doc, fmt, pages, blanks, spine_mm, order, edition) -> list[tuple[str, str]]:
    trim = press.TRIMS[fmt]
    paper = press.PAPERS[order.paper]
    imprint_paper = doc.imprint.paper if doc.imprint else ""
    rows = [
        (_("Trim size"), f"{trim.width_mm:g} × {trim.height_mm:g} mm"),
        (
            _("Interior"),
            _(
                "%(pages)s pages, of which %(blanks)s blank at the end",
                pages=pages,
                blanks=blanks,
            ),
        ),
        (_("Cover"), _("4 pages, a separate file")),
    ]
    if spine_mm is None:
        rows.append((_("Binding"), _("Saddle stitch")))
    else:
        rows.append((_("Binding"), _("Perfect binding, spine %(mm)s mm", mm=format(spine_mm, "g"))))
    rows += [
        (_("Interior paper"), imprint_paper or _paper_label(paper)),
        (_("Cover paper"), _paper_label(press.COVER_PAPER)),
        (_("Colours"), _("Interior 1+1, cover 1+0: black (K) only")),
        (_("Bleed and marks"), _("3 mm bleed on every side, crop marks")),
        (_("Files"), _("PDF/X-4, output intent %(profile)s", profile=press.PROFILE_NAME)),
    ]
    imprint = doc.imprint
    copies = order.copies or (imprint.print_run if imprint else None)
    rows.append((_("Print run"), str(copies) if copies else "—"))
    if imprint and imprint.order_number:
        rows.append((_("Order number"), imprint.order_number))
    if imprint and imprint.printing_house:
        rows.append((_("Printing house"), imprint.printing_house))
    if edition is not None:
        rows.append((_("Edition"), edition.label or str(edition.number)))
    return rows


def build_press(
    brochure: Brochure, fmt: str, *, edition: Edition | None = None, order: PressOrder | None = None
) -> PressFiles:
    """Render the press files of a brochure now, or of an edition, in this process."""
    check_press_format(brochure, fmt)
    order = order or PressOrder()
    doc, parts, meta = _source(brochure, fmt, edition)
    css = press.press_css(fmt)
    interior, pages, blanks = _interior(parts["interior"], meta, css)
    cover = _render(parts["cover"], meta, css)
    trim = press.TRIMS[fmt]
    spine = spine_mm = None
    with force_locale(doc.language):
        if press.binding(pages) == "perfect":
            spine_mm = press.spine_width_mm(pages, press.PAPERS[order.paper])
            spine_html = render_template(
                "print/press_spine.html",
                lang=doc.language,
                doc=doc,
                width_mm=spine_mm,
                height_mm=trim.height_mm,
                title_fits=spine_mm >= 5,
            )
            spine = _render(press.cmyk_html(spine_html), meta, press.press_css(fmt, bleed=False))
        sheet_html = render_template(
            "print/press_sheet.html",
            lang=doc.language,
            doc=doc,
            title=_("Job sheet for the print house"),
            rows=_sheet_rows(doc, fmt, pages, blanks, spine_mm, order, edition),
            note=_("Interior and cover are separate files; the cover goes on heavier paper."),
        )
    sheet = _render(press.cmyk_html(sheet_html), meta, press.press_css(fmt, bleed=False))
    return PressFiles(interior=interior, cover=cover, spine=spine, sheet=sheet, pages=pages)


def press_files(edition: Edition, fmt: str) -> dict[str, EditionFile]:
    """The stored press files of an edition in one format, by name (their bytes not loaded)."""
    found = {}
    for name in PRESS_FILES:
        stored = edition_file(edition, press_format(fmt, name))
        if stored is not None:
            found[name] = stored
    return found


def store_press_files(edition_id: int, fmt: str, copies: int | None = None) -> None:
    """The job that builds an edition's press files in one format and stores them, once."""
    edition = db.session.get(Edition, edition_id)
    if edition is None or press_files(edition, fmt):
        return
    built = build_press(edition.brochure, fmt, edition=edition, order=PressOrder(copies=copies))
    save_edition_files(
        edition, {press_format(fmt, name): data for name, data in built.named().items()}
    )


def store_press(edition: Edition, fmt: str) -> jobs.JobInfo:
    """Have the queue build and store the edition's press files in one format."""
    check_press_format(edition.brochure, fmt)
    return jobs.queue().submit(
        store_press_files,
        edition.id,
        fmt,
        key=f"edition-{edition.id}-{fmt}-press",
        description=f"{edition.brochure.slug} {edition.number} {fmt} press",
    )
