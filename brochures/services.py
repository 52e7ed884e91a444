"""Use cases of the knowledge base and the brochures; they change data and commit."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from brochures import bundle as bundles
from brochures import rendering
from brochures import search as searching
from brochures.layout import (
    BROCHURE_FORMATS,
    FORMATS,
    MEMO_PAPERS,
    Document,
    EntryData,
    SectionData,
    formats_for,
    is_slug,
)
from brochures.models import (
    Brochure,
    BrochureItem,
    BrochureSection,
    Edition,
    Entry,
    EntryRevision,
    EntryTerm,
    Kind,
    Status,
    Topic,
)
from brochures.printjobs import BuildJob, BuildResult, run_build
from school import printing
from school.database import begin_write
from school.extensions import db
from school.models import User
from school.timeutil import now_utc

REVIEW_PERIOD_MONTHS = 12
# Stems longer than this are not indexed (they are URLs or noise, never typed in a search).
_MAX_TERM_LENGTH = 80


class FinanceError(Exception):
    """A use case refused: ``message`` is shown to the user, next to ``field`` if given."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


# ------------------------------------------------------------------------------ dates


def today() -> date:
    """Today in the site's time zone (review dates are calendar dates there)."""
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    return now_utc().astimezone(zone).date()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (29 Feb -> 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_review_due(valid_as_of: date) -> date:
    return add_months(valid_as_of, REVIEW_PERIOD_MONTHS)


# ------------------------------------------------------------------------------ topics


def list_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)))


def topic_by_slug(slug: str) -> Topic | None:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def _check_topic_slug(slug: str, topic: Topic | None = None) -> None:
    if not is_slug(slug, 80):
        raise FinanceError(
            _l("Use lower-case Latin letters, digits and hyphens, e.g. housing-and-rent."), "slug"
        )
    other = topic_by_slug(slug)
    if other is not None and other is not topic:
        raise FinanceError(_l("Another topic already has this address."), "slug")


def create_topic(title: str, slug: str, description: str = "") -> Topic:
    _check_topic_slug(slug)
    last = db.session.scalar(select(func.max(Topic.position))) or 0
    topic = Topic(title=title.strip(), slug=slug, description=description or "", position=last + 1)
    db.session.add(topic)
    db.session.commit()
    return topic


def update_topic(topic: Topic, title: str, slug: str, description: str = "") -> Topic:
    _check_topic_slug(slug, topic)
    topic.title, topic.slug, topic.description = title.strip(), slug, description or ""
    db.session.commit()
    return topic


def _swap_neighbour(items: Sequence[Any], item: Any, direction: str) -> bool:
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(items):
        return False
    reordered = list(items)
    reordered[index], reordered[other] = reordered[other], reordered[index]
    for position, obj in enumerate(reordered, start=1):
        obj.position = position
    return True


def move_topic(topic: Topic, direction: str) -> None:
    _swap_neighbour(list_topics(), topic, direction)
    db.session.commit()


def delete_topic(topic: Topic) -> None:
    if topic.entries:
        raise FinanceError(_l("Move the entries of this topic to another topic first."))
    db.session.delete(topic)
    db.session.commit()


# ------------------------------------------------------------------------------ entries


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
    if not is_slug(slug):
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


def submit_for_review(user: User, revision: EntryRevision) -> None:
    revision = _locked_revision(revision)
    if revision.status != Status.DRAFT.value:
        db.session.rollback()
        raise FinanceError(_l("Only a draft can be sent for review."))
    revision.status = Status.IN_REVIEW.value
    revision.submitted_at = now_utc()
    db.session.commit()


def send_back_to_draft(user: User, revision: EntryRevision) -> None:
    revision = _locked_revision(revision)
    if revision.status != Status.IN_REVIEW.value:
        db.session.rollback()
        raise FinanceError(_l("Only a revision in review can be sent back to draft."))
    revision.status = Status.DRAFT.value
    revision.submitted_at = None
    db.session.commit()


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
    revision = _locked_revision(revision)
    if revision.status != Status.IN_REVIEW.value:
        db.session.rollback()
        raise FinanceError(_l("Only a revision in review can be approved."))
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


