"""Getting back in, and getting in at all, without JavaScript: a recovery code, an
administrator's one-time link, and registration that mistakes do not lock."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Visitor, axe_violations, running_server, unique, visitors_of
from tests.e2e.helpers import PASSWORD, flashes, follow, h1, log_out, login, register, squash, tr

NEW_PASSWORD = "другие четыре слова"


def _log_out(visitor: Visitor) -> None:
    log_out(visitor)


def _log_in(visitor: Visitor, username: str, password: str) -> None:
    visitor.goto("/login")
    visitor.page.fill("#username", username)
    visitor.page.fill("#password", password)
    follow(visitor.page, "form.form button[type=submit]")


def _logged_in(visitor: Visitor) -> bool:
    visitor.goto("/account/")
    return "/login" not in visitor.page.url


def test_recovery_by_code(make_visitor):
    owner, phone = make_visitor(javascript=False), make_visitor(javascript=False)
    username = register(owner, "forgetful")
    codes = owner.page.locator("ol.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    _log_out(owner)
    # A second session (a phone) is in with the password.
    _log_in(phone, username, PASSWORD)
    assert _logged_in(phone)

    # The password is forgotten: a code, typed as read aloud, lets the owner in.
    owner.goto("/")
    follow(owner.page, "header a[href^='/login']")
    follow(owner.page, "main a[href*='/login/recovery']")
    owner.page.fill("#username", username)
    owner.page.fill("#code", codes[0].upper().replace("-", " "))
    follow(owner.page, "form.form button[type=submit]")
    assert owner.page.url.endswith("/account/new-password")
    assert h1(owner.page) == tr("ru", "Choose a new password")
    owner.page.fill("#password", "short")
    follow(owner.page, "form.form button[type=submit]")
    assert "10" in squash(owner.page.inner_text("main"))  # the rule, and the form again
    owner.page.fill("#password", NEW_PASSWORD)
    follow(owner.page, "form.form button[type=submit]")
    assert tr("ru", "Password changed. Other sessions have been logged out.") in flashes(owner.page)
    assert not _logged_in(phone)  # the other session has ended

    # The new password works; the used code does not work twice.
    _log_out(owner)
    _log_in(owner, username, NEW_PASSWORD)
    assert _logged_in(owner)
    _log_out(owner)
    owner.goto("/login/recovery")
    owner.page.fill("#username", username)
    owner.page.fill("#code", codes[0])
    follow(owner.page, "form.form button[type=submit]")
    refusal = tr("ru", "This code does not open this account. Each code works only once.")
    assert refusal in flashes(owner.page)


def test_recovery_by_admin_link(make_visitor, server):
    owner, admin, later = (make_visitor(javascript=False) for _ in range(3))
    username = register(owner, "lostcodes")
    assert _logged_in(owner)

    # The administrator finds the account and makes a link, shown once.
    login(admin, "admin")
    admin.goto(f"/admin/users?q={username}")
    follow(admin.page, f"main a[href$='/reset-link'][aria-label*='{username}']")
    assert tr("ru", "Password reset for %(name)s", name=username) == h1(admin.page)
    follow(admin.page, "main form.form button[type=submit]")
    link = admin.page.input_value("#reset-link")
    assert re.fullmatch(re.escape(server.base_url) + r"/account/reset/[\w-]{40,}", link), link
    admin.goto(admin.page.url.removeprefix(server.base_url))
    assert link not in admin.page.content()  # shown only once
    assert tr("ru", "A one-time password-reset link was made") in admin.page.inner_text("main")

    # The person follows it from another browser and chooses a new password.
    later.page.goto(link)
    assert h1(later.page) == tr("ru", "Choose a new password")
    later.page.fill("#password", username)  # refused: it holds the username
    follow(later.page, "form.form button[type=submit]")
    assert tr("ru", "The password must not contain the username.") in later.page.inner_text("main")
    later.page.fill("#password", NEW_PASSWORD)
    follow(later.page, "form.form button[type=submit]")
    message = "Password changed. Every other session of the account has been logged out."
    assert tr("ru", message) in flashes(later.page)
    assert _logged_in(later)
    assert not _logged_in(owner)  # the old session has ended

    # The link worked once.
    response = owner.page.goto(link)
    assert response is not None and response.status == 404
    assert h1(owner.page) == tr("ru", "This link no longer works")
    _log_in(owner, username, NEW_PASSWORD)
    assert _logged_in(owner)


def test_reset_link_from_the_command_line(make_visitor, server):
    owner = make_visitor(javascript=False)
    username = register(owner, "cliuser")
    link = server.flask("reset-password", username).strip()
    assert link.startswith(server.base_url + "/account/reset/")
    visitor = make_visitor(javascript=False)
    visitor.page.goto(link)
    visitor.page.fill("#password", NEW_PASSWORD)
    follow(visitor.page, "form.form button[type=submit]")
    assert _logged_in(visitor) and not _logged_in(owner)


def test_reset_pages_are_accessible(make_visitor, server):
    owner, admin = make_visitor(javascript=False), make_visitor(javascript=True)
    username = register(owner, "axereset")
    login(admin, "admin")
    admin.goto(f"/admin/users?q={username}")
    follow(admin.page, f"main a[href$='/reset-link'][aria-label*='{username}']")
    assert not axe_violations(admin.page)
    follow(admin.page, "main form.form button[type=submit]")
    assert not axe_violations(admin.page)
    admin.screenshot("admin-reset-link")
    link = admin.page.input_value("#reset-link")
    _log_out(admin)
    admin.page.goto(link)
    assert not axe_violations(admin.page)


# --------------------------------------------------------------------------- the limit


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory) -> Iterator:
    """A server with the default registration limit, counted in its one worker."""
    instance = tmp_path_factory.mktemp("e2e-limited")
    with running_server(instance, {"REGISTER_LIMITS": "5 per hour"}, workers=1, demo=False) as s:
        yield s


@pytest.fixture
def limited_visitor(browser, limited_server) -> Iterator:
    with visitors_of(browser, limited_server) as factory:
        yield lambda: factory(javascript=False)


MISTAKES = [
    {"username": "ab", "password": PASSWORD},  # too short a name
    {"username": "a b c", "password": "short"},  # a space, and a short password
    {"username": "", "password": ""},  # nothing typed
    {"username": "qwerty_fan", "password": "qwertyuiop"},  # a common password
    {"username": "anna_k", "password": "anna_k is my password"},  # holds the name
]


def _submit(visitor: Visitor, username: str, password: str) -> int:
    visitor.goto("/register")
    visitor.page.fill("#username", username)
    visitor.page.fill("#password", password)
    with visitor.page.expect_navigation() as navigation:
        visitor.page.click("form.form button[type=submit]")
    response = navigation.value
    return response.status if response is not None else 0


def test_five_mistakes_then_a_right_registration_and_the_limit_still_holds(limited_visitor):
    person = limited_visitor()
    for mistake in MISTAKES:
        assert _submit(person, mistake["username"], mistake["password"]) == 200
        assert person.page.url.endswith("/register")
        assert person.page.locator("ul.errors li").count() >= 1, mistake
    # The sixth try is right, and the account is made.
    username = unique("honest")
    _submit(person, username, PASSWORD)
    assert person.page.url.endswith("/account/recovery-codes"), person.page.url
    assert person.page.locator("ol.recovery-codes code").count() == 10

    # The limit still counts accounts: four more from this client, then a refusal.
    for _ in range(4):
        other = limited_visitor()
        _submit(other, unique("bulk"), PASSWORD)
        assert other.page.url.endswith("/account/recovery-codes")
    refused = limited_visitor()
    assert _submit(refused, unique("toomany"), PASSWORD) == 429
    text = squash(refused.page.inner_text("main"))
    minutes = int(re.search(r"Попробуйте снова через (\d+) минут[уы]?\.", text).group(1))
    assert 1 < minutes <= 60  # the hour's window, not "a few minutes"
