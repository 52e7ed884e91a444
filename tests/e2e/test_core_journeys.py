"""Accounts as a person meets them: register, settings, language, export, delete; accessibility."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import axe_violations, clean_name, unique

PASSWORD = "четыре случайных слова"


def register(visitor, username: str) -> None:
    visitor.goto("/register")
    visitor.page.fill("#username", username)
    visitor.page.fill("#password", PASSWORD)
    visitor.page.click("form.form button[type=submit]")
    visitor.page.wait_for_load_state()


def test_account_lifecycle(visitor):
    page = visitor.page
    username = unique("mama")
    register(visitor, username)
    assert "Добро пожаловать" in page.content()

    # Settings: a display name and a time zone, in English.
    visitor.goto("/account/")
    page.fill("#display_name", "Мама Ивана")
    page.select_option("#locale", "en")
    page.select_option("#timezone", "Asia/Novosibirsk")
    page.click("section[aria-labelledby=prefs-heading] button[type=submit]")
    page.wait_for_load_state()
    assert "Settings saved." in page.content()
    assert page.locator("html").get_attribute("lang") == "en"

    # The export is a JSON download with my data.
    with page.expect_download() as download_info:
        page.click("text=Download my data")
    data = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    assert data["account"]["username"] == username
    assert data["account"]["timezone"] == "Asia/Novosibirsk"

    # Log out and back in.
    page.click("header .account-menu summary")
    page.click("header button:has-text('Log out')")
    page.wait_for_load_state()
    visitor.goto("/login")
    page.fill("#username", username.upper())
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    assert "Мама Ивана" in page.content()

    # Delete the account: the same login stops working.
    visitor.goto("/account/delete")
    page.fill("#password", PASSWORD)
    page.check("#confirm")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    assert "deleted" in page.content() or "удалены" in page.content()
    visitor.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    assert "Wrong username or password" in page.content() or "Неверное" in page.content()


def test_language_switch_button(visitor):
    visitor.goto("/privacy")
    visitor.page.click(".lang-switch button")
    visitor.page.wait_for_load_state()
    assert visitor.page.locator("h1").inner_text() == "Privacy and safety"
    assert visitor.page.url.endswith("/privacy")


def test_weak_password_message_keeps_input(visitor):
    visitor.goto("/register")
    visitor.page.fill("#username", unique("sister"))
    visitor.page.fill("#password", "qwertyuiop")
    visitor.page.fill("#display_name", "Сестра")
    visitor.page.click("form.form button[type=submit]")
    visitor.page.wait_for_load_state()
    assert "слишком распространён" in visitor.page.content()
    assert visitor.page.input_value("#display_name") == "Сестра"
    assert visitor.page.get_attribute("#password", "aria-invalid") == "true"


CORE_PAGES = ["/", "/login", "/register", "/privacy"]


@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
@pytest.mark.parametrize("path", CORE_PAGES)
def test_core_pages_are_accessible(make_visitor, path, locale):
    visitor = make_visitor(javascript=True, locale=locale)
    visitor.goto(path)
    assert visitor.page.locator("html").get_attribute("lang") == locale[:2]
    assert not axe_violations(visitor.page)
    visitor.screenshot(f"{clean_name(path)}-{locale[:2]}")


def test_logged_in_pages_are_accessible(make_visitor, server):
    visitor = make_visitor(javascript=True)
    register(visitor, unique("axe"))
    for path in ["/", "/account/", "/account/delete"]:
        visitor.goto(path)
        assert not axe_violations(visitor.page), path
        visitor.screenshot(f"student-{clean_name(path)}")
    visitor.goto("/logout")


def test_admin_page_is_accessible(make_visitor):
    visitor = make_visitor(javascript=True)
    visitor.goto("/login")
    visitor.page.fill("#username", "admin")
    visitor.page.fill("#password", "demo-admin-2026")
    visitor.page.click("form.form button[type=submit]")
    visitor.page.wait_for_load_state()
    visitor.goto("/admin/users")
    assert "student" in visitor.page.content()
    assert not axe_violations(visitor.page)
    visitor.screenshot("admin-users")