def topics_with_entries() -> list[tuple[Topic, list[Entry]]]:
    """Every topic with its published entries, for the reader's index page."""
    entries = published_entries()
    by_topic: dict[int, list[Entry]] = {}
    for entry in entries:
        for topic in entry.topics:
            by_topic.setdefault(topic.id, []).append(entry)
    return [(topic, by_topic.get(topic.id, [])) for topic in list_topics()]


# ------------------------------------------------------------------------------ search


def reindex(entry: Entry) -> None:
    """Store the search terms of the entry's published revision (none when unpublished)."""
    db.session.execute(delete(EntryTerm).where(EntryTerm.entry_id == entry.id))
    revision = entry.published_revision
    if revision is None:
        return
    weights = searching.index_document(
        {
            "question": revision.question,
            "short_answer": revision.short_answer,
            "full_answer": searching.plain_text(revision.full_answer),
            "legal_references": revision.legal_references or [],
        }
    )
    rows = [
        {"entry_id": entry.id, "term": term, "weight": round(weight / searching.WEIGHT_QUANTUM)}
        for term, weight in sorted(weights.items())
        if len(term) <= _MAX_TERM_LENGTH
    ]
    if rows:
        db.session.execute(EntryTerm.__table__.insert(), rows)


def reindex_all() -> int:
    entries = list(db.session.scalars(select(Entry)))
    for entry in entries:
        reindex(entry)
    db.session.commit()
    return len(entries)


@dataclass
class SearchHit:
    entry: Entry
    revision: EntryRevision
    matched: int
    score: float


