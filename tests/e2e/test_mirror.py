"""The demo's offline mirror in Chromium, opened from file:// as a reader with a USB stick would.

With JavaScript off every page opens, every link leads to a file of the mirror, and no request
leaves the folder; axe finds no serious problem; with JavaScript on the optional search finds
an answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.e2e.conftest import PROJECT, axe_violations

# A sample of each kind of page, for axe (the rest are the same templates).
AXE_PAGES = [
    "index.html",
    "{lang}/index.html",
    "{lang}/finance/index.html",
    "{lang}/finance/questions/index.html",
    "{lang}/finance/search.html",
    "{lang}/webinars/index.html",
    "{lang}/courses/index.html",
]


@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> Path:
    instance = tmp_path_factory.mktemp("mirror-instance")
    env = {
        **os.environ,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'demo.sqlite3'}",
        "SECRET_KEY": "e2e secret key",
    }
    env.pop("REDIS_URL", None)
    root = instance / "mirror"
    for args in (["db", "upgrade"], ["seed-demo"], ["mirror", "build", str(root)]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "school", *args],
            env=env, cwd=PROJECT, capture_output=True, check=True,
        )  # fmt: skip
    return root


def _context(browser, root: Path, javascript: bool, requests: list[str]):
    context = browser.new_context(java_script_enabled=javascript)
    context.on("request", lambda request: requests.append(request.url))
    return context


def _outside(root: Path, requests: list[str]) -> list[str]:
    base = root.resolve()
    wrong = []
    for url in requests:
        parts = urlsplit(url)
        if parts.scheme != "file" or not Path(unquote(parts.path)).resolve().is_relative_to(base):
            wrong.append(url)
    return wrong


def test_every_page_opens_from_the_folder_without_javascript(browser, mirror):
    requests: list[str] = []
    context = _context(browser, mirror, False, requests)
    page = context.new_page()
    pages = sorted(mirror.rglob("*.html"))
    assert len(pages) > 100
    for path in pages:
        response = page.goto(path.as_uri())
        assert response is None or response.ok, path
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.scheme == "file":
                assert Path(unquote(parts.path)).is_file(), f"{path}: {href}"
            else:
                assert parts.scheme == "mailto", f"{path}: {href}"
        # The style sheet applied: the header is laid out as on the site.
        assert page.eval_on_selector("body", "b => getComputedStyle(b).margin") == "0px", path
    context.close()
    assert _outside(mirror, requests) == []


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_axe_finds_no_serious_problem(browser, mirror, lang):
    requests: list[str] = []
    context = _context(browser, mirror, True, requests)
    page = context.new_page()
    problems = {}
    for name in AXE_PAGES:
        path = mirror / name.format(lang=lang)
        page.goto(path.as_uri())
        found = axe_violations(page)
        if found:
            problems[name] = found
    context.close()
    assert problems == {}


def test_the_optional_search_finds_an_answer(browser, mirror):
    requests: list[str] = []
    context = _context(browser, mirror, True, requests)
    page = context.new_page()
    page.goto((mirror / "ru/finance/search.html").as_uri() + "?q=пенсия")
    results = page.locator("#mirror-results a")
    results.first.wait_for()
    assert results.count() >= 1
    results.first.click()
    page.wait_for_load_state()
    assert "/ru/finance/entries/" in page.url
    context.close()
    assert _outside(mirror, requests) == []
