"""Forged hosts against real gunicorn: no cache file, no page, the same bytes on both addresses."""

from __future__ import annotations

import http.client
import random
import string
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.server import Gunicorn, flask
from tests.load.conftest import SEED_TIMEOUT, migrated

pytestmark = pytest.mark.live
ONION = "abcdefgh.onion"
WORKBOOK = "/courses/public-defender-basics/workbook.pdf"


def get(server: Gunicorn, path: str, host: str) -> tuple[int, bytes]:
    """GET with this Host; a PDF being prepared (202) is asked for again until it is there."""
    deadline = time.monotonic() + 180
    while True:
        status, body = _get(server, path, host)
        if status != 202 or time.monotonic() > deadline:
            return status, body
        time.sleep(0.5)


def _get(server: Gunicorn, path: str, host: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def random_host(rng: random.Random) -> str:
    name = "".join(rng.choices(string.ascii_lowercase + string.digits, k=rng.randint(1, 20)))
    return rng.choice([f"{name}.example", f"{name}.onion", f"{name}:{rng.randint(1, 65535)}"])


@pytest.fixture(scope="module")
def server(databases, tmp_path_factory):
    instance = tmp_path_factory.mktemp("hosts")
    _url, env = migrated(databases, "sqlite", instance)
    flask(env, "seed-demo", timeout=SEED_TIMEOUT)
    gunicorn = Gunicorn(env, workers=2, app="tests.load.wsgi:app", log=instance / "gunicorn.log")
    env.update(PUBLIC_URL=gunicorn.base_url, ONION_URL=f"http://{ONION}")
    with gunicorn:
        yield gunicorn, Path(instance / "pdf-cache")


def test_random_hosts_get_400_and_leave_no_cache_file(server):
    gunicorn, cache = server
    rng = random.Random(12)
    for _ in range(50):
        status, _body = get(gunicorn, rng.choice([WORKBOOK, "/webinars/", "/"]), random_host(rng))
        assert status == 400
    assert not list(cache.glob("*.pdf"))


def test_both_addresses_give_one_cache_file_and_the_same_bytes(server):
    gunicorn, cache = server
    public = urlsplit(gunicorn.base_url).netloc
    first = get(gunicorn, WORKBOOK, public)
    second = get(gunicorn, WORKBOOK, ONION)
    assert first[0] == second[0] == 200
    assert first[1] == second[1] and first[1].startswith(b"%PDF-")
    assert len(list(cache.glob("*.pdf"))) == 1
    for path in ("/webinars.ics", "/webinars/feed.atom"):
        assert get(gunicorn, path, public) == get(gunicorn, path, ONION)
