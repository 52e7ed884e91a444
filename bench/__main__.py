"""``python -m bench``: every figure of bench/README.md, measured side by side in one run."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench import brochures, firstpaint, kb, machine, markdown, pages, queue, scale, search
from bench.database import fresh_database
from bench.load import LoadResult, wrk
from bench.report import Figure, below, table, unmet
from bench.server import Gunicorn, bench_env, flask

CONNECTIONS = 16
WORKERS = 2
DEMO_BROCHURE = "money-family-pension"
SMALL, LARGE = "bench-50-pages", "bench-200-pages"
OUT = Path(__file__).resolve().parent / "out"  # ignored by git


class Progress:
    """Progress lines on stderr, with the time since the start."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL URL; the run uses a fresh schema in it and drops it afterwards "
        "(default: a fresh SQLite file; env BENCH_DATABASE_URL)",
    )
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--entries", type=int, default=5000, help="generated knowledge base size")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short smoke run; its figures mean little (one round of first paint, no job queue)",
    )
    parser.add_argument(
        "--no-first-paint",
        dest="first_paint",
        action="store_false",
        help="skip the first paint over the emulated slow link (Chromium, about 2 minutes)",
    )
    parser.add_argument(
        "--no-queue",
        dest="job_queue",
        action="store_false",
        help="skip the job queue's figures (Redis and an RQ worker, about 4 minutes)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        help="Redis for the job queue's figures (env BENCH_REDIS_URL)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=OUT / "last-run.json",
        help="where to write the figures as JSON too (default: bench/out/last-run.json)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.entries = 2, min(args.entries, 400)
    return args


class Bench:
    """One run: a fresh instance, the server, and the figures in the order they are taken."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str], app) -> None:
        self.args = args
        self.env = env
        self.app = app
        self.log = Progress()
        self.figures: list[Figure] = []
        self.skipped: list[str] = []  # sections not taken, each with the reason

    def load(self, url: str) -> LoadResult:
        # One wrk thread is plenty for 16 connections and leaves the cores to the server.
        return wrk(url, connections=CONNECTIONS, seconds=self.args.seconds, threads=1)

    def run(self) -> None:
        self.markdown()
        paths = pages.page_paths(self.app)
        costs = pages.in_process_ms(self.app, paths)
        with Gunicorn(self.env, WORKERS) as server:
            self.log(f"gunicorn with {WORKERS} sync workers at {server.base_url}")
            self.page_throughput(server, paths, costs)
            self.first_paint(server, paths)
            self.search(server)
            self.cached_download(server)
        self.build_all()
        self.build_time()
        self.job_queue()

    def markdown(self) -> None:
        self.log(f"pathological Markdown: {len(markdown.CORPUS)} texts checked and rendered")
        with self.app.test_request_context():
            cases = markdown.measure(1 if self.args.quick else 3)
        self.figures += markdown.figures(cases)

    def page_throughput(self, server: Gunicorn, paths: dict[str, str], costs) -> None:
        pages.warm_up(server.base_url, list(paths.values()))
        self.load(server.base_url + pages.HELLO)
        runs = pages.interleaved(server, paths, self.load, self.log)
        self.figures += pages.figures(runs, CONNECTIONS, costs)
        self.figures.append(_worker_memory(server, "after the page runs", target=True))

    def first_paint(self, server: Gunicorn, paths: dict[str, str]) -> None:
        missing = None if self.args.first_paint else "--no-first-paint"
        missing = missing or firstpaint.available()
        if missing:
            self.skip(firstpaint.SECTION, missing)
            return
        rounds = 1 if self.args.quick else firstpaint.ROUNDS
        self.log(f"first paint over an emulated Tor circuit, {rounds} round(s) per page")
        self.figures += firstpaint.run(
            server.base_url, {"Home page": "/", **paths}, self.log, rounds
        )

    def job_queue(self) -> None:
        needed = queue.BROCHURES * brochures.ENTRIES_FOR_200_PAGES + queue.ENTRIES_FOR_500_PAGES
        if not self.args.job_queue:
            missing = "--no-queue"
        elif self.args.quick or self.args.entries < needed:
            missing = f"needs {needed} generated entries (--entries), not a --quick run"
        else:
            missing = _redis_missing(self.args.redis_url)
        if missing:
            self.skip(queue.SECTION, missing)
            return
        self.log(f"the job queue, through Redis at {self.args.redis_url}")
        self.figures += queue.run(self.env, self.app, self.args.redis_url, self.log)

    def skip(self, section: str, reason: str) -> None:
        self.log(f"{section}: skipped ({reason})")
        self.skipped.append(f"{section}: not taken ({reason})")

    def search(self, server: Gunicorn) -> None:
        self.log(f"generating and importing {self.args.entries} entries")
        started = time.monotonic()
        entries = kb.generate_entries(self.args.entries, kb.demo_entries())
        with self.app.app_context():
            kb.load(entries)
        self.log(f"imported in {time.monotonic() - started:.0f} s; searching")
        service_ms = search.in_process(self.app, kb.QUERIES)
        http_ms = search.over_http(server.base_url, kb.QUERIES)
        self.figures += search.figures(service_ms, http_ms, self.args.entries, len(kb.QUERIES))
        self.log("the knowledge base's reader pages at that size")
        results = scale.measure(self.app, scale.reader_paths(self.app))
        self.figures += scale.figures(results, self.args.entries)
        sizes = scale.QUICK if self.args.quick else scale.Sizes()
        self.log("staff and public pages over bulk data (quiz attempts, courses, users...)")
        self.figures += scale.bulk_figures(self.app, sizes, self.log)

    def cached_download(self, server: Gunicorn) -> None:
        self.log("cached re-download of an edition PDF")
        brochures.prebuild(self.env, DEMO_BROCHURE, "a5")
        url = f"{server.base_url}/brochures/{DEMO_BROCHURE}/1/a5.pdf"
        # The first download stores the edition's file (from the cache) through the queue.
        data, _seconds = queue.wait_for(url, time.monotonic() + 300)
        size = len(data)
        hello = self.load(server.base_url + pages.HELLO)
        download = self.load(url)
        self.figures += brochures.cached_download_figures(download, size, hello)
        when = "after search over the generated entries and PDF downloads"
        self.figures.append(_worker_memory(server, when, target=False))

    def build_all(self) -> None:
        self.log("composing brochures; `build --all` with 1 and 2 processes")
        offset = brochures.ENTRIES_FOR_50_PAGES + brochures.ENTRIES_FOR_200_PAGES
        for slug, fmt, count in brochures.EXTRA_BROCHURES:
            brochures.compose(self.app, slug, f"Сборник {slug}", fmt, count, offset)
            offset += count
        before = machine.parallel_capacity()
        result = brochures.build_all(self.env, 1 if self.args.quick else 2, self.log)
        after = machine.parallel_capacity()
        self.log(f"two processes do {before:.2f}x / {after:.2f}x the work of one")
        self.figures += brochures.build_all_figures(result)
        self.figures.append(
            Figure("Machine", "Two CPU-bound processes vs one (the ceiling of any 2-process "
                   "speed-up)", min(before, after), "x",
                   note=f"pure-Python loop, measured before ({before:.2f}x) and after "
                   f"({after:.2f}x) the `build --all` runs")
        )  # fmt: skip

    def build_time(self) -> None:
        sizes = {
            SMALL: (brochures.ENTRIES_FOR_50_PAGES, 0),
            LARGE: (brochures.ENTRIES_FOR_200_PAGES, brochures.ENTRIES_FOR_50_PAGES),
        }
        for slug, (count, offset) in sizes.items():
            brochures.compose(self.app, slug, f"Сборник {slug}", "a5", count, offset)
        quick = self.args.quick
        for label, slug, rounds in (
            ("50", SMALL, 2 if quick else 5),
            ("200", LARGE, 1 if quick else 3),
        ):
            self.log(f"build time against WeasyPrint alone ({label} pages)")
            result = brochures.compare(self.env, slug, rounds, warm_up=SMALL)
            self.log(
                f"CPU: ours {_seconds(result.cpu['ours'])}, "
                f"WeasyPrint {_seconds(result.cpu['weasyprint'])}"
            )
            self.figures += brochures.build_figures(label, result)
        self.log("peak memory of a 200-page build")
        build = brochures.cli_build(self.env, LARGE, "a5")
        self.figures.append(brochures.memory_figure(build, result.pages["ours"]))


def _redis_missing(url: str) -> str | None:
    """Why Redis at ``url`` cannot hold the queue, or None when it answers."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except (redis.RedisError, OSError) as error:
        return f"no Redis at {url}: {error}"
    return None


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f} s" for v in values)


