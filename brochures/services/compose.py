"""Composing brochures and memos: their settings, sections and entries."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from brochures.layout import BROCHURE_FORMATS, MEMO_PAPERS, BrochureMeta
from brochures.models import Brochure, BrochureItem, BrochureSection, Edition, Kind
from brochures.services.common import BrochureError
from finance.models import Entry, EntryTerm, Topic
from finance.search import parse_query
from finance.services import published_entries
from school.extensions import db
from school.models import User
from school.reorder import swap_with_neighbour
from school.slugs import is_valid_slug
from school.timeutil import now_utc


@dataclass
class BrochureInput(BrochureMeta):
    """A brochure's settings as the form gives them."""

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
        # Readers' lists show each brochure's latest edition: loaded with it, not one by one.
        stmt = stmt.where(Brochure.editions.any()).options(selectinload(Brochure.editions))
    return list(db.session.scalars(stmt))


#: Addresses of the staff's pages under /brochures/, which a brochure could not have.
RESERVED_SLUGS = frozenset({"manage"})


def _apply_brochure(brochure: Brochure, data: BrochureInput) -> None:
    if not is_valid_slug(data.slug, 120):
        raise BrochureError(
            _l("Use lower-case Latin letters, digits and hyphens, e.g. money-in-prison."), "slug"
        )
    other = brochure_by_slug(data.slug)
    taken = other is not None and other is not brochure
    if taken or data.slug in RESERVED_SLUGS:
        raise BrochureError(_l("Another brochure or memo already has this address."), "slug")
    if not data.title.strip():
        raise BrochureError(_l("Write the title."), "title")
    if data.kind == Kind.MEMO.value:
        if data.paper not in MEMO_PAPERS:
            raise BrochureError(_l("Choose A4 or A5."), "paper")
        topic = db.session.get(Topic, data.topic_id) if data.topic_id else None
        if topic is None:
            raise BrochureError(_l("A memo is about one topic: choose it."), "topic_id")
        brochure.topic = topic
        brochure.primary_format = "memo"
        brochure.paper = data.paper
    else:
        if data.primary_format not in BROCHURE_FORMATS:
            raise BrochureError(_l("Choose a format from the list."), "primary_format")
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
        raise BrochureError(_l("Write the section title."), "title")
    position = max((s.position for s in brochure.sections), default=0) + 1
    section = BrochureSection(title=title.strip(), position=position)
    brochure.sections.append(section)
    brochure.updated_at = now_utc()
    db.session.commit()
    return section


def rename_section(section: BrochureSection, title: str) -> None:
    if not title.strip():
        raise BrochureError(_l("Write the section title."), "title")
    section.title = title.strip()
    db.session.commit()


def move_section(section: BrochureSection, direction: str) -> None:
    swap_with_neighbour(list(section.brochure.sections), section, direction)
    db.session.commit()


def delete_section(section: BrochureSection) -> None:
    brochure = section.brochure
    if len(brochure.sections) <= 1:
        raise BrochureError(_l("A brochure keeps at least one section."))
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


#: Approved entries offered per page of a brochure's "add an entry" list.
ADDABLE_PER_PAGE = 20


def addable_page(brochure: Brochure, query: str = "", page: int = 1):
    """One page of :func:`addable_entries`, oldest first; with ``query``, only the entries
    whose indexed words include a word of it (the knowledge base's search terms).

    Three queries whatever the size of the knowledge base: the page, its count and the page's
    published revisions. Returns a Flask-SQLAlchemy pagination of entries.
    """
    taken = _brochure_entry_ids(brochure)
    stmt = (
        select(Entry)
        .where(Entry.published_revision_id.is_not(None), Entry.language == brochure.language)
        .options(selectinload(Entry.published_revision))
        .order_by(Entry.id)
    )
    if taken:
        stmt = stmt.where(Entry.id.not_in(taken))
    if brochure.is_memo and brochure.topic is not None:
        stmt = stmt.where(Entry.topics.any(Topic.id == brochure.topic_id))
    if query.strip():
        terms = parse_query(query)
        stmt = stmt.where(
            Entry.id.in_(select(EntryTerm.entry_id).where(EntryTerm.term.in_(terms or [""])))
        )
    return db.paginate(stmt, page=page, per_page=ADDABLE_PER_PAGE, error_out=False)


def add_item(section: BrochureSection, entry: Entry | None) -> BrochureItem:
    if entry is None or entry.published_revision_id is None:
        raise BrochureError(_l("Only approved entries can go into a brochure."), "entry_id")
    brochure = section.brochure
    if entry.id in _brochure_entry_ids(brochure):
        raise BrochureError(_l("This entry is already in the brochure."), "entry_id")
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
        swap_with_neighbour(items, item, direction)
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
        raise BrochureError(_l("Choose a section of this brochure."))
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


def newest_published(limit: int = 3) -> list[Brochure]:
    """The brochures and memos with the most recent editions (the home page), newest first."""
    newest = func.max(Edition.id)
    stmt = (
        select(Brochure)
        .join(Edition, Edition.brochure_id == Brochure.id)
        .group_by(Brochure.id)
        .order_by(newest.desc())
        .limit(limit)
        .options(selectinload(Brochure.editions))
    )
    return list(db.session.scalars(stmt))
