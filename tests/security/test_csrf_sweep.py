"""Every route that accepts POST refuses a request without a CSRF token, logged in or not."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import Rule

from tests.conftest import PASSWORD

SAMPLE_VALUES = {"int": "1", "string": "x", "path": "x", "any": "x"}


def _post_rules(app) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if "POST" in (r.methods or set())),
        key=lambda r: r.rule,
    )


def _url(rule: Rule) -> str:
    def value(match: re.Match) -> str:
        converter = match.group(1) or "string"
        return SAMPLE_VALUES.get(converter.split("(")[0], "x")

    return re.sub(r"<(?:(\w+(?:\([^)]*\))?):)?\w+>", value, rule.rule)


@pytest.fixture
def csrf_app(app_config, request):
    app_config["WTF_CSRF_ENABLED"] = True
    return request.getfixturevalue("app")


def test_the_sweep_sees_the_routes(csrf_app):
    rules = {r.rule for r in _post_rules(csrf_app)}
    assert {"/login", "/register", "/logout", "/account/delete"} <= rules


@pytest.mark.parametrize("role", [None, "student", "admin"])
def test_every_post_without_token_is_refused(csrf_app, make_user, role):
    client = csrf_app.test_client()
    if role:
        user = make_user(role)
        # Log in with a real token, then drop it for the sweep.
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        data = {"csrf_token": token, "username": user.username, "password": PASSWORD}
        response = client.post("/login", data=data)
        assert response.status_code == 302
    refused = []
    for rule in _post_rules(csrf_app):
        response = client.post(_url(rule), data={"title": "x", "lang": "en"})
        if response.status_code != 400:
            refused.append((rule.rule, response.status_code))
    assert not refused, f"POST routes that did not refuse a missing token: {refused}"


def test_routes_are_listed_for_a_fresh_app(make_app):
    # The sweep runs over whatever the factory registers, so new features are swept too.
    app = make_app()
    assert len(_post_rules(app)) >= 6
