"""The search index of published entries, and search (forgiving: see ``finance.expansion``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from finance import expansion
from finance import search as searching
from finance.models import Entry, EntryRevision, EntryTerm, EntryWord, SynonymGroup
from school.collation import sort_key
from school.extensions import db
from school.markdown import markdown_to_text

# Stems longer than this are not indexed (they are URLs or noise, never typed in a search).
_MAX_TERM_LENGTH = 80


def reindex(entry: Entry) -> None:
    """Store the search terms and the A to Z place of the entry's published revision (none
    when unpublished)."""
    db.session.execute(delete(EntryTerm).where(EntryTerm.entry_id == entry.id))
    db.session.execute(delete(EntryWord).where(EntryWord.entry_id == entry.id))
    revision = entry.published_revision
    entry.sort_key = sort_key(revision.question) if revision is not None else None
    if revision is None:
        return
    fields = {
        "question": revision.question,
        "short_answer": revision.short_answer,
        "full_answer": markdown_to_text(revision.full_answer),
        "legal_references": revision.legal_references or [],
    }
    weights = searching.index_document(fields)
    rows = [
        {"entry_id": entry.id, "term": term, "weight": round(weight / searching.WEIGHT_QUANTUM)}
        for term, weight in sorted(weights.items())
        if len(term) <= _MAX_TERM_LENGTH
    ]
    if rows:
        db.session.execute(EntryTerm.__table__.insert(), rows)
    text = "\n".join([*list(fields.values())[:3], *fields["legal_references"]])
    words = [
        {"entry_id": entry.id, "word": word}
        for word in sorted(expansion.index_words(text))
        if len(word) <= _MAX_TERM_LENGTH
    ]
    if words:
        db.session.execute(EntryWord.__table__.insert(), words)


def reindex_all() -> int:
    entries = list(db.session.scalars(select(Entry)))
    for entry in entries:
        reindex(entry)
    db.session.commit()
    return len(entries)


def thesaurus() -> expansion.Thesaurus:
    """The staff's synonym groups, in their order."""
    groups = db.session.scalars(select(SynonymGroup).order_by(SynonymGroup.position))
    return expansion.Thesaurus([list(group.phrases) for group in groups])


@dataclass
class SearchHit:
    entry: Entry
    revision: EntryRevision
    matched: int
    score: float


@dataclass
class SearchPage:
    """One page of results. ``corrected`` says the hits are for ``suggestion``: the query as
    typed found nothing. Otherwise ``suggestion``, if any, is offered ("did you mean")."""

    query: str
    terms: list[str]
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    suggestion: str = ""
    corrected: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _index_rows(concepts: list[expansion.Concept]) -> dict[int, dict[str, int]]:
    """``entry -> {stem: weight}`` of the index rows that can satisfy the concepts."""
    stems = sorted(set().union(*(c.stems for c in concepts)))
    starts = sorted(expansion.prefixes(concepts))
    condition = or_(
        EntryTerm.term.in_(stems),
        *(EntryTerm.term.startswith(stem, autoescape=True) for stem in starts),
    )
    docs: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(EntryTerm.entry_id, EntryTerm.term, EntryTerm.weight).where(condition)
    )
    for entry_id, term, weight in rows:
        docs.setdefault(entry_id, {})[term] = weight
    return docs


def _suggestion(query: str, concepts, matched_concepts, words: set[str]) -> str:
    """The query with each typed word that matched nothing replaced by the nearest known word."""
    pairs = zip(concepts, matched_concepts, strict=True)
    unmatched = set().union(*(concept.typed for concept, hit in pairs if not hit))
    tokens = searching.tokenize(query[:200])
    if not unmatched or not any(set(searching.terms(t)) & unmatched for t in tokens):
        return ""
    vocabulary = dict.fromkeys(words, 0)
    rows = db.session.execute(
        select(EntryWord.word, func.count()).group_by(EntryWord.word).order_by(EntryWord.word)
    )
    vocabulary.update({word: count for word, count in rows})  # noqa: C416
    changed = False
    out = []
    for token in tokens:
        replacement = None
        if set(searching.terms(token)) & unmatched:
            replacement = expansion.correct(token, vocabulary)
        out.append(replacement or token)
        changed = changed or replacement is not None
    return " ".join(out) if changed else ""


def search(
    query: str, page: int = 1, per_page: int = 20, *, _corrected: bool = False
) -> SearchPage:
    """Published entries matching the query, best first (see ``finance.expansion``).

    The database returns the index rows of the query's stems, synonyms and word beginnings;
    the order is computed from their integer weights here, so it is the same on SQLite and
    PostgreSQL: more concepts matched first, then the larger weight sum, then entry id. When
    the query finds nothing and a spelling correction does, the page holds the corrected
    query's results. A search costs at most seven statements, whatever it finds.
    """
    terms = searching.parse_query(query)
    page = max(1, page)
    if not terms:
        return SearchPage(query, terms, [], 0, page, per_page)
    synonyms = thesaurus()
    concepts = synonyms.concepts(terms)
    docs = _index_rows(concepts)
    ranked = expansion.rank_concepts(concepts, docs)
    prefix_stems = expansion.prefixes(concepts)
    matched_concepts = [
        any(expansion.concept_weight(c, weights, prefix_stems) for weights in docs.values())
        for c in concepts
    ]
    suggestion = (
        "" if _corrected else _suggestion(query, concepts, matched_concepts, synonyms.words())
    )
    if not ranked and suggestion:
        found = search(suggestion, page, per_page, _corrected=True)
        if found.total:
            found.suggestion, found.corrected = suggestion, True
            return found
    shown = ranked[(page - 1) * per_page : page * per_page]
    entries = (
        {
            e.id: e
            for e in db.session.scalars(
                select(Entry)
                .where(Entry.id.in_([doc_id for doc_id, _, _ in shown]))
                .options(joinedload(Entry.published_revision), selectinload(Entry.topics))
            )
        }
        if shown
        else {}
    )
    hits = []
    for entry_id, n_matched, weight_units in shown:
        entry = entries[entry_id]
        score = weight_units * searching.WEIGHT_QUANTUM * n_matched / len(concepts)
        hits.append(SearchHit(entry, entry.published_revision, n_matched, score))
    # Highlight every stem that made an entry match: the synonyms' and the longer ones too.
    found_terms = [t for weights in docs.values() for t in weights]
    highlight_terms = list(dict.fromkeys([*terms, *sorted(set(found_terms))]))
    return SearchPage(query, highlight_terms, hits, len(ranked), page, per_page, suggestion)