@dataclass
class SearchPage:
    query: str
    terms: list[str]
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(query: str, page: int = 1, per_page: int = 20) -> SearchPage:
    """Published entries matching the query, best first (see ``brochures.search``).

    The order is computed by the database from integer weights, so it is the same on SQLite
    and PostgreSQL: more distinct query terms first, then the larger weight sum, then entry id.
    """
    terms = searching.parse_query(query)
    page = max(1, page)
    if not terms:
        return SearchPage(query, terms, [], 0, page, per_page)
    # Only published entries have index rows (see reindex), so the index alone answers: one
    # pass over the covering index for the terms, and the number of matches comes with the page.
    matched = func.count(EntryTerm.term).label("matched")
    total = func.sum(EntryTerm.weight).label("total")
    rows = db.session.execute(
        select(EntryTerm.entry_id, matched, total, func.count().over().label("count"))
        .where(EntryTerm.term.in_(terms))
        .group_by(EntryTerm.entry_id)
        .order_by(matched.desc(), total.desc(), EntryTerm.entry_id.asc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if rows:
        count = rows[0].count
    elif page > 1:  # past the last page: the count still tells the reader how many there are
        count = search(query, 1, per_page).total
    else:
        count = 0
    entries = {
        e.id: e
        for e in db.session.scalars(
            select(Entry)
            .where(Entry.id.in_([r.entry_id for r in rows]))
            .options(joinedload(Entry.published_revision), selectinload(Entry.topics))
        )
    }
    hits = []
    for entry_id, n_matched, weight_units, _ in rows:
        entry = entries[entry_id]
        score = weight_units * searching.WEIGHT_QUANTUM * n_matched / len(terms)
        hits.append(SearchHit(entry, entry.published_revision, int(n_matched), score))
    return SearchPage(query, terms, hits, count, page, per_page)


# ------------------------------------------------------------------------------ brochures


@dataclass
class BrochureInput:
    kind: str
    slug: str
    title: str
    subtitle: str = ""
    edition_label: str = ""
    language: str = "ru"
    introduction: str = ""
    primary_format: str = "a5"
    paper: str = "a4"
    topic_id: int | None = None


def brochure_by_slug(slug: str) -> Brochure | None:
    return db.session.scalar(select(Brochure).where(Brochure.slug == slug))


def list_brochures(kind: str | None = None, published_only: bool = False) -> list[Brochure]:
    stmt = select(Brochure).order_by(Brochure.kind, Brochure.title, Brochure.id)
    if kind:
        stmt = stmt.where(Brochure.kind == kind)
    if published_only:
        stmt = stmt.where(Brochure.editions.any())
    return list(db.session.scalars(stmt))


def _apply_brochure(brochure: Brochure, data: BrochureInput) -> None:
    if not is_slug(data.slug):
        raise FinanceError(
            _l("Use lower-case Latin letters, digits and hyphens, e.g. money-in-prison."), "slug"
        )
    other = brochure_by_slug(data.slug)
    if other is not None and other is not brochure:
        raise FinanceError(_l("Another brochure or memo already has this address."), "slug")
    if not data.title.strip():
        raise FinanceError(_l("Write the title."), "title")
    if data.kind == Kind.MEMO.value:
        if data.paper not in MEMO_PAPERS:
            raise FinanceError(_l("Choose A4 or A5."), "paper")
        topic = db.session.get(Topic, data.topic_id) if data.topic_id else None
        if topic is None:
            raise FinanceError(_l("A memo is about one topic: choose it."), "topic_id")
        brochure.topic = topic
        brochure.primary_format = "memo"
        brochure.paper = data.paper
    else:
        if data.primary_format not in BROCHURE_FORMATS:
            raise FinanceError(_l("Choose a format from the list."), "primary_format")
        brochure.primary_format = data.primary_format
    brochure.kind = data.kind
    brochure.slug = data.slug
    brochure.title = data.title.strip()
    brochure.subtitle = data.subtitle.strip()
    brochure.edition_label = data.edition_label.strip()
    brochure.language = data.language
    brochure.introduction = data.introduction or ""
    brochure.updated_at = now_utc()


def create_brochure(user: User | None, data: BrochureInput) -> Brochure:
    """A new brochure (with one empty section) or memo."""
    brochure = Brochure(created_by=user)
    _apply_brochure(brochure, data)
    title = brochure.topic.title if brochure.is_memo and brochure.topic else brochure.title
    brochure.sections.append(BrochureSection(title=title, position=1))
    db.session.add(brochure)
    db.session.commit()
    return brochure


def update_brochure(brochure: Brochure, data: BrochureInput) -> Brochure:
    _apply_brochure(brochure, data)
    db.session.commit()
    return brochure


def delete_brochure(brochure: Brochure) -> None:
    db.session.delete(brochure)
    db.session.commit()


def add_section(brochure: Brochure, title: str) -> BrochureSection:
    if not title.strip():
        raise FinanceError(_l("Write the section title."), "title")
    position = max((s.position for s in brochure.sections), default=0) + 1
    section = BrochureSection(title=title.strip(), position=position)
    brochure.sections.append(section)
    brochure.updated_at = now_utc()
    db.session.commit()
    return section


def rename_section(section: BrochureSection, title: str) -> None:
    if not title.strip():
        raise FinanceError(_l("Write the section title."), "title")
    section.title = title.strip()
    db.session.commit()


def move_section(section: BrochureSection, direction: str) -> None:
    _swap_neighbour(list(section.brochure.sections), section, direction)
    db.session.commit()


def delete_section(section: BrochureSection) -> None:
    brochure = section.brochure
    if len(brochure.sections) <= 1:
        raise FinanceError(_l("A brochure keeps at least one section."))
    brochure.sections.remove(section)
    for position, other in enumerate(brochure.sections, start=1):
        other.position = position
    db.session.commit()


def _brochure_entry_ids(brochure: Brochure) -> set[int]:
    return {item.entry_id for section in brochure.sections for item in section.items}


def addable_entries(brochure: Brochure) -> list[Entry]:
    """Approved entries in the brochure's language not yet in it (a memo: of its topic)."""
    taken = _brochure_entry_ids(brochure)
    topic = brochure.topic if brochure.is_memo else None
    return [
        e for e in published_entries(topic=topic, language=brochure.language) if e.id not in taken
    ]


def add_item(section: BrochureSection, entry: Entry | None) -> BrochureItem:
    if entry is None or entry.published_revision_id is None:
        raise FinanceError(_l("Only approved entries can go into a brochure."), "entry_id")
    brochure = section.brochure
    if entry.id in _brochure_entry_ids(brochure):
        raise FinanceError(_l("This entry is already in the brochure."), "entry_id")
    position = max((i.position for i in section.items), default=0) + 1
    item = BrochureItem(entry=entry, position=position)
    section.items.append(item)
    brochure.updated_at = now_utc()
    db.session.commit()
    return item


def move_item(item: BrochureItem, direction: str) -> None:
    """Move an entry up or down; past the edge of its section it goes to the next section."""
    section = item.section
    items = list(section.items)
    index = items.index(item)
    sections = list(section.brochure.sections)
    s_index = sections.index(section)
    if direction == "up" and index == 0 and s_index > 0:
        _move_to(item, sections[s_index - 1], at_end=True)
    elif direction == "down" and index == len(items) - 1 and s_index < len(sections) - 1:
        _move_to(item, sections[s_index + 1], at_end=False)
    else:
        _swap_neighbour(items, item, direction)
    section.brochure.updated_at = now_utc()
    db.session.commit()


def _move_to(item: BrochureItem, target: BrochureSection, at_end: bool = True) -> None:
    source = item.section
    remaining = [other for other in source.items if other is not item]
    items = [other for other in target.items if other is not item]
    items = [*items, item] if at_end else [item, *items]
    # Re-parenting through the many-to-one side moves the row; removing it from the source
    # collection first would delete it as an orphan.
    item.section = target
    for position, other in enumerate(remaining, start=1):
        other.position = position
    for position, other in enumerate(items, start=1):
        other.position = position
    db.session.flush()
    db.session.expire(source, ["items"])
    db.session.expire(target, ["items"])


def move_item_to_section(item: BrochureItem, target: BrochureSection | None) -> None:
    if target is None or target.brochure_id != item.section.brochure_id:
        raise FinanceError(_l("Choose a section of this brochure."))
    if target.id != item.section_id:
        _move_to(item, target, at_end=True)
        db.session.commit()


def remove_item(item: BrochureItem) -> None:
    section = item.section
    section.items.remove(item)
    for position, other in enumerate(section.items, start=1):
        other.position = position
    db.session.commit()


def fill_section_from_topic(section: BrochureSection, topic: Topic) -> int:
    """Add every approved entry of a topic not yet in the brochure; returns how many."""
    brochure = section.brochure
    taken = _brochure_entry_ids(brochure)
    added = 0
    position = max((i.position for i in section.items), default=0)
    for entry in published_entries(topic=topic, language=brochure.language):
        if entry.id in taken:
            continue
        position += 1
        section.items.append(BrochureItem(entry=entry, position=position))
        taken.add(entry.id)
        added += 1
    db.session.commit()
    return added


# ------------------------------------------------------------------------------ documents


def document_for(brochure: Brochure, edition_date: date | None = None) -> Document:
    """The brochure as it would print now: the published revision of each of its entries."""
    sections = []
    keywords: list[str] = []
    for section in brochure.sections:
        entries = []
        for item in section.items:
            revision = item.entry.published_revision
            if revision is None:
                continue
            entries.append(
                EntryData(
                    entry_id=item.entry.id,
                    revision_id=revision.id,
                    slug=item.entry.slug,
                    question=revision.question,
                    short_answer=revision.short_answer,
                    full_answer=revision.full_answer,
                    legal_references=list(revision.legal_references or []),
                    valid_as_of=revision.valid_as_of,
                    demo=item.entry.demo,
                )
            )
            keywords.extend(t.title for t in item.entry.topics)
        sections.append(SectionData(section.title, entries))
    return Document(
        kind=brochure.kind,
        slug=brochure.slug,
        title=brochure.title,
        subtitle=brochure.subtitle,
        edition_label=brochure.edition_label,
        language=brochure.language,
        introduction=brochure.introduction,
        org_name=current_app.config["ORG_NAME"],
        paper=brochure.paper,
        topic_title=brochure.topic.title if brochure.topic else "",
        keywords=list(dict.fromkeys(keywords)),
        edition_date=edition_date,
        sections=sections,
    )


def _metadata_to_dict(meta: printing.PdfMetadata) -> dict[str, Any]:
    return {
        "title": meta.title,
        "author": meta.author,
        "lang": meta.lang,
        "subject": meta.subject,
        "keywords": list(meta.keywords),
        "created": meta.created.isoformat() if meta.created else None,
    }


def _metadata_from_dict(data: dict[str, Any]) -> printing.PdfMetadata:
    created = datetime.fromisoformat(data["created"]) if data.get("created") else None
    return printing.PdfMetadata(
        title=data["title"],
        author=data["author"],
        lang=data["lang"],
        subject=data.get("subject"),
        keywords=tuple(data.get("keywords") or ()),
        created=created,
    )


def publish_edition(user: User | None, brochure: Brochure, label: str = "") -> Edition:
    """Freeze the brochure as a new edition: its texts and the HTML of every format."""
    brochure_id = brochure.id
    begin_write()
    brochure = db.session.scalar(
        select(Brochure).where(Brochure.id == brochure_id).with_for_update()
    )
    published_at = now_utc().replace(microsecond=0)
    day = published_at.astimezone(ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])).date()
    doc = document_for(brochure, edition_date=day)
    if not doc.entries:
        db.session.rollback()
        raise FinanceError(_l("Add at least one approved entry before publishing."))
    doc.edition_label = (label or brochure.edition_label).strip()
    meta = rendering.metadata(doc, created=published_at)
    renders = {}
    for fmt in formats_for(brochure.kind):
        renders[fmt] = {
            "candidates": [rendering.freeze_styles(h) for h in rendering.html_candidates(doc, fmt)],
            "max_pages": rendering.max_pages(fmt),
            "metadata": _metadata_to_dict(meta),
        }
    number = max((e.number for e in brochure.editions), default=0) + 1
    edition = Edition(
        number=number,
        label=doc.edition_label,
        published_at=published_at,
        published_by=user,
        valid_as_of=doc.valid_as_of,
        document=doc.to_dict(),
        renders=renders,
    )
    brochure.editions.append(edition)
    brochure.edition_label = doc.edition_label
    db.session.commit()
    return edition


