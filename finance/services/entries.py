"""Entries and their revisions: write, save, find and list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import selectinload

from finance.models import Entry, EntryRevision, Status, Topic, entry_topics
from finance.services.common import FinanceError, today
from finance.services.topics import list_topics
from school.extensions import db
from school.models import User
from school.slugs import is_valid_slug
from school.timeutil import now_utc


@dataclass
class EntryInput:
    """What the entry form (or an import) gives."""

    slug: str
    question: str
    language: str = "ru"
    topic_ids: list[int] = field(default_factory=list)
    short_answer: str = ""
    full_answer: str = ""
    legal_references: list[str] = field(default_factory=list)
    note: str = ""
    demo: bool = False

    def content(self) -> dict[str, Any]:
        return {
            "question": self.question.strip(),
            "short_answer": self.short_answer.strip(),
            "full_answer": self.full_answer.strip("\n"),
            "legal_references": [r.strip() for r in self.legal_references if r.strip()],
        }


def parse_references(text: str | None) -> list[str]:
    """One legal reference per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def entry_by_slug(slug: str) -> Entry | None:
    return db.session.scalar(select(Entry).where(Entry.slug == slug))


def _check_entry_slug(slug: str, entry: Entry | None = None) -> None:
    if not is_valid_slug(slug, 120):
        raise FinanceError(
            _l("Use lower-case Latin letters, digits and hyphens, e.g. pension-in-prison."), "slug"
        )
    other = entry_by_slug(slug)
    if other is not None and other is not entry:
        raise FinanceError(_l("Another entry already has this address."), "slug")


def _topics(ids: Iterable[int]) -> list[Topic]:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    found = {t.id: t for t in db.session.scalars(select(Topic).where(Topic.id.in_(ids)))}
    if len(found) != len(ids):
        raise FinanceError(_l("Choose topics from the list."), "topic_ids")
    return [found[i] for i in ids]


def _apply_content(revision: EntryRevision, content: dict[str, Any]) -> None:
    revision.question = content["question"]
    revision.short_answer = content["short_answer"]
    revision.full_answer = content["full_answer"]
    revision.legal_references = list(content["legal_references"])


def _new_revision(
    entry: Entry, user: User | None, content: dict[str, Any], **fields
) -> EntryRevision:
    number = max((r.number for r in entry.revisions), default=0) + 1
    revision = EntryRevision(number=number, author=user, status=Status.DRAFT.value, **fields)
    _apply_content(revision, content)
    entry.revisions.append(revision)
    return revision


def create_entry(user: User, data: EntryInput) -> Entry:
    """A new entry with its first draft revision."""
    _check_entry_slug(data.slug)
    if not data.question.strip():
        raise FinanceError(_l("Write the question."), "question")
    entry = Entry(slug=data.slug, language=data.language, demo=data.demo)
    entry.topics = _topics(data.topic_ids)
    db.session.add(entry)
    _new_revision(entry, user, data.content(), note=data.note.strip())
    db.session.commit()
    return entry


def save_entry(user: User, entry: Entry, data: EntryInput) -> EntryRevision | None:
    """Save the form: the open draft is updated, or a new draft revision is started.

    The published revision never changes. Returns the draft, or None when only the entry's
    settings (address, language, topics) changed.
    """
    _check_entry_slug(data.slug, entry)
    if not data.question.strip():
        raise FinanceError(_l("Write the question."), "question")
    entry.slug, entry.language, entry.demo = data.slug, data.language, data.demo
    entry.topics = _topics(data.topic_ids)
    content = data.content()
    revision = entry.open_revision
    if revision is not None and revision.status == Status.IN_REVIEW.value:
        db.session.rollback()
        raise FinanceError(_l("This revision is in review. Send it back to draft to change it."))
    if revision is None:
        published = entry.published_revision
        if published is not None and published.content() == content:
            db.session.commit()
            return None
        revision = _new_revision(entry, user, content, note=data.note.strip())
    else:
        _apply_content(revision, content)
        revision.note = data.note.strip()
        revision.updated_at = now_utc()
        if user is not None:
            revision.author = user
    db.session.commit()
    return revision


def revision_by_number(entry: Entry, number: int) -> EntryRevision | None:
    return next((r for r in entry.revisions if r.number == number), None)


def overdue_entries(on: date | None = None) -> list[tuple[Entry, EntryRevision]]:
    """Published entries whose review date has passed, the most overdue first."""
    day = on or today()
    rows = db.session.execute(
        select(Entry, EntryRevision)
        .join(EntryRevision, Entry.published_revision_id == EntryRevision.id)
        .where(EntryRevision.review_due < day)
        .order_by(EntryRevision.review_due, Entry.id)
    ).all()
    return [(entry, revision) for entry, revision in rows]


STATUS_FILTERS = ("all", "draft", "in_review", "published", "unpublished", "overdue")


