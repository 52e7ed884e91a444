"""Pages at scale: time, queries and bytes per page, rendered in-process with the page cache
off (so every request pays the whole page). The knowledge base's reader pages at the generated
size, and staff and public pages over bulk data (bench/scale_data.py): a quiz with 100,000
attempts, a webinar with 20,000 registrations, 1,000 courses, 10,000 users."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import event

from bench.report import Figure, below, percentile

SECTION = "Scale"
ROUNDS = 20


@dataclass(frozen=True)
class Sizes:
    """How much bulk data the staff and public pages are measured on."""

    attempts: int = 100_000
    registrations: int = 20_000
    courses: int = 1_000
    users: int = 10_000


QUICK = Sizes(attempts=2_000, registrations=500, courses=100, users=300)


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


def logged_in(app, username: str, password: str):
    """A test client logged in through the login form, as a person would."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on /login")
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login as {username} failed: HTTP {answer.status_code}")
    return client


def measure(app, paths: dict[str, str], rounds: int = ROUNDS, client=None) -> dict[str, tuple]:
    """Per page: milliseconds of each request, statements of the last one, bytes; with
    ``client`` (e.g. :func:`logged_in`), else as an anonymous reader."""
    from school.extensions import db

    cache = app.config["PAGE_CACHE_SECONDS"]
    app.config["PAGE_CACHE_SECONDS"] = 0
    results = {}
    try:
        with app.app_context():
            engine = db.engine
        client = client or app.test_client()
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


def figures(results: dict[str, Sequence], entries: int | dict[str, str]) -> list[Figure]:
    """Two figures per page; ``entries`` is the knowledge base's size, or each page's data."""
    count = f"{entries:,}".replace(",", " ") + " entries" if isinstance(entries, int) else ""
    out = []
    for name, (timings, statements, size, status) in results.items():
        data = count or entries[name]
        note = f"{data}; {statements} queries; HTTP {status}; page cache off"
        out.append(
            Figure(SECTION, f"{name}: p95", percentile(timings, 95), "ms",
                   below(150, "p95 < 150 ms"), note)
        )  # fmt: skip
        out.append(Figure(SECTION, f"{name}: size", size / 1024, "KB", below(150, "< 150 KB")))
    return out


def measure_pages(app, pages: dict) -> dict[str, tuple]:
    """Measure ``{name: scale_data.Page}``, each logged in as its page asks."""
    results = {}
    logins = {page.login for page in pages.values()}
    for login in sorted(logins, key=lambda x: x or ("",)):
        client = logged_in(app, *login) if login else None
        chosen = {name: page.path for name, page in pages.items() if page.login == login}
        results.update(measure(app, chosen, client=client))
    return {name: results[name] for name in pages}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def analyze(app) -> None:
    """Bring the planner's statistics and PostgreSQL's visibility map up to date after bulk
    loading, as autovacuum does on a site that grew slowly (``VACUUM ANALYZE``; without the
    visibility map no index-only scan is possible). SQLite: ``ANALYZE``."""
    from sqlalchemy import text

    from school.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))


def bulk_figures(app, sizes: Sizes, log: Callable[[str], None] = _log) -> list[Figure]:
    """Insert each kind of bulk data and measure its pages right after, so every page sees its
    own data and what came before (users first: the admin list has only the generated users)."""
    from bench import scale_data

    out = []
    count = scale_data._count

    def step(pages: dict) -> None:
        out.extend(figures(measure_pages(app, pages), {n: p.data for n, p in pages.items()}))

    log(f"scale: {count(sizes.users)} users")
    step(scale_data.users(app, sizes.users))
    log(f"scale: {count(sizes.courses)} courses")
    step(scale_data.courses(app, sizes.courses))
    log(f"scale: {count(sizes.attempts)} quiz attempts")
    started = time.perf_counter()
    student_ids = scale_data.students(app, min(sizes.users, sizes.attempts) or 1)
    quiz_id, pages = scale_data.attempts(app, sizes.attempts, student_ids)
    analyze(app)
    log(f"scale: inserted in {time.perf_counter() - started:.0f} s; rebuilding the statistics")
    out.append(rebuild_figure(app, quiz_id, sizes.attempts))
    step(pages)
    log(f"scale: {count(sizes.registrations)} webinar registrations")
    registrations = scale_data.registrations(app, sizes.registrations)
    analyze(app)
    step(registrations)
    return out


