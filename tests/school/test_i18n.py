"""Languages, catalogs, Babel formatting and error pages in both languages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import format_datetime, format_decimal, refresh

from school import catalogs


def test_every_catalog_is_complete_and_compiled():
    problems = catalogs.check()
    assert not problems, "\n".join(map(str, problems))


def test_catalog_check_notices_a_missing_translation(tmp_path):
    # A copy of the project with one new string that no catalog has yet.
    root = tmp_path
    (root / "templates" / "school").mkdir(parents=True)
    (root / "school").mkdir()
    (root / "school" / "thing.py").write_text(
        'from flask_babel import gettext as _\n_("Brand new")\n'
    )
    problems = [p for p in catalogs.check(root) if p.package == "school"]
    assert any("no catalog" in p.message for p in problems)
    catalogs.update("school", root)
    catalogs.compile_all(root)
    messages = {(p.locale, p.message) for p in catalogs.check(root) if p.package == "school"}
    assert ("ru", "untranslated: 'Brand new'") in messages
    assert not any(locale == "en" for locale, _ in messages)  # English is the source language
    catalogs.fill("school", "ru", {"Brand new": "Совсем новое"}, root)
    assert any("out of date" in p.message for p in catalogs.check(root))
    catalogs.compile_all(root)
    assert not [p for p in catalogs.check(root) if p.package == "school"]


def test_russian_is_the_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="ru">' in html and "Войти" in html


def test_browser_language_is_respected(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html


def test_language_switch_works_without_javascript(client):
    response = client.post("/language", data={"lang": "en", "next": "/privacy"})
    assert response.status_code == 302 and response.headers["Location"] == "/privacy"
    assert "Privacy and safety" in client.get("/privacy").get_data(as_text=True)
    client.post("/language", data={"lang": "ru", "next": "/"})
    assert "Приватность" in client.get("/privacy").get_data(as_text=True)


def test_language_switch_refuses_open_redirects(client):
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    response = client.post("/language", data={"lang": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("lang", "text"), [("ru", "Страница не найдена"), ("en", "Page not found")]
)
def test_error_pages_in_both_languages(client, lang, text):
    response = client.get("/missing", headers={"Accept-Language": lang})
    assert response.status_code == 404 and text in response.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "text"), [("ru", "Доступ запрещён"), ("en", "Access denied")])
def test_forbidden_page_in_both_languages(login, lang, text):
    response = login("student").get("/admin/users", headers={"Accept-Language": lang})
    assert response.status_code == 403 and text in response.get_data(as_text=True)


def test_server_error_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom", headers={"Accept-Language": "ru"})
    assert response.status_code == 500
    assert "Что-то пошло не так" in response.get_data(as_text=True)


def test_dates_and_numbers_follow_the_locale_and_zone(app):
    from flask import session

    moment = datetime(2026, 3, 8, 16, 0, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        # The site's default zone is Moscow (UTC+3).
        assert format_datetime(moment, "d MMMM yyyy, HH:mm") == "8 March 2026, 19:00"
        assert format_decimal(1234.5) == "1,234.5"
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        session["tz"] = "Asia/Novosibirsk"
        refresh()  # the test's app context outlives the first request; drop Babel's cache
        assert format_datetime(moment, "d MMMM yyyy, HH:mm") == "8 марта 2026, 23:00"
        assert format_decimal(1234.5) == "1\xa0234,5"


def test_plural_forms_are_checked_and_filled(tmp_path):
    root = tmp_path
    (root / "templates" / "school").mkdir(parents=True)
    (root / "school").mkdir()
    (root / "school" / "count.py").write_text(
        'from flask_babel import ngettext\nngettext("%(num)d place", "%(num)d places", 3)\n'
    )
    catalogs.update("school", root)
    catalogs.fill(
        "school", "ru", {"%(num)d place": ["%(num)d место", "%(num)d места", "%(num)d мест"]}, root
    )
    catalogs.compile_all(root)
    assert not [p for p in catalogs.check(root) if p.package == "school"]
    with pytest.raises(ValueError, match="plural forms"):
        catalogs.fill("school", "ru", {"%(num)d place": "мест"}, root)


@pytest.mark.parametrize(
    ("role", "other_words"),
    [("слушатель", ("студент", "учащ")), ("преподаватель", ("лектор", "учител"))],
)
def test_one_russian_term_per_role(role, other_words):
    """The same people have one name everywhere (the role's name in the admin's list)."""
    from babel.messages.pofile import read_po

    for package in catalogs.PACKAGES:
        with catalogs.po_path(package, "ru").open("rb") as handle:
            for message in read_po(handle, locale="ru"):
                forms = message.string if isinstance(message.string, tuple) else (message.string,)
                for form in forms:
                    for word in other_words:
                        assert word not in (form or "").lower(), (package, role, form)
