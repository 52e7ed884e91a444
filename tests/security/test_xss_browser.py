"""Script injection in every field people write, checked in a real browser on the live server.

Each field gets its own marked payload (``XSS<n>`` then a template expression, a script, an
attribute breaker, an SVG handler, a Markdown ``javascript:`` link and a bare ``javascript:``
URL). Most content is written through the services into the live server's own database; the
display name, the quiz import (GIFT) and the search go through the pages. Then every page that
shows a field is opened with JavaScript on: no dialog may open, no injected element or
``javascript:`` link may exist, and the template expression must show as typed, never as 49.
"""

from __future__ import annotations

import re
import traceback
from contextlib import contextmanager
from datetime import date, time, timedelta
from itertools import count
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.live

PASSWORD = "hostile sweep password 2026"
ADMIN = ("admin", "demo-admin-2026")

# Elements and attributes no page of the site has: any of them means text became markup.
INJECTED = ", ".join(
    [
        "script:not([src])",
        "img[onerror]",
        "svg[onload]",
        "[onerror]",
        "[onload]",
        "[onclick]",
        "[onmouseover]",
        "[onfocus]",
        "iframe",
        "object",
        "embed",
        "a[href^='javascript' i]",
        "[src^='javascript' i]",
        "a[href^='data:' i]",
        # Images only from this site (an <img> left without its address is harmless).
        "img[src]:not([src^='/'])",
        "img[src^='//']",
        "img[src*='\\\\']",
    ]
)

_numbers = count(1)
# Every payload made (its mark and the line that made it), every mark seen on a page, and the
# sweeps that ran: each field must have been shown somewhere, or it was not checked.
CREATED: dict[str, str] = {}
SEEN: set[str] = set()
SWEPT: set[str] = set()


def payload(short: bool = False) -> str:
    """A new marked payload; ``short`` for fields of at most 100 characters."""
    n = next(_numbers)
    CREATED[f"XSS{n}"] = (traceback.extract_stack(limit=2)[0].line or "").strip()
    if short:
        return f'XSS{n} {{{{7*7}}}} "><img src=x onerror=alert({n})><svg onload=alert({n})>'
    return (
        f'XSS{n} {{{{7*7}}}} <script>alert({n})</script> "><img src=x onerror=alert({n})> '
        f"<svg onload=alert({n})> [link{n}](javascript:alert({n})) javascript:alert({n})"
    )


@contextmanager
def server_app(server):
    """The app, in this process, on the live server's database and instance folder."""
    from school import create_app

    with pytest.MonkeyPatch.context() as patch:
        for name in ("INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY"):
            patch.setenv(name, server.env[name])
        app = create_app()
    with app.app_context():
        yield app


def _gift() -> str:
    """Questions whose every text is a payload, in Markdown and in GIFT's [html] format."""
    from quizzes.gift import escape

    def p() -> str:
        return escape(payload())

    return (
        f"$CATEGORY: {escape(payload(short=True))}\n\n"
        f"::{p()}::{p()} {{\n\t={p()}#{p()}\n\t~{p()}#{p()}\n\t####{p()}\n}}\n\n"
        f"::{p()}::[html]{p()} {{T#{p()}#{p()}}}\n\n"
        f"::{p()}::{p()} {{\n\t={p()} -> {p()}\n\t={p()} -> {p()}\n\t={p()} -> {p()}\n}}\n\n"
        f"::{p()}::{p()} {{\n\t=%100%{p()}#{p()}\n\t=%50%{p()}#{p()}\n}}\n"
    )


