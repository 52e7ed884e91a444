"""What ``/healthz`` reports to the operator's monitoring: whether the database, Redis and the job
queue answer, and how many jobs wait, run and failed (and, on Redis, how many workers there are).

Nothing personal and nothing secret: no counts of people, no addresses, no configuration values.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from sqlalchemy import text

from school.extensions import db

#: Seconds a check may take before it counts as failed.
TIMEOUT = 2


def _timed(check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure is the answer, never a 500
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> None:
    db.session.execute(text("SELECT 1"))
    db.session.rollback()


def _redis() -> None:
    import redis

    url = current_app.config["REDIS_URL"]
    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()


def _queue() -> dict[str, Any]:
    from school import jobs

    started = time.perf_counter()
    try:
        state = jobs.health()
    except Exception as error:  # an unreachable queue is the answer, never a 500
        return {"ok": False, "error": type(error).__name__}
    return {**state, "ms": round((time.perf_counter() - started) * 1000, 1)}


def report() -> dict[str, Any]:
    """Each part's state; ``ok`` is true when every configured part answers."""
    parts: dict[str, Any] = {"database": _timed(_database)}
    if current_app.config.get("REDIS_URL"):
        parts["redis"] = _timed(_redis)
    else:
        parts["redis"] = {"ok": True, "configured": False}
    parts["queue"] = _queue()
    return {"ok": all(part["ok"] for part in parts.values()), **parts}
