"""/healthz tells monitoring whether the database and Redis answer, and nothing else."""

from __future__ import annotations

import json

import pytest

from school import create_app
from school.extensions import db


def healthz(app_config) -> tuple[int, dict, str]:
    """/healthz of an app of its own, whose connections are closed after."""
    app = create_app(app_config)
    try:
        response = app.test_client().get("/healthz")
        return response.status_code, response.get_json(), response.get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_healthy_without_redis(client, make_user):
    make_user(username="someone", display_name="Личное Имя")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["ok"] is True and data["database"]["ok"] is True
    assert data["redis"] == {"ok": True, "configured": False}
    text = json.dumps(data, ensure_ascii=False)
    assert "someone" not in text and "Личное" not in text and "sqlite" not in text


def test_an_unreachable_redis_is_reported_as_503(app_config):
    app_config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    status, data, text = healthz(app_config)
    assert status == 503
    assert data["ok"] is False and data["redis"] == {"ok": False, "error": "ConnectionError"}
    assert "127.0.0.1" not in text


def test_a_reachable_redis_is_reported(app_config):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    app_config["REDIS_URL"] = url
    status, data, _text = healthz(app_config)
    assert status == 200 and data["redis"]["ok"] is True