def edition_by_number(brochure: Brochure, number: int) -> Edition | None:
    return next((e for e in brochure.editions if e.number == number), None)


@dataclass
class Change:
    """How an entry differs between an edition and the brochure now."""

    kind: str  # updated, withdrawn, deleted, added, removed
    slug: str
    question: str
    entry: Entry | None = None


def changes_since(brochure: Brochure, edition: Edition) -> list[Change]:
    """Entries whose approved text changed since the edition, and entries added or removed."""
    frozen = Document.from_dict(edition.document)
    current_ids = _brochure_entry_ids(brochure)
    changes: list[Change] = []
    frozen_ids = set()
    for data in frozen.entries:
        frozen_ids.add(data.entry_id)
        entry = db.session.get(Entry, data.entry_id)
        if entry is None:
            changes.append(Change("deleted", data.slug, data.question))
            continue
        if entry.published_revision_id is None:
            changes.append(Change("withdrawn", entry.slug, data.question, entry))
        elif entry.published_revision_id != data.revision_id:
            changes.append(Change("updated", entry.slug, entry.published_revision.question, entry))
        if entry.id not in current_ids:
            changes.append(Change("removed", entry.slug, data.question, entry))
    for section in brochure.sections:
        for item in section.items:
            if item.entry_id not in frozen_ids and item.entry.published_revision is not None:
                entry = item.entry
                changes.append(
                    Change("added", entry.slug, entry.published_revision.question, entry)
                )
    return changes


