"""What the journeys share: logging in, following links and buttons, texts in the page's language,
answering a quiz from its GIFT source, and reading downloaded files."""

from __future__ import annotations

import difflib
import io
import re
import time
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from babel.support import Translations

from tests.e2e.conftest import PROJECT, Visitor, unique

PASSWORD = "четыре случайных слова"
#: Milliseconds a PDF may take to be built by the server's job queue.
PREPARE_TIMEOUT = 180_000
DEMO_PASSWORDS = {
    "admin": "demo-admin-2026",
    "staff": "demo-staff-2026",
    "instructor": "demo-instructor-2026",
    "student": "demo-student-2026",
}
DEMO_COURSE = "public-defender-basics"
DEMO_COURSE_DIR = PROJECT / "courses" / "demo" / DEMO_COURSE
PACKAGES = ("school", "webinars", "courses", "quizzes", "finance", "brochures")


# --------------------------------------------------------------------------- texts


@cache
def _catalog(locale: str) -> Translations:
    merged = Translations()
    for package in PACKAGES:
        merged.merge(Translations.load(PROJECT / package / "translations", [locale]))
    return merged


def tr(locale: str, message: str, **values) -> str:
    """``message`` as the site shows it in ``locale`` ("ru" or "en"), read from the catalogs."""
    text = _catalog(locale).gettext(message) if locale != "en" else message
    return text % values if values else text


