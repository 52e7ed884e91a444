"""Forgiving search: synonyms, word beginnings and spelling corrections (pure, no Flask or DB).

:mod:`finance.search` turns a query into stems and ranks documents that hold them. Readers
type what they say ("коммуналка", "ФССП", "банкрот", "пенсея"), not what the answers say
("коммунальные платежи", "Федеральной службы судебных приставов", "банкротство", "пенсия").
This module bridges the two at query time, so nothing needs re-indexing when staff change the
synonyms:

- **Concepts.** The query's stems are read left to right; a run of stems that spells a phrase
  of a synonym group becomes one *concept* whose *alternatives* are all phrases of that group
  (each a set of stems); any other stem is a concept of its own. A document satisfies an
  alternative when it holds every stem of it.
- **Word beginnings.** A stem of at least :data:`PREFIX_MIN` letters also matches the longer
  stems that begin with it: the stemmer cuts "банкрот" and "банкротство" differently, and a
  reader typing the first means the second too.
- **Ranking.** Like :func:`finance.search.rank`, with concepts for terms: an alternative weighs
  the sum of its stems' weights (a stem matched by its beginning takes the heaviest stem it
  matches), a concept the heaviest of its alternatives, and ::

      order = matched concepts DESC, total weight DESC, doc_id ASC

  Weights are the index's integer units, so the order is exact on every database. A query
  without synonyms and without longer stems ranks exactly as :func:`finance.search.rank`.
- **Corrections.** A typed word that matched nothing is compared with the words of the index
  by edit distance (transpositions count as one edit, via ``rapidfuzz``); the nearest word,
  then the more frequent one, then the first in alphabetical order wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from finance import search as searching

__all__ = [
    "MAX_ALTERNATIVES",
    "PREFIX_MIN",
    "Concept",
    "Thesaurus",
    "correct",
    "format_groups",
    "index_words",
    "parse_groups",
    "rank_concepts",
]

#: Stems at least this long also match the longer stems that begin with them.
PREFIX_MIN = 5

#: Alternatives kept per concept (a group larger than this is cut, in the order staff wrote it).
MAX_ALTERNATIVES = 12

#: Phrases per group and characters per phrase that staff may keep.
MAX_GROUP_PHRASES = 20
MAX_PHRASE_CHARS = 120

_GROUP_SPLIT_RE = re.compile(r"\s*[=,;]\s*")


@dataclass(frozen=True)
class Concept:
    """One thing asked for: the stems typed, and the stem sets that each satisfy it."""

    typed: tuple[str, ...]
    alternatives: tuple[frozenset[str], ...]

    @property
    def stems(self) -> frozenset[str]:
        return frozenset().union(*self.alternatives)


def parse_groups(text: str | None) -> list[list[str]]:
    """Synonym groups from text: one group per line, phrases separated by "=", "," or ";".

    Blank phrases, phrases without a searchable word and repeated phrases are dropped; a line
    with fewer than two phrases left is no group. Raises ``ValueError`` for an overlong phrase
    or group (the message names the line).
    """
    groups: list[list[str]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        phrases: list[str] = []
        seen: set[tuple[str, ...]] = set()
        for raw in _GROUP_SPLIT_RE.split(line.strip()):
            phrase = " ".join(raw.split())
            if len(phrase) > MAX_PHRASE_CHARS:
                raise ValueError(number)
            key = _phrase_stems(phrase)
            if not key or key in seen:
                continue
            seen.add(key)
            phrases.append(phrase)
        if len(phrases) > MAX_GROUP_PHRASES:
            raise ValueError(number)
        if len(phrases) >= 2:
            groups.append(phrases)
    return groups


def format_groups(groups: Iterable[Iterable[str]]) -> str:
    """The text :func:`parse_groups` reads back as ``groups``."""
    return "\n".join(" = ".join(group) for group in groups)


def _phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(searching.terms(phrase)))


@dataclass
class Thesaurus:
    """Synonym groups, looked up by the stems of their phrases."""

    groups: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # stems of a phrase -> alternatives of every group holding that phrase
        self._alternatives: dict[tuple[str, ...], list[frozenset[str]]] = {}
        for group in self.groups:
            stems = [_phrase_stems(phrase) for phrase in group]
            for key in stems:
                known = self._alternatives.setdefault(key, [])
                for alternative in stems:
                    if frozenset(alternative) not in known:
                        known.append(frozenset(alternative))
        self._longest = max((len(key) for key in self._alternatives), default=0)

    def words(self) -> set[str]:
        """The words of all phrases, as the index stores words (for corrections)."""
        return {w for group in self.groups for phrase in group for w in index_words(phrase)}

    def concepts(self, query_terms: Iterable[str]) -> list[Concept]:
        """The query's stems grouped into concepts (see the module docstring)."""
        terms = list(query_terms)
        concepts: list[Concept] = []
        i = 0
        while i < len(terms):
            for length in range(min(self._longest, len(terms) - i), 0, -1):
                key = tuple(terms[i : i + length])
                alternatives = self._alternatives.get(key)
                if alternatives:
                    # The typed phrase first: it keeps its place when a group is cut.
                    ordered = [frozenset(key)] + [a for a in alternatives if a != set(key)]
                    concepts.append(Concept(key, tuple(ordered[:MAX_ALTERNATIVES])))
                    i += length
                    break
            else:
                concepts.append(Concept((terms[i],), (frozenset([terms[i]]),)))
                i += 1
        return concepts