@pytest.fixture(scope="module")
def hostile(server):
    """Everything users write, written with payloads; returns the addresses to visit."""
    from brochures import services as brochures_services
    from courses import services as courses
    from courses.models import Certificate
    from finance import services as finance
    from quizzes import services as quizzes
    from school.extensions import db
    from school.services import register_user
    from school.timeutil import now_utc
    from webinars import services as webinars

    suffix = next(_numbers) * 1000 + int(now_utc().timestamp()) % 1000
    names = {role: f"xss_{role}_{suffix}" for role in ("student", "instructor", "staff")}
    with server_app(server):
        users = {
            role: register_user(
                name, PASSWORD, role=role, display_name=payload(short=True), commit=True
            )
            for role, name in names.items()
        }
        teacher, student, staff = users["instructor"], users["student"], users["staff"]
        webinar = webinars.create_webinar(
            teacher,
            webinars.WebinarData(
                title=payload(),
                start_date=(now_utc() + timedelta(days=20)).date(),
                start_time=time(18, 0),
                timezone="Europe/Moscow",
                duration_minutes=60,
                summary=payload(),
                presenters=f"{payload()}\n{payload()}",
                series=payload(),
                materials=payload(),
                join_url="https://meet.example.org/xss",
            ),
            status="published",
        )
        webinars.register(student, webinar.id)

        course = courses.create_course(
            teacher,
            title=payload(),
            slug=f"xss-{suffix}",
            summary=payload(),
            description=payload(),
        )
        module = courses.create_module(course, title=payload(), body=payload())
        lesson = courses.create_item(module, title=payload(), body=payload())
        quiz_item = courses.create_item(
            module, kind="quiz", title=payload(), body=payload(), required=False
        )
        quiz = quizzes.quiz_for_item(quiz_item)
        quizzes.import_gift(quiz, _gift())
        courses.set_published(course, True)
        courses.enrol(student, course)
        courses.mark_done(student, lesson)
        attempt = quizzes.start_attempt(quiz, student)
        quizzes.submit_attempt(attempt, {})
        certificate = db.session.scalar(
            db.select(Certificate).where(Certificate.user_id == student.id)
        )
        question = quiz.questions[0]

        topic = finance.create_topic(payload(), f"xss-{suffix}", description=payload())
        entry = finance.create_entry(
            staff,
            finance.EntryInput(
                slug=f"xss-{suffix}",
                question=payload(),
                topic_ids=[topic.id],
                short_answer=payload(),
                full_answer=payload(),
                legal_references=[payload(), payload()],
                note=payload(short=True),
            ),
        )
        finance.submit_for_review(staff, entry.open_revision)
        reviewer = register_user(f"xss_reviewer_{suffix}", PASSWORD, role="staff", commit=True)
        finance.approve(reviewer, entry.open_revision, date(2025, 3, 1))
        finance.save_entry(
            staff,
            entry,
            finance.EntryInput(
                slug=entry.slug,
                question=payload(),
                topic_ids=[topic.id],
                short_answer=payload(),
                full_answer=payload(),
                legal_references=[payload()],
                note=payload(short=True),
            ),
        )
        brochure = brochures_services.create_brochure(
            staff,
            brochures_services.BrochureInput(
                kind="brochure",
                slug=f"xss-{suffix}",
                title=payload(),
                subtitle=payload(),
                introduction=payload(),
            ),
        )
        brochures_services.rename_section(brochure.sections[0], payload())
        brochures_services.add_item(brochure.sections[0], entry)
        # The edition's label replaces the brochure's own.
        brochures_services.publish_edition(staff, brochure, payload(short=True))
        return {
            "names": names,
            "webinar": webinar.id,
            "course": course.slug,
            "module": module.id,
            "lesson": lesson.id,
            "quiz": quiz.id,
            "question": question.id,
            "attempt": attempt.id,
            "certificate": certificate.code,
            "topic": topic.slug,
            "topic_id": topic.id,
            "entry": entry.slug,
            "entry_id": entry.id,
            "brochure": brochure.slug,
            "brochure_id": brochure.id,
        }


def log_in(visitor, username: str, password: str = PASSWORD) -> None:
    visitor.goto("/login")
    visitor.page.fill("#username", username)
    visitor.page.fill("#password", password)
    visitor.page.click("form.form button[type=submit]")
    visitor.page.wait_for_load_state()
    assert "/login" not in visitor.page.url, f"could not log in as {username}"


def problems(visitor, path: str) -> list[str]:
    """What is wrong with the page now open in ``visitor`` (``path`` for the messages)."""
    page = visitor.page
    found = []
    if visitor.dialogs:
        found.append(f"{path}: dialogs {visitor.dialogs}")
        visitor.dialogs.clear()
    for element in page.query_selector_all(INJECTED):
        found.append(f"{path}: injected {element.evaluate('e => e.outerHTML')[:120]}")
    html = page.content()
    text = page.inner_text("body")
    marks = set(re.findall(r"XSS\d+", html))
    SEEN.update(marks)
    if not marks:
        found.append(f"{path}: no payload is shown, so nothing was checked")
    for source in (html, text):
        for mark in marks:
            if re.search(rf"{mark}\s*49\b", source):
                found.append(f"{path}: the template expression after {mark} was evaluated")
    if marks and not re.search(r"XSS\d+\s*\{\{7\*7\}\}", html):
        found.append(f"{path}: no template expression shows as typed")
    return found


