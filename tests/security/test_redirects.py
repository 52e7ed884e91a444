"""Open redirects: no ``next`` or "Back" link can send a reader to another site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from school.redirects import local_path
from tests.conftest import PASSWORD

# Known open-redirect payloads (the shapes browsers read as another site).
PAYLOADS = [
    "//evil.example",
    "////evil.example",
    "///evil.example/x",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%5c%5cevil.example",
    "/%09/evil.example",
    "https://evil.example",
    "http:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "/\x00/evil.example",
    "",
]
LOCAL = ["/", "/webinars/", "/finance/search?q=пенсия&page=2", "/courses/x/items/3#top"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_not_local(payload):
    assert local_path(payload) is None


@pytest.mark.parametrize("path", LOCAL)
def test_paths_of_the_site_are_kept(path):
    assert local_path(path) == path


def leaves_the_site(location: str) -> bool:
    parts = urlsplit(location)
    return bool(parts.scheme or parts.netloc) or location.startswith(("//", "/\\", "\\"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_never_redirects_elsewhere(client, make_user, payload):
    make_user("student", username="mother")
    response = client.post(
        "/login", data={"username": "mother", "password": PASSWORD, "next": payload}
    )
    assert response.status_code == 302
    assert not leaves_the_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_time_zone_pages_back_link_stays_on_the_site(client, payload):
    page = client.get("/webinars/timezone", query_string={"next": payload}).get_data(as_text=True)
    for href in re.findall(r'href="([^"]*)"', page):
        assert not leaves_the_site(href.replace("&amp;", "&")), href
    response = client.post("/webinars/timezone", data={"tz": "Europe/Moscow", "next": payload})
    assert not leaves_the_site(response.headers["Location"]), response.headers["Location"]
