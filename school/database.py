"""Engine settings and write transactions that are safe under concurrency on both databases.

SQLite gets WAL, foreign keys and a busy timeout on every connection. Use cases that read, check
and then write (the last seat of a webinar, an attempt number) call ``begin_write()`` first: on
SQLite it opens a ``BEGIN IMMEDIATE`` transaction that holds the write lock, on PostgreSQL the use
case locks its rows with ``SELECT ... FOR UPDATE`` (``with_for_update()``).

Any other transaction on SQLite reads like PostgreSQL's READ COMMITTED: each read sees what was
committed when it ran, and the first write of the transaction starts a ``BEGIN IMMEDIATE``
(waiting for the lock up to the busy timeout). A plain ``BEGIN`` would hold the snapshot of its
first read, and SQLite refuses to let such a transaction write once another process has committed
since (``SQLITE_BUSY_SNAPSHOT``, "database is locked") without waiting: every login, session
refresh or save that follows a read would fail whenever two workers write at once.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

T = TypeVar("T", bound=Any)

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
        # Transactions are begun below, not by the driver: IMMEDIATE when asked, else at the
        # first write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if _immediate.get():
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(connection, cursor, statement, parameters, context, executemany) -> None:
        # The transaction's first write takes the write lock before it runs; the reads before it
        # ran on their own, so no old snapshot is left to conflict with.
        if cursor.connection.in_transaction or not _writes(statement, context):
            return
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        cursor.execute("BEGIN IMMEDIATE")


_WRITE_KEYWORDS = frozenset(
    {"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "SAVEPOINT"}
)


def _writes(statement: str, context) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in _WRITE_KEYWORDS


def begin_write() -> None:
    """End the current transaction and start one that may read, check and write atomically."""
    from school.extensions import db

    db.session.commit()
    token = _immediate.set(True)
    try:
        db.session.connection()
    finally:
        _immediate.reset(token)


def locked_row(model: type[T], row_id: int) -> T | None:
    """The row of ``model`` with id ``row_id`` read afresh and locked until the transaction ends
    (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite, :func:`begin_write` holds the lock), or
    None when there is none."""
    from school.extensions import db

    return db.session.execute(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