# ------------------------------------------------------------------------------ PDFs


def _cache_dir() -> str:
    return str(Path(current_app.config["PDF_CACHE_DIR"]))


def check_format(brochure: Brochure, fmt: str, impose: bool = False) -> None:
    if fmt not in FORMATS or fmt not in formats_for(brochure.kind):
        raise FinanceError(_l("This format is not available for it."))
    if impose and not FORMATS[fmt].booklet:
        raise FinanceError(_l("Only the A5 booklet can be imposed."))


def build_job(
    brochure: Brochure, fmt: str, *, edition: Edition | None = None, impose: bool = False
) -> BuildJob:
    """What to render: a frozen edition, or the brochure as it is now."""
    check_format(brochure, fmt, impose)
    name = f"{brochure.slug}-{fmt}"
    if edition is not None:
        frozen = edition.renders.get(fmt)
        if frozen is None:
            raise FinanceError(_l("This edition has no such format."))
        return BuildJob(
            candidates=tuple(frozen["candidates"]),
            metadata=_metadata_from_dict(frozen["metadata"]),
            cache_dir=_cache_dir(),
            max_pages=frozen.get("max_pages"),
            impose=impose,
            name=name,
        )
    doc = document_for(brochure)
    return BuildJob(
        candidates=tuple(rendering.html_candidates(doc, fmt)),
        metadata=rendering.metadata(doc),
        cache_dir=_cache_dir(),
        max_pages=rendering.max_pages(fmt),
        impose=impose,
        name=name,
    )


