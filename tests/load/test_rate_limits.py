"""Rate limits that are real: two gunicorn workers count every login on one Redis."""

from __future__ import annotations

import re
import time

import pytest

from bench.server import Gunicorn, flask
from tests.load.conftest import migrated
from tests.load.web import Client, Response, csrf_token

pytestmark = pytest.mark.live
REDIS_URL = "redis://127.0.0.1:6379/13"
ACCOUNT_LIMIT = 5


@pytest.fixture(scope="module")
def redis_db():
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server at 127.0.0.1:6379")
    yield connection
    connection.flushdb()


@pytest.fixture(scope="module")
def server(databases, tmp_path_factory, redis_db):
    instance = tmp_path_factory.mktemp("limits")
    _url, env = migrated(databases, "sqlite", instance)
    env.update(
        REDIS_URL=REDIS_URL,
        ACCOUNT_LIMITS=f"{ACCOUNT_LIMIT} per 15 minutes",
        LOGIN_LIMITS="1000 per hour",
    )
    flask(env, "create-user", "target", "--role", "student", input="correct horse battery\n")
    with Gunicorn(env, workers=2, app="tests.load.wsgi:app", log=instance / "gunicorn.log") as gun:
        yield gun


def wrong_login(server: Gunicorn) -> int:
    client = Client(server.base_url)  # a new visitor each time, as from many addresses
    client.csrf = csrf_token(client.get("/login").body)
    reply = client.post("/login", {"username": "target", "password": "wrong password!!"})
    return reply.status


def test_the_per_account_limit_is_counted_across_workers_in_redis(server, redis_db):
    statuses = [wrong_login(server) for _ in range(4 * ACCOUNT_LIMIT)]
    # Each sync worker would have let through ACCOUNT_LIMIT on its own: 2 × 5 = 10.
    assert statuses.count(200) == ACCOUNT_LIMIT, statuses
    assert set(statuses) == {200, 429}
    keys = [key.decode() for key in redis_db.keys("*")]
    assert any("account:target" in key for key in keys), keys
    workers = {int(pid) for pid in server.worker_pids()}
    assert len(workers) == 2


@pytest.fixture(scope="module")
def strict_server(databases, tmp_path_factory, redis_db):
    """Two workers on Redis that require a second factor of administrators."""
    instance = tmp_path_factory.mktemp("strict")
    _url, env = migrated(databases, "sqlite", instance)
    env.update(
        REDIS_URL=REDIS_URL,
        ACCOUNT_LIMITS=f"{ACCOUNT_LIMIT} per 15 minutes",
        LOGIN_LIMITS="1000 per hour",
        REQUIRE_TOTP="true",
    )
    flask(env, "create-user", "boss", "--role", "admin", input="correct horse battery\n")
    codes = flask(env, "recovery-codes", "boss").split()
    with Gunicorn(env, workers=2, app="tests.load.wsgi:app", log=instance / "gunicorn.log") as gun:
        gun.recovery_codes = codes
        yield gun


def step(client: Client, path: str, data: dict) -> Response:
    client.csrf = csrf_token(client.get(path).body)
    return client.post(path, data)


def test_a_flooded_admin_gets_in_with_a_recovery_code_and_totp(strict_server, redis_db):
    pyotp = pytest.importorskip("pyotp")
    admin = Client(strict_server.base_url)
    # First login: the site requires a second factor, so the admin sets one up.
    reply = step(admin, "/login", {"username": "boss", "password": "correct horse battery"})
    assert reply.path == "/"
    assert admin.get("/admin/users").path == "/account/two-factor"
    page = admin.get("/account/two-factor").body
    secret = re.search(r'<code class="secret" lang="en">([A-Z2-7 ]+)</code>', page)[1]
    totp = pyotp.TOTP(secret.replace(" ", ""))
    admin.csrf = csrf_token(page)
    assert admin.post("/account/two-factor", {"code": totp.now()}).path == "/account/"
    assert admin.get("/admin/users").status == 200
    admin.post("/logout")

    # A flood of wrong passwords from many clients throttles the account on both workers...
    for _ in range(3 * ACCOUNT_LIMIT):
        flood = Client(strict_server.base_url)
        step(flood, "/login", {"username": "boss", "password": "wrong password!!"})
    assert any("account:boss" in key.decode() for key in redis_db.keys("*"))
    owner = Client(strict_server.base_url)
    refused = step(owner, "/login", {"username": "boss", "password": "correct horse battery"})
    assert refused.status == 429

    # ...but a recovery code, then the code from the app, let the owner in.
    code = strict_server.recovery_codes[0]
    reply = step(owner, "/login/recovery", {"username": "boss", "code": code})
    assert reply.path == "/login/code"
    # The last code was used at enrolment: wait for the next one (no replay).
    code = totp.at(time.time() + 30)
    assert step(owner, "/login/code", {"code": code}).path == "/account/new-password"
    assert owner.get("/admin/users").path == "/account/new-password"
    new = {"password": "a brand new passphrase"}
    assert step(owner, "/account/new-password", new).path == "/"
    assert owner.get("/admin/users").status == 200
