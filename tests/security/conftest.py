"""Fixtures of the attacker's sweep.

The access matrix builds its world once per test module (reading and refusals change nothing);
the browser sweeps reuse the real-browser harness of ``tests/e2e`` (its fixtures are re-exported
here, or skipped where there is no browser).
"""

from __future__ import annotations

import pytest

from school import create_app, jobs
from school.extensions import db
from tests.conftest import IsolatedClient, _config, _empty_tables
from tests.security.world import build_world

try:
    from tests.e2e.conftest import browser, make_visitor, server

    __all__ = ["browser", "make_visitor", "matrix", "server"]
except pytest.skip.Exception as missing:
    _reason = str(missing)

    @pytest.fixture(scope="session")
    def server():
        pytest.skip(_reason)

    @pytest.fixture(scope="session")
    def browser():
        pytest.skip(_reason)

    @pytest.fixture
    def make_visitor():
        pytest.skip(_reason)


@pytest.fixture(scope="module")
def matrix(database, tmp_path_factory):
    """An app with the whole world built once for the module: ``(app, world)``."""
    app = create_app(_config(database, tmp_path_factory.mktemp("access")))
    app.test_client_class = IsolatedClient
    with app.app_context():
        world = build_world()
        yield app, world
        jobs.close(app)  # no job opens a connection after the engine is disposed
        db.session.remove()
        _empty_tables()
        db.engine.dispose()
