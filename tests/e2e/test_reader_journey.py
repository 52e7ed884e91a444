"""An anonymous reader searches the knowledge base in Russian and opens an answer."""

from __future__ import annotations

from tests.e2e.helpers import follow, h1, squash


def test_reader_searches_in_russian(visitor):
    page = visitor.page
    visitor.goto("/finance/")
    page.fill("form.search-form #q", "пенсия")
    follow(page, "form.search-form button[type=submit]")
    assert "q=" in page.url
    assert page.input_value("#q") == "пенсия"

    results = page.locator("ol.search-results > li")
    assert results.count() >= 3
    # Other forms of the word are found and marked too: пенсии, пенсию, пенсионер...
    marks = {squash(m).lower() for m in page.locator("ol.search-results mark").all_inner_texts()}
    assert "пенсия" in marks and len(marks) > 1, marks
    assert all(m.startswith("пенси") for m in marks), marks

    first = results.first.locator("h2 a")
    title = squash(first.inner_text())
    follow(page, first)
    assert h1(page) == title
    assert "пенси" in page.inner_text("article.entry").lower()
    assert page.locator("article.entry .as-of").count() == 1