def rebuild_figure(app, quiz_id: int, attempts: int) -> Figure:
    """The time of ``rebuild_statistics`` grading every attempt, and its statements."""
    from bench import scale_data
    from school.extensions import db

    with app.app_context():
        engine = db.engine
    statements = [0]

    def record(*args) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", record)
    try:
        start = time.perf_counter()
        scale_data.rebuild(app, quiz_id)
        seconds = time.perf_counter() - start
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return Figure(
        SECTION,
        "Quiz statistics rebuilt (`rebuild_statistics`, the queue's job)",
        seconds,
        "s",
        note=f"{scale_data._count(attempts)} attempts graded, none graded before; "
        f"{statements[0]} queries; once",
    )


def sizes_text(entries: int, sizes: Sizes) -> str:
    """The data every page was opened over, for the figures' notes."""
    from bench.scale_data import _count as count

    return (
        f"{count(entries)} entries, {count(sizes.attempts)} attempts, "
        f"{count(sizes.registrations)} registrations, {count(sizes.courses)} courses, "
        f"{count(sizes.users)} users"
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.scale [--entries N] [--database-url URL]``: only these figures."""
    import argparse
    import os
    import tempfile
    from pathlib import Path

    from bench import kb, routes, scale_data
    from bench.database import fresh_database, released
    from bench.report import table
    from bench.server import bench_env, flask

    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    default = Sizes()
    parser.add_argument("--entries", type=int, default=50_000, help="knowledge base entries")
    parser.add_argument("--attempts", type=int, default=default.attempts,
                        help="finished attempts at one quiz")  # fmt: skip
    parser.add_argument("--registrations", type=int, default=default.registrations,
                        help="registrations of one webinar")  # fmt: skip
    parser.add_argument("--courses", type=int, default=default.courses)
    parser.add_argument("--users", type=int, default=default.users)
    parser.add_argument("--no-kb", action="store_true", help="skip the knowledge base's pages")
    parser.add_argument("--no-bulk", action="store_true",
                        help="skip the quiz, webinar, course and user pages")  # fmt: skip
    parser.add_argument("--no-pages", action="store_true",
                        help="skip opening every page of the app at the end")  # fmt: skip
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    sizes = Sizes(args.attempts, args.registrations, args.courses, args.users)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        instance = Path(scratch) / "instance"
        with fresh_database(args.database_url, instance) as database_url:
            env = bench_env(instance, database_url)
            keys = ("INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY", "RATELIMIT_ENABLED")
            os.environ.update({k: env[k] for k in keys})
            flask(env, "db", "upgrade")
            flask(env, "seed-demo")
            from bench.wsgi import app

            started = time.monotonic()
            out: list[Figure] = []
            with released(app):
                small = {} if args.no_pages else routes.sweep(app, scale_data.ADMIN, rounds=2)
                if not args.no_kb:
                    _log(f"generating and importing {args.entries} entries")
                    with app.app_context():
                        kb.load(kb.generate_entries(args.entries, kb.demo_entries()))
                    analyze(app)
                    out += figures(measure(app, reader_paths(app)), args.entries)
                if not args.no_bulk:
                    out += bulk_figures(app, sizes)
                if not args.no_pages:
                    _log("every page, at that size")
                    large = routes.sweep(app, scale_data.ADMIN)
                    data = sizes_text(0 if args.no_kb else args.entries, sizes)
                    out += routes.figures(small, large, data)
                _log(f"done in {(time.monotonic() - started) / 60:.1f} minutes")
                print(table(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
