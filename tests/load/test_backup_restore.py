"""Back up while the site serves visitors, then restore into empty databases of both kinds."""

from __future__ import annotations

import sqlite3
import threading
import time
from itertools import count
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select

from bench.server import flask
from school.extensions import db
from school.models import User
from school.services import register_user
from tests.load.conftest import PASSWORD, in_process_app, migrated
from tests.load.web import csrf_token

# Pages anonymous visitors read during the backup; they change nothing in the database.
PAGES = ("/webinars/", "/courses/", "/finance/", "/finance/search?" + urlencode({"q": "пенсия"}))
# The only tables the visitors who sign up during the backup write to.
SIGN_UP_TABLES = {"users", "user_sessions", "recovery_codes"}


def content(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of the models, in primary-key order, as Python values."""
    engine = create_engine(url)
    tables = {}
    try:
        with engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                rows = [tuple(row) for row in conn.execute(select(table))]
                keys = [list(table.columns).index(c) for c in table.primary_key.columns]
                tables[table.name] = sorted(rows, key=lambda r, k=keys: [repr(r[i]) for i in k])
    finally:
        engine.dispose()
    return tables


def _column(table: str, row: tuple, column: str):
    return row[list(db.metadata.tables[table].columns.keys()).index(column)]


def _user_id(table: str, row: tuple) -> int:
    return _column(table, row, "id" if table == "users" else "user_id")


class Visitors:
    """Readers browsing public pages and newcomers signing up, until stopped."""

    def __init__(self, site) -> None:
        self.site = site
        self.stop = threading.Event()
        self.served = 0
        self.failures: list[tuple[str, int]] = []
        self.signed_up: list[str] = []
        self._names = count(1)
        self._threads = [
            threading.Thread(target=self._run, args=(visit,), daemon=True)
            for visit in (self._read, self._read, self._sign_up)
        ]

    def _record(self, path: str, status: int, expected: int) -> None:
        self.served += 1
        if status != expected:
            self.failures.append((path, status))

    def _run(self, visit) -> None:
        try:
            while not self.stop.is_set():
                visit()
        except Exception as error:  # a refused or timed-out request fails the test
            self.failures.append((repr(error), 0))

    def _read(self) -> None:
        client = self.site.client()
        for path in PAGES:
            self._record(path, client.get(path).status, 200)

    def _sign_up(self) -> None:
        client = self.site.client()
        name = f"newcomer{self.site.kind}{next(self._names)}"
        page = client.get("/register")
        self._record("/register", page.status, 200)
        client.csrf = csrf_token(page.body)
        reply = client.post("/register", {"username": name, "password": PASSWORD})
        self._record("/register [POST]", reply.status, 302)
        if reply.status == 302:
            self.signed_up.append(name)

    def __enter__(self) -> Visitors:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in self._threads)

    def wait_for(self, requests: int) -> None:
        """Until ``requests`` more requests were answered (or one failed)."""
        target = self.served + requests
        deadline = time.monotonic() + 120
        while self.served < target and not self.failures:
            assert time.monotonic() < deadline, "the visitors are not being served"
            time.sleep(0.05)


def test_backup_while_serving_then_restore_into_both_kinds(site, students, databases, tmp_path):
    backup = tmp_path / ("backup.sqlite3" if site.kind == "sqlite" else "backup.json")
    mark = site.log_mark()
    with Visitors(site) as visitors:
        visitors.wait_for(20)
        before = len(visitors.signed_up)
        output = site.flask("backup", str(backup))
        visitors.wait_for(20)
    assert f"({'sqlite' if site.kind == 'sqlite' else 'json'})" in output
    assert not visitors.failures, visitors.failures[:10]
    assert not site.log_problems(mark)
    if site.kind == "sqlite":
        copy = sqlite3.connect(backup)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            copy.close()

    source = content(site.url)
    with site.context():
        present = set(db.session.scalars(select(User.username)))
        db.session.remove()
    assert set(visitors.signed_up) <= present

    for kind in ("sqlite", "postgresql"):
        instance = tmp_path / f"restored-{kind}"
        url, env = migrated(databases, kind, instance)
        flask(env, "restore", str(backup), timeout=300)
        restored = content(url)

        # Identical to the site, except the accounts made after the copy was taken.
        assert restored.keys() == source.keys()
        for table, rows in source.items():
            if table not in SIGN_UP_TABLES:
                assert restored[table] == rows, (kind, table)
        # The copy is a consistent snapshot: every account up to the last one it holds.
        cutoff = max(_user_id("users", row) for row in restored["users"])
        for table in SIGN_UP_TABLES:
            expected = [r for r in source[table] if _user_id(table, r) <= cutoff]
            assert restored[table] == expected, (kind, table)
        names = {_column("users", row, "username") for row in restored["users"]}
        assert set(visitors.signed_up[:before]) <= names
        assert {s.username for s in students} <= names

        # The restored site goes on: new rows get new ids (PostgreSQL's sequences follow).
        app = in_process_app(url, instance)
        with app.app_context():
            user = register_user(f"after.restore.{kind}", PASSWORD)
            assert user.id > cutoff
            assert db.session.scalar(select(func.count(User.id))) == len(restored["users"]) + 1
            db.session.remove()
            db.engine.dispose()
