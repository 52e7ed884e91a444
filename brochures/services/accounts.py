"""What the brochures record about a person, for the account export and erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from brochures.models import Brochure, Edition
from school.extensions import db
from school.models import User
from school.unlink import unlink_user


def export_user_data(user: User) -> dict[str, Any]:
    """The editions a person published."""
    editions = db.session.execute(
        select(Brochure.slug, Edition.number, Edition.published_at)
        .join(Brochure, Brochure.id == Edition.brochure_id)
        .where(Edition.published_by_id == user.id)
        .order_by(Brochure.slug, Edition.number)
    )
    return {
        "editions_published": [
            {"brochure": slug, "edition": number, "published_at": at.isoformat()}
            for slug, number, at in editions
        ],
    }


def forget_user(user: User) -> None:
    """Before an account is deleted: keep brochures and editions, drop the link to the person."""
    unlink_user(user, Edition.published_by_id, Brochure.created_by_id)
