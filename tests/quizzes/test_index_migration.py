"""The revision with the indexes of a quiz's results and a webinar's registrants applies and
goes back on SQLite and PostgreSQL, keeping the rows."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from school.extensions import db
from tests.school.test_migrations import migrated_app

REVISION = "53fb5c940ab3"
BEFORE = "c81d2f4a6e57"


def _indexes(table: str) -> dict[str, list[str]]:
    with db.engine.connect() as conn:
        return {i["name"]: i["column_names"] for i in inspect(conn).get_indexes(table)}


def test_the_indexes_revision_upgrades_and_downgrades(database, tmp_path, worker_id):
    with migrated_app(database, tmp_path, worker_id):
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (username, username_key, password_hash, role,"
                    " is_active_account, created_at, password_changed_at) VALUES"
                    " ('anna', 'anna', 'x', 'student', true, :now, :now)"
                ),
                {"now": "2026-01-01 00:00:00+00:00"},
            )
        upgrade(revision=REVISION)
        attempts, registrations = _indexes("quiz_attempts"), _indexes("webinar_registrations")
        assert attempts["ix_quiz_attempts_quiz_preview_user"] == ["quiz_id", "preview", "user_id"]
        assert registrations["ix_webinar_registrations_queue_order"] == [
            "webinar_id",
            "status",
            "registered_at",
            "id",
        ]
        assert "ix_webinar_registrations_queue" not in registrations

        downgrade(revision=BEFORE)
        attempts, registrations = _indexes("quiz_attempts"), _indexes("webinar_registrations")
        assert "ix_quiz_attempts_quiz_preview_user" not in attempts
        assert "ix_webinar_registrations_queue_order" not in registrations
        assert registrations["ix_webinar_registrations_queue"] == [
            "webinar_id",
            "status",
            "registered_at",
        ]

        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT username FROM users")).scalars().all() == ["anna"]
