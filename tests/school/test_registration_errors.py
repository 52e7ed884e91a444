"""Registration that cannot lock honest people out: every error at once, mistakes that do not
count towards the limit, and a refusal that says the real wait."""

from __future__ import annotations

import re

import pytest

from school.extensions import db
from school.models import User

EN = {"Accept-Language": "en"}
PASSWORD = "correct horse battery staple"


@pytest.fixture
def limited(app_config, request):
    app_config.update(RATELIMIT_ENABLED=True, REGISTER_LIMITS="3 per hour")
    return request.getfixturevalue("app")


def _errors(html: str) -> list[str]:
    return re.findall(r'<ul class="errors"[^>]*>\s*<li>([^<]+)</li>', html)


def test_every_problem_of_the_form_is_shown_at_once(client):
    response = client.post(
        "/register",
        data={"username": "a b", "password": "short", "display_name": "Я" * 101},
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 to 40 letters, digits, dots, hyphens or underscores." in html
    assert "at least 10 characters" in html.lower()
    assert "100 characters" in html and len(_errors(html)) == 3, _errors(html)
    assert 'value="a b"' in html  # what was typed stays
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_mistakes_do_not_count_towards_the_limit_but_accounts_do(limited):
    client = limited.test_client()
    for _ in range(5):
        mistaken = client.post("/register", data={"username": "x", "password": "short"})
        assert mistaken.status_code == 200
    # The sixth try is right and succeeds; so do the next two, up to the limit of three.
    made = [
        limited.test_client().post("/register", data={"username": f"new{i}", "password": PASSWORD})
        for i in range(3)
    ]
    assert [r.status_code for r in made] == [302, 302, 302]
    # Beyond the limit, even a valid registration from that client is refused.
    refused = limited.test_client().post(
        "/register", data={"username": "new9", "password": PASSWORD}, headers=EN
    )
    assert refused.status_code == 429
    assert db.session.scalar(db.select(db.func.count(User.id))) == 3


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", r"Please try again in (\d+) minutes?\."),
        ("ru", r"Попробуйте снова через (\d+) минут[уы]?\."),
    ],
)
def test_the_refusal_says_the_real_wait(limited, lang, text):
    for i in range(3):
        limited.test_client().post(
            "/register", data={"username": f"user{lang}{i}", "password": PASSWORD}
        )
    refused = limited.test_client().post(
        "/register",
        data={"username": f"late{lang}", "password": PASSWORD},
        headers={"Accept-Language": lang},
    )
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 3500 <= wait <= 3600  # the hour's window, not "a few minutes"
    minutes = int(re.search(text, refused.get_data(as_text=True)).group(1))
    assert minutes == -(-wait // 60)


@pytest.mark.parametrize(
    ("window", "lang", "wait"),
    [
        ("1 minute", "ru", "1 минуту"),
        ("2 minutes", "ru", "2 минуты"),
        ("5 minutes", "ru", "5 минут"),
        ("21 minutes", "ru", "21 минуту"),
        ("1 minute", "en", "1 minute"),
        ("5 minutes", "en", "5 minutes"),
    ],
)
def test_the_wait_is_said_with_the_right_plural(app_config, request, window, lang, wait):
    app_config.update(RATELIMIT_ENABLED=True, REGISTER_LIMITS=f"1 per {window}")
    app = request.getfixturevalue("app")
    made = app.test_client().post("/register", data={"username": "first", "password": PASSWORD})
    assert made.status_code == 302
    refused = app.test_client().post(
        "/register",
        data={"username": "second", "password": PASSWORD},
        headers={"Accept-Language": lang},
    )
    assert refused.status_code == 429
    assert f" {wait}." in refused.get_data(as_text=True)
