"""The access matrix, read side: every GET for every role, and every refused POST.

Reading and refusals must change nothing that decides access, so one world serves the whole
module; a refused POST is also checked to have changed no row at all. The table is in
``access_table.py``; the POSTs that get through are in ``test_access_write.py``.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from school.extensions import db
from tests.security.access_table import OK, ROWS, allowed_outcomes, attempt, row_url
from tests.security.world import ROLES

GET_ROWS = [row for row in ROWS if row.method == "GET"]
POST_ROWS = [row for row in ROWS if row.method == "POST"]
# Logging in writes a session row: that is not a change made by the request under test.
UNWATCHED_TABLES = {"user_sessions"}


@pytest.fixture(scope="module")
def clients(matrix):
    app, world = matrix
    return {role: world.client(app, role) for role in ROLES}


@pytest.mark.parametrize("row", GET_ROWS, ids=lambda row: row.id)
def test_who_may_open(matrix, clients, row):
    app, world = matrix
    url = row_url(app, row, world)
    wrong = {}
    for role in ROLES:
        got = attempt(clients[role], "GET", url)
        if got not in allowed_outcomes(row.expect[role], role):
            wrong[role] = f"{got} (expected {row.expect[role]})"
    assert not wrong, f"GET {url}: {wrong}"


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (but login sessions), in primary-key order."""
    db.session.rollback()
    data = {}
    for table in db.metadata.sorted_tables:
        if table.name not in UNWATCHED_TABLES:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns))
            data[table.name] = [tuple(row) for row in rows]
    db.session.rollback()
    return data


@pytest.mark.parametrize(
    "row", [row for row in POST_ROWS if set(row.expect.values()) != {OK}], ids=lambda row: row.id
)
def test_refused_changes_change_nothing(matrix, clients, row):
    app, world = matrix
    if row.prepare is not None:
        row.prepare(world, "")
    url = row_url(app, row, world)
    # Builds the world queued (an edition's stored files) finish first: only the POSTs may count.
    app.extensions["jobs"].drain()
    before = snapshot()
    wrong = {}
    for role in ROLES:
        if row.expect[role] != OK:
            got = attempt(clients[role], "POST", url, row.data(world))
            if got not in allowed_outcomes(row.expect[role], role):
                wrong[role] = f"{got} (expected {row.expect[role]})"
    assert not wrong, f"POST {url}: {wrong}"
    changed = [name for name, rows in snapshot().items() if rows != before[name]]
    assert not changed, f"refused POSTs to {url} changed {changed}"


def test_guessing_attempt_ids_reveals_nothing(matrix, clients):
    """Another student sees the same 404 for every attempt id, existing or not."""
    from quizzes.models import Attempt

    student = clients["student_b"]
    highest = db.session.scalar(select(func.max(Attempt.id))) or 0
    assert highest >= 2
    pages = {}
    for attempt_id in range(1, highest + 4):
        for method, suffix in (("GET", ""), ("POST", "/save"), ("POST", "/submit")):
            response = student.open(f"/quizzes/attempts/{attempt_id}{suffix}", method=method)
            assert response.status_code == 404, (method, attempt_id, suffix)
            if method == "GET":
                body = response.get_data(as_text=True)
                # The page's own address comes back in the language form: the rest must not vary.
                body = re.sub(r'name="csrf_token"[^>]*>', "", body)
                pages[attempt_id] = body.replace(f"/quizzes/attempts/{attempt_id}?", "/?")
            response.close()
    assert len(set(pages.values())) == 1, "an existing attempt's 404 differs from a missing one's"
