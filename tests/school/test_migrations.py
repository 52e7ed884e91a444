"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from contextlib import contextmanager

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from school import create_app
from school.extensions import db


@contextmanager
def migrated_app(database, tmp_path, worker_id):
    """An app on an empty database of its own (a schema of its own on PostgreSQL)."""
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"}
    engine = None
    if "TEST_SCHEMA" in database:
        schema = "migrations_" + re.sub(r"\W", "_", worker_id)
        engine = create_engine(database["SQLALCHEMY_DATABASE_URI"])
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        settings = {
            "SQLALCHEMY_DATABASE_URI": database["SQLALCHEMY_DATABASE_URI"],
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
        }
    app = create_app({"TESTING": True, "SECRET_KEY": "x", **settings})
    try:
        with app.app_context():
            yield app
            db.engine.dispose()
    finally:
        if engine is not None:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()


def test_migrations_head_matches_models(database, tmp_path, worker_id):
    with migrated_app(database, tmp_path, worker_id):
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_existing_accounts_get_their_username_skeleton(database, tmp_path, worker_id):
    with migrated_app(database, tmp_path, worker_id):
        upgrade(revision="ae13e1020e23")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (username, username_key, password_hash, role,"
                    " is_active_account, created_at, password_changed_at) VALUES"
                    " ('Anna', 'anna', 'x', 'student', true, :now, :now),"
                    " ('Modest', 'modest', 'x', 'student', true, :now, :now)"
                ),
                {"now": "2026-01-01 00:00:00+00:00"},
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT username_key, username_skeleton FROM users")).all()
    assert sorted(rows) == [("anna", "anna"), ("modest", "rnodest")]


def test_dropping_the_email_keeps_every_account_and_what_hangs_on_it(database, tmp_path, worker_id):
    with migrated_app(database, tmp_path, worker_id):
        upgrade(revision="b5d0e3f7a912")
        with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO users (id, username, username_key, password_hash, role, email,"
                " is_active_account, created_at, password_changed_at) VALUES"
                " (1, 'anna', 'anna', 'x', 'student', 'anna@example.org', true, :now, :now)",
                "INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES ('h', 1, :now)",
                "INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at)"
                " VALUES ('t', 1, :now, :now)",
            ):
                conn.execute(text(statement), {"now": "2026-01-01 00:00:00+00:00"})
        upgrade(revision="2f6c0d8e4a19")

        def columns() -> set[str]:
            with db.engine.connect() as conn:
                return set(conn.execute(text("SELECT * FROM users")).keys())

        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["anna"]
            assert conn.execute(text("SELECT count(*) FROM recovery_codes")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM user_sessions")).scalar() == 1
        assert "email" not in columns()
        downgrade(revision="b5d0e3f7a912")
        assert "email" in columns()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT email FROM users")).scalars().all() == [None]
            assert conn.execute(text("SELECT count(*) FROM recovery_codes")).scalar() == 1


def test_published_entries_get_their_a_to_z_key_and_keep_their_revisions(
    database, tmp_path, worker_id
):
    from school.collation import sort_key

    with migrated_app(database, tmp_path, worker_id):
        upgrade(revision="1ee8497fbe47")
        now = {"now": "2026-01-01 00:00:00+00:00"}
        with db.engine.begin() as conn:
            for entry_id, slug in ((1, "published"), (2, "draft")):
                conn.execute(
                    text(
                        "INSERT INTO finance_entries (id, slug, language, demo, created_at)"
                        " VALUES (:id, :slug, 'ru', false, :now)"
                    ),
                    {"id": entry_id, "slug": slug, **now},
                )
                conn.execute(
                    text(
                        "INSERT INTO finance_entry_revisions (id, entry_id, number, status,"
                        " question, short_answer, full_answer, legal_references, note,"
                        " created_at, updated_at) VALUES (:id, :id, 1, 'draft', :question,"
                        " '', '', '[]', '', :now, :now)"
                    ),
                    {"id": entry_id, "question": f"Ёлка {entry_id}?", **now},
                )
            conn.execute(text("UPDATE finance_entries SET published_revision_id = 1 WHERE id = 1"))
        upgrade(revision="3e8b98b937ff")
        with db.engine.connect() as conn:
            keys = dict(conn.execute(text("SELECT id, sort_key FROM finance_entries")).all())
            revisions = conn.execute(text("SELECT count(*) FROM finance_entry_revisions")).scalar()
        assert bytes(keys[1]) == sort_key("Ёлка 1?") and keys[2] is None
        downgrade(revision="1ee8497fbe47")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM finance_entry_revisions")).scalar() == 2
        assert revisions == 2
