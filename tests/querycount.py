"""Count the SQL statements a piece of code sends: for tests that a page's queries do not grow
with its rows (no query per row)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from school.extensions import db


@dataclass
class Statements:
    """The statements sent inside :func:`count_statements`, in order."""

    sql: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sql)


@contextmanager
def count_statements() -> Iterator[Statements]:
    """Every statement the app's engine executes while the block runs (in an app context)."""
    seen = Statements()

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.sql.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def page_statements(client, path: str) -> int:
    """How many statements answering ``GET path`` takes (the page must answer 200)."""
    with count_statements() as seen:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(seen)
