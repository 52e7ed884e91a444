"""Searches that found nothing: counted per normalised query and ISO week, and nothing more."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect

from finance import services
from finance.models import SearchMiss
from school.extensions import db
from tests.finance import factories


def test_the_table_holds_the_query_the_week_and_a_count_only(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns(SearchMiss.__tablename__)}
    assert columns == {"query", "week", "count"}


def test_a_search_that_finds_nothing_is_counted_without_the_reader(client, make_user):
    staff = make_user("staff")
    factories.entry(staff, "pension", "Как получать пенсию?", references=())
    for query in ("Астрономия  ", "астрономия", "АСТРОНОМИЯ!", "пенсия"):
        client.get("/finance/search", query_string={"q": query})
    client.get("/finance/search", query_string={"q": "астрономия", "page": 2})
    rows = db.session.execute(db.select(SearchMiss.query, SearchMiss.week, SearchMiss.count)).all()
    assert rows == [("астрономия", services.iso_week(services.today()), 3)]


def test_weeks_are_iso_weeks():
    assert services.iso_week(date(2026, 12, 4)) == "2026-W49"
    assert services.iso_week(date(2027, 1, 1)) == "2026-W53"
    assert services.miss_key("  ЖКХ,  Долги ") == "жкх долги"


def test_staff_see_the_list_paginated_and_clear_it(app, login):
    for i in range(services.MISSES_PER_PAGE + 3):
        db.session.add(SearchMiss(query=f"слово{i:03d}", week="2026-W48", count=1))
    db.session.add(SearchMiss(query="слово000", week="2026-W49", count=4))
    db.session.commit()
    client = login("staff")
    first = client.get("/finance/manage/not-found").get_data(as_text=True)
    assert first.index("слово000") < first.index("слово001")  # the most searched first
    assert "2026-W49" in first and 'rel="next"' in first
    second = client.get("/finance/manage/not-found?page=2").get_data(as_text=True)
    assert "слово052" in second and "слово000" not in second

    client.post("/finance/manage/not-found/clear", data={"query": "слово000"})
    assert db.session.scalar(db.select(db.func.count()).where(SearchMiss.query == "слово000")) == 0
    client.post("/finance/manage/not-found/clear")
    assert db.session.scalar(db.select(db.func.count()).select_from(SearchMiss)) == 0
    assert "No search has come back empty." in client.get(
        "/finance/manage/not-found", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)


def test_counting_keeps_the_readers_page_cache(make_app, make_user):
    """A stream of empty searches must not empty every reader's stored pages."""
    app = make_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        client = app.test_client()
        client.get("/finance/")
        cache = app.extensions["page_cache"]
        stored = len(cache)
        assert stored
        client.get("/finance/search?q=астрономия")
        assert len(cache) == stored + 1  # the search page joined the index page
        assert db.session.scalar(db.select(SearchMiss.count)) == 1
