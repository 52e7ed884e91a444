"""Search latency over the generated knowledge base: the service, and the page over HTTP."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Sequence
from urllib.parse import quote

from bench.report import Figure, below, percentile

SECTION = "Search"


def in_process(app, queries: Sequence[str], rounds: int = 3) -> list[float]:
    """Milliseconds per call of the search service, one fresh session per query."""
    from finance import services
    from school.extensions import db

    timings = []
    with app.app_context():
        for query in queries:  # warm-up: statement caches, the database's page cache
            services.search(query)
        db.session.remove()
        for _ in range(rounds):
            for query in queries:
                start = time.perf_counter()
                services.search(query)
                timings.append((time.perf_counter() - start) * 1000)
                db.session.remove()
    return timings


def over_http(base_url: str, queries: Sequence[str], rounds: int = 2) -> list[float]:
    """Milliseconds per search page, one request at a time (the latency a reader sees).

    Every request has an address of its own (an extra ``round`` parameter the page ignores),
    so none is answered from the anonymous page cache: this is the search itself.
    """
    timings = []
    for round_ in range(rounds + 1):
        for query in queries:
            url = f"{base_url}/finance/search?q={quote(query)}&round={round_}"
            start = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
                response.read()
            if round_:  # the first round warms both workers up
                timings.append((time.perf_counter() - start) * 1000)
    return timings


def figures(
    service_ms: list[float], http_ms: list[float], entries: int, queries: int
) -> list[Figure]:
    target = below(30, "p95 < 30 ms")
    count = f"{entries:,}".replace(",", " ")
    where = f"{count} entries, {queries} queries"
    return [
        Figure(
            SECTION, "Search service in-process: p50", percentile(service_ms, 50), "ms", note=where
        ),
        Figure(
            SECTION,
            "Search service in-process: p95",
            percentile(service_ms, 95),
            "ms",
            target,
            f"max {max(service_ms):.0f} ms",
        ),
        Figure(
            SECTION,
            "Search page over HTTP, one client: p50",
            percentile(http_ms, 50),
            "ms",
            note=f"{where}; none from the page cache",
        ),
        Figure(
            SECTION,
            "Search page over HTTP, one client: p95",
            percentile(http_ms, 95),
            "ms",
            target,
            f"max {max(http_ms):.0f} ms",
        ),
    ]
