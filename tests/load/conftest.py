"""Load and fault tests: real gunicorn (2 sync workers) on fresh SQLite and PostgreSQL databases.

Every database is new for the run. The first of each kind is migrated with ``flask db upgrade``,
as an operator would, and then serves only as a template: each database a test uses is a copy
of it (SQLite's backup API, PostgreSQL's ``CREATE DATABASE ... TEMPLATE``), so it is exactly a
freshly migrated empty database without paying for Alembic again. PostgreSQL databases are
created on the server of ``TEST_DATABASE_URL`` (CI's default below) and dropped at the end. The
sites get the demo content from the CLI. Hundreds of students log in through the login form,
so the server uses the test suite's cheap password hashing (tests/load/wsgi.py) and generous
rate limits.
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bench.server import Gunicorn, bench_env, flask
from school import create_app
from school.extensions import db
from school.services import register_user
from tests.load.web import Client

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "a long enough load-test password"
STUDENTS = 200
LIMITS = "100000 per hour"
MIGRATE_TIMEOUT = 180
SEED_TIMEOUT = 300
_PROBLEM = re.compile(r"Traceback|\[(ERROR|CRITICAL)\]")


def postgres_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or PG_DEFAULT


class Databases:
    """Fresh databases of either kind; the PostgreSQL ones are dropped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created: list[str] = []
        self.templates: dict[str, str] = {}
        self._numbers = itertools.count(1)

    def _admin(self):
        url = make_url(postgres_url()).set(database="postgres")
        return create_engine(url, isolation_level="AUTOCOMMIT")

    def _create(self, kind: str, template: str | None = None) -> str:
        name = f"load_{os.getpid()}_{next(self._numbers)}"
        if kind == "sqlite":
            path = self.folder / f"{name}.sqlite3"
            if template:
                source = sqlite3.connect(make_url(template).database)
                copy = sqlite3.connect(path)
                try:
                    source.backup(copy)
                finally:
                    copy.close()
                    source.close()
            return f"sqlite:///{path}"
        admin = self._admin()
        try:
            with admin.connect() as conn:
                like = f' TEMPLATE "{make_url(template).database}"' if template else ""
                conn.execute(text(f'CREATE DATABASE "{name}"{like}'))
        except OperationalError as error:
            message = f"no PostgreSQL server at {postgres_url()}: {error}"
            if os.environ.get("E2E_REQUIRED"):
                pytest.fail(message)
            pytest.skip(message)
        finally:
            admin.dispose()
        self.created.append(name)
        return make_url(postgres_url()).set(database=name).render_as_string(hide_password=False)

    def migrated(self, kind: str) -> str:
        """The URL of a new, empty database of ``kind`` ("sqlite" or "postgresql") at the
        migrations' head."""
        if kind not in self.templates:
            url = self._create(kind)
            flask(load_env(self.folder / f"template-{kind}", url), "db", "upgrade",
                  timeout=MIGRATE_TIMEOUT)  # fmt: skip
            self.templates[kind] = url
        return self._create(kind, template=self.templates[kind])

    def drop(self) -> None:
        if not self.created:
            return
        admin = self._admin()
        with admin.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory.mktemp("load-databases"))
    yield made
    made.drop()


def load_env(instance: Path, database_url: str) -> dict[str, str]:
    """The environment of the server and the CLI: real rate limiting, with room for everyone."""
    instance.mkdir(parents=True, exist_ok=True)
    return {
        **bench_env(instance, database_url),
        "SECRET_KEY": "load test secret key",
        "RATELIMIT_ENABLED": "true",
        "LOGIN_LIMITS": LIMITS,
        "ACCOUNT_LIMITS": LIMITS,
        "REGISTER_LIMITS": LIMITS,
    }


def in_process_app(database_url: str, instance: Path):
    """The application in this process, to prepare data and to check the database."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "load test secret key",
            "RATELIMIT_ENABLED": False,
            "PDF_CACHE_DIR": str(instance / "pdf-cache"),
        }
    )


def migrated(databases: Databases, kind: str, instance: Path) -> tuple[str, dict[str, str]]:
    """A new empty migrated database of ``kind``: its URL and the environment to serve it."""
    url = databases.migrated(kind)
    return url, load_env(instance, url)


@dataclass
class Site:
    kind: str
    url: str
    instance: Path
    env: dict[str, str]
    server: Gunicorn
    app: object

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def flask(self, *args: str, timeout: float = 120, input: str | None = None) -> str:
        return flask(self.env, *args, timeout=timeout, input=input)

    def context(self):
        """An application context of the in-process app, on the site's database."""
        return self.app.app_context()

    def client(self) -> Client:
        return Client(self.base_url)

    @property
    def log(self) -> Path:
        assert self.server.log is not None
        return self.server.log

    def log_mark(self) -> int:
        return self.log.stat().st_size

    def log_problems(self, mark: int) -> str:
        """Errors and tracebacks the server logged since ``mark``."""
        with self.log.open("rb") as fh:
            fh.seek(mark)
            logged = fh.read().decode("utf-8", "replace")
        return logged if _PROBLEM.search(logged) else ""


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def site(request, databases, tmp_path_factory) -> Iterator[Site]:
    """gunicorn with two sync workers on a fresh migrated database holding the demo content."""
    kind = request.param
    instance = tmp_path_factory.mktemp(f"load-{kind}")
    url, env = migrated(databases, kind, instance)
    flask(env, "seed-demo", timeout=SEED_TIMEOUT)
    app = in_process_app(url, instance)
    server = Gunicorn(env, workers=2, app="tests.load.wsgi:app", log=instance / "gunicorn.log")
    with server:
        yield Site(kind, url, instance, env, server, app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class Student:
    id: int
    username: str
    client: Client


@pytest.fixture(scope="session")
def students(site) -> list[Student]:
    """200 students, each logged in through the login form with a session of their own."""
    with site.context():
        users = [
            register_user(f"load.student{i:03d}", PASSWORD, commit=False) for i in range(STUDENTS)
        ]
        db.session.commit()
        accounts = [(user.id, user.username) for user in users]
        db.session.remove()

    def log_in(account: tuple[int, str]) -> Student:
        client = site.client()
        client.login(account[1], PASSWORD)
        return Student(account[0], account[1], client)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(log_in, accounts))
