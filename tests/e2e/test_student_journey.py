"""A student from sign-up to certificate: webinar, calendar file, course, lessons, quizzes."""

from __future__ import annotations

import re

import yaml
from icalendar import Calendar

from tests.e2e.conftest import PROJECT
from tests.e2e.helpers import (
    DEMO_COURSE,
    answer_quiz,
    download,
    fetch,
    flashes,
    follow,
    h1,
    pdf_reader,
    register,
    squash,
    tr,
)

LOCALE = "ru"


def demo_webinar() -> dict:
    """The first demo webinar that has a join link: the public calendar must not show it."""
    webinars = yaml.safe_load((PROJECT / "webinars/demo/webinars.yaml").read_text(encoding="utf-8"))
    return next(w for w in webinars if w.get("join_url") and w.get("capacity"))


def register_for_webinar(visitor) -> tuple[str, str | None]:
    """Find the demo webinar on the schedule and register; returns its title and join link."""
    page = visitor.page
    title = demo_webinar()["title"]
    visitor.goto("/webinars/")
    follow(page, page.locator(".webinar-card a", has_text=title))
    assert h1(page) == title
    follow(page, "section.registration form[action$='/register'] button")
    panel = squash(page.inner_text("section.registration"))
    registered = tr(LOCALE, "You are registered.") in panel
    waitlisted = re.search(
        re.escape(
            tr(LOCALE, "You are number %(position)s on the waiting list.", position="#")
        ).replace("\\#", r"\d+"),
        panel,
    )
    assert registered or waitlisted, panel
    assert page.locator("section.registration form[action$='/unregister']").count() == 1
    if registered:
        assert tr(LOCALE, "You are registered. The join link is on this page.") in flashes(page)
    join = page.locator("section.registration a.button[href^='http']")
    return title, join.get_attribute("href") if join.count() else None


def check_calendar_file(visitor, title: str, join_url: str | None) -> None:
    name, data = download(visitor, "section.registration a[href$='.ics']")
    assert name.endswith(".ics")
    text = data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
    events = Calendar.from_ical(data).walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["SUMMARY"]) == title
    assert events[0].get("DTSTART") is not None
    # The public file is for everyone: the join link is only on the page, for registered people.
    for secret in filter(None, [join_url, demo_webinar()["join_url"]]):
        assert secret not in text


def take_quiz(visitor, screenshots: bool = False) -> str:
    """On a quiz page: start, answer every question right, submit; returns the score line."""
    page = visitor.page
    assert "/quizzes/" in page.url
    follow(page, "form[action$='/start'] button[type=submit]")
    assert re.search(r"/quizzes/attempts/\d+$", page.url), page.url
    assert answer_quiz(page) >= 5
    if screenshots:
        visitor.screenshot("journey-quiz-answered")
    follow(page, "button[formaction$='/submit']")
    if screenshots:
        visitor.screenshot("journey-quiz-result")
    assert h1(page) == tr(LOCALE, "Your result")
    score = squash(page.inner_text(".quiz-score"))
    assert re.search(r"100\s*%", score), score
    assert page.locator(".quiz-result .badge-ok").count() == 1
    return score


def walk_the_course(visitor) -> list[str]:
    """From the first lesson to the end: mark every lesson done and pass every quiz."""
    page = visitor.page
    seen: list[str] = []
    quizzes = 0
    done_next = "#done form:has(input[name=then][value=next]) button"
    for _step in range(40):
        seen.append(h1(page))
        if "/quizzes/" in page.url:
            take_quiz(visitor, screenshots=quizzes == 0)
            quizzes += 1
            back = tr(LOCALE, "Back to the quiz")
            after = page.locator(".quiz-after a").filter(has_not_text=back)
            if not after.count():
                return seen
            follow(page, after)
        elif page.locator(done_next).count():
            follow(page, done_next)
        else:
            follow(page, "#done form[action$='/done'] button")
            if "/items/" not in page.url:
                return seen
    raise AssertionError(f"the course did not end: {seen}")


def test_student_from_sign_up_to_certificate(visitor):
    page = visitor.page
    username = register(visitor, "student")

    # Webinar: register, then take the calendar file.
    title, join_url = register_for_webinar(visitor)
    check_calendar_file(visitor, title, join_url)
    visitor.goto("/webinars/mine")
    assert page.locator("main", has_text=title).count() == 1

    # Course: from the catalogue, enrol.
    visitor.goto("/courses/")
    follow(page, f".course-list a[href='/courses/{DEMO_COURSE}/']")
    course_title = h1(page)
    follow(page, "form[action$='/enrol'] button")
    assert tr(LOCALE, "You are enrolled. Your progress will be saved.") in flashes(page)
    outline = [squash(t) for t in page.locator(".outline-item a").all_inner_texts()]
    assert len(outline) >= 10

    # Lessons: forward and back with the lesson links.
    follow(page, page.locator(".outline-item a").first)
    assert h1(page) == outline[0]
    follow(page, "nav.lesson-nav a[rel=next]")
    assert h1(page) == outline[1]
    follow(page, "nav.lesson-nav a[rel=prev]")
    assert h1(page) == outline[0]

    # Every lesson done, every quiz passed: the course is complete.
    seen = walk_the_course(visitor)
    assert seen == outline, seen
    visitor.goto(f"/courses/{DEMO_COURSE}/")
    assert page.locator(".outline-item .badge-ok").count() == len(outline)
    certificate = page.locator("#certificate a[href$='certificate.pdf']")
    assert certificate.count() == 1, squash(page.inner_text("main"))

    pdf = pdf_reader(fetch(visitor, certificate.get_attribute("href"), "application/pdf"))
    text = squash(" ".join(p.extract_text() for p in pdf.pages))
    assert course_title in text, text
    assert username in text, text

    # Anyone can check the certificate by its code.
    follow(page, "a[href^='/courses/certificates/']")
    assert course_title in squash(page.inner_text("main"))
