"""What the knowledge base records about a person, for the account export and erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from finance.models import Entry, EntryRevision
from school.extensions import db
from school.models import User
from school.unlink import unlink_user


def export_user_data(user: User) -> dict[str, Any]:
    """What the knowledge base records about a user: the revisions written and reviewed."""

    def rows(column) -> list[dict[str, Any]]:
        stmt = (
            select(Entry.slug, EntryRevision.number, EntryRevision.status, EntryRevision.created_at)
            .join(Entry, Entry.id == EntryRevision.entry_id)
            .where(column == user.id)
            .order_by(Entry.slug, EntryRevision.number)
        )
        return [
            {"entry": slug, "revision": number, "status": status, "created_at": at.isoformat()}
            for slug, number, status, at in db.session.execute(stmt)
        ]

    return {
        "revisions_written": rows(EntryRevision.author_id),
        "revisions_reviewed": rows(EntryRevision.reviewer_id),
    }


def forget_user(user: User) -> None:
    """Before an account is deleted: keep the texts, drop the link to the person."""
    unlink_user(user, EntryRevision.author_id, EntryRevision.reviewer_id)