def build(
    brochure: Brochure, fmt: str, *, edition: Edition | None = None, impose: bool = False
) -> BuildResult:
    """The PDF of a brochure in one format, from the cache when nothing changed.

    An edition is frozen, so where its PDF lies in the cache is worked out once per process
    (its HTML read from the database and hashed with the fonts and stylesheets); later
    downloads only check that the file is still there. A deploy restarts the processes, so new
    fonts or stylesheets still give every edition a fresh PDF.
    """
    if edition is None:
        return run_build(build_job(brochure, fmt, impose=impose))
    key = (
        _cache_dir(),
        edition.id,
        edition.brochure_id,
        edition.number,
        edition.published_at,
        fmt,
        impose,
    )
    known = _edition_pdfs.get(key)
    if known is not None and known.path.is_file():  # cache files are written whole or not at all
        return known
    result = run_build(build_job(brochure, fmt, edition=edition, impose=impose))
    _edition_pdfs[key] = replace(result, renders=0)
    return result


# (cache, edition id, brochure id, number, published at, format, imposed) -> where its PDF is
_edition_pdfs: dict[tuple, BuildResult] = {}


def preview(brochure: Brochure, fmt: str, pages: int = 4) -> bytes:
    """The first pages (cover, contents, first chapter) of the brochure as it is now."""
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    result = build(brochure, fmt)
    reader = PdfReader(BytesIO(result.read()))
    writer = PdfWriter()
    for page in reader.pages[:pages]:
        writer.add_page(page)
    writer.add_metadata({"/Title": brochure.title})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


# ------------------------------------------------------------------------------ import, export

