"""axe-core on every main page, in Russian and in English, as each kind of user meets it.

One browser context per role and language walks through that role's pages; each page is checked
(no serious or critical violation, the page's language) and photographed into artifacts/. A few
pages are also photographed on a phone-sized screen with JavaScript off, where nothing may be
wider than the screen.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Visitor, axe_violations, clean_name
from tests.e2e.helpers import (
    DEMO_COURSE,
    answer_quiz,
    assert_fits_screen,
    create_course,
    follow,
    login,
    register,
    squash,
)

LOCALES = ["ru-RU", "en-US"]


class Tour:
    """Visits pages with one visitor and records what axe finds on each."""

    def __init__(self, visitor: Visitor, role: str, locale: str) -> None:
        self.visitor = visitor
        self.page = visitor.page
        self.role = role
        self.lang = locale[:2]
        self.problems: dict[str, list[str]] = {}

    def check(self, name: str) -> None:
        """Check the page that is open now."""
        page = self.page
        assert page.locator("html").get_attribute("lang") == self.lang, (name, page.url)
        assert page.locator("main h1").count() == 1, (name, page.url)
        violations = axe_violations(page)
        if violations:
            self.problems[f"{name} ({page.url})"] = violations
        # One picture of each page is enough: the Russian one, the site's first language.
        if self.lang == "ru":
            self.visitor.screenshot(f"{self.role}-{clean_name(name)}")

    def visit(self, name: str, path: str, status: int = 200) -> None:
        response = self.visitor.goto(path)
        assert response.status == status, (path, response.status)
        self.check(name)

    def go(self, path: str) -> None:
        """Open a page already checked, on the way to another."""
        self.visitor.goto(path)

    def link(self, name: str, selector: str) -> None:
        """Follow the first link matching ``selector`` on the open page, then check."""
        follow(self.page, selector)
        self.check(name)

    def assert_clean(self) -> None:
        report = "\n".join(f"{page}:\n  " + "\n  ".join(v) for page, v in self.problems.items())
        assert not self.problems, f"axe found problems ({self.role}, {self.lang}):\n{report}"


@pytest.fixture(scope="module")
def small_course(browser, server) -> Iterator[str]:
    """A published one-lesson course (by the demo instructor), quick to complete."""
    instructor = Visitor(browser, server, javascript=True)
    login(instructor, "instructor")
    slug = create_course(instructor, "Короткий курс о передачах", "Что можно передать", "Список.")
    foreign = instructor.foreign_requests()
    instructor.close()
    assert not foreign, foreign
    yield slug


@pytest.fixture(params=LOCALES, ids=["ru", "en"])
def locale(request) -> str:
    return request.param


def test_public_pages(make_visitor, locale):
    tour = Tour(make_visitor(javascript=True, locale=locale), "anonymous", locale)
    tour.visit("home", "/")
    tour.visit("webinars", "/webinars/")
    tour.link("webinar", ".webinar-card a")
    tour.visit("webinars-past", "/webinars/past")
    tour.visit("courses", "/courses/")
    tour.visit("course", f"/courses/{DEMO_COURSE}/")
    tour.link("lesson", ".outline-item a[href*='/items/']")
    tour.go(f"/courses/{DEMO_COURSE}/")
    tour.link("quiz", ".outline-item a[href^='/quizzes/']")
    tour.visit("finance", "/finance/")
    tour.link("finance-topic", "main a[href^='/finance/topics/']")
    tour.link("finance-entry", "main a[href^='/finance/entries/']")
    tour.visit("finance-search", "/finance/search?q=пенсия")
    tour.visit("finance-search-nothing", "/finance/search?q=zzzzqqq")
    tour.go("/finance/")
    tour.link("brochure", "main a[href^='/brochures/']")
    tour.visit("certificates", "/courses/certificates/")
    tour.visit("certificates-unknown", "/courses/certificates/?code=NOPE-NOPE", status=404)
    tour.visit("error-404", "/finance/entries/no-such-entry", status=404)
    tour.assert_clean()


def test_student_pages(make_visitor, locale, small_course):
    tour = Tour(make_visitor(javascript=True, locale=locale), "student", locale)
    page = tour.page
    register(tour.visitor, "axe")
    tour.visit("home", "/")
    tour.visit("settings", "/account/")

    tour.go("/webinars/")
    follow(page, ".webinar-card a")
    follow(page, "section.registration form[action$='/register'] button")
    tour.check("webinar-registered")
    tour.visit("webinars-mine", "/webinars/mine")

    tour.go(f"/courses/{DEMO_COURSE}/")
    follow(page, "form[action$='/enrol'] button")
    tour.check("course-enrolled")
    tour.link("lesson", ".outline-item a[href*='/items/']")
    tour.visit("courses-mine", "/courses/mine")

    # A quiz: its page, an attempt, the result with the answers explained.
    tour.go(f"/courses/{DEMO_COURSE}/")
    tour.link("quiz", ".outline-item a[href^='/quizzes/']")
    tour.link("quiz-attempt", "form[action$='/start'] button[type=submit]")
    answer_quiz(page)
    tour.link("quiz-result", "button[formaction$='/submit']")
    tour.link("quiz-after", ".quiz-after a")

    # A certificate, and its public verification page.
    tour.go(f"/courses/{small_course}/")
    follow(page, "form[action$='/enrol'] button")
    follow(page, ".outline-item a[href*='/items/']")
    follow(page, "#done form[action$='/done'] button")
    assert page.locator("#certificate").count() == 1, squash(page.inner_text("main"))
    tour.check("course-completed")
    tour.link("certificate", "#certificate + p a[href^='/courses/certificates/']")
    code = page.url.rsplit("/", 1)[-1]
    tour.visit("certificates", "/courses/certificates/")
    page.fill("main form input[name=code]", code)
    tour.link("certificate-found", "main form button[type=submit]")
    assert page.url.endswith(f"/courses/certificates/{code}")
    # The header's count of the certificate's notification, and the list of them.
    tour.visit("home-notified", "/")
    tour.visit("notifications", "/account/notifications")

    tour.visit("error-403", "/webinars/manage", status=403)
    tour.assert_clean()


def test_instructor_pages(make_visitor, locale):
    tour = Tour(make_visitor(javascript=True, locale=locale), "instructor", locale)
    page = tour.page
    login(tour.visitor, "instructor")
    tour.visit("webinars-manage", "/webinars/manage")
    tour.link("webinar", "main table a[href^='/webinars/']")
    tour.link("webinar-edit", "main a[href$='/edit']")
    tour.visit("webinar-new", "/webinars/new")
    # A form sent with mistakes shows its messages next to the fields.
    page.fill("#title", "")
    page.fill("#duration_minutes", "-5")
    follow(page, "form.webinar-form button[type=submit]")
    assert page.locator(".field.has-error").count() >= 2
    tour.check("webinar-new-errors")
    tour.go("/webinars/manage")
    tour.link("webinar-registrants", "main table td a[href$='/registrants']")

    tour.visit("courses-manage", "/courses/manage")
    tour.visit("course-outline", f"/courses/{DEMO_COURSE}/edit/")
    tour.link("course-item-edit", ".edit-items a[href*='/edit/items/']")
    tour.go(f"/courses/{DEMO_COURSE}/edit/")
    tour.link("course-settings", "main a[href$='/edit/settings']")
    tour.visit("course-new", "/courses/new")
    tour.go(f"/courses/{DEMO_COURSE}/")
    tour.link("quiz", ".outline-item a[href^='/quizzes/']")
    tour.link("quiz-questions", "nav.quiz-menu a[href$='/questions']")
    tour.link("quiz-settings", "nav.quiz-menu a[href$='/settings']")
    tour.link("quiz-results", "nav.quiz-menu a[href$='/results']")
    tour.link("quiz-statistics", "nav.quiz-menu a[href$='/statistics']")
    tour.assert_clean()


def test_staff_pages(make_visitor, locale):
    tour = Tour(make_visitor(javascript=True, locale=locale), "staff", locale)
    page = tour.page
    login(tour.visitor, "staff")
    tour.visit("entries", "/finance/manage/")
    tour.link("entry-manage", "main table a[href^='/finance/manage/entries/']")
    tour.link("entry-edit", "main a[href$='/edit']")
    page.fill("#short_answer", page.input_value("#short_answer") + f" ({locale})")
    follow(page, "form.form button[type=submit]")
    tour.check("entry-draft")
    tour.link("entry-compare", "main a[href*='/compare']")
    tour.visit("entries-overdue", "/finance/manage/overdue")
    tour.visit("topics", "/finance/manage/topics")
    tour.visit("brochures", "/brochures/manage/")
    tour.link("brochure-compose", "main table a[href^='/brochures/manage/']")
    tour.visit("entry-new", "/finance/manage/entries/new")
    tour.assert_clean()


def test_admin_pages(make_visitor, locale):
    tour = Tour(make_visitor(javascript=True, locale=locale), "admin", locale)
    login(tour.visitor, "admin")
    tour.visit("users", "/admin/users")
    tour.assert_clean()


PHONE_PAGES = ["/", "/webinars/", f"/courses/{DEMO_COURSE}/", "/finance/", "/courses/certificates/"]
# Pages reached by a link: (the page with the link, the link).
PHONE_LINKS = [
    ("/webinars/", ".webinar-card a"),
    (f"/courses/{DEMO_COURSE}/", ".outline-item a[href*='/items/'] >> nth=1"),
    ("/finance/", "main a[href^='/finance/entries/']"),
    ("/finance/", "main a[href^='/brochures/']"),
    ("/finance/search?q=пенсия", "ol.search-results a"),
]


def test_phone_pages_without_javascript(make_visitor):
    visitor = make_visitor(javascript=False)
    assert visitor.page.viewport_size["width"] == 390
    linked = []
    for path, selector in PHONE_LINKS:
        visitor.goto(path)
        linked.append(visitor.page.locator(selector).first.get_attribute("href"))
    for path in [*PHONE_PAGES, "/finance/search?q=пенсия", *linked]:
        visitor.goto(path)
        visitor.screenshot(f"phone-{clean_name(path)}")
        assert_fits_screen(visitor.page)
