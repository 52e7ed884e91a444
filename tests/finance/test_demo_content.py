import datetime
import re
from pathlib import Path

import markdown
import pytest
import yaml

import finance
from finance.search import DEFAULT_WEIGHTS, index_document, parse_query, rank

DEMO = Path(finance.__file__).resolve().parent / "demo"
ENTRY_FILES = sorted((DEMO / "entries").glob("*.md"))

FRONT_MATTER_RE = re.compile(r"\A---\n(?P<meta>.*?)\n---\n(?P<body>.*)\Z", re.S)
SLUG_RE = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
REQUIRED_KEYS = {
    "slug",
    "language",
    "topics",
    "question",
    "short_answer",
    "legal_references",
    "valid_as_of",
    "status",
    "demo",
}
# Abbreviations whose full stop does not end a sentence.
ABBREVIATIONS_RE = re.compile(r"\b(?:тыс|руб|млн|ст|ч|п|пп|т\. ?е|т\. ?д|т\. ?п|г|гг|см|др)\.")
# Characters the print fonts may lack or that break Russian typography.
FORBIDDEN_CHARS = re.compile('["₽\u2190-\u21ff\u2600-\u27bf\U0001f000-\U0001faff]')


def split_front_matter(text: str) -> tuple[dict, str]:
    match = FRONT_MATTER_RE.match(text)
    assert match, "front matter must open the file between two '---' lines"
    meta = yaml.safe_load(match.group("meta"))
    assert isinstance(meta, dict)
    return meta, match.group("body")


def load_entries() -> list[tuple[Path, dict, str]]:
    entries = []
    for path in ENTRY_FILES:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        entries.append((path, meta, body))
    return entries


def load_topics() -> list[dict]:
    return yaml.safe_load((DEMO / "topics.yaml").read_text(encoding="utf-8"))


ENTRIES = load_entries()
TOPICS = load_topics()


def sentence_count(text: str) -> int:
    text = ABBREVIATIONS_RE.sub("", text.strip())
    return len(re.findall(r"[.!?…]+(?:\s|\Z)", text))


def test_topics_file():
    assert isinstance(TOPICS, list)
    assert len(TOPICS) >= 8
    for topic in TOPICS:
        assert set(topic) == {"slug", "title", "title_en", "position"}
        assert SLUG_RE.match(topic["slug"])
        assert topic["title"].strip()
        assert topic["title_en"].strip()
        assert isinstance(topic["position"], int)
    assert len({t["slug"] for t in TOPICS}) == len(TOPICS)
    assert sorted(t["position"] for t in TOPICS) == list(range(1, len(TOPICS) + 1))


def test_enough_entries_and_topics():
    assert len(ENTRIES) >= 30
    used = {topic for _, meta, _ in ENTRIES for topic in meta["topics"]}
    assert len(used) >= 6


def test_slugs_are_unique_and_match_file_names():
    slugs = [meta["slug"] for _, meta, _ in ENTRIES]
    assert len(set(slugs)) == len(slugs)
    for path, meta, _ in ENTRIES:
        assert meta["slug"] == path.stem
        assert SLUG_RE.match(meta["slug"])


@pytest.mark.parametrize(("path", "meta", "body"), ENTRIES, ids=[p.stem for p in ENTRY_FILES])
def test_entry(path, meta, body):
    assert set(meta) == REQUIRED_KEYS
    assert meta["language"] == "ru"
    assert meta["demo"] is True
    assert meta["status"] == "approved"
    assert type(meta["valid_as_of"]) is datetime.date

    topic_slugs = {t["slug"] for t in TOPICS}
    assert meta["topics"], "an entry needs a topic"
    assert set(meta["topics"]) <= topic_slugs

    assert isinstance(meta["question"], str)
    assert meta["question"].strip().endswith("?")

    short = meta["short_answer"]
    assert isinstance(short, str)
    assert 0 < len(short) <= 300
    assert 1 <= sentence_count(short) <= 2, short

    refs = meta["legal_references"]
    assert isinstance(refs, list)
    assert all(isinstance(ref, str) and ref.strip() for ref in refs)
    if meta["slug"] != "about-this-demo":
        assert refs, "answers cite the law they rely on"

    words = re.findall(r"[^\W_]+(?:-[^\W_]+)*", body)
    assert 120 <= len(words) <= 350, len(words)

    for text in (meta["question"], short, body, *refs):
        assert not FORBIDDEN_CHARS.search(text), FORBIDDEN_CHARS.search(text)
        assert " - " not in text, "use an em dash with spaces"
        assert "<" not in text, "no raw HTML in Markdown"


@pytest.mark.parametrize(("path", "meta", "body"), ENTRIES, ids=[p.stem for p in ENTRY_FILES])
def test_full_answer_renders(path, meta, body):
    html = markdown.markdown(body)
    assert html.strip()
    assert "<p>" in html


def test_first_entry_is_the_disclaimer():
    _, meta, body = ENTRIES[0]
    assert meta["slug"] == "about-this-demo"
    text = (meta["short_answer"] + " " + body).lower()
    assert "демонстрац" in text
    assert "не юридическая консультация" in text
    assert "юрист" in text


def test_valid_as_of_dates_vary():
    assert len({meta["valid_as_of"] for _, meta, _ in ENTRIES}) >= 6


def demo_index() -> tuple[dict[int, dict[str, float]], dict[int, dict]]:
    index, metas = {}, {}
    for doc_id, (_, meta, body) in enumerate(ENTRIES, start=1):
        index[doc_id] = index_document(
            {
                "question": meta["question"],
                "short_answer": meta["short_answer"],
                "full_answer": body,
                "legal_references": meta["legal_references"],
            },
            DEFAULT_WEIGHTS,
        )
        metas[doc_id] = meta
    return index, metas


@pytest.mark.parametrize(
    ("query", "topic"),
    [("пенсия", "pensions"), ("алименты", "alimony")],
)
def test_search_over_demo_corpus_ranks_topic_entries_first(query, topic):
    index, metas = demo_index()
    ranking = rank(parse_query(query), index)
    in_topic = [doc_id for doc_id, meta in metas.items() if topic in meta["topics"]]
    top = [doc_id for doc_id, _ in ranking[: len(in_topic)]]
    assert sorted(top) == sorted(in_topic), [metas[d]["slug"] for d in top]


def test_search_finds_the_questions_named_in_the_domain_notes():
    index, metas = demo_index()
    expectations = {
        "платить за квартиру в заключении": "rent-while-in-prison",
        "как платить алименты": "pay-child-support-from-prison",
        "получать пенсию": "get-pension-in-prison",
        "удержания из пенсии": "pension-deductions-in-prison",
        "потребительский кредит": "repay-consumer-loan-from-prison",
        "убила мужа кредит": "husband-loan-after-his-death",
    }
    for query, slug in expectations.items():
        ranking = rank(parse_query(query), index)
        assert ranking, query
        assert metas[ranking[0][0]]["slug"] == slug, (query, [metas[d]["slug"] for d, _ in ranking])
