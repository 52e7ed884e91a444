"""People served by post, without an account: their register, export and erasure.

Features that keep something about a postal reader (paper quiz attempts, questions that came by
letter) register an exporter and an eraser in :mod:`school.hooks`, as they do for accounts.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import or_, select

from school import hooks
from school.extensions import db
from school.models import PostalReader
from school.refusal import Refusal
from school.timeutil import now_utc

NAME_MAX = 200
REFERENCE_MAX = 32
NOTE_MAX = 2000
# References go on envelopes and sheets and are typed back in: letters, digits, "-", "/", ".".
REFERENCE_RE = re.compile(r"^[\w./-]{1,32}$")


class ReaderError(Refusal):
    """A refused change to the register of postal readers (see :class:`school.refusal.Refusal`)."""


def clean_name(name: str) -> str:
    """A name as written, in any script: NFC, one line, single spaces."""
    return " ".join(unicodedata.normalize("NFC", name or "").split())


def reference_key(reference: str) -> str:
    """The form a reference is compared in: case and look-alike width do not matter."""
    return unicodedata.normalize("NFKC", reference or "").strip().casefold()


def _checked(name: str, reference: str, note: str, reader: PostalReader | None) -> tuple:
    name = clean_name(name)
    if not name:
        raise ReaderError(_l("Write the reader's name."), "name")
    if len(name) > NAME_MAX:
        raise ReaderError(
            ngettext("At most %(num)d character.", "At most %(num)d characters.", NAME_MAX), "name"
        )
    reference = unicodedata.normalize("NFKC", reference or "").strip()
    if reference and not REFERENCE_RE.fullmatch(reference):
        raise ReaderError(
            _l("Up to 32 letters, digits, dots, slashes or hyphens, without spaces."), "reference"
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ReaderError(
            ngettext("At most %(num)d character.", "At most %(num)d characters.", NOTE_MAX), "note"
        )
    if reference:
        other = reader_by_reference(reference)
        if other is not None and other is not reader:
            raise ReaderError(_l("Another reader has this reference number."), "reference")
    return name, reference, note


def create_reader(name: str, reference: str = "", note: str = "") -> PostalReader:
    """Add a reader; without a reference one is made from the register's number (000042)."""
    name, reference, note = _checked(name, reference, note, None)
    reader = PostalReader(
        name=name,
        name_key=name.casefold(),
        reference=reference,
        reference_key=reference_key(reference),
        note=note,
    )
    if not reference:
        # A placeholder no typed reference can equal, until the register's number is known.
        reader.reference_key = "pending:" + secrets.token_hex(8)
    db.session.add(reader)
    db.session.flush()
    if not reference:
        reader.reference = _free_reference(reader.id)
        reader.reference_key = reference_key(reader.reference)
    db.session.commit()
    return reader


def _free_reference(number: int) -> str:
    candidate = f"{number:06d}"
    while reader_by_reference(candidate) is not None:
        number += 1
        candidate = f"{number:06d}"
    return candidate


def update_reader(reader: PostalReader, name: str, reference: str, note: str = "") -> None:
    name, reference, note = _checked(name, reference, note, reader)
    reader.name = name
    reader.name_key = name.casefold()
    if reference:
        reader.reference = reference
        reader.reference_key = reference_key(reference)
    reader.note = note
    reader.updated_at = now_utc()
    db.session.commit()


def reader_by_reference(reference: str) -> PostalReader | None:
    key = reference_key(reference)
    if not key:
        return None
    return db.session.scalar(select(PostalReader).where(PostalReader.reference_key == key))


def list_readers(page: int, query: str = "", per_page: int = 50):
    """One page of the register, by name; ``query`` finds a name or a reference number."""
    stmt = select(PostalReader).order_by(PostalReader.name_key, PostalReader.id)
    query = clean_name(query)
    if query:
        stmt = stmt.where(
            or_(
                PostalReader.name_key.contains(query.casefold(), autoescape=True),
                PostalReader.reference_key == reference_key(query),
            )
        )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def export_reader(reader: PostalReader) -> dict[str, Any]:
    """Everything the platform holds about a postal reader, as JSON-ready data."""
    own = {
        "reference": reader.reference,
        "name": reader.name,
        "note": reader.note,
        "created_at": reader.created_at.isoformat(),
        "updated_at": reader.updated_at.isoformat(),
    }
    return hooks.export("reader", own, hooks.reader_exporters, reader)


def erase_reader(reader: PostalReader) -> None:
    """Remove a reader and what every feature keeps about them."""
    for _name, eraser in sorted(hooks.reader_erasers.items()):
        eraser(reader)
    db.session.delete(reader)
    db.session.commit()
