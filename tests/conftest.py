"""Shared fixtures: an app on a real database, clients, and factories.

The database is SQLite by default; ``PYTEST_DATABASE_URL`` (set by ``make test`` from
``TEST_DATABASE_URL``) runs the same suite on PostgreSQL, each xdist worker in its own schema.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from school import create_app, jobs, passwords
from school.extensions import db
from school.models import Role, User

PASSWORD = "a long enough test password"
_counter = itertools.count(1)


def pytest_configure(config) -> None:
    # Cheap Argon2 parameters keep the suite fast; production parameters are tested on their own.
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("dummy")


LIVE_DIRS = ("e2e", "load")


def pytest_collection_modifyitems(config, items) -> None:
    # Everything under tests/e2e and tests/load talks to a real server: `make e2e` runs it.
    for item in items:
        parts = item.path.relative_to(config.rootpath).parts
        if len(parts) > 1 and parts[0] == "tests" and parts[1] in LIVE_DIRS:
            item.add_marker(pytest.mark.live)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Create the schema once per worker; return the settings every test app uses."""
    url = os.environ.get("PYTEST_DATABASE_URL")
    if url:
        # One schema per worker and run, so runs at the same time never drop each other's tables.
        schema = "test_{}_{}".format(re.sub(r"\W", "_", _worker()), os.getpid())
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        settings = {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "connect_args": {"options": f"-csearch_path={schema}"},
                "pool_pre_ping": True,
            },
            "TEST_SCHEMA": schema,
        }
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    app = create_app(_config(settings, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield settings
    if url:
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{settings["TEST_SCHEMA"]}" CASCADE'))
        admin.dispose()


def _config(settings: dict[str, Any], instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PDF_CACHE_DIR": str(instance / "pdf-cache"),
        # PDFs are built by a thread of the test app (tests.pdfs.fetch waits for it).
        "JOB_QUEUE": "embedded",
        "INSTANCE_PATH": str(instance),
        "SERVER_NAME": None,
        # The test client asks for "localhost"; links are written to this one address.
        "PUBLIC_URL": "http://localhost",
        "ONION_URL": None,
        "EXTRA_HOSTS": [],
        **settings,
    }


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        with db.engine.begin() as conn:
            for table in tables:
                conn.execute(table.delete())


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a server would.

    The test keeps its own app context (for ``db.session`` in assertions); without this, Flask
    would reuse it for requests and share ``g``, the logged-in user and the database session
    between them. After each request the test's session is rolled back so it reads fresh data.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.rollback()
        return response


@pytest.fixture
def app_config(database, tmp_path) -> dict[str, Any]:
    """Settings for the test app; a test may change them before asking for ``app``."""
    return _config(database, tmp_path)


@pytest.fixture
def app(app_config) -> Iterator:
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        jobs.close(app)  # no job writes to the database after this
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def make_app(app_config) -> Iterator[Callable[..., Any]]:
    """Build extra apps on the test database (``make_app(SITE_NAME=...)``); disposed afterwards."""
    apps = []

    def factory(**overrides: Any):
        extra = create_app({**app_config, **overrides})
        extra.test_client_class = IsolatedClient
        apps.append(extra)
        return extra

    yield factory
    for extra in apps:
        jobs.close(extra)
        with extra.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    """Create a user: ``make_user(role="instructor", username="anna")``."""

    def factory(role: Role | str = Role.STUDENT, username: str | None = None, **fields) -> User:
        from school.services import register_user

        name = username or f"{Role(role).value}{next(_counter)}"
        user = register_user(name, fields.pop("password", PASSWORD), role=role, commit=False)
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return factory


class AuthActions:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, user_or_name: User | str, password: str = PASSWORD):
        username = user_or_name if isinstance(user_or_name, str) else user_or_name.username
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login(app, make_user) -> Callable[..., Any]:
    """A fresh client logged in as a new user of ``role`` (or as ``user``): ``login("staff")``."""

    def factory(role: Role | str = Role.STUDENT, user: User | None = None, **fields):
        user = user or make_user(role, **fields)
        client = app.test_client()
        response = AuthActions(client).login(user)
        assert response.status_code == 302, response.data
        client.user = user
        return client

    return factory
