"""Moving the site in one step: an encrypted archive, restored onto a fresh machine.

The drill crosses database kinds (SQLite → PostgreSQL → SQLite) when a PostgreSQL is at hand:
``PYTEST_DATABASE_URL`` or ``BACKUP_DRILL_DATABASE_URL`` names it; without one that part skips.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from mirror import signing
from mirror.build import MANIFEST, build
from school import create_app
from school.backup import SECRET_COLUMNS, SECRET_TABLES, SESSION_TABLES
from school.extensions import db
from tests.conftest import IsolatedClient, _config

PASSPHRASE = "moving day passphrase"
LEFT_OUT = (*SESSION_TABLES, *SECRET_TABLES)


def _content(app) -> dict:
    with app.app_context(), db.engine.connect() as conn:
        content = {}
        for table in db.metadata.sorted_tables:
            if table.name in LEFT_OUT:
                continue
            hidden = SECRET_COLUMNS.get(table.name, ())
            columns = [c for c in table.columns if c.name not in hidden]
            rows = conn.execute(select(*columns))
            content[table.name] = sorted(tuple(map(str, row)) for row in rows)
        return content


def _editions(app) -> dict[int, tuple[str, str]]:
    from brochures.models import EditionFile

    with app.app_context():
        return {
            f.id: (f.sha256, hashlib.sha256(f.data).hexdigest())
            for f in db.session.scalars(select(EditionFile))
        }


def _fresh(tmp_path, name: str, url: str, options: dict | None = None):
    """A new machine: its own instance folder and an empty database of the schema."""
    settings = {"SQLALCHEMY_DATABASE_URI": url}
    if options:
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app = create_app(_config(settings, tmp_path / name))
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
    return app


def _run(app, args, **env):
    runner = app.test_cli_runner()
    return contextvars.Context().run(runner.invoke, args=args, env=env)


def _backup(app, path, *extra):
    result = _run(
        app, ["backup", str(path), "--format", "archive", *extra], BACKUP_PASSPHRASE=PASSPHRASE
    )
    assert result.exit_code == 0, result.output
    return path


def _restore(app, path):
    result = _run(app, ["restore", str(path)], BACKUP_PASSPHRASE=PASSPHRASE)
    assert result.exit_code == 0, result.output
    return result


def _site(app, folder) -> bytes:
    contextvars.Context().run(build, app, folder)
    return (folder / MANIFEST).read_bytes()


@pytest.fixture
def source(app, demo, make_user, client, tmp_path):
    """The demo site with a login session, a reset link, a second factor and a mirror key."""
    from school import resets

    user = make_user("staff", username="moving_staff", totp_secret="JBSWY3DPEHPK3PXP")
    assert (
        client.post(
            "/login", data={"username": "student", "password": "demo-student-2026"}
        ).status_code
        == 302
    )
    resets.issue_link(user)
    key = tmp_path / "mirror.pub"
    key.write_text(signing.PublicKey.of(signing.generate().public_key()).text())
    app.config["MIRROR_PUBLIC_KEY"] = str(key)
    return app


def test_the_archive_reveals_nothing_and_refuses_a_wrong_passphrase(source, tmp_path):
    archive = _backup(source, tmp_path / "site.backup")
    data = archive.read_bytes()
    for plain in (b"moving_staff", "Пенсия".encode(), b"%PDF", b"database.json"):
        assert plain not in data
    wrong = _run(source, ["restore", str(archive)], BACKUP_PASSPHRASE="not it")
    assert wrong.exit_code != 0 and "wrong passphrase" in wrong.output
    changed = tmp_path / "changed.backup"
    changed.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    target = _fresh(tmp_path, "other", f"sqlite:///{tmp_path / 'other.sqlite3'}")
    bad = _run(target, ["restore", str(changed)], BACKUP_PASSPHRASE=PASSPHRASE)
    assert bad.exit_code != 0 and "changed" in bad.output


def test_restore_on_a_fresh_machine_gives_the_same_site(source, database, tmp_path):
    if "TEST_SCHEMA" in database:
        pytest.skip("the fresh machine here is SQLite; the drill below crosses kinds")
    archive = _backup(source, tmp_path / "site.backup")
    target = _fresh(tmp_path, "new-machine", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = _restore(target, archive)
    assert "MIRROR_PUBLIC_KEY" in result.output
    restored_key = tmp_path / "new-machine" / "mirror-public-key.pub"
    assert restored_key.read_text() == Path(source.config["MIRROR_PUBLIC_KEY"]).read_text()
    assert _content(target) == _content(source)
    assert _editions(target) == _editions(source) and _editions(source)
    for stored, computed in _editions(target).values():
        assert stored == computed
    with target.app_context(), db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in LEFT_OUT:
                assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
        assert (
            conn.execute(text("SELECT count(*) FROM users WHERE totp_secret IS NOT NULL")).scalar()
            == 0
        )
    assert _site(target, tmp_path / "after") == _site(source, tmp_path / "before")
    # Accounts work on the new machine: passwords came along.
    client = target.test_client()
    login = client.post("/login", data={"username": "student", "password": "demo-student-2026"})
    assert login.status_code == 302


def test_secrets_and_sessions_come_along_only_when_asked(source, database, tmp_path):
    if "TEST_SCHEMA" in database:
        pytest.skip("the fresh machine here is SQLite")
    archive = _backup(source, tmp_path / "all.backup", "--with-sessions", "--with-secrets")
    target = _fresh(tmp_path, "new-machine", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    _restore(target, archive)
    with target.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_sessions")).scalar() >= 1
        assert conn.execute(
            text("SELECT totp_secret FROM users WHERE username = 'moving_staff'")
        ).scalar()
    assert (tmp_path / "new-machine" / "secret_key").read_bytes() == (
        Path(source.instance_path, "secret_key").read_bytes()
    )


def _postgres_url() -> str:
    url = os.environ.get("BACKUP_DRILL_DATABASE_URL") or os.environ.get("PYTEST_DATABASE_URL")
    if not url:
        pytest.skip("no PostgreSQL named (BACKUP_DRILL_DATABASE_URL or PYTEST_DATABASE_URL)")
    return url


@pytest.fixture
def postgres_machine(tmp_path):
    """``make(name)``: a fresh machine on a schema of its own on the PostgreSQL named."""
    url = _postgres_url()
    admin = create_engine(url)
    schemas, apps = [], []

    def make(name: str):
        schema = "drill_" + re.sub(r"\W", "_", uuid.uuid4().hex[:12])
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except OperationalError as error:
            pytest.skip(f"PostgreSQL does not answer: {error}")
        schemas.append(schema)
        options = {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_pre_ping": True}
        apps.append(_fresh(tmp_path, name, url, options))
        return apps[-1]

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    with admin.begin() as conn:
        for schema in schemas:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def test_the_drill_across_database_kinds(source, database, postgres_machine, tmp_path):
    """SQLite → PostgreSQL → SQLite (or, on a PostgreSQL run, PostgreSQL → SQLite → PostgreSQL):
    the same rows, the same edition PDFs, the same public site at every step."""

    def sqlite_machine(name):
        return _fresh(tmp_path, name, f"sqlite:///{tmp_path / name}.sqlite3")

    on_postgres = "TEST_SCHEMA" in database
    other = sqlite_machine("other") if on_postgres else postgres_machine("other")
    back = postgres_machine("back") if on_postgres else sqlite_machine("back")
    kinds = [a.config["SQLALCHEMY_DATABASE_URI"].split(":")[0] for a in (source, other, back)]
    assert kinds[0] != kinds[1] and kinds[0] == kinds[2]
    site = _site(source, tmp_path / "site")
    _restore(other, _backup(source, tmp_path / "there.backup"))
    _restore(back, _backup(other, tmp_path / "back.backup"))
    for machine, name in ((other, "other-site"), (back, "back-site")):
        assert _content(machine) == _content(source)
        assert _editions(machine) == _editions(source)
        assert _site(machine, tmp_path / name) == site
