"""Uploaded images in the database: stored once by content hash, listed, served and printed.

The bytes kept are those :func:`school.images.clean_image` made, never the upload. An image
uploaded twice is one row (the first upload's description stays). Images are never deleted
with their uploader's account: lessons and entries show them, so the account's deletion only
forgets who uploaded them; the uploader's data export lists them.
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from school import hooks, images, printing
from school.extensions import db
from school.models import StoredImage, User

ALT_MAX = 300
PER_PAGE = 30


def store_upload(user: User, data: bytes, alt: str = "") -> StoredImage:
    """Clean an upload and keep it; the stored image (an earlier one with the same pixels).

    Raises :class:`school.images.ImageError` for a file that is refused.
    """
    clean = images.clean_image(data)
    found = db.session.get(StoredImage, clean.sha256)
    if found is not None:
        return found
    stored = StoredImage(
        sha256=clean.sha256,
        format=clean.format,
        width=clean.width,
        height=clean.height,
        size=len(clean.data),
        alt=" ".join((alt or "").split())[:ALT_MAX],
        uploaded_by_id=user.id,
        data=clean.data,
    )
    db.session.add(stored)
    db.session.commit()
    return stored


def image_by_hash(sha256: str) -> StoredImage | None:
    return db.session.get(StoredImage, sha256)


def image_url(image: StoredImage) -> str:
    """The path an image is served at, as a lesson or an entry links it."""
    return "/images/" + images.image_name(image.sha256, image.format)


def markdown_snippet(image: StoredImage, alt: str | None = None) -> str:
    """``![alt](/images/<sha256>.jpg)``, to paste into a lesson or an entry."""
    text = image.alt if alt is None else alt
    for char in "\\[]":
        text = text.replace(char, "\\" + char)
    return f"![{text}]({image_url(image)})"


def read_image(name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of the image stored under a file name, or None."""
    parsed = images.parse_name(name)
    if parsed is None:
        return None
    sha256, fmt = parsed
    row = db.session.execute(
        select(StoredImage.data).where(StoredImage.sha256 == sha256, StoredImage.format == fmt)
    ).first()
    return (bytes(row.data), images.MEDIA_TYPES[fmt]) if row is not None else None


def _read_for_print(name: str) -> tuple[bytes, str] | None:
    # Renders run in a job, inside the app's context; elsewhere there is no store to read.
    if not has_app_context():
        return None
    return read_image(name)


def list_images(page: int, per_page: int = PER_PAGE):
    """One page of the uploaded images, newest first, with their uploaders (two queries)."""
    stmt = (
        select(StoredImage)
        .options(joinedload(StoredImage.uploaded_by))
        .order_by(StoredImage.uploaded_at.desc(), StoredImage.sha256)
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def export_images(user: User) -> list[dict[str, Any]]:
    """The images a person uploaded, for their data export (addresses, not bytes)."""
    rows = db.session.scalars(
        select(StoredImage)
        .where(StoredImage.uploaded_by_id == user.id)
        .order_by(StoredImage.uploaded_at, StoredImage.sha256)
    )
    return [
        {"url": image_url(row), "alt": row.alt, "uploaded_at": row.uploaded_at.isoformat()}
        for row in rows
    ]


def forget_uploader(user: User) -> None:
    """Before an account is deleted: its images stay, without the link to it."""
    db.session.execute(
        update(StoredImage).where(StoredImage.uploaded_by_id == user.id).values(uploaded_by_id=None)
    )


def register_hooks() -> None:
    """The data export and account deletion hooks, and the print engine's image source."""
    hooks.register_exporter("images", export_images)
    hooks.register_eraser("images", forget_uploader)
    printing.set_image_source(_read_for_print)
