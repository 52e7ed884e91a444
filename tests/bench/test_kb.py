"""The generated knowledge base of bench/: varied, deterministic, valid entries."""

import re

import pytest

from bench.kb import PREFIX, QUERIES, demo_entries, generate_entries
from finance import search
from school.slugs import is_valid_slug


@pytest.fixture(scope="module")
def base():
    return demo_entries()


def test_generated_entries_are_new_approved_russian_entries(base):
    entries = generate_entries(300, base)
    assert len(entries) == 300
    assert len({e.slug for e in entries}) == 300
    assert all(e.slug.startswith(PREFIX) and is_valid_slug(e.slug, 120) for e in entries)
    assert all(e.status == "approved" and e.valid_as_of is not None for e in entries)
    assert all(len(e.question) <= 300 and e.question.strip() for e in entries)
    # Every entry differs from the one it varies, and from its neighbours.
    assert len({e.full_answer for e in entries}) == 300
    by_slug = {e.slug: e for e in base}
    first = entries[0]
    source = by_slug[first.slug.removeprefix(f"{PREFIX}00001-")]
    assert first.full_answer != source.full_answer
    assert first.topics == source.topics
    # The Markdown keeps its shape: headings stay headings.
    assert first.full_answer.count("### ") >= source.full_answer.count("### ")
    assert all(re.search(r"[а-яё]", e.full_answer) for e in entries)


def test_generation_is_deterministic(base):
    assert generate_entries(20, base, seed=5) == generate_entries(20, base, seed=5)
    assert generate_entries(20, base, seed=5) != generate_entries(20, base, seed=6)


def test_queries_are_realistic_and_find_terms(base):
    assert len(QUERIES) >= 50
    assert len(set(QUERIES)) == len(QUERIES)
    assert all(search.parse_query(q) for q in QUERIES)
