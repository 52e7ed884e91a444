"""First contentful paint over an emulated Tor circuit (400 kbit/s each way, 400 ms round trip),
in Debian's Chromium driven by Playwright: a first visit and a repeat visit of each public page.

The HTML-only limit of a page is one round trip plus its (compressed) HTML at the link's rate:
what a page that needed nothing but its HTML would cost. A repeat visit must make one request
(the page; stylesheets and icon come from the browser's cache, their names being immutable) and
paint within 1.1 times that limit.

Every page is requested a few times before the browser starts, so each web worker has compiled
its templates and queries (a reader's repeat visit meets a running server). Each round is a
fresh browser context: a first visit, then a repeat visit in the same context; the figures are
the medians of the rounds. A visit ends when the load event has fired and the page has had no
request in flight for ``QUIET`` seconds, so a request the browser makes after the load event
(Chromium asks for the icon then) is counted with the visit that made it. Each round ends with
one more visit with the link's emulation off: what Chromium itself needs to paint the page.

``python -m bench.firstpaint [--rounds N]`` runs only these figures, on a fresh demo instance.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bench.report import Figure, at_most

SECTION = "Slow link"
RTT_MS = 400
KBIT = 400
BYTES_PER_S = KBIT * 1000 / 8
ROUNDS = 5
#: Seconds without a request in flight that end a visit.
QUIET = 0.5
FCP = """() => new Promise(resolve => {
  const entry = performance.getEntriesByName("first-contentful-paint")[0];
  if (entry) return resolve(entry.startTime);
  new PerformanceObserver(list => resolve(list.getEntries()[0].startTime))
    .observe({type: "paint", buffered: true});
})"""
EMULATED = {"offline": False, "latency": RTT_MS,
            "downloadThroughput": BYTES_PER_S, "uploadThroughput": BYTES_PER_S}  # fmt: skip
UNTHROTTLED = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
EVENTS = (
    "Network.requestWillBeSent",
    "Network.requestServedFromCache",
    "Network.responseReceived",
    "Network.loadingFinished",
    "Network.loadingFailed",
)


@dataclass(frozen=True)
class Request:
    """One request of a visit and where its answer came from."""

    url: str
    kind: str  # the resource type: Document, Stylesheet, Other (the icon)...
    source: str  # "network", "memory cache", "disk cache", or "unfinished"
    wire_bytes: int  # bytes over the link, headers included (0 from a cache)

    @property
    def over_network(self) -> bool:
        return self.source in ("network", "unfinished")


def requests(events: Iterable[tuple[str, dict]]) -> list[Request]:
    """The requests of a visit from its DevTools network events, in the order they were made.

    A request answered from Blink's memory cache gets ``requestServedFromCache``; one from the
    HTTP cache gets a response marked ``fromDiskCache`` (or ``fromPrefetchCache``) and no bytes
    on the wire; any other answer came over the link. A redirect is a request of its own.
    """
    made: dict[str, dict] = {}
    order: list[dict] = []
    for method, params in events:
        rid = params.get("requestId")
        if method == "Network.requestWillBeSent":
            entry = {
                "url": params["request"]["url"],
                "kind": params.get("type", "Other"),
                "source": "unfinished",
                "bytes": 0,
                "memory": False,
                "disk": False,
            }
            if rid in made and params.get("redirectResponse"):
                made[rid]["source"] = "network"  # the redirect answer
            made[rid] = entry
            order.append(entry)
        elif rid not in made:
            continue  # an answer to a request made before this visit started
        elif method == "Network.requestServedFromCache":
            made[rid]["memory"] = True
        elif method == "Network.responseReceived":
            response = params["response"]
            if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
                made[rid]["disk"] = True
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            entry = made[rid]
            entry["bytes"] = int(params.get("encodedDataLength", 0))
            if entry["memory"]:
                entry["source"] = "memory cache"
            elif entry["disk"]:
                entry["source"] = "disk cache"
            else:
                entry["source"] = "network"
    return [Request(e["url"], e["kind"], e["source"], e["bytes"]) for e in order]


def in_flight(events: Iterable[tuple[str, dict]]) -> int:
    """Requests of the events started and not yet finished or failed."""
    started: set[str] = set()
    for method, params in events:
        if method == "Network.requestWillBeSent":
            started.add(params["requestId"])
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            started.discard(params["requestId"])
    return len(started)


@dataclass(frozen=True)
class Visit:
    fcp_ms: float
    requests: list[Request]

    @property
    def network(self) -> list[Request]:
        return [r for r in self.requests if r.over_network]

    @property
    def html_bytes(self) -> int:
        return next((r.wire_bytes for r in self.requests if r.kind == "Document"), 0)

    def describe(self) -> str:
        return ", ".join(f"{_short(r.url)} ({r.source})" for r in self.requests)


class Tab:
    """A page in a fresh browser context, its network events recorded through DevTools."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.session = self.context.new_cdp_session(self.page)
        self.events: list[tuple[str, dict]] = []
        self.last_event = time.monotonic()
        self.session.send("Network.enable")
        for method in EVENTS:
            self.session.on(method, lambda params, method=method: self._record(method, params))

    def _record(self, method: str, params: dict) -> None:
        self.events.append((method, params))
        self.last_event = time.monotonic()

    def visit(self, url: str, conditions: dict) -> Visit:
        self.session.send("Network.emulateNetworkConditions", conditions)
        self.events = []
        self.page.goto(url, wait_until="load")
        fcp = self.page.evaluate(FCP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            # Playwright delivers the DevTools events while it waits.
            self.page.wait_for_timeout(50)
            quiet = time.monotonic() - self.last_event >= QUIET
            if quiet and not in_flight(self.events):
                break
        return Visit(fcp, requests(self.events))

    def close(self) -> None:
        self.context.close()


@dataclass(frozen=True)
class PageRounds:
    """Every round of one page: first visits, repeat visits, unemulated repeat visits."""

    name: str
    first: list[Visit]
    repeat: list[Visit]
    unthrottled: list[Visit]

    @property
    def limit_ms(self) -> float:
        html = statistics.median(v.html_bytes for v in self.repeat)
        return RTT_MS + html / BYTES_PER_S * 1000


def measure(
    browser, url: str, name: str, rounds: int, progress: Callable[[str], None]
) -> PageRounds:
    first, repeat, unthrottled = [], [], []
    for _ in range(rounds):
        tab = Tab(browser)
        try:
            first.append(tab.visit(url, EMULATED))
            repeat.append(tab.visit(url, EMULATED))
            unthrottled.append(tab.visit(url, UNTHROTTLED))
        finally:
            tab.close()
    result = PageRounds(name, first, repeat, unthrottled)
    progress(f"{name}: first visit {_ms(first)}, repeat {_ms(repeat)}, "
             f"limit {result.limit_ms:.0f} ms; without emulation {_ms(unthrottled)}")  # fmt: skip
    progress(f"  first visit asks for: {first[-1].describe()}")
    progress(f"  repeat visit asks for: {repeat[-1].describe()}")
    return result


def figures(results: list[PageRounds]) -> list[Figure]:
    out: list[Figure] = []
    for page in results:
        first = statistics.median(v.fcp_ms for v in page.first)
        repeat = [v.fcp_ms for v in page.repeat]
        limit = page.limit_ms
        html = statistics.median(v.html_bytes for v in page.repeat)
        unthrottled = statistics.median(v.fcp_ms for v in page.unthrottled)
        worst = max(page.repeat, key=lambda v: len(v.network))
        cached = [r for r in worst.requests if not r.over_network]
        rounds = len(repeat)
        most = f"the most of {rounds} rounds" if rounds > 1 else "one round"
        out += [
            Figure(SECTION, f"{page.name}: first visit, first paint", first, "ms", None,
                   f"{_rounds([v.fcp_ms for v in page.first])}; "
                   f"{len(page.first[-1].network)} requests over the link"),
            Figure(SECTION, f"{page.name}: repeat visit, first paint",
                   statistics.median(repeat), "ms",
                   at_most(1.1 * limit, f"≤ 1.1 × HTML-only limit = {1.1 * limit:.0f} ms"),
                   f"{_rounds(repeat)}; "
                   f"{html / 1024:.1f} KB of HTML on the wire, limit {limit:.0f} ms; "
                   f"{unthrottled:.0f} ms with no link emulation"),
            Figure(SECTION, f"{page.name}: repeat visit, requests over the link",
                   len(worst.network), "", at_most(1, "one request"),
                   f"{most}; "
                   "from the cache: "
                   + (", ".join(f"{_short(r.url)} ({r.source})" for r in cached) or "nothing")),
        ]  # fmt: skip
    return out


def run(
    base_url: str,
    paths: dict[str, str],
    progress: Callable[[str], None],
    rounds: int = ROUNDS,
) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    from bench.chromium import launch
    from bench.pages import warm_up

    warm_up(base_url, list(paths.values()))
    results = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for name, path in paths.items():
                results.append(measure(browser, base_url + path, name, rounds, progress))
        finally:
            browser.close()
    return figures(results)


def available() -> str | None:
    """Why these figures cannot be taken here, or None when they can."""
    from bench.chromium import CHROMIUM

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[e2e]')"
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (scripts/system-deps.sh e2e installs Debian's)"
    return None


def _rounds(values: list[float]) -> str:
    if len(values) == 1:
        return "one round"
    return f"median of {len(values)}, {min(values):.0f}–{max(values):.0f} ms"


def _ms(visits: list[Visit]) -> str:
    return f"{statistics.median(v.fcp_ms for v in visits):.0f} ms"


def _short(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + ("?" + parts.query if parts.query else "")


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys
    import tempfile
    from pathlib import Path

    from bench import pages
    from bench.database import fresh_database
    from bench.report import table
    from bench.server import Gunicorn, bench_env, flask

    parser = argparse.ArgumentParser(prog="python -m bench.firstpaint", description=__doc__)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="visits of each kind per page")
    args = parser.parse_args(argv)
    missing = available()
    if missing:
        print(f"cannot take these figures: {missing}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-paint-") as scratch:
        instance = Path(scratch) / "instance"
        with fresh_database(None, instance) as database_url:
            env = bench_env(instance, database_url)
            os.environ.update({k: env[k] for k in ("INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY")})
            flask(env, "db", "upgrade")
            flask(env, "seed-demo")
            from bench.wsgi import app

            paths = {"Home page": "/", **pages.page_paths(app)}
            with Gunicorn(env, workers=2) as server:
                figures = run(
                    server.base_url, paths, lambda m: print(m, file=sys.stderr), args.rounds
                )
            print(table(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