PROBLEM_MESSAGES = {
    "not_zip": _l("The file is not a zip archive, or it is damaged."),
    "too_many_files": _l("The archive holds more than %(limit)s files."),
    "unsafe_path": _l("%(path)s: unsafe file name in the archive."),
    "link": _l("%(path)s: links are not allowed in the archive."),
    "encrypted": _l("%(path)s: encrypted files cannot be read."),
    "file_too_large": _l("%(path)s: the file is larger than %(limit)s bytes."),
    "archive_too_large": _l("The unpacked files are larger than %(limit)s bytes in total."),
    "corrupt": _l("%(path)s: the file in the archive is damaged."),
    "not_utf8": _l("%(path)s: the file is not UTF-8 text."),
    "no_front_matter": _l(
        '%(path)s: the file must begin with YAML front matter between "---" lines.'
    ),
    "bad_yaml": _l("%(path)s: the YAML front matter cannot be read (line %(line)s)."),
    "not_mapping": _l("%(path)s: the front matter must be a list of fields."),
    "unknown_key": _l('%(path)s: unknown field "%(key)s".'),
    "missing": _l('%(path)s: the field "%(key)s" is required.'),
    "bad_value": _l('%(path)s: the field "%(key)s" has a wrong value.'),
    "too_long": _l('%(path)s: the field "%(key)s" is too long.'),
    "needs_valid_as_of": _l('%(path)s: an approved entry needs "valid_as_of".'),
    "duplicate_slug": _l('%(path)s: the slug "%(slug)s" is used by another file.'),
    "bad_topics": _l("%(path)s: the topic list cannot be read."),
    "bad_topic": _l("%(path)s: a topic needs a slug and a title: %(item)s"),
    "duplicate_topic": _l('%(path)s: the topic "%(slug)s" is listed twice.'),
    "two_topic_files": _l("%(path)s: the archive may hold only one topic list."),
    "unknown_topic": _l('%(path)s: unknown topic "%(slug)s".'),
    "no_entries": _l("The archive holds no entry files (entries/*.md)."),
}


def problem_message(problem: bundles.Problem) -> str:
    params = {"path": problem.path, **dict(problem.params)}
    message = PROBLEM_MESSAGES.get(problem.code)
    if message is None:
        return f"{problem.path}: {problem.code}"
    return str(message) % params


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    topics_created: int = 0


def import_zip(user: User | None, data: bytes) -> ImportSummary:
    """Import a zip of entry files: everything or, on any problem, nothing."""
    return import_bundle(user, bundles.read_zip(data))


def import_bundle(
    user: User | None, bundle: bundles.Bundle, reviewer: User | None = None
) -> ImportSummary:
    """Create or update topics and entries from a bundle in one transaction.

    An entry whose text and state already match is left alone; otherwise its imported text
    becomes a new revision (an open draft is set aside). Approved files are published with
    ``reviewer`` (default: the importing user) as the reviewer.
    """
    reviewer = reviewer or user
    existing_topics = {t.slug: t for t in list_topics()}
    known = set(existing_topics) | {t.slug for t in bundle.topics}
    problems = [
        bundles.Problem("unknown_topic", e.source, (("slug", slug),))
        for e in bundle.entries
        for slug in e.topics
        if slug not in known
    ]
    if problems:
        raise bundles.BundleError(problems)
    summary = ImportSummary()
    try:
        position = max((t.position for t in existing_topics.values()), default=0)
        for item in bundle.topics:
            if item.slug in existing_topics:
                continue
            position += 1
            topic = Topic(
                slug=item.slug, title=item.title, description=item.description, position=position
            )
            db.session.add(topic)
            existing_topics[item.slug] = topic
            summary.topics_created += 1
        db.session.flush()
        for item in bundle.entries:
            outcome = _import_entry(user, reviewer, item, existing_topics)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _import_entry(
    user: User | None, reviewer: User | None, item: bundles.BundleEntry, topics: dict[str, Topic]
) -> str:
    content = {
        "question": item.question,
        "short_answer": item.short_answer,
        "full_answer": item.full_answer.strip("\n"),
        "legal_references": list(item.legal_references),
    }
    entry = entry_by_slug(item.slug)
    outcome = "updated"
    if entry is None:
        entry = Entry(slug=item.slug)
        db.session.add(entry)
        outcome = "created"
    entry.language, entry.demo = item.language, item.demo
    entry.topics = [topics[slug] for slug in item.topics]
    if outcome == "updated" and _matches(entry, item, content):
        return "unchanged"
    for other in entry.revisions:
        if other.is_open:
            other.status = Status.DISCARDED.value
    revision = _new_revision(entry, user, content, note="import")
    db.session.flush()
    if item.status == Status.APPROVED.value:
        assert item.valid_as_of is not None
        _publish(revision, reviewer, item.valid_as_of, item.review_due)
    elif item.status == Status.IN_REVIEW.value:
        revision.status = Status.IN_REVIEW.value
        revision.submitted_at = now_utc()
    return outcome


