"""The reader's pages of the knowledge base stay bounded as it grows: summaries and pages, with
a number of queries that does not depend on how many entries there are."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from finance.services import ENTRIES_PER_PAGE, ENTRIES_PER_TOPIC
from tests.finance import factories as f
from tests.querycount import page_statements

PAGES = ["/finance/", "/finance/topics/pensions", "/finance/questions/", "/finance/search?q=пенсия"]


@pytest.fixture
def app(app_config, request):
    app_config["PAGE_CACHE_SECONDS"] = 0  # every request renders: its queries are counted
    return request.getfixturevalue("app")


def add_entries(user, count: int, start: int = 0) -> None:
    pensions, housing = f.topic("pensions", "Пенсии"), f.topic("housing", "Жильё")
    for number in range(start, start + count):
        f.entry(
            user,
            f"entry-{number:03d}",
            f"Вопрос {number:03d} про пенсию?",
            topics=[pensions] if number % 3 else [pensions, housing],
        )


def test_query_counts_do_not_grow_with_the_entries(app, client, make_user):
    staff = make_user("staff")
    add_entries(staff, 3)
    small = {path: page_statements(client, path) for path in PAGES}
    add_entries(staff, 2 * ENTRIES_PER_PAGE, start=3)
    large = {path: page_statements(client, path) for path in PAGES}
    assert large == small


def test_the_index_shows_a_few_entries_per_topic_and_counts_the_rest(app, client, make_user):
    add_entries(make_user("staff"), 12)
    page = client.get("/finance/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    pensions = page.split('id="topic-pensions"')[1].split("</section>")[0]
    assert pensions.count("<li>") == ENTRIES_PER_TOPIC
    assert "All 12 answers on this topic" in pensions
    housing = page.split('id="topic-housing"')[1].split("</section>")[0]
    assert housing.count("<li>") == 4 and "All " not in housing
    assert 'href="/finance/questions/"' in page


def test_topic_pages_and_the_a_to_z_list_are_paginated_without_javascript(app, client, make_user):
    add_entries(make_user("staff"), ENTRIES_PER_PAGE + 5)
    first = client.get("/finance/topics/pensions").get_data(as_text=True)
    assert first.count('class="entry-summary"') == ENTRIES_PER_PAGE
    assert re.search(r'href="/finance/topics/pensions\?page=2"[^>]*rel="next"', first)
    second = client.get("/finance/topics/pensions?page=2").get_data(as_text=True)
    assert second.count('class="entry-summary"') == 5
    assert "Вопрос 034" in second
    assert client.get("/finance/topics/pensions?page=99").status_code == 200

    listed = []
    for number in (1, 2):
        page = client.get(f"/finance/questions/?page={number}").get_data(as_text=True)
        listed += re.findall(r"Вопрос (\d{3}) про пенсию", page)
    assert listed == sorted(listed) and len(listed) == ENTRIES_PER_PAGE + 5
    # Page links follow the number of published questions (a draft is not counted).
    f.entry(make_user("staff"), "draft-only", "Черновик?", valid_as_of=None)
    first = client.get("/finance/questions/").get_data(as_text=True)
    assert re.search(r'href="/finance/questions/\?page=2"[^>]*rel="next"', first)
    last = client.get("/finance/questions/?page=2").get_data(as_text=True)
    assert 'rel="next"' not in last


def test_the_a_to_z_list_follows_russian_alphabetical_order(app, client, make_user):
    staff = make_user("staff")
    questions = ["Яблоко?", "«Аренда» квартиры?", "10 рублей?", "Ёлка?", "2 рубля?", "елена?"]
    for number, question in enumerate(questions):
        f.entry(staff, f"q-{number}", question)
    page = client.get("/finance/questions/").get_data(as_text=True)
    shown = sorted(questions, key=lambda q: page.index(escape(q)))
    # Numbers by value, quotes and case ignored, "ё" as "е", the same on both databases.
    assert shown == ["2 рубля?", "10 рублей?", "«Аренда» квартиры?", "елена?", "Ёлка?", "Яблоко?"]


def test_the_staff_topics_page_counts_entries_without_loading_them(app, login):
    from tests.querycount import count_statements

    client = login("staff")
    add_entries(client.user, 4)
    f.topic("empty", "Пустая тема")
    with count_statements() as seen:
        page = client.get("/finance/manage/topics", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "4 entries" in text and "2 entries" in text and "0 entries" in text
    # Only the empty topic can be deleted.
    assert text.count("/delete") == 1
    assert not [sql for sql in seen.sql if "FROM finance_entries" in sql]
