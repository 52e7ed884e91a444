"""Real-browser tests: a real server on a fresh SQLite database, driven by Debian's Chromium.

The server is gunicorn started by the tests; the browser is launched from /usr/bin/chromium through
Playwright (no browser is ever downloaded). Every page load is recorded, and a test fails if the
browser asked any host but the server for anything.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.chromium import CHROMIUM, launch

ARTIFACTS = Path(__file__).parent / "artifacts"
PROJECT = Path(__file__).resolve().parents[2]

# `make e2e` sets E2E_REQUIRED: there a missing browser is a failure, not a skip.
if os.environ.get("E2E_REQUIRED"):
    import playwright.sync_api as playwright_api

    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}"
else:
    playwright_api = pytest.importorskip("playwright.sync_api", reason="`make e2e` installs it")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}; `make e2e` installs it", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, base_url: str, instance: Path, env: dict[str, str]) -> None:
        self.base_url = base_url
        self.instance = instance
        self.env = env

    def flask(self, *args: str, input: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "school", *args],
            env=self.env, cwd=PROJECT, input=input, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return result.stdout


@contextmanager
def running_server(
    instance: Path, settings: dict[str, str] | None = None, *, workers: int = 2, demo: bool = True
) -> Iterator[Server]:
    """gunicorn on a fresh, migrated SQLite database in ``instance``, with ``settings`` on top of
    generous limits (and the demo content unless ``demo`` is false)."""
    port = _free_port()
    env = {
        **os.environ,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'e2e.sqlite3'}",
        "SECRET_KEY": "e2e secret key",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "REGISTER_LIMITS": "1000 per hour",
        "LOGIN_LIMITS": "1000 per hour",
        "ACCOUNT_LIMITS": "1000 per hour",
        **(settings or {}),
    }
    env.pop("REDIS_URL", None)
    server = Server(f"http://127.0.0.1:{port}", instance, env)
    server.flask("db", "upgrade")
    if demo:
        server.flask("seed-demo")
    log = (instance / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "-", "school:create_app()"],
        env=env, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(server.base_url + "/privacy", timeout=2).read()  # noqa: S310
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((instance / "gunicorn.log").read_text()) from None
            time.sleep(0.2)
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """gunicorn with two workers on a fresh, migrated SQLite database holding the demo content."""
    with running_server(tmp_path_factory.mktemp("e2e-instance")) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One Chromium for the whole run.

    Other test folders reuse this fixture (tests/security imports it), which makes pytest hold a
    second copy of it; Playwright's sync API allows one instance per thread, so the copies share.
    """
    if not _shared:
        playwright = playwright_api.sync_playwright().start()
        _shared.update(
            playwright=playwright,
            browser=launch(playwright),
            users=0,
        )
    _shared["users"] += 1
    yield _shared["browser"]
    _shared["users"] -= 1
    if not _shared["users"]:
        _shared["browser"].close()
        _shared["playwright"].stop()
        _shared.clear()


_shared: dict = {}


class Visitor:
    """A browser context that records every request and refuses to leave the server."""

    def __init__(self, browser, server: Server, javascript: bool, locale: str = "ru-RU") -> None:
        self.server = server
        self.javascript = javascript
        self.requests: list[str] = []
        # Without JavaScript the visitor is on a phone-sized screen, with it on a desktop one.
        viewport = {"width": 1280, "height": 900} if javascript else {"width": 390, "height": 844}
        self.context = browser.new_context(
            java_script_enabled=javascript, locale=locale, accept_downloads=True, viewport=viewport
        )
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on(
            "dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss())
        )

    def goto(self, path: str):
        response = self.page.goto(self.server.base_url + path)
        assert response is not None and response.status < 500, (path, response and response.status)
        return response

    def foreign_requests(self) -> list[str]:
        own = urlsplit(self.server.base_url).netloc
        return [u for u in self.requests if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).netloc != own]  # fmt: skip

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        mode = "js" if self.javascript else "nojs"
        self.page.screenshot(path=str(ARTIFACTS / f"{name}-{mode}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def visitor(request, browser, server) -> Iterator[Visitor]:
    """A visitor with JavaScript on, then again with it off; no request may leave the server."""
    visitor = Visitor(browser, server, javascript=request.param)
    yield visitor
    foreign = visitor.foreign_requests()
    visitor.close()
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not visitor.dialogs, f"dialogs opened: {visitor.dialogs}"


@contextmanager
def visitors_of(browser, server: Server) -> Iterator:
    """A factory of visitors of ``server``; at the end none may have left it or seen a dialog."""
    visitors: list[Visitor] = []

    def factory(javascript: bool = True, locale: str = "ru-RU") -> Visitor:
        visitors.append(Visitor(browser, server, javascript, locale))
        return visitors[-1]

    yield factory
    for v in visitors:
        foreign = v.foreign_requests()
        v.close()
        assert not foreign, f"requests to other hosts: {foreign}"
        assert not v.dialogs, f"dialogs opened: {v.dialogs}"


@pytest.fixture
def make_visitor(browser, server) -> Iterator:
    with visitors_of(browser, server) as factory:
        yield factory


def unique(prefix: str) -> str:
    return f"{prefix}{int(time.time() * 1000) % 10_000_000}"


def axe_violations(page, minimum: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in minimum
    ]


def clean_name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
