"""The demo instance, built once into a mirror for the module that asks for it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from school.extensions import db


@pytest.fixture
def demo(app):
    """The demo content, with one memo's published PDF stored as publishing stores it."""
    from brochures.models import Brochure, Edition, EditionFile
    from brochures.services import store_edition_file

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    edition = db.session.scalars(
        select(Edition).join(Brochure).where(Brochure.kind == "memo").order_by(Edition.id)
    ).first()
    fmt = next(iter(edition.renders))
    store_edition_file(edition.id, fmt)
    stored = db.session.scalars(
        select(EditionFile).where(EditionFile.edition_id == edition.id)
    ).one()
    return {"edition": edition, "format": fmt, "pdf": stored.data, "slug": edition.brochure.slug}