def _matches(entry: Entry, item: bundles.BundleEntry, content: dict[str, Any]) -> bool:
    if item.status == Status.APPROVED.value:
        published = entry.published_revision
        return (
            entry.open_revision is None
            and published is not None
            and published.content() == content
            and published.valid_as_of == item.valid_as_of
            and (item.review_due is None or published.review_due == item.review_due)
        )
    revision = entry.open_revision
    return revision is not None and revision.status == item.status and revision.content() == content


def _bundle_entry(entry: Entry, revision: EntryRevision) -> bundles.BundleEntry:
    approved = revision.status in (Status.APPROVED.value, Status.SUPERSEDED.value)
    return bundles.BundleEntry(
        slug=entry.slug,
        question=revision.question,
        short_answer=revision.short_answer,
        full_answer=revision.full_answer,
        language=entry.language,
        topics=[t.slug for t in entry.topics],
        legal_references=list(revision.legal_references or []),
        valid_as_of=revision.valid_as_of if approved else None,
        review_due=revision.review_due if approved else None,
        status=Status.APPROVED.value if approved else revision.status,
        demo=entry.demo,
    )


EXPORT_CHOICES = ("published", "latest")


def export_zip(which: str = "published") -> bytes:
    """A zip of every entry: its approved text (``published``) or its newest text (``latest``).

    Entries never approved are exported with their draft either way, so nothing is lost.
    """
    items = []
    for entry in db.session.scalars(select(Entry).order_by(Entry.slug)):
        if which == "latest":
            revision = entry.open_revision or entry.published_revision or entry.latest_revision
        else:
            revision = entry.published_revision or entry.open_revision or entry.latest_revision
        if revision is not None:
            items.append(_bundle_entry(entry, revision))
    topics = [bundles.BundleTopic(t.slug, t.title, t.description or "") for t in list_topics()]
    return bundles.write_zip(bundles.Bundle(topics=topics, entries=items))


# ------------------------------------------------------------------------------ accounts


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

    editions = db.session.execute(
        select(Brochure.slug, Edition.number, Edition.published_at)
        .join(Brochure, Brochure.id == Edition.brochure_id)
        .where(Edition.published_by_id == user.id)
        .order_by(Brochure.slug, Edition.number)
    )
    return {
        "revisions_written": rows(EntryRevision.author_id),
        "revisions_reviewed": rows(EntryRevision.reviewer_id),
        "editions_published": [
            {"brochure": slug, "edition": number, "published_at": at.isoformat()}
            for slug, number, at in editions
        ],
    }


def forget_user(user: User) -> None:
    """Before an account is deleted: keep the texts, drop the link to the person."""
    uid = user.id
    db.session.execute(
        update(EntryRevision).where(EntryRevision.author_id == uid).values(author_id=None)
    )
    db.session.execute(
        update(EntryRevision).where(EntryRevision.reviewer_id == uid).values(reviewer_id=None)
    )
    db.session.execute(
        update(Edition).where(Edition.published_by_id == uid).values(published_by_id=None)
    )
    db.session.execute(
        update(Brochure).where(Brochure.created_by_id == uid).values(created_by_id=None)
    )
