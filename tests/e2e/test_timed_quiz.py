"""A timed quiz: with JavaScript the countdown warns and submits at zero; without it the page
states the end time, and the server refuses answers sent after it."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.helpers import DEMO_COURSE, answer_quiz, flashes, follow, register, squash, tr

pytestmark = pytest.mark.live
LOCALE = "ru"
LIMIT = 10  # minutes


def _database(server) -> sqlite3.Connection:
    return sqlite3.connect(server.instance / "e2e.sqlite3")


@contextmanager
def timed_quiz(server):
    """The demo course's first quiz, with a time limit while the test runs."""
    with closing(_database(server)) as db, db:
        (quiz_id,) = db.execute("SELECT id FROM quizzes ORDER BY id LIMIT 1").fetchone()
        db.execute("UPDATE quizzes SET time_limit_minutes = ? WHERE id = ?", (LIMIT, quiz_id))
    try:
        yield quiz_id
    finally:
        with closing(_database(server)) as db, db:
            db.execute("UPDATE quizzes SET time_limit_minutes = NULL WHERE id = ?", (quiz_id,))


def start_attempt(visitor, quiz_id: int) -> int:
    page = visitor.page
    register(visitor, "timed")
    visitor.goto(f"/courses/{DEMO_COURSE}/")
    follow(page, "form[action$='/enrol'] button")
    visitor.goto(f"/quizzes/{quiz_id}/")
    follow(page, f"form[action='/quizzes/{quiz_id}/start'] button")
    found = re.search(r"/quizzes/attempts/(\d+)$", page.url)
    assert found, page.url
    return int(found.group(1))


def test_the_countdown_warns_and_submits_at_zero(make_visitor, server):
    visitor = make_visitor(javascript=True)
    page = visitor.page
    page.clock.install()
    with timed_quiz(server) as quiz_id:
        attempt_id = start_attempt(visitor, quiz_id)
        timer = page.locator("#quiz-timer")
        assert timer.is_visible()
        assert re.fullmatch(r"\d+:\d\d", page.inner_text(".quiz-timer-left")), page.inner_text(
            ".quiz-timer-left"
        )
        answer_quiz(page)

        page.clock.run_for((LIMIT - 5) * 60_000 + 2_000)
        alert = page.locator("#quiz-timer-alert")
        assert squash(alert.inner_text()).startswith("Осталось 5 минут")
        assert page.inner_text(".quiz-timer-left").startswith("4:")

        page.clock.run_for(4 * 60_000)
        assert squash(alert.inner_text()).startswith("Осталась 1 минута")

        with page.expect_navigation():
            page.clock.run_for(60_000)
        assert page.url.endswith(f"/quizzes/attempts/{attempt_id}"), page.url
        # Submitted by the script, in time: graded with every answer, all right.
        assert page.locator(".quiz-score").count() == 1
        assert page.locator("#quiz-timer").count() == 0
        assert tr(LOCALE, "Time was up. Your attempt was graded with the answers saved in time.") \
            not in flashes(page)  # fmt: skip
        assert page.locator(".quiz-result .badge-ok").count() == 1


def test_without_javascript_answers_after_the_end_are_refused(make_visitor, server):
    visitor = make_visitor(javascript=False)
    page = visitor.page
    with timed_quiz(server) as quiz_id:
        attempt_id = start_attempt(visitor, quiz_id)
        notice = squash(page.inner_text(".quiz-deadline"))
        assert "Время выйдет в" in notice and f"около {LIMIT} минут" in notice, notice
        assert not page.locator("#quiz-timer").is_visible()
        answer_quiz(page)
        # The time runs out while the student is still answering.
        ended = datetime.now(UTC) - timedelta(minutes=5)
        stamp = ended.replace(tzinfo=None).isoformat(sep=" ")
        with closing(_database(server)) as db, db:
            db.execute("UPDATE quiz_attempts SET deadline_at = ? WHERE id = ?", (stamp, attempt_id))
        follow(page, "button[formaction$='/submit']")
        assert page.url.endswith(f"/quizzes/attempts/{attempt_id}"), page.url
        assert tr(
            LOCALE, "Time was up. Your attempt was graded with the answers saved in time."
        ) in flashes(page)
        # Nothing was saved in time, so nothing counted.
        assert page.locator(".quiz-result .badge-ok").count() == 0
