"""Documents and editions: what a brochure says now, publishing it, what changed since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from brochures import press, rendering
from brochures.layout import Document, EntryData, Imprint, SectionData, formats_for
from brochures.models import Brochure, Edition
from brochures.services.common import BrochureError
from brochures.services.compose import _brochure_entry_ids
from finance.models import Entry
from school import codes, printing
from school.database import begin_write
from school.extensions import db
from school.models import User
from school.timeutil import now_utc
from school.urls import public_url


def document_for(brochure: Brochure, edition_date: date | None = None) -> Document:
    """The brochure as it would print now: the published revision of each of its entries."""
    sections = []
    keywords: list[str] = []
    for section in brochure.sections:
        entries = []
        for item in section.items:
            revision = item.entry.published_revision
            if revision is None:
                continue
            entries.append(
                EntryData(
                    entry_id=item.entry.id,
                    revision_id=revision.id,
                    slug=item.entry.slug,
                    question=revision.question,
                    short_answer=revision.short_answer,
                    full_answer=revision.full_answer,
                    legal_references=list(revision.legal_references or []),
                    valid_as_of=revision.valid_as_of,
                    demo=item.entry.demo,
                    self_reviewed=revision.self_reviewed,
                )
            )
            keywords.extend(t.title for t in item.entry.topics)
        sections.append(SectionData(section.title, entries))
    return Document(
        kind=brochure.kind,
        slug=brochure.slug,
        title=brochure.title,
        subtitle=brochure.subtitle,
        edition_label=brochure.edition_label,
        language=brochure.language,
        introduction=brochure.introduction,
        org_name=current_app.config["ORG_NAME"],
        paper=brochure.paper,
        topic_title=brochure.topic.title if brochure.topic else "",
        keywords=list(dict.fromkeys(keywords)),
        edition_date=edition_date,
        sections=sections,
    )


def _metadata_to_dict(meta: printing.PdfMetadata) -> dict[str, Any]:
    return {
        "title": meta.title,
        "author": meta.author,
        "lang": meta.lang,
        "subject": meta.subject,
        "keywords": list(meta.keywords),
        "created": meta.created.isoformat() if meta.created else None,
    }


def _metadata_from_dict(data: dict[str, Any]) -> printing.PdfMetadata:
    created = datetime.fromisoformat(data["created"]) if data.get("created") else None
    return printing.PdfMetadata(
        title=data["title"],
        author=data["author"],
        lang=data["lang"],
        subject=data.get("subject"),
        keywords=tuple(data.get("keywords") or ()),
        created=created,
    )


def publish_edition(
    user: User | None, brochure: Brochure, label: str = "", imprint: Imprint | None = None
) -> Edition:
    """Freeze the brochure as a new edition: its texts, its imprint and the HTML of every
    format."""
    brochure_id = brochure.id
    begin_write()
    brochure = db.session.scalar(
        select(Brochure).where(Brochure.id == brochure_id).with_for_update()
    )
    published_at = now_utc().replace(microsecond=0)
    day = published_at.astimezone(ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])).date()
    doc = document_for(brochure, edition_date=day)
    if not doc.entries:
        db.session.rollback()
        raise BrochureError(_l("Add at least one approved entry before publishing."))
    doc.edition_label = (label or brochure.edition_label).strip()
    doc.imprint = imprint
    neutral = bool(imprint and imprint.neutral)
    check_code = None
    if neutral:
        doc.org_name = ""
    else:
        if imprint and imprint.partner:
            doc.org_name = imprint.partner
        check_code = _unused_code()
        doc.check_code = check_code
        doc.check_url = public_url("brochures.check", code=check_code)
    meta = rendering.metadata(doc, created=published_at)
    if neutral:
        meta = rendering.neutral_metadata(meta, doc.language)
    renders = {}
    for fmt in formats_for(brochure.kind):
        renders[fmt] = {
            "candidates": [rendering.freeze_styles(h) for h in rendering.html_candidates(doc, fmt)],
            "max_pages": rendering.max_pages(fmt),
            "metadata": _metadata_to_dict(meta),
        }
        if fmt in press.TRIMS:
            renders[fmt]["press"] = rendering.press_html(doc, fmt)
    number = max((e.number for e in brochure.editions), default=0) + 1
    edition = Edition(
        number=number,
        label=doc.edition_label,
        published_at=published_at,
        published_by=user,
        valid_as_of=doc.valid_as_of,
        check_code=check_code,
        neutral=neutral,
        document=doc.to_dict(),
        renders=renders,
    )
    brochure.editions.append(edition)
    brochure.edition_label = doc.edition_label
    db.session.commit()
    return edition


def _unused_code() -> str:
    while True:
        code = codes.new_code()
        if db.session.scalar(select(Edition.id).where(Edition.check_code == code)) is None:
            return code


def edition_by_code(code: str) -> Edition | None:
    """The edition with this check code as typed (any case, hyphens optional), or None."""
    normalized = codes.normalize_code(code)
    if normalized is None:
        return None
    return db.session.scalar(select(Edition).where(Edition.check_code == normalized))


def edition_by_number(brochure: Brochure, number: int) -> Edition | None:
    return next((e for e in brochure.editions if e.number == number), None)


@dataclass
class Change:
    """How an entry differs between an edition and the brochure now."""

    kind: str  # updated, withdrawn, deleted, added, removed
    slug: str
    question: str
    entry: Entry | None = None


def changes_since(brochure: Brochure, edition: Edition) -> list[Change]:
    """Entries whose approved text changed since the edition, and entries added or removed."""
    frozen = Document.from_dict(edition.document)
    current_ids = _brochure_entry_ids(brochure)
    changes: list[Change] = []
    frozen_ids = set()
    for data in frozen.entries:
        frozen_ids.add(data.entry_id)
        entry = db.session.get(Entry, data.entry_id)
        if entry is None:
            changes.append(Change("deleted", data.slug, data.question))
            continue
        if entry.published_revision_id is None:
            changes.append(Change("withdrawn", entry.slug, data.question, entry))
        elif entry.published_revision_id != data.revision_id:
            changes.append(Change("updated", entry.slug, entry.published_revision.question, entry))
        if entry.id not in current_ids:
            changes.append(Change("removed", entry.slug, data.question, entry))
    for section in brochure.sections:
        for item in section.items:
            if item.entry_id not in frozen_ids and item.entry.published_revision is not None:
                entry = item.entry
                changes.append(
                    Change("added", entry.slug, entry.published_revision.question, entry)
                )
    return changes
