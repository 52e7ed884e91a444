"""Engine settings and write transactions that are safe under concurrency on both databases.

SQLite gets WAL, foreign keys and a busy timeout on every connection. Use cases that read, check
and then write (the last seat of a webinar, an attempt number) call ``begin_write()`` first: on
SQLite it opens a ``BEGIN IMMEDIATE`` transaction that holds the write lock, on PostgreSQL the use
case locks its rows with ``SELECT ... FOR UPDATE`` (``with_for_update()``).
"""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=False)


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # SQLAlchemy emits BEGIN itself (below) so a transaction can be IMMEDIATE when asked.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


def begin_write() -> None:
    """End the current transaction and start one that may read, check and write atomically."""
    from school.extensions import db

    db.session.commit()
    token = _immediate.set(True)
    try:
        db.session.connection()
    finally:
        _immediate.reset(token)


def is_sqlite() -> bool:
    from school.extensions import db

    return db.engine.dialect.name == "sqlite"
