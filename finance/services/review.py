"""Review of entry revisions: submit, send back, approve and publish, discard, restore."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from finance.models import Entry, EntryRevision, Status
from finance.services.common import FinanceError, default_review_due
from finance.services.entries import _new_revision
from finance.services.search import reindex
from school.database import begin_write
from school.extensions import db
from school.models import User
from school.timeutil import now_utc


def _locked_revision(revision: EntryRevision) -> EntryRevision:
    """Re-read the revision inside a write transaction, locked against concurrent changes."""
    revision_id = revision.id
    begin_write()
    locked = db.session.scalar(
        select(EntryRevision).where(EntryRevision.id == revision_id).with_for_update()
    )
    if locked is None:
        raise FinanceError(_l("This revision no longer exists."))
    return locked


def _locked_in(revision: EntryRevision, status: Status, refusal) -> EntryRevision:
    """The revision locked (see :func:`_locked_revision`), or ``refusal`` unless it is in
    ``status``."""
    locked = _locked_revision(revision)
    if locked.status != status.value:
        db.session.rollback()
        raise FinanceError(refusal)
    return locked


def submit_for_review(user: User, revision: EntryRevision) -> None:
    revision = _locked_in(revision, Status.DRAFT, _l("Only a draft can be sent for review."))
    revision.status = Status.IN_REVIEW.value
    revision.submitted_at = now_utc()
    db.session.commit()


def send_back_to_draft(user: User, revision: EntryRevision) -> None:
    revision = _locked_in(
        revision, Status.IN_REVIEW, _l("Only a revision in review can be sent back to draft.")
    )
    revision.status = Status.DRAFT.value
    revision.submitted_at = None
    db.session.commit()


def self_review_allowed() -> bool:
    """Whether authors may approve their own revisions (``ALLOW_SELF_REVIEW``)."""
    return bool(current_app.config.get("ALLOW_SELF_REVIEW", False))


def approve(
    user: User, revision: EntryRevision, valid_as_of: date | None, review_due: date | None = None
) -> None:
    """Publish a revision in review: it replaces the published one and enters the search."""
    if valid_as_of is None:
        raise FinanceError(_l("Give the date the answer is valid as of."), "valid_as_of")
    if review_due is not None and review_due <= valid_as_of:
        raise FinanceError(
            _l("The review date must come after the valid-as-of date."), "review_due"
        )
    revision = _locked_in(
        revision, Status.IN_REVIEW, _l("Only a revision in review can be approved.")
    )
    if revision.author_id == user.id and not self_review_allowed():
        db.session.rollback()
        raise FinanceError(
            _l("You wrote this revision: another staff member must review and approve it."),
            code="own_revision",
        )
    _publish(revision, user, valid_as_of, review_due)
    db.session.commit()


def _publish(
    revision: EntryRevision, reviewer: User | None, valid_as_of: date, review_due: date | None
) -> None:
    entry = revision.entry
    previous = entry.published_revision
    if previous is not None and previous is not revision:
        previous.status = Status.SUPERSEDED.value
    revision.status = Status.APPROVED.value
    revision.reviewer = reviewer
    revision.approved_at = now_utc()
    revision.valid_as_of = valid_as_of
    revision.review_due = review_due or default_review_due(valid_as_of)
    entry.published_revision = revision
    db.session.flush()
    reindex(entry)


def discard_draft(user: User, revision: EntryRevision) -> None:
    revision = _locked_revision(revision)
    if not revision.is_open:
        db.session.rollback()
        raise FinanceError(_l("Only a draft or a revision in review can be discarded."))
    revision.status = Status.DISCARDED.value
    db.session.commit()


def restore_revision(user: User, revision: EntryRevision) -> EntryRevision:
    """Start a new draft with the text of an older revision; an open draft is set aside."""
    revision = _locked_revision(revision)
    entry = revision.entry
    for other in entry.revisions:
        if other.is_open:
            other.status = Status.DISCARDED.value
    draft = _new_revision(entry, user, revision.content(), restored_from=revision.number)
    db.session.commit()
    return draft


def set_review_due(user: User, entry: Entry, review_due: date | None) -> None:
    revision = entry.published_revision
    if revision is None:
        raise FinanceError(_l("The entry is not published yet."))
    if review_due is None:
        raise FinanceError(_l("Give a date."), "review_due")
    if revision.valid_as_of and review_due <= revision.valid_as_of:
        raise FinanceError(
            _l("The review date must come after the valid-as-of date."), "review_due"
        )
    revision.review_due = review_due
    db.session.commit()
