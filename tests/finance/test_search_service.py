"""Search over published entries: Russian word forms, ranking in the database, highlighting.

The suite runs on SQLite and on PostgreSQL (PYTEST_DATABASE_URL) with the same data; the expected
orders below are exact, so both databases must give the same results.
"""

from __future__ import annotations

from datetime import date

import pytest

from finance import search as searching
from finance import services
from finance.models import EntryTerm
from school.extensions import db
from tests.finance import factories

DOCS = [
    # slug, question, short answer, full answer
    ("pension-card", "Как получать пенсию в колонии?", "Пенсию перечисляют на счёт.", "Текст."),
    ("pension-cut", "Что удерживают из пенсии?", "Алименты и иски.", "Удержания из пенсии."),
    ("rent", "Как платить за квартиру?", "Через доверенность.", "Про пенсию тут ни слова."),
    ("alimony", "Как платить алименты?", "Из заработка.", "Пенсия тоже доход, из пенсии платят."),
    ("loan", "Нужно ли платить кредит мужа?", "Да, в пределах наследства.", "Кредит."),
    ("tax", "Налог на квартиру", "Платить налог нужно.", "Налог на имущество."),
]


@pytest.fixture
def indexed(make_user):
    staff = make_user("staff")
    entries = {}
    for slug, question, short, full in DOCS:
        entries[slug] = factories.entry(
            staff, slug, question, short_answer=short, full_answer=full, references=()
        )
    # A draft never shows up in the search.
    factories.entry(staff, "draft-pension", "Пенсия в черновике", valid_as_of=None)
    return entries


def _slugs(query: str) -> list[str]:
    return [hit.entry.slug for hit in services.search(query).hits]


def _reference_order(query: str) -> list[str]:
    """The pure module's ranking over the stored index: what the SQL must reproduce."""
    rows = db.session.execute(db.select(EntryTerm.entry_id, EntryTerm.term, EntryTerm.weight))
    docs: dict[int, dict[str, float]] = {}
    for entry_id, term, weight in rows:
        docs.setdefault(entry_id, {})[term] = weight * searching.WEIGHT_QUANTUM
    ranked = searching.rank(searching.parse_query(query), docs)
    by_id = {e.id: e.slug for e in services.published_entries()}
    return [by_id[doc_id] for doc_id, _score in ranked]


def test_word_forms_are_found_best_first(indexed):
    # "пенсия" finds "пенсию" and "пенсии"; the question outweighs the body.
    assert _slugs("пенсия") == ["pension-card", "pension-cut", "alimony", "rent"]
    assert _slugs("ПЕНСИЯ") == _slugs("пенсии") == _slugs("пенсию")
    assert "draft-pension" not in _slugs("черновик пенсия")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("пенсия", ["pension-card", "pension-cut", "alimony", "rent"]),
        ("платить квартиру", ["rent", "tax", "alimony", "loan"]),
        ("налог", ["tax"]),
        ("кредиты мужей", ["loan"]),
        # rent and loan tie (3.0): the older entry first, on every database.
        ("как платить", ["alimony", "rent", "loan", "tax"]),
        ("ничего такого нет", []),
    ],
)
def test_database_order_matches_the_reference_ranking(indexed, query, expected):
    assert _slugs(query) == expected
    assert _slugs(query) == _reference_order(query)


def test_more_matched_words_rank_first_and_scores_are_exact(indexed):
    page = services.search("пенсия удерживают")
    assert page.hits[0].entry.slug == "pension-cut" and page.hits[0].matched == 2
    assert all(hit.matched == 1 for hit in page.hits[1:])
    assert [hit.score for hit in page.hits] == [7.0, 2.5, 0.84375, 0.5]


def test_reapproval_reindexes_and_pagination(indexed, make_user):
    staff = make_user("staff")
    entry = indexed["tax"]
    draft = services.save_entry(
        staff,
        entry,
        services.EntryInput(slug="tax", question="Пенсия и налог", short_answer="Нет налога."),
    )
    assert "tax" not in _slugs("пенсия")  # the draft is not public yet
    services.submit_for_review(staff, draft)
    services.approve(factories.reviewer(), draft, date(2025, 1, 1))
    assert "tax" in _slugs("пенсия")

    first = services.search("пенсия", page=1, per_page=2)
    second = services.search("пенсия", page=2, per_page=2)
    assert first.total == second.total == 5 and first.pages == 3
    assert [h.entry.slug for h in first.hits + second.hits] == _slugs("пенсия")[:4]
    beyond = services.search("пенсия", page=9, per_page=2)
    assert beyond.hits == [] and beyond.total == 5  # the reader still learns how many there are


def test_the_index_holds_published_entries_only(indexed):
    """Search reads the index alone, so an entry has rows there only while it is published."""
    draft = services.entry_by_slug("draft-pension")
    assert draft is not None and draft.published_revision is None
    rows = set(db.session.scalars(db.select(EntryTerm.entry_id).distinct()))
    assert rows == {entry.id for entry in indexed.values()}


def test_search_page_highlights_matches(client, indexed):
    page = client.get("/finance/search?q=пенсия").get_data(as_text=True)
    assert "<mark>пенсии</mark>" in page
    assert "<mark>пенсию</mark>" in page
    assert page.index("Как получать") < page.index("Что удерживают из")
    empty = client.get("/finance/search?q=", headers={"Accept-Language": "en"})
    assert empty.status_code == 200


def test_search_escapes_html(client, make_user):
    staff = make_user("staff")
    factories.entry(staff, "html", "Пенсия <script>alert(1)</script>?", references=())
    page = client.get("/finance/search?q=пенсия").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
