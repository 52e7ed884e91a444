"""PDFs through the job queue, over gunicorn with Redis and one RQ worker: a cheap page's latency
while ten 200-page brochures build, and a 500-page brochure from the first request to the file.

``python -m bench.queue [--database-url URL]`` runs only these figures (it needs Redis at
``BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/12``).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from io import BytesIO

from bench.brochures import ENTRIES_FOR_200_PAGES, compose
from bench.report import Figure, below, percentile
from bench.server import PROJECT, Gunicorn

SECTION = "Job queue"
BROCHURES = 10
#: About 500 A5 pages, at two and a half pages per generated entry.
ENTRIES_FOR_500_PAGES = 300
CHEAP = "/_bench/hello"
TIMEOUT = 900


def _get(url: str) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
            body, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return status, body, (time.perf_counter() - started) * 1000


def wait_for(url: str, deadline: float) -> tuple[bytes, float]:
    """Ask as the being-prepared page's refresh does, until the file comes."""
    started = time.monotonic()
    while time.monotonic() < deadline:
        status, body, _ms = _get(url)
        if status == 200:
            return body, time.monotonic() - started
        if status not in (202,):
            raise RuntimeError(f"{url}: HTTP {status}")
        time.sleep(1)
    raise RuntimeError(f"{url}: not ready in time")


def prepare(app, offset: int) -> list[str]:
    """Ten 200-page brochures and one of 500 pages, each published (nothing stored yet)."""
    from brochures import services
    from school.extensions import db

    slugs = [f"bench-queue-{n}" for n in range(BROCHURES)] + ["bench-queue-500"]
    sizes = [ENTRIES_FOR_200_PAGES] * BROCHURES + [ENTRIES_FOR_500_PAGES]
    for slug, size in zip(slugs, sizes, strict=True):
        compose(app, slug, f"Очередь {slug}", "a5", size, offset)
        offset += size
        with app.app_context():
            services.publish_edition(None, services.brochure_by_slug(slug))
            db.session.remove()
    return slugs


def run(env: dict[str, str], app, redis_url: str, progress: Callable[[str], None]) -> list[Figure]:
    from pypdf import PdfReader

    slugs = prepare(app, offset=0)
    queue_env = {**env, "REDIS_URL": redis_url, "JOB_QUEUE": "redis",
                 "JOB_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:8]}"}  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "school", "jobs", "worker"],
        env=queue_env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with Gunicorn(queue_env, workers=2) as server:
            base = server.base_url
            urls = [f"{base}/brochures/{slug}/1/a5.pdf" for slug in slugs[:BROCHURES]]
            progress(f"{BROCHURES} readers ask at once for {BROCHURES} uncached 200-page brochures")
            answers: list[float] = []

            def ask(url: str) -> None:
                status, _body, ms = _get(url)
                assert status == 202, (url, status)
                answers.append(ms)

            threads = [threading.Thread(target=ask, args=(url,)) for url in urls]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            cheap: list[float] = []
            pending = set(urls)
            deadline = time.monotonic() + TIMEOUT
            while pending and time.monotonic() < deadline:
                for _ in range(20):
                    cheap.append(_get(base + CHEAP)[2])
                    time.sleep(0.05)
                for url in list(pending):
                    if _get(url)[0] == 200:
                        pending.discard(url)
            all_built = time.monotonic() - started
            if pending:
                raise RuntimeError(f"{len(pending)} brochures not built in {TIMEOUT} s")
            peak = server.worker_peak_rss_mb()
            progress("a 500-page brochure through the queue")
            data, seconds = wait_for(f"{base}/brochures/{slugs[-1]}/1/a5.pdf", deadline)
            pages = len(PdfReader(BytesIO(data)).pages)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    note = f"gunicorn 2 sync workers, 1 RQ worker; {len(cheap)} requests during the builds"
    return [
        Figure(SECTION, "Cheap page while ten 200-page brochures build: p99",
               percentile(cheap, 99), "ms", below(100, "p99 < 100 ms"), note),
        Figure(SECTION, "Readers' requests for uncached PDFs (answered 202): p99",
               percentile(answers, 99), "ms", None, f"{BROCHURES} at once"),
        Figure(SECTION, "Ten 200-page brochures, first request to all built", all_built, "s",
               None, "one RQ worker renders them in turn"),
        Figure(SECTION, f"A {pages}-page brochure, first request to the file", seconds, "s",
               None, "the reader's page reloads itself until it is there"),
        Figure(SECTION, "Web workers' peak memory while the queue builds", peak, "MB",
               below(150, "< 150 MB"), "the rendering happens in RQ's work horses"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import tempfile
    from pathlib import Path

    from bench import kb
    from bench.database import fresh_database, released
    from bench.report import table
    from bench.server import bench_env, flask

    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as scratch:
        instance = Path(scratch) / "instance"
        with fresh_database(args.database_url, instance) as database_url:
            env = bench_env(instance, database_url)
            os.environ.update({k: env[k] for k in ("INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY")})
            flask(env, "db", "upgrade")
            flask(env, "seed-demo")
            from bench.wsgi import app

            needed = BROCHURES * ENTRIES_FOR_200_PAGES + ENTRIES_FOR_500_PAGES
            with app.app_context():
                kb.load(kb.generate_entries(needed, kb.demo_entries()))
            with released(app):
                figures = run(env, app, args.redis_url, lambda m: print(m, file=sys.stderr))
                print(table(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