def list_entries(status: str = "all", topic_id: int | None = None, query: str = "", page: int = 1):
    """Entries for staff, newest activity first, filtered by state and topic."""
    stmt = select(Entry).order_by(Entry.id.desc())
    if topic_id:
        stmt = stmt.where(Entry.topics.any(Topic.id == topic_id))
    if status in ("draft", "in_review"):
        stmt = stmt.where(Entry.revisions.any(EntryRevision.status == status))
    elif status == "published":
        stmt = stmt.where(Entry.published_revision_id.is_not(None))
    elif status == "unpublished":
        stmt = stmt.where(Entry.published_revision_id.is_(None))
    elif status == "overdue":
        due = select(EntryRevision.id).where(EntryRevision.review_due < today())
        stmt = stmt.where(Entry.published_revision_id.in_(due))
    if query:
        pattern = f"%{query.strip().lower()}%"
        stmt = stmt.where(
            Entry.slug.like(pattern)
            | Entry.revisions.any(func.lower(EntryRevision.question).like(pattern))
        )
    return db.paginate(stmt, page=page, per_page=30, error_out=False)


def published_entries(topic: Topic | None = None, language: str | None = None) -> list[Entry]:
    """Published entries, in topic order, then in the order they were written."""
    stmt = select(Entry).where(Entry.published_revision_id.is_not(None)).order_by(Entry.id)
    if topic is not None:
        stmt = stmt.where(Entry.topics.any(Topic.id == topic.id))
    if language:
        stmt = stmt.where(Entry.language == language)
    return list(db.session.scalars(stmt))


#: Entries shown under each topic on the reader's index page; the topic page lists them all.
ENTRIES_PER_TOPIC = 5
#: Entries per page of a topic page and of the list of all questions.
ENTRIES_PER_PAGE = 30


@dataclass(frozen=True)
class TopicSummary:
    """A topic on the reader's index: how many answers it has, and the first few."""

    topic: Topic
    count: int
    entries: list[Entry]


def _published() -> Select:
    return (
        select(Entry)
        .where(Entry.published_revision_id.is_not(None))
        .options(selectinload(Entry.published_revision))
    )


def topic_summaries(per_topic: int = ENTRIES_PER_TOPIC) -> list[TopicSummary]:
    """Every topic with its count of published entries and its first ``per_topic`` of them.

    Four queries, whatever the number of topics and entries: the topics, the counts, the first
    entries of each topic (one limited branch per topic, each read from the index on the link
    table in entry order, so none reads past its first few), and their published revisions.
    """
    topics = list_topics()
    link = entry_topics
    published = Entry.published_revision_id.is_not(None)
    counts = dict(
        db.session.execute(
            select(link.c.topic_id, func.count())
            .join(Entry, Entry.id == link.c.entry_id)
            .where(published)
            .group_by(link.c.topic_id)
        ).all()
    )
    firsts: list[tuple[int, int]] = []
    if topics:
        branches = [
            select(link.c.topic_id, link.c.entry_id)
            .join(Entry, Entry.id == link.c.entry_id)
            .where(link.c.topic_id == topic.id, published)
            .order_by(link.c.entry_id)
            .limit(per_topic)
            .subquery()
            for topic in topics
        ]
        firsts = [tuple(row) for row in db.session.execute(union_all(*map(_all_of, branches)))]
    entries = {
        entry.id: entry
        for entry in db.session.scalars(_published().where(Entry.id.in_({e for _t, e in firsts})))
    }
    by_topic: dict[int, list[Entry]] = {}
    for topic_id, entry_id in sorted(firsts):
        by_topic.setdefault(topic_id, []).append(entries[entry_id])
    return [
        TopicSummary(topic, counts.get(topic.id, 0), by_topic.get(topic.id, [])) for topic in topics
    ]


def _all_of(subquery) -> Select:
    # A limited select inside UNION ALL must be a subquery on SQLite.
    return select(*subquery.c)


def topic_page(topic: Topic, page: int = 1, per_page: int = ENTRIES_PER_PAGE):
    """One page of a topic's published entries, in the order they were written."""
    stmt = _published().where(Entry.topics.any(Topic.id == topic.id)).order_by(Entry.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def all_entries_page(page: int = 1, per_page: int = ENTRIES_PER_PAGE):
    """One page of every published question, alphabetically (the reader's A to Z).

    The order is the stored sort key's (school.collation), so the index on (sort_key, id) serves
    both the page and its count; only published entries have a key.
    """
    listed = Entry.sort_key.is_not(None)
    stmt = (
        select(Entry)
        .where(listed)
        .options(selectinload(Entry.published_revision))
        .order_by(Entry.sort_key, Entry.id)
    )
    pagination = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=False)
    pagination.total = db.session.scalar(select(func.count()).select_from(Entry).where(listed))
    return pagination


def newest_entries(limit: int = 5) -> list[Entry]:
    """The newest published questions (the home page's list), newest first."""
    return list(db.session.scalars(_published().order_by(Entry.id.desc()).limit(limit)))
