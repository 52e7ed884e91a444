"""The PDFs of brochures and editions.

A brochure as it is now is built into the print cache by the job queue. A published edition's
PDFs are built once and stored (:class:`EditionFile`): they never change again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from brochures import rendering
from brochures.layout import FORMATS, formats_for
from brochures.models import Brochure, Edition, EditionFile
from brochures.printjobs import BOOKLET_SUFFIX, BuildJob, BuildResult, run_build
from brochures.services.common import BrochureError
from brochures.services.editions import _metadata_from_dict, document_for
from school import jobs, pdfcache, printing
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


def draft(brochure: Brochure, fmt: str, *, impose: bool = False) -> BuildJob:
    """The build of the brochure as it is now, in one format, for the job queue."""
    return build_job(brochure, fmt, impose=impose)


def build(
    brochure: Brochure, fmt: str, *, edition: Edition | None = None, impose: bool = False
) -> BuildResult:
    """Render (or find in the cache) a brochure now or an edition, in this process: for the
    command line and the queue's jobs, never for a web request."""
    return _pruned_after(run_build(build_job(brochure, fmt, edition=edition, impose=impose)))


def split_format(fmt: str) -> tuple[str, bool]:
    """``"a5-booklet"`` -> ``("a5", True)``: the format and whether it is imposed."""
    if fmt.endswith(BOOKLET_SUFFIX):
        return fmt.removesuffix(BOOKLET_SUFFIX), True
    return fmt, False


def edition_formats(edition: Edition) -> list[str]:
    """Every file an edition has: its formats, and the imposed sheets of the A5 booklet."""
    names = []
    for fmt in edition.renders:
        names.append(fmt)
        if FORMATS[fmt].booklet:
            names.append(fmt + BOOKLET_SUFFIX)
    return names


def edition_file(edition: Edition, fmt: str) -> EditionFile | None:
    """The stored PDF of an edition in one format (its bytes not loaded), if it is stored."""
    return db.session.scalar(
        select(EditionFile).where(EditionFile.edition_id == edition.id, EditionFile.format == fmt)
    )


def edition_file_data(stored: EditionFile) -> bytes:
    return db.session.scalar(select(EditionFile.data).where(EditionFile.id == stored.id))


def store_edition_file(edition_id: int, fmt: str) -> None:
    """The job that stores an edition's PDF in one format, once: built from its frozen HTML,
    or taken from the cache when it is there already (an edition published before editions
    were stored keeps the PDF it had)."""
    edition = db.session.get(Edition, edition_id)
    if edition is None or edition_file(edition, fmt) is not None:
        return  # deleted since, or stored by an earlier job
    base, impose = split_format(fmt)
    data = build(edition.brochure, base, edition=edition, impose=impose).read()
    save_edition_files(edition, {fmt: data})


def save_edition_files(edition: Edition, files: dict[str, bytes]) -> None:
    """Store files of an edition (format -> PDF bytes), once: a second worker's are dropped."""
    for fmt, data in files.items():
        db.session.add(
            EditionFile(
                edition_id=edition.id,
                format=fmt,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                pages=printing.pdf_page_count(data),
                data=data,
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another worker stored it first: the same edition, kept once


def store_edition(edition: Edition, fmt: str) -> jobs.JobInfo:
    """Have the queue store the edition's PDF in one format (once, however often asked)."""
    brochure = edition.brochure
    return jobs.queue().submit(
        store_edition_file,
        edition.id,
        fmt,
        key=f"edition-{edition.id}-{fmt}",
        description=f"{brochure.slug} {edition.number} {fmt}",
    )


def store_editions(editions) -> int:
    """Submit the storing of every file the editions do not have yet; how many were missing."""
    missing = 0
    for edition in editions:
        stored = {f.format for f in edition.files}
        for fmt in edition_formats(edition):
            if fmt not in stored:
                store_edition(edition, fmt)
                missing += 1
    return missing


def warm() -> int:
    """The ``pdf_warmers`` hook: drafts of every brochure and memo in each of its formats, and
    the edition files not stored yet."""
    from sqlalchemy.orm import selectinload

    from school import pdfjobs

    brochures = db.session.scalars(select(Brochure).order_by(Brochure.id)).all()
    builds = (
        draft(brochure, fmt, impose=impose)
        for brochure in brochures
        for fmt in formats_for(brochure.kind)
        for impose in ((False, True) if FORMATS[fmt].booklet else (False,))
    )
    submitted = pdfjobs.submit_missing(builds)
    editions = db.session.scalars(select(Edition).options(selectinload(Edition.files)))
    return submitted + store_editions(editions)


def _pruned_after(result: BuildResult) -> BuildResult:
    """Keep the cache within its limit after a new render (the file just built stays)."""
    if result.renders:
        pdfcache.prune_configured(also_keep=[result.path])
    return result


def preview(result: BuildResult, title: str, pages: int = 4) -> bytes:
    """The first pages (cover, contents, first chapter) of a built brochure."""
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(BytesIO(result.read()))
    writer = PdfWriter()
    for page in reader.pages[:pages]:
        writer.add_page(page)
    writer.add_metadata({"/Title": title})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
