"""Rate limits that are real: two gunicorn workers count every login on one Redis."""

from __future__ import annotations

import pytest

from bench.server import Gunicorn, flask
from tests.load.conftest import migrated
from tests.load.web import Client, csrf_token

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
