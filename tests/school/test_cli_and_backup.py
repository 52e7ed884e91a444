"""Command-line interface: accounts, demo content, backup and restore."""

from __future__ import annotations

import contextvars
import json

import pytest
from sqlalchemy import select, text

from school import create_app, services
from school.extensions import db
from school.models import User
from tests.conftest import PASSWORD, IsolatedClient


def test_create_user_reads_password_from_stdin(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "Teacher", "--role", "instructor"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    user = services.find_user("teacher")
    assert user.role == "instructor"
    assert services.authenticate("teacher", PASSWORD) is not None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["create-user", "weak", "--role", "staff"], "qwertyuiop\n", "too common"),
        (["create-user", "x", "--role", "staff"], PASSWORD + "\n", "3 to 40"),
        (["create-user", "ok_name", "--role", "king"], PASSWORD + "\n", "Invalid value"),
        (["create-user", "nopass"], "", "no password"),
    ],
)
def test_create_user_errors_exit_non_zero(app, args, stdin, message):
    result = app.test_cli_runner().invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_seed_demo_creates_one_account_per_role_and_prints_them(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"student", "instructor", "staff", "admin"}
    for name in ("admin", "staff", "instructor", "student"):
        assert f"{name}" in result.output
    assert "demo-admin-2026" in result.output
    assert services.authenticate("student", "demo-student-2026") is not None
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "already has data" in again.output
    assert db.session.scalar(select(db.func.count(User.id))) == 4


def _fresh_app(tmp_path, name, database):
    if "TEST_SCHEMA" in database:
        pytest.skip("a second empty database is made with SQLite here; PostgreSQL below")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}",
            "PDF_CACHE_DIR": str(tmp_path / "cache"),
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
    return app


def _content(app) -> dict:
    with app.app_context(), db.engine.connect() as conn:
        return {
            t.name: sorted(tuple(map(str, row)) for row in conn.execute(t.select()))
            for t in db.metadata.sorted_tables
        }


def test_sqlite_backup_and_restore_into_empty_database(app, make_user, tmp_path, database):
    if "TEST_SCHEMA" in database:
        pytest.skip("SQLite online copy")
    make_user(username="кира", display_name="Кира Б.")
    make_user(role="instructor")
    backup = tmp_path / "copy.sqlite3"
    result = app.test_cli_runner().invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    target = _fresh_app(tmp_path, "restored.sqlite3", database)
    # The target app runs in its own context, as a separate `flask` process would.
    result = contextvars.Context().run(
        target.test_cli_runner().invoke, args=["restore", str(backup)]
    )
    assert result.exit_code == 0, result.output
    assert _content(target) == _content(app)
    with target.app_context():
        assert services.authenticate("кира", PASSWORD) is not None


def test_json_backup_restores_into_either_database(app, make_user, tmp_path, database):
    make_user(username="lena", display_name="Лена")
    dump = tmp_path / "dump.json"
    result = app.test_cli_runner().invoke(args=["backup", str(dump), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(dump.read_text())
    assert data["tables"]["users"][0]["username"] == "lena"
    before = _content(app)
    # Empty this database and restore the dump into it.
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    result = app.test_cli_runner().invoke(args=["restore", str(dump)])
    assert result.exit_code == 0, result.output
    assert _content(app) == before
    # New rows get fresh ids after a restore (sequences follow on PostgreSQL).
    newcomer = make_user(username="after_restore")
    assert newcomer.id > max(u.id for u in db.session.scalars(select(User)) if u is not newcomer)


def test_restore_refuses_non_empty_database_and_bad_files(app, make_user, tmp_path):
    make_user()
    dump = tmp_path / "dump.json"
    app.test_cli_runner().invoke(args=["backup", str(dump), "--format", "json"])
    result = app.test_cli_runner().invoke(args=["restore", str(dump)])
    assert result.exit_code != 0 and "not empty" in result.output
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\xffnot a backup")
    result = app.test_cli_runner().invoke(args=["restore", str(junk)])
    assert result.exit_code != 0 and "cannot read the backup" in result.output
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something-else"}))
    result = app.test_cli_runner().invoke(args=["restore", str(other)])
    assert result.exit_code != 0 and "not a backup" in result.output


def test_backup_does_not_overwrite(app, tmp_path):
    target = tmp_path / "exists.json"
    target.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and target.read_text() == "keep me"


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_a_write_after_a_read_waits_for_another_writer_instead_of_failing(app, make_user):
    # Two workers: one reads, the other commits, then the first writes in the same transaction.
    from sqlalchemy.orm import Session

    first = make_user(username="reader")
    other = make_user(username="writer")
    with Session(db.engine) as worker_a, Session(db.engine) as worker_b:
        user_a = worker_a.get(User, first.id)
        assert user_a.username == "reader"
        worker_b.get(User, other.id).display_name = "Писатель"
        worker_b.commit()
        user_a.display_name = "Читатель"
        worker_a.commit()
    db.session.expire_all()
    assert db.session.get(User, first.id).display_name == "Читатель"
    assert db.session.get(User, other.id).display_name == "Писатель"


def test_json_restore_handles_the_entry_revision_cycle(app, make_user, tmp_path):
    from finance.models import Entry
    from tests.finance import factories

    staff = make_user("staff")
    entry = factories.entry(staff, "rent", "Как платить за квартиру?")
    assert entry.published_revision_id is not None
    dump = tmp_path / "cycle.json"
    assert (
        app.test_cli_runner().invoke(args=["backup", str(dump), "--format", "json"]).exit_code == 0
    )
    before = _content(app)
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    result = app.test_cli_runner().invoke(args=["restore", str(dump)])
    assert result.exit_code == 0, result.output
    assert _content(app) == before
    assert db.session.scalar(select(Entry.published_revision_id)) == entry.published_revision_id
