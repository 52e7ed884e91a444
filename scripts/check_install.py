"""Run by scripts/check-install.sh with the fresh venv's Python, outside the checkout.

Serves the installed app with gunicorn and checks that it is a complete, Russian site: the home
page, every feature's pages and a Russian workbook PDF. Exits non-zero on the first failure.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

CHECKOUT = Path(sys.argv[1]).resolve()
PAGES = {
    "/": "Школа общественного защитника",
    "/webinars/": "Вебинары",
    "/courses/": "Курсы",
    "/courses/public-defender-basics/": "Урок",
    "/finance/": "Финансовая грамотность",
    "/finance/topics/housing": "",
    "/finance/search?q=пенсия": "",
    "/brochures/money-family-pension": "Деньги в заключении",
    "/login": "Войти",
    "/privacy": "",
}


def fail(message: str) -> None:
    print(f"check-install: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    import school

    installed = Path(school.__file__).resolve()
    if CHECKOUT in installed.parents:
        fail(f"school is imported from the checkout ({installed}), not from the install")
    site = installed.parent / "_site"
    for needed in ("templates/base.html", "static/css/site.css", "migrations/env.py"):
        if not (site / needed).is_file():
            fail(f"the wheel lacks {needed}")
    for package in ("school", "webinars", "courses", "quizzes", "finance", "brochures"):
        mo = installed.parent.parent / package / "translations/ru/LC_MESSAGES/messages.mo"
        if not mo.is_file():
            fail(f"the wheel lacks the compiled Russian catalog of {package}")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PUBLIC_URL": base}
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "school:create_app()"],
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/privacy", timeout=2).read()  # noqa: S310
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    fail("gunicorn did not start")
                time.sleep(0.3)
        for path, text in PAGES.items():
            page = fetch(base + urllib.parse.quote(path, safe="/?=&"))
            if 'lang="ru"' not in page:
                fail(f"{path} is not in Russian")
            if text and text not in page:
                fail(f"{path} does not say {text!r}")
        # Every lesson and quiz of the demo course, and every webinar.
        course = fetch(base + "/courses/public-defender-basics/")
        lessons = linked(course, r"/courses/public-defender-basics/items/\d+", "a lesson")
        quizzes = linked(course, r"/quizzes/item/\d+", "a quiz")
        webinars = linked(fetch(base + "/webinars/"), r"/webinars/\d+", "a webinar")
        for path in lessons + quizzes + webinars:
            if 'lang="ru"' not in fetch(base + path):
                fail(f"{path} is not in Russian")
        for path in quizzes:
            if "Вопросы" not in fetch(base + path):
                fail(f"{path} does not show a quiz")
        check_workbook(base)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = [str(path) for path in installed.parent.parent.glob("instance*")]
    if written:
        fail(f"the app wrote into site-packages: {written}")
    print(
        f"check-install: {len(PAGES)} pages, {len(lessons)} lessons, {len(quizzes)} quizzes, "
        f"{len(webinars)} webinars and a Russian workbook PDF from the installed wheel"
    )


def linked(page: str, pattern: str, what: str) -> list[str]:
    paths = list(dict.fromkeys(re.findall(f'href="({pattern})"', page)))
    if not paths:
        fail(f"no link to {what} ({pattern})")
    return paths


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        fail(f"{url} answered {error.code}")
        raise


def check_workbook(base: str) -> None:
    from pypdf import PdfReader

    url = base + "/courses/public-defender-basics/workbook.pdf"
    # The first request queues the build and gets the page that reloads itself (202).
    deadline = time.monotonic() + 300
    while True:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
            data, status = response.read(), response.status
        if status != 202:
            break
        if b'http-equiv="refresh"' not in data or time.monotonic() > deadline:
            fail("the workbook is neither sent nor being prepared")
        time.sleep(1)
    if not data.startswith(b"%PDF-"):
        fail("the workbook is not a PDF")
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages[:6])
    if "Содержание" not in text and "Оглавление" not in text:
        fail("the workbook has no Russian table of contents")


if __name__ == "__main__":
    main()
