"""Deleting an account keeps what the person wrote: the links to them are set to nothing."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute

from school.extensions import db
from school.models import User


def unlink_user(user: User, *columns: InstrumentedAttribute) -> None:
    """Set each foreign-key ``column`` (``Model.author_id``) that points at ``user`` to NULL,
    in the current transaction."""
    for column in columns:
        db.session.execute(
            update(column.class_).where(column == user.id).values({column.key: None})
        )
