"""The access matrix, write side: every role a POST allows gets through; every route is listed.

Each allowed role acts on its own object when the action uses it up (see ``Row.prepare``), and
logs in afresh (one of the actions is logging out).
"""

from __future__ import annotations

import pytest

from tests.security.access_table import OK, ROWS, attempt, row_url
from tests.security.world import ROLES

POST_ROWS = [row for row in ROWS if row.method == "POST"]


def test_every_route_is_classified(matrix):
    app, _world = matrix
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    table = {(row.endpoint, row.method) for row in ROWS}
    unclassified = sorted(routes - table)
    assert not unclassified, f"unclassified routes, add them to access_table.py: {unclassified}"
    assert not sorted(table - routes), "rows for routes that no longer exist"
    assert len({row.id for row in ROWS}) == len(ROWS), "two rows with the same id"
    for row in ROWS:
        assert set(row.expect) == set(ROLES), row.id


@pytest.mark.parametrize(
    "row", [row for row in POST_ROWS if OK in row.expect.values()], ids=lambda row: row.id
)
def test_allowed_changes_get_through(matrix, row):
    app, world = matrix
    wrong = {}
    for role in ROLES:
        if row.expect[role] == OK:
            if row.prepare is not None:
                row.prepare(world, role)
            client = world.client(app, role)
            got = attempt(client, "POST", row_url(app, row, world), row.data(world))
            if got != OK:
                wrong[role] = got
    assert not wrong, f"POST {row.id} refused to roles that may: {wrong}"