def sweep(visitor, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        visitor.goto(path)
        found.extend(problems(visitor, path))
    return found


def test_readers_pages(make_visitor, hostile):
    SWEPT.add("readers")
    h = hostile
    visitor = make_visitor(javascript=True)
    search = payload()
    found = sweep(
        visitor,
        [
            "/webinars/",
            f"/webinars/{h['webinar']}",
            "/courses/",
            f"/courses/{h['course']}/",
            f"/courses/{h['course']}/items/{h['lesson']}",
            f"/quizzes/{h['quiz']}/",
            f"/certificates/{h['certificate']}",
            "/finance/",
            f"/finance/topics/{h['topic']}",
            f"/finance/entries/{h['entry']}",
            f"/brochures/{h['brochure']}",
            f"/finance/search?q={quote(search)}",
            f"/certificates/?code={quote(payload(short=True))}",
            f"/login?next={quote(payload())}",
        ],
    )
    # The search box, used as a person would: the query comes back in the page.
    visitor.goto("/finance/")
    visitor.page.fill("#q", f"{hostile['entry'].split('-')[0]} {payload()}")
    visitor.page.press("#q", "Enter")
    visitor.page.wait_for_load_state()
    found.extend(problems(visitor, "search form"))
    assert not found, "\n".join(found)


def test_students_pages(make_visitor, hostile):
    SWEPT.add("students")
    h = hostile
    visitor = make_visitor(javascript=True)
    log_in(visitor, h["names"]["student"])
    # The display name, through the settings page.
    visitor.goto("/account/")
    visitor.page.fill("#display_name", payload(short=True))
    visitor.page.click("section[aria-labelledby=prefs-heading] button[type=submit]")
    visitor.page.wait_for_load_state()
    found = problems(visitor, "/account/ (saved)")
    found += sweep(
        visitor,
        [
            "/",
            "/account/",
            "/webinars/mine",
            f"/webinars/{h['webinar']}",
            "/courses/mine",
            f"/courses/{h['course']}/",
            f"/quizzes/attempts/{h['attempt']}",
        ],
    )
    assert not found, "\n".join(found)


def test_instructors_pages(make_visitor, hostile):
    SWEPT.add("instructors")
    h = hostile
    visitor = make_visitor(javascript=True)
    log_in(visitor, h["names"]["instructor"])
    course = f"/courses/{h['course']}"
    quiz = f"/quizzes/{h['quiz']}"
    found = sweep(
        visitor,
        [
            "/webinars/manage",
            f"/webinars/{h['webinar']}/edit",
            f"/webinars/{h['webinar']}/registrants",
            "/courses/manage",
            f"{course}/edit/",
            f"{course}/edit/settings",
            f"{course}/edit/instructors",
            f"{course}/edit/modules/{h['module']}",
            f"{course}/edit/items/{h['lesson']}",
            f"{course}/edit/items/{h['lesson']}/preview",
            f"{quiz}/questions",
            f"{quiz}/questions/{h['question']}",
            f"{quiz}/settings",
            f"{quiz}/results",
            f"{quiz}/statistics",
        ],
    )
    # A GIFT import through the page: the preview, then the saved questions.
    visitor.goto(f"{quiz}/import")
    visitor.page.fill("#text", _gift())
    visitor.page.click("form.form button[type=submit]")
    visitor.page.wait_for_load_state()
    found += problems(visitor, "GIFT import preview")
    visitor.page.click("form.form button[type=submit]")
    visitor.page.wait_for_load_state()
    assert visitor.page.url.endswith(f"{quiz}/questions"), visitor.page.url
    found += problems(visitor, "questions after the GIFT import")
    # A lesson body typed into the form and previewed before saving.
    visitor.goto(f"{course}/edit/items/{h['lesson']}")
    visitor.page.fill("#body", payload())
    visitor.page.click("button[name=action][value=preview]")
    visitor.page.wait_for_load_state()
    found += problems(visitor, "lesson preview in the form")
    assert not found, "\n".join(found)


def test_staff_pages(make_visitor, hostile):
    SWEPT.add("staff")
    h = hostile
    visitor = make_visitor(javascript=True)
    log_in(visitor, h["names"]["staff"])
    entry = f"/finance/manage/entries/{h['entry_id']}"
    found = sweep(
        visitor,
        [
            "/finance/manage/",
            f"/finance/manage/?q={quote(payload())}",
            entry,
            f"{entry}/edit",
            f"{entry}/revisions/1",
            f"{entry}/revisions/2",
            f"{entry}/compare",
            "/finance/manage/topics",
            f"/finance/manage/topics/{h['topic_id']}",
            "/brochures/manage/",
            f"/brochures/manage/{h['brochure_id']}",
            f"/brochures/manage/{h['brochure_id']}/edit",
        ],
    )
    assert not found, "\n".join(found)


def test_admins_pages(make_visitor, hostile):
    SWEPT.add("admins")
    visitor = make_visitor(javascript=True)
    log_in(visitor, *ADMIN)
    found = sweep(
        visitor,
        [
            f"/admin/users?q={quote('xss_')}",
            f"/admin/users?q={quote(payload(short=True))}",
        ],
    )
    assert not found, "\n".join(found)


def test_the_checks_catch_an_injection(make_visitor):
    # The sweeps mean something only if these checks fail on a page where text became markup.
    visitor = make_visitor(javascript=True)
    visitor.page.set_content(
        '<p>XSS0 49</p><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">x</a>'
    )
    visitor.page.wait_for_timeout(200)
    found = " ".join(problems(visitor, "test page"))
    assert "dialogs" in found and "injected <img" in found and "injected <a" in found
    assert "evaluated" in found and "as typed" in found


def test_every_field_was_shown_somewhere():
    if {"readers", "students", "instructors", "staff", "admins"} != SWEPT:
        pytest.skip("runs after all the sweeps above")
    unseen = {mark: line for mark, line in CREATED.items() if mark not in SEEN}
    assert not unseen, f"payloads no page showed, so never checked: {unseen}"
