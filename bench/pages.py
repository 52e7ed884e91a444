"""Throughput of the public pages under gunicorn, each as a share of a bare endpoint's."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from bench.load import LoadResult
from bench.report import Figure, at_least, below
from bench.server import Gunicorn

HELLO = "/_bench/hello"
SEARCH_QUERY = "пенсия"
SECTION = "Pages"


@dataclass(frozen=True)
class PageRun:
    """A page's wrk run and the bare endpoint's runs just before and after it."""

    name: str
    path: str
    page: LoadResult
    hello_before: LoadResult
    hello_after: LoadResult

    @property
    def hello_rps(self) -> float:
        return (self.hello_before.requests_per_second + self.hello_after.requests_per_second) / 2

    @property
    def ratio(self) -> float:
        return self.page.requests_per_second / self.hello_rps


def page_paths(app) -> dict[str, str]:
    """The pages to load: each a real, public page of the demo content."""
    from flask import url_for
    from sqlalchemy import select

    from courses.models import LESSON, Course, Item, Module
    from finance.models import Entry
    from school.extensions import db

    with app.app_context(), app.test_request_context():
        lesson = db.session.execute(
            select(Course.slug, Item.id)
            .join(Module, Module.course_id == Course.id)
            .join(Item, Item.module_id == Module.id)
            .where(Course.published.is_(True), Item.kind == LESSON)
            .order_by(Course.id, Module.position, Item.position)
            .limit(1)
        ).first()
        entry = db.session.scalar(
            select(Entry.slug)
            .where(Entry.published_revision_id.is_not(None), Entry.slug != "about-this-demo")
            .order_by(Entry.id)
            .limit(1)
        )
        if lesson is None or entry is None:
            raise RuntimeError("the demo content has no published lesson or entry")
        return {
            "Public schedule": url_for("webinars.index"),
            "Course catalogue": url_for("courses.catalogue"),
            "Lesson page": url_for("courses.item", slug=lesson[0], item_id=lesson[1]),
            "Knowledge-base entry": url_for("finance.entry", slug=entry),
            "Search": url_for("finance.search") + "?q=" + quote(SEARCH_QUERY),
        }


@dataclass(frozen=True)
class Cost:
    """CPU milliseconds per request in-process: rendering the page, and serving it stored."""

    rendered: float
    stored: float


def in_process_ms(app, paths: dict[str, str], requests: int = 20) -> dict[str, Cost]:
    """CPU milliseconds per request of each page (and hello) through Flask's test client.

    No server and no network: what the application itself spends, for telling a slow page
    from a slow server. Cookies off, like wrk. Each page is measured with the anonymous page
    cache off (what a rendering costs) and on (what wrk's readers mostly get).
    """
    client = app.test_client(use_cookies=False)
    seconds = app.config["PAGE_CACHE_SECONDS"]

    def measure(path: str) -> float:
        for _ in range(3):
            if client.get(path).status_code != 200:
                raise RuntimeError(f"{path} does not answer 200")
        start = time.process_time()
        for _ in range(requests):
            client.get(path)
        return (time.process_time() - start) * 1000 / requests

    costs = {}
    try:
        for path in [HELLO, *paths.values()]:
            app.config["PAGE_CACHE_SECONDS"] = 0
            rendered = measure(path)
            app.config["PAGE_CACHE_SECONDS"] = seconds
            costs[path] = Cost(rendered, measure(path))
    finally:
        app.config["PAGE_CACHE_SECONDS"] = seconds
    return costs


def warm_up(base_url: str, paths: list[str], times: int = 6) -> None:
    """Request each page a few times, so every worker has compiled its templates."""
    for path in [HELLO, *paths]:
        for _ in range(times):
            with urllib.request.urlopen(base_url + path, timeout=30) as response:  # noqa: S310
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
                response.read()


def interleaved(
    server: Gunicorn,
    paths: dict[str, str],
    load: Callable[[str], LoadResult],
    progress: Callable[[str], None] = lambda _: None,
) -> list[PageRun]:
    """hello, page, hello, page, ..., hello: each page is compared with the runs around it."""
    hello = load(server.base_url + HELLO)
    progress(f"hello {hello.requests_per_second:.0f}/s")
    runs = []
    for name, path in paths.items():
        page = load(server.base_url + path)
        after = load(server.base_url + HELLO)
        run = PageRun(name, path, page, hello, after)
        progress(
            f"{name}: {page.requests_per_second:.0f}/s, p99 {page.p99_ms:.0f} ms; "
            f"hello {after.requests_per_second:.0f}/s"
        )
        runs.append(run)
        hello = after
    return runs


def figures(runs: list[PageRun], connections: int, costs: dict[str, Cost]) -> list[Figure]:
    out = []
    hello = costs.get(HELLO)
    for run in runs:
        errors = run.page.errors + run.hello_before.errors + run.hello_after.errors
        note = f"{run.page.requests_per_second:.0f}/s vs hello {run.hello_rps:.0f}/s"
        if run.path in costs and hello is not None:
            cost = costs[run.path]
            note += (
                f"; in-process CPU: rendered {cost.rendered:.1f} ms, stored {cost.stored:.2f} ms,"
                f" hello {hello.rendered:.2f} ms"
            )
        if errors:
            note += f"; {errors} errors"
        share = Figure(
            SECTION,
            f"{run.name} {unquote(run.path)}: share of hello",
            run.ratio * 100,
            "%",
            at_least(30, ">= 30%"),
            note,
        )
        p99 = Figure(
            SECTION,
            f"{run.name}: p99 at {connections} connections",
            run.page.p99_ms,
            "ms",
            below(50, "< 50 ms"),
            f"p50 {run.page.p50_ms:.1f} ms",
        )
        out += [share, p99]
    hellos = [runs[0].hello_before, *(r.hello_after for r in runs)] if runs else []
    if hellos:
        rates = sorted(h.requests_per_second for h in hellos)
        out.append(
            Figure(
                SECTION,
                "Bare hello (the baseline)",
                sum(rates) / len(rates),
                "req/s",
                note=f"mean of {len(rates)} runs, {rates[0]:.0f} to {rates[-1]:.0f}/s",
            )
        )
    return out
