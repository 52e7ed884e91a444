"""A fresh, empty database for one run: SQLite in the instance folder, or a PostgreSQL schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


def with_search_path(url: str, schema: str) -> str:
    """The URL with PostgreSQL's search path set to ``schema`` for every connection."""
    parsed = make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


@contextmanager
def fresh_database(url: str | None, instance: Path) -> Iterator[str]:
    """Yield the URL of an empty database; a PostgreSQL schema is dropped again afterwards.

    Nothing in the database ``url`` names is touched but the schema created here.
    """
    if not url:
        yield f"sqlite:///{instance / 'bench.sqlite3'}"
        return
    if make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url: give a PostgreSQL URL (SQLite is the default)")
    from sqlalchemy import create_engine, text

    schema = f"bench_{os.getpid()}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield with_search_path(url, schema)
        finally:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


@contextmanager
def released(app) -> Iterator[None]:
    """The app's database connections given back when the block ends, however it ends."""
    from school.extensions import db

    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
