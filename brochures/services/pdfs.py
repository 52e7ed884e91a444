"""The PDFs of brochures and editions, from the print cache."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import undefer

from brochures import rendering
from brochures.layout import FORMATS, formats_for
from brochures.models import Brochure, Edition
from brochures.printjobs import BOOKLET_SUFFIX, BuildJob, BuildResult, run_build
from brochures.services.common import BrochureError
from brochures.services.editions import _metadata_from_dict, document_for
from school import pdfcache, printing
from school.extensions import db


def _cache_dir() -> str:
    return str(Path(current_app.config["PDF_CACHE_DIR"]))


def check_format(brochure: Brochure, fmt: str, impose: bool = False) -> None:
    if fmt not in FORMATS or fmt not in formats_for(brochure.kind):
        raise BrochureError(_l("This format is not available for it."))
    if impose and not FORMATS[fmt].booklet:
        raise BrochureError(_l("Only the A5 booklet can be imposed."))


def build_job(
    brochure: Brochure, fmt: str, *, edition: Edition | None = None, impose: bool = False
) -> BuildJob:
    """What to render: a frozen edition, or the brochure as it is now."""
    check_format(brochure, fmt, impose)
    name = f"{brochure.slug}-{fmt}"
    if edition is not None:
        frozen = edition.renders.get(fmt)
        if frozen is None:
            raise BrochureError(_l("This edition has no such format."))
        return BuildJob(
            candidates=tuple(frozen["candidates"]),
            metadata=_metadata_from_dict(frozen["metadata"]),
            cache_dir=_cache_dir(),
            max_pages=frozen.get("max_pages"),
            impose=impose,
            name=name,
        )
    doc = document_for(brochure)
    return BuildJob(
        candidates=tuple(rendering.html_candidates(doc, fmt)),
        metadata=rendering.metadata(doc),
        cache_dir=_cache_dir(),
        max_pages=rendering.max_pages(fmt),
        impose=impose,
        name=name,
    )


def build(
    brochure: Brochure, fmt: str, *, edition: Edition | None = None, impose: bool = False
) -> BuildResult:
    """The PDF of a brochure in one format, from the cache when nothing changed.

    An edition is frozen, so where its PDF lies in the cache is worked out once per process
    (its HTML read from the database and hashed with the fonts and stylesheets); later
    downloads only check that the file is still there. A deploy restarts the processes, so new
    fonts or stylesheets still give every edition a fresh PDF.
    """
    if edition is None:
        return _pruned_after(run_build(build_job(brochure, fmt, impose=impose)))
    key = (
        _cache_dir(),
        edition.id,
        edition.brochure_id,
        edition.number,
        edition.published_at,
        fmt,
        impose,
    )
    known = _edition_pdfs.get(key)
    if known is not None and known.path.is_file():  # cache files are written whole or not at all
        return known
    result = _pruned_after(run_build(build_job(brochure, fmt, edition=edition, impose=impose)))
    _edition_pdfs[key] = replace(result, renders=0)
    return result


def _pruned_after(result: BuildResult) -> BuildResult:
    """Keep the cache within its limit after a new render (the file just built stays)."""
    if result.renders:
        pdfcache.prune_configured(also_keep=[result.path])
    return result


def edition_pdf_files() -> set[str]:
    """The cache files of every published edition, in every format (imposed sheets too).

    The ``pdf_keepers`` hook: an edition's PDF is the edition, so the cache never prunes it.
    """
    names: set[str] = set()
    editions = db.session.scalars(select(Edition).options(undefer(Edition.renders)))
    for edition in editions:
        for frozen in (edition.renders or {}).values():
            metadata = _metadata_from_dict(frozen["metadata"])
            for html in frozen["candidates"]:
                key = printing.cache_key(html, metadata)
                names.update({f"{key}.pdf", f"{key}{BOOKLET_SUFFIX}.pdf"})
    return names


# (cache, edition id, brochure id, number, published at, format, imposed) -> where its PDF is
_edition_pdfs: dict[tuple, BuildResult] = {}


def preview(brochure: Brochure, fmt: str, pages: int = 4) -> bytes:
    """The first pages (cover, contents, first chapter) of the brochure as it is now."""
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    result = build(brochure, fmt)
    reader = PdfReader(BytesIO(result.read()))
    writer = PdfWriter()
    for page in reader.pages[:pages]:
        writer.add_page(page)
    writer.add_metadata({"/Title": brochure.title})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