def _worker_memory(server: Gunicorn, when: str, target: bool) -> Figure:
    return Figure(
        "Memory",
        f"Web worker peak RSS (VmHWM) {when}",
        server.worker_peak_rss_mb(),
        "MB",
        below(150, "< 150 MB") if target else None,
        f"the larger of the {WORKERS} workers",
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    started = time.monotonic()
    load_before = machine.load_average()
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        instance = Path(scratch) / "instance"
        with fresh_database(args.database_url, instance) as database_url:
            env = bench_env(instance, database_url)
            # This process opens the same database to generate and compose content.
            os.environ.update({k: env[k] for k in ("INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY")})
            about = machine.describe(database_url)
            print(f"load average before: {load_before}", file=sys.stderr)
            flask(env, "db", "upgrade")
            flask(env, "seed-demo")

            from bench.wsgi import app  # the served application, with its bare endpoint
            from school.extensions import db

            seconds = app.config["PAGE_CACHE_SECONDS"]
            about.append(
                f"anonymous page cache: {seconds:g} s per worker (PAGE_CACHE_SECONDS)"
                if seconds > 0
                else "anonymous page cache: off (PAGE_CACHE_SECONDS=0)"
            )

            bench = Bench(args, env, app)
            try:
                bench.run()
            finally:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    load_after = machine.load_average()
    minutes = (time.monotonic() - started) / 60
    _print(bench.figures, about + bench.skipped, [load_before, load_after], minutes, args.quick)
    if args.json:
        data = {"about": about, "load": [load_before, load_after], "skipped": bench.skipped,
                "figures": [asdict(f) for f in bench.figures]}  # fmt: skip
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2))
    return 0


def _print(figures: list[Figure], about: list[str], load: list[str], minutes: float, quick: bool):
    print()
    print(f"Benchmarks of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {minutes:.1f} minutes"
          + (" (--quick: figures mean little)" if quick else ""))  # fmt: skip
    for line in about:
        print(line)
    print(f"load average (1, 5, 15 min): {load[0]} before, {load[1]} after")
    print()
    print(table(figures))
    missed = unmet(figures)
    print()
    print(f"{len(missed)} target(s) not met" + (":" if missed else "."))
    for figure in missed:
        print(f"- {figure.section}: {figure.name} = {figure.shown_value()} ({figure.target.text})")


if __name__ == "__main__":
    sys.exit(main())
