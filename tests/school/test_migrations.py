"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from school import create_app
from school.extensions import db


def test_migrations_head_matches_models(database, tmp_path, worker_id):
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"}
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
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    if "TEST_SCHEMA" in database:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
