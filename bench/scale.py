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


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.scale [--entries N] [--database-url URL]``: only these figures."""
    import argparse
    import os
    import sys
    import tempfile
    from pathlib import Path

    from bench import kb
    from bench.database import fresh_database
    from bench.report import table
    from bench.server import bench_env, flask

    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        instance = Path(scratch) / "instance"
        with fresh_database(args.database_url, instance) as database_url:
            env = bench_env(instance, database_url)
            os.environ.update({k: env[k] for k in ("INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY")})
            flask(env, "db", "upgrade")
            flask(env, "seed-demo")
            from bench.wsgi import app
            from school.extensions import db

            print(f"generating and importing {args.entries} entries", file=sys.stderr)
            with app.app_context():
                kb.load(kb.generate_entries(args.entries, kb.demo_entries()))
            try:
                print(table(figures(measure(app, reader_paths(app)), args.entries)))
            finally:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
