"""Russian-aware search for the knowledge base: tokenising, stemming, ranking, highlighting.

A pure module (no Flask, no database). At save time the service stores, per entry, the
``term -> weight`` mapping from :func:`index_document` as rows of an index table; at query time it
turns the query into stems with :func:`parse_query` and sums the stored weights. Ranking depends
only on this module's output, so SQLite and PostgreSQL return the same results in the same order.

Ranking, for a query of ``n`` distinct terms and a document ``d``::

    matched(d) = number of distinct query terms present in d
    total(d)   = sum of d's weights for those terms
    score(d)   = total(d) * matched(d) / n          (the coverage bonus)
    order      = matched DESC, total DESC, doc_id ASC

Documents that match more distinct terms always come first; within the same coverage the higher
total wins; equal totals fall back to the smaller ``doc_id``. In SQL::

    SELECT entry_id, COUNT(*) AS matched, SUM(weight) AS total
      FROM entry_terms WHERE term IN (:t1, :t2, ...)
     GROUP BY entry_id
     ORDER BY matched DESC, total DESC, entry_id ASC

Weights are multiples of 1/64 (see :data:`WEIGHT_QUANTUM`), so every such sum is exact in binary
floating point whatever order the database adds them in: ties stay ties on every database.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from itertools import chain, takewhile

import snowballstemmer
from markupsafe import Markup

__all__ = [
    "DEFAULT_WEIGHTS",
    "MAX_QUERY_TERMS",
    "STOP_WORDS",
    "WEIGHT_QUANTUM",
    "highlight",
    "index_document",
    "normalize",
    "parse_query",
    "rank",
    "stem",
    "terms",
    "tokenize",
]

#: Field weights for a knowledge-base entry.
DEFAULT_WEIGHTS: dict[str, float] = {
    "question": 3.0,
    "short_answer": 2.0,
    "full_answer": 1.0,
    "legal_references": 1.0,
}

#: Distinct stems kept from a query; the rest are ignored.
MAX_QUERY_TERMS = 12

#: Index weights are rounded to multiples of this, so sums are exact in any order.
WEIGHT_QUANTUM = 1 / 64

# Longer queries are cut before tokenising: nobody types more, and it bounds the work.
_MAX_QUERY_CHARS = 1000

_RUSSIAN_STOP_WORDS = """
а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже
для до его ее ей если есть еще же за здесь и из или им их к как какая какие какой когда
кое кто ли либо между меня мне много может можно мой моя мы на над нам нас наш не него нее
нет ни нибудь них но ну о об однако он она они оно от очень по под после потом при про раз
с свой свою себе себя со так также такой там те тем то тогда того тоже только том тот ту ты
у уже хотя чего чем через что чтобы чтоб эта эти это этого этой этом этот эту я
рф ст
"""
# "рф" and "ст" stand in nearly every legal reference ("ГК РФ, ст. 1175"), so they only add noise.

_ENGLISH_STOP_WORDS = """
a about an and are as at be been but by can did do does for from had has have he her his how
i if in into is it its me my no not of on or our she so than that the their them then there
these they this those to us was we were what when where which who will with would you your
"""

#: Words dropped from both documents and queries (compared after :func:`normalize`).
STOP_WORDS: frozenset[str] = frozenset((_RUSSIAN_STOP_WORDS + _ENGLISH_STOP_WORDS).split())

# Snowball's Russian algorithm reads the endings -ит, -ав, -ив, -им of these nouns as verb or
# gerund endings, and keeps the fleeting vowel of -ок; without this the base form would not meet
# its own inflected forms ("кредит" -> "кред" but "кредита" -> "кредит").
_STEM_OVERRIDES: dict[str, str] = {
    "кредит": "кредит",
    "депозит": "депозит",
    "лимит": "лимит",
    "реквизит": "реквизит",
    "визит": "визит",
    "транзит": "транзит",
    "пристав": "пристав",
    "состав": "состав",
    "устав": "устав",
    "архив": "архив",
    "актив": "актив",
    "коллектив": "коллектив",
    "режим": "режим",
    "заем": "займ",
    "ребенок": "ребенк",
    "заработок": "заработк",
}

# Letters and digits, with combining marks and invisible joiners inside a word, and single hyphens
# between word characters ("по-русски", "из-за", "107-ФЗ").
_JOINERS = "\u0300-\u036f\u00ad\u200b-\u200d\u2060"
_HYPHENS = "\\-\u2010\u2011"
_WORD_RE = re.compile(
    rf"[^\W_](?:[^\W_]|[{_JOINERS}]|[{_HYPHENS}](?=[^\W_]))*",
)
_PART_SPLIT_RE = re.compile(rf"[{_HYPHENS}]")
_DROP_RE = re.compile("[\u0300\u0301\u00ad\u200b-\u200d\u2060]")  # stress marks, soft hyphens
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
_LATIN_RE = re.compile("[a-z\u00c0-\u024f]")
# Latin letters that look like Cyrillic ones, for words typed with a mixed keyboard layout.
_HOMOGLYPHS = str.maketrans("aceopxykmtbh", "асеорхукмтвн")

_local = threading.local()  # snowballstemmer objects keep state and are not thread-safe


def _stemmer(language: str):
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(language)
    return stemmers[language]


def normalize(text: str) -> str:
    """Fold text for matching: NFC, lower case, ё -> е, no stress marks or soft hyphens."""
    text = unicodedata.normalize("NFD", text)
    text = _DROP_RE.sub("", text)
    text = unicodedata.normalize("NFC", text).lower()
    return text.replace("ё", "е")


def tokenize(text: str | None) -> list[str]:
    """Split text into normalised words; hyphenated words stay whole ("по-русски").

    Markdown and other punctuation separate words and is otherwise ignored.
    """
    if not text:
        return []
    tokens = []
    for match in _WORD_RE.finditer(text):
        token = "-".join(_PART_SPLIT_RE.split(normalize(match.group())))
        if token:
            tokens.append(token)
    return tokens


@lru_cache(maxsize=65536)
def _stem_word(word: str) -> str | None:
    if len(word) < 2 or word in STOP_WORDS:
        return None
    if _CYRILLIC_RE.search(word):
        if _LATIN_RE.search(word):
            word = word.translate(_HOMOGLYPHS)
            if word in STOP_WORDS:
                return None
        override = _STEM_OVERRIDES.get(word)
        if override is not None:
            return override
        return _stemmer("russian").stemWord(word) or word
    if _LATIN_RE.search(word):
        return _stemmer("english").stemWord(word) or word
    return word  # digits and other scripts are matched as written


def stem(word: str, lang: str | None = None) -> str | None:
    """Return the search stem of one word, or None for a stop word or a one-character word.

    Cyrillic words go through the Russian Snowball stemmer and Latin words through the English
    one, whatever ``lang`` (the entry's language) says: Russian answers quote English names and
    English answers quote Russian terms. Hyphenated words are split by :func:`terms`, not here.
    """
    del lang  # the script of the word decides; see above
    word = normalize(word).strip()
    if not word:
        return None
    if not _WORD_RE.fullmatch(word) or _PART_SPLIT_RE.search(word):
        raise ValueError(f"stem() takes a single word without hyphens, got {word!r}")
    return _stem_word(word)


def _token_stems(token: str) -> list[str]:
    """Stems of one token from :func:`tokenize`; a hyphenated token yields one stem per part."""
    if token in STOP_WORDS:
        return []
    stems = []
    for part in token.split("-"):
        s = _stem_word(part)
        if s is not None:
            stems.append(s)
    return stems


def terms(text: str | None) -> list[str]:
    """All search stems of a text, in order and with repeats."""
    return [s for token in tokenize(text) for s in _token_stems(token)]


def _as_text(value: str | Iterable[str] | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return "\n".join(str(v) for v in value)


def _quantize(weight: float) -> float:
    return round(weight / WEIGHT_QUANTUM) * WEIGHT_QUANTUM


def index_document(
    fields: Mapping[str, str | Iterable[str] | None],
    weights: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Return ``term -> weight`` for one document.

    For each field ``f`` with weight ``W_f`` in which term ``t`` occurs ``tf`` times, ``t`` gets
    ``W_f * (1 + ln tf)``; the contributions of all fields are added and the sum is rounded to a
    multiple of :data:`WEIGHT_QUANTUM`. The logarithm saturates, so a long answer that repeats a
    word does not outweigh a question that names it once. A field may be a string or a list of
    strings (legal references); fields with weight 0 are not indexed. ``weights`` defaults to
    :data:`DEFAULT_WEIGHTS`; a field without a weight is an error.
    """
    if weights is None:
        weights = DEFAULT_WEIGHTS
    totals: dict[str, float] = {}
    for name, value in fields.items():
        if name not in weights:
            raise ValueError(f"no weight for field {name!r}")
        weight = float(weights[name])
        if weight < 0 or not math.isfinite(weight):
            raise ValueError(f"bad weight for field {name!r}: {weight!r}")
        if weight == 0:
            continue
        for term, tf in Counter(terms(_as_text(value))).items():
            totals[term] = totals.get(term, 0.0) + weight * (1.0 + math.log(tf))
    quantized = {term: _quantize(w) for term, w in totals.items()}
    return {term: w for term, w in quantized.items() if w > 0}


def parse_query(q: str | None) -> list[str]:
    """Distinct stems of a search query, in the order typed, at most :data:`MAX_QUERY_TERMS`."""
    if not q:
        return []
    result: list[str] = []
    for term in terms(q[:_MAX_QUERY_CHARS]):
        if term not in result:
            result.append(term)
            if len(result) == MAX_QUERY_TERMS:
                break
    return result


def rank(
    query_terms: Iterable[str],
    doc_terms: Mapping[int, Mapping[str, float]],
) -> list[tuple[int, float]]:
    """Reference ranking: ``(doc_id, score)`` for every document matching at least one term.

    See the module docstring for the formula; the service's SQL must give the same order.
    """
    query = list(dict.fromkeys(query_terms))
    if not query:
        return []
    n = len(query)
    keyed = []
    for doc_id, weights in doc_terms.items():
        found = [weights[t] for t in query if t in weights]
        if not found:
            continue
        total = math.fsum(found)
        keyed.append((-len(found), -total, doc_id, total * len(found) / n))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    return [(doc_id, score) for _, _, doc_id, score in keyed]


@lru_cache(maxsize=65536)
def _word_stems(word: str) -> frozenset[str]:
    """Stems of one word as written in a text (cached: answers repeat their words)."""
    return frozenset(_token_stems("-".join(_PART_SPLIT_RE.split(normalize(word)))))


def _matching_spans(text: str, wanted: frozenset[str]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each word whose stem is wanted, in order, found as they are read."""
    for match in _WORD_RE.finditer(text):
        if not wanted.isdisjoint(_word_stems(match.group())):
            yield match.span()


def _snippet_window(text: str, first: tuple[int, int] | None, max_len: int) -> tuple[int, int]:
    """Choose ``[start, end)`` of at most ``max_len`` characters, around the first match if any."""
    length = len(text)
    if first is None:
        start = 0
    else:
        word_start, word_end = first
        # Put the match about a third of the way in, so the reader sees what leads up to it.
        start = max(0, word_start - max(0, max_len - (word_end - word_start)) // 3)
    end = min(length, start + max_len)
    start = max(0, min(start, end - max_len))
    if start > 0:
        space = text.find(" ", start, first[0] if first else end)
        if space != -1:
            start = space + 1
    if end < length:
        space = text.rfind(" ", first[1] if first else start, end + 1)
        if space > start:
            end = space
    return start, end


def highlight(
    text: str | None,
    query_terms: Iterable[str] | str,
    *,
    max_len: int | None = None,
) -> Markup:
    """HTML-escape ``text`` and wrap each word whose stem is in ``query_terms`` in ``<mark>``.

    ``query_terms`` are stems from :func:`parse_query`; a plain string is parsed as a query. With
    ``max_len``, whitespace is collapsed and at most ``max_len`` characters around the first match
    (or from the start) are kept, with "…" where the text was cut. Hyphenated words are marked
    whole when any part matches.
    """
    if not text:
        return Markup("")
    if isinstance(query_terms, str):
        query_terms = parse_query(query_terms)
    wanted = frozenset(query_terms)
    if max_len is not None:
        if max_len < 1:
            raise ValueError("max_len must be positive")
        text = " ".join(text.split())
    spans: Iterator[tuple[int, int]] = _matching_spans(text, wanted) if wanted else iter(())

    start, end = 0, len(text)
    if max_len is not None and len(text) > max_len:
        # Only the words up to the end of the window are read: a long answer costs no more
        # than its beginning.
        first = next(spans, None)
        start, end = _snippet_window(text, first, max_len)
        later = takewhile(lambda span: span[0] < end, spans)
        spans = chain([first], later) if first is not None else later

    mark = Markup("<mark>{}</mark>")
    out: list[str] = ["…"] if start > 0 else []
    pos = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        out.append(text[pos:span_start])
        out.append(mark.format(text[span_start:span_end]))
        pos = span_end
    out.append(text[pos:end])
    if end < len(text):
        out.append("…")
    # Markup.join escapes every plain string and keeps the <mark> wrappers.
    return Markup("").join(out)
