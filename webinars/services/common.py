"""What the webinar use cases share: page limits, the refusal, and the webinar row lock that
every use case which reads, checks and then writes takes first."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from school import notify
from school.database import begin_write, locked_row
from school.extensions import db
from school.models import User
from school.notifications import Kind
from school.refusal import Refusal
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration

PER_PAGE = 20
MAX_PAGE = 10_000
# Ids and counts beyond a 32-bit integer would make PostgreSQL fail instead of answering "no".
MAX_INT = 2**31 - 1


class WebinarError(Refusal):
    """A refused change to a webinar (see :class:`school.refusal.Refusal`)."""


def active_registrations(user: User):
    """A query of the user's registrations that hold a place or wait for one, with webinars."""
    return (
        select(WebinarRegistration)
        .join(Webinar)
        .options(contains_eager(WebinarRegistration.webinar))
        .where(
            WebinarRegistration.user_id == user.id,
            WebinarRegistration.status.in_(
                [RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITLISTED.value]
            ),
        )
    )


def _lock(webinar_id: int) -> Webinar | None:
    """The webinar, locked for this transaction (PostgreSQL; SQLite holds the write lock)."""
    return locked_row(Webinar, webinar_id)


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


ACTIVE = [RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITLISTED.value]


def tell(webinar: Webinar, kind: Kind, user_ids=None, **facts) -> None:
    """Notify ``user_ids`` (by default everyone holding or waiting for a place) of ``kind``
    about ``webinar``, in the caller's transaction; the notification links to its page."""
    if user_ids is None:
        user_ids = select(WebinarRegistration.user_id).where(
            WebinarRegistration.webinar_id == webinar.id, WebinarRegistration.status.in_(ACTIVE)
        )
    notify.send(
        kind,
        user_ids,
        link=("webinars.detail", {"webinar_id": webinar.id}),
        title=webinar.title,
        **facts,
    )
