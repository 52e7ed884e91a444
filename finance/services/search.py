"""The search index of published entries, and search."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload, selectinload

from finance import search as searching
from finance.models import Entry, EntryRevision, EntryTerm
from school.collation import sort_key
from school.extensions import db
from school.markdown import markdown_to_text

# Stems longer than this are not indexed (they are URLs or noise, never typed in a search).
_MAX_TERM_LENGTH = 80


def reindex(entry: Entry) -> None:
    """Store the search terms and the A to Z place of the entry's published revision (none
    when unpublished)."""
    db.session.execute(delete(EntryTerm).where(EntryTerm.entry_id == entry.id))
    revision = entry.published_revision
    entry.sort_key = sort_key(revision.question) if revision is not None else None
    if revision is None:
        return
    weights = searching.index_document(
        {
            "question": revision.question,
            "short_answer": revision.short_answer,
            "full_answer": markdown_to_text(revision.full_answer),
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
    """Published entries matching the query, best first (see ``finance.search``).

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