def squash(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- navigation


def follow(page, target) -> None:
    """Click a link or a submit button (a selector or a locator) and wait for the next page,
    which must fit the screen's width."""
    locator = page.locator(target) if isinstance(target, str) else target
    locator.first.click()
    page.wait_for_load_state()
    assert_fits_screen(page)


def assert_fits_screen(page) -> None:
    """Nothing is wider than the screen: on a phone a page scrolls only downwards.

    Wide tables scroll inside their own box (``.table-wrap``) and do not count.
    """
    width, screen = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= screen, f"{page.url} is {width}px wide on a {screen}px screen"


def log_out(visitor: Visitor) -> None:
    """Open the account menu in the header and log out (no JavaScript needed)."""
    visitor.page.click("header .account-menu summary")
    follow(visitor.page, "header form[action$='/logout'] button")


def login(visitor: Visitor, username: str, password: str | None = None) -> None:
    visitor.goto("/login")
    page = visitor.page
    page.fill("#username", username)
    page.fill("#password", password or DEMO_PASSWORDS[username])
    follow(page, "form.form button[type=submit]")
    assert "/login" not in page.url, f"{username} could not log in"


def register(visitor: Visitor, prefix: str = "student") -> str:
    """Create an account through the form; returns the username (logged in afterwards)."""
    username = unique(prefix)
    visitor.goto("/register")
    page = visitor.page
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    follow(page, "form.form button[type=submit]")
    assert "/register" not in page.url, squash(page.inner_text("main"))
    return username


def flashes(page) -> str:
    return squash(" ".join(page.locator(".flashes").all_inner_texts()))


def h1(page) -> str:
    return squash(page.locator("main h1").first.inner_text())


def absolute(visitor: Visitor, href: str) -> str:
    return href if href.startswith("http") else visitor.server.base_url + href


def fetch(visitor: Visitor, href: str, content_type: str) -> bytes:
    """GET a link with the browser's own cookies: for files the browser would show inline
    (PDFs open in Chromium's viewer, which gives a test no bytes). A file being prepared (202)
    is asked for again, as its page's refresh would."""
    deadline = time.monotonic() + PREPARE_TIMEOUT / 1000
    response = visitor.context.request.get(absolute(visitor, href))
    while response.status == 202 and time.monotonic() < deadline:
        time.sleep(0.5)
        response = visitor.context.request.get(absolute(visitor, href))
    assert response.status == 200, (href, response.status)
    assert response.headers["content-type"].startswith(content_type), response.headers
    return response.body()


def download(visitor: Visitor, target) -> tuple[str, bytes]:
    """Click a link that the server sends as an attachment; returns the file name and bytes.

    A file not built yet first shows the page that says so, which reloads itself (no
    JavaScript) until the file comes as the download."""
    page = visitor.page
    locator = page.locator(target) if isinstance(target, str) else target
    before = page.url
    with page.expect_download(timeout=PREPARE_TIMEOUT) as info:
        locator.first.click()
    download = info.value
    if page.url != before:  # the reader was shown the being-prepared page: back to the list
        page.goto(before)
    return download.suggested_filename, Path(download.path()).read_bytes()


def pdf_reader(data: bytes):
    from pypdf import PdfReader

    assert data.startswith(b"%PDF-"), data[:20]
    return PdfReader(io.BytesIO(data))


# --------------------------------------------------------------------------- webinars


def create_webinar(visitor, title: str, capacity: int = 25) -> str:
    """Fill the new-webinar form (as an instructor), save the draft and publish it; returns the
    page's path."""
    page = visitor.page
    visitor.goto("/webinars/manage")
    follow(page, "main a[href='/webinars/new']")
    page.fill("#title", title)
    page.fill("#summary", "Разберём, как **подготовиться** к суду.")
    page.fill("#presenters", "Анна Петрова (демо)")
    # Tomorrow, so it is the first on the schedule.
    page.fill("#start_date", (date.today() + timedelta(days=1)).isoformat())
    page.fill("#start_time", "18:30")
    page.fill("#duration_minutes", "60")
    page.select_option("#timezone", "Asia/Yekaterinburg")
    page.fill("#capacity", str(capacity))
    page.fill("#join_url", "https://meet.example.org/e2e-instructor")
    follow(page, "form.webinar-form button[type=submit]")
    assert h1(page) == title, squash(page.inner_text("main"))
    assert tr("ru", "The webinar has been saved as a draft. Publish it when it is ready.") in (
        flashes(page)
    )
    assert page.locator(".badge-warn").count() == 1  # a draft

    follow(page, "form[action$='/publish'] button")
    assert tr("ru", "The webinar is on the schedule now.") in flashes(page)
    assert page.locator(".badge-warn").count() == 0
    return page.url.removeprefix(visitor.server.base_url)


# --------------------------------------------------------------------------- quizzes


@cache
def demo_questions() -> tuple:
    """Every question of the demo course's quizzes, from their GIFT files."""
    from quizzes.gift import load_gift

    questions = []
    for path in sorted(DEMO_COURSE_DIR.glob("*/*.gift")):
        questions.extend(load_gift(path.read_text(encoding="utf-8")))
    return tuple(questions)


def _plain(markdown: str) -> str:
    return squash(re.sub(r"[*_`\\]", "", markdown))


def _best(text: str, candidates: list[str]) -> int:
    """Index of the candidate closest to ``text``; it must be clearly the same text."""
    scores = [difflib.SequenceMatcher(None, squash(text), _plain(c)).ratio() for c in candidates]
    best = max(range(len(scores)), key=scores.__getitem__)
    assert scores[best] > 0.8, f"no match for {text!r} in {candidates!r}"
    return best


def answer_quiz(page, questions=None) -> int:
    """Fill in the right answer to every question on an attempt page; returns how many.

    The right answers come from the GIFT source (``correct_response``); questions and choices
    are found on the page by their text, since the page shows them in a shuffled order.
    """
    from quizzes.grading import correct_response

    questions = list(questions or demo_questions())
    texts = [f"{q.text} _____ {q.text_after}" if q.text_after else q.text for q in questions]
    blocks = page.locator("fieldset.quiz-question").all()
    assert blocks, "no questions on the attempt page"
    for block in blocks:
        question = questions[_best(block.locator(".quiz-text").inner_text(), texts)]
        response = correct_response(question)
        kind = question.type
        if kind in ("single", "multiple"):
            labels = block.locator("label.check").all()
            shown = [label.inner_text() for label in labels]
            wanted = {response} if kind == "single" else set(response)
            for index in wanted:
                labels[_best(question.choices[index].text, shown)].locator("input").check()
        elif kind == "truefalse":
            block.locator(f"input[value={'true' if response else 'false'}]").check()
        elif kind in ("short", "numeric"):
            block.locator("input[type=text]").fill(str(response))
        elif kind == "matching":
            rows = block.locator("tbody tr").all()
            lefts = [row.locator("th").inner_text() for row in rows]
            for left, right in response.items():
                row = rows[_best(question.pairs[left].left, lefts)]
                row.locator("select").select_option(label=question.right_options[right])
        else:  # pragma: no cover - a new question type needs a line here
            raise AssertionError(f"unknown question type {kind}")
    return len(blocks)


# --------------------------------------------------------------------------- authoring


def create_course(visitor: Visitor, title: str, lesson: str, body: str) -> str:
    """As an instructor: a new course with one module and one lesson, published; its address."""
    page = visitor.page
    slug = unique("kurs-")
    visitor.goto("/courses/manage")
    follow(page, "main a[href='/courses/new']")
    page.fill("#title", title)
    page.fill("#slug", slug)
    page.fill("#summary", "Короткий курс для проверки.")
    page.select_option("#language", "ru")
    follow(page, "form.form button[type=submit]")
    assert page.url.endswith(f"/courses/{slug}/edit/"), page.url

    follow(page, f"main a[href='/courses/{slug}/edit/modules/new']")
    page.fill("#title", "Первый модуль")
    follow(page, "form.form button[type=submit]")

    follow(page, "main .add-links a[href$='kind=lesson']")
    page.fill("#title", lesson)
    page.fill("#body", body)
    follow(page, "form.form button[name=action][value=save]")
    assert page.locator(".edit-items .edit-title", has_text=lesson).count() == 1

    follow(page, "form[action$='/edit/publish'] button")
    assert page.locator("form[action$='/edit/publish'] input[name=published][value='0']").count()
    return slug
