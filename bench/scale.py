"""The knowledge base's reader pages at the generated size: time, queries and bytes per page,
rendered in-process with the page cache off (so every request pays the whole page)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import event

from bench.report import Figure, below, percentile

SECTION = "Scale"
ROUNDS = 20


def reader_paths(app) -> dict[str, str]:
    """The pages measured: the index, the largest topic, the A to Z list and a search."""
    from finance import services
    from school.extensions import db

    with app.app_context():
        summaries = services.topic_summaries()
        db.session.remove()
    largest = max(summaries, key=lambda s: s.count)
    return {
        "Knowledge base index": "/finance/",
        f"Topic page ({largest.count} answers)": f"/finance/topics/{largest.topic.slug}",
        "All questions, A to Z": "/finance/questions/",
        "Search page": "/finance/search?q=пенсия",
    }


def measure(app, paths: dict[str, str], rounds: int = ROUNDS) -> dict[str, tuple]:
    """Per page: milliseconds of each request, statements of the last one, bytes."""
    from school.extensions import db

    cache = app.config["PAGE_CACHE_SECONDS"]
    app.config["PAGE_CACHE_SECONDS"] = 0
    results = {}
    try:
        with app.app_context():
            engine = db.engine
        client = app.test_client()
        for name, path in paths.items():
            statements: list[str] = []

            def record(conn, cursor, statement, *args, sink=statements) -> None:
                sink.append(statement)

            client.get(path)  # warm-up
            timings = []
            for _ in range(rounds):
                statements.clear()
                event.listen(engine, "before_cursor_execute", record)
                start = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
                event.remove(engine, "before_cursor_execute", record)
            results[name] = (timings, len(statements), len(response.data), response.status_code)
    finally:
        app.config["PAGE_CACHE_SECONDS"] = cache
    return results


def figures(results: dict[str, Sequence], entries: int) -> list[Figure]:
    count = f"{entries:,}".replace(",", " ")
    out = []
    for name, (timings, statements, size, status) in results.items():
        note = f"{count} entries; {statements} queries; HTTP {status}; page cache off"
        out.append(
            Figure(SECTION, f"{name}: p95", percentile(timings, 95), "ms",
                   below(150, "p95 < 150 ms"), note)
        )  # fmt: skip
        out.append(Figure(SECTION, f"{name}: size", size / 1024, "KB", below(150, "< 150 KB")))
    return out
