"""What the webinar use cases share: page limits, the refusal, and the webinar row lock that
every use case which reads, checks and then writes takes first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from school.database import begin_write
from school.extensions import db
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration

PER_PAGE = 20
MAX_PAGE = 10_000
# Ids and counts beyond a 32-bit integer would make PostgreSQL fail instead of answering "no".
MAX_INT = 2**31 - 1


class WebinarError(ValueError):
    """A refused change: ``errors`` maps form field names (or None) to messages."""

    def __init__(self, message: Any = None, field: str | None = None, errors=None) -> None:
        self.errors: dict[str | None, list[Any]] = {}
        if errors:
            for name, messages in errors.items():
                self.errors[name] = list(messages)
        if message is not None:
            self.errors.setdefault(field, []).append(message)
        super().__init__("; ".join(str(m) for ms in self.errors.values() for m in ms))

    @property
    def message(self) -> Any:
        return next(m for ms in self.errors.values() for m in ms)


def _lock(webinar_id: int) -> Webinar | None:
    """The webinar, locked for this transaction (PostgreSQL; SQLite holds the write lock)."""
    return db.session.execute(
        select(Webinar)
        .where(Webinar.id == webinar_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _locked(webinar_id: int) -> Webinar:
    if not 0 < webinar_id <= MAX_INT:
        raise LookupError(webinar_id)
    begin_write()
    webinar = _lock(webinar_id)
    if webinar is None:
        db.session.rollback()
        raise LookupError(webinar_id)
    return webinar


def _registered_count(webinar_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(WebinarRegistration)
            .where(
                WebinarRegistration.webinar_id == webinar_id,
                WebinarRegistration.status == RegistrationStatus.REGISTERED.value,
            )
        )
        or 0
    )