def prefixes(concepts: Iterable[Concept]) -> set[str]:
    """Stems of the concepts that also match longer stems beginning with them."""
    return {s for c in concepts for s in c.stems if len(s) >= PREFIX_MIN and not s.isdigit()}


def _stem_weight(stem: str, weights: Mapping[str, int], by_prefix: bool) -> int:
    best = weights.get(stem, 0)
    if by_prefix:
        for term, weight in weights.items():
            if weight > best and term.startswith(stem):
                best = weight
    return best


def concept_weight(concept: Concept, weights: Mapping[str, int], prefix_stems: set[str]) -> int:
    """The heaviest alternative of ``concept`` that the document holds whole, 0 if none."""
    best = 0
    for alternative in concept.alternatives:
        total = 0
        for stem in alternative:
            weight = _stem_weight(stem, weights, stem in prefix_stems)
            if not weight:
                break
            total += weight
        else:
            best = max(best, total)
    return best


def rank_concepts(
    concepts: list[Concept], doc_terms: Mapping[int, Mapping[str, int]]
) -> list[tuple[int, int, int]]:
    """``(doc_id, matched, total)`` of every document satisfying a concept, best first.

    ``doc_terms`` maps each document to its ``stem -> weight`` in integer index units.
    """
    prefix_stems = prefixes(concepts)
    ranked = []
    for doc_id, weights in doc_terms.items():
        found = [w for w in (concept_weight(c, weights, prefix_stems) for c in concepts) if w]
        if found:
            ranked.append((doc_id, len(found), sum(found)))
    ranked.sort(key=lambda row: (-row[1], -row[2], row[0]))
    return ranked


def index_words(text: str | None) -> set[str]:
    """Words of a text worth offering as corrections: searchable, three letters or more."""
    words = set()
    for token in searching.tokenize(text):
        for part in token.split("-"):
            if len(part) >= 3 and not part.isdigit() and searching.stem(part) is not None:
                words.add(part)
    return words


def _max_edits(word: str) -> int:
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def correct(word: str, vocabulary: Mapping[str, int]) -> str | None:
    """The word of ``vocabulary`` (word -> number of documents) nearest to ``word``, if close.

    Short words are left alone (any three letters are one edit from many words); up to seven
    letters one edit is allowed, longer words two.
    """
    word = searching.normalize(word)
    edits = _max_edits(word)
    if not edits or word in vocabulary:
        return None
    matches = process.extract(
        word, list(vocabulary), scorer=OSA.distance, score_cutoff=edits, limit=None
    )
    if not matches:
        return None
    best = min(matches, key=lambda m: (m[1], -vocabulary[m[0]], m[0]))
    return best[0]
