"""An instructor puts a webinar on the schedule and a lesson online; a student finds both."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.conftest import unique
from tests.e2e.helpers import create_course, flashes, follow, h1, login, register, squash, tr

LOCALE = "ru"


def create_webinar(visitor, title: str) -> str:
    """Fill the new-webinar form, save the draft and publish it; returns the page's path."""
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
    page.fill("#capacity", "25")
    page.fill("#join_url", "https://meet.example.org/e2e-instructor")
    follow(page, "form.webinar-form button[type=submit]")
    assert h1(page) == title, squash(page.inner_text("main"))
    assert tr(LOCALE, "The webinar has been saved as a draft. Publish it when it is ready.") in (
        flashes(page)
    )
    assert page.locator(".badge-warn").count() == 1  # a draft

    follow(page, "form[action$='/publish'] button")
    assert tr(LOCALE, "The webinar is on the schedule now.") in flashes(page)
    assert page.locator(".badge-warn").count() == 0
    return page.url.removeprefix(visitor.server.base_url)


def test_instructor_publishes_webinar_and_lesson(visitor, make_visitor):
    page = visitor.page
    login(visitor, "instructor")

    webinar_title = unique("Как подготовиться к суду ")
    webinar_path = create_webinar(visitor, webinar_title)

    course_title = unique("Жалобы из СИЗО ")
    lesson_title = "Куда писать жалобу"
    lesson_text = "Жалобу на условия содержания можно направить прокурору."
    slug = create_course(visitor, course_title, lesson_title, lesson_text)
    assert tr(LOCALE, "The course is published: everyone can see it in the catalogue.") in (
        flashes(page)
    )

    # A student (with the same browser settings) sees both.
    student = make_visitor(javascript=visitor.javascript)
    register(student, "reader")
    spage = student.page
    student.goto("/webinars/")
    card = spage.locator(".webinar-card a", has_text=webinar_title)
    assert card.count() == 1
    assert card.get_attribute("href") == webinar_path
    follow(spage, card)
    assert h1(spage) == webinar_title
    # In the webinar's own zone, and in the viewer's (Moscow, two hours behind).
    assert "18:30" in squash(spage.inner_text(".when-box p.when >> nth=0"))
    assert "UTC+5" in squash(spage.inner_text(".when-box p.when >> nth=0"))
    assert "16:30" in squash(spage.inner_text(".when-box p.when-viewer"))
    assert spage.locator("section.registration form[action$='/register']").count() == 1

    student.goto("/courses/")
    follow(spage, spage.locator(".course-list a", has_text=course_title))
    assert h1(spage) == course_title
    follow(spage, spage.locator(".outline-item a", has_text=lesson_title))
    assert h1(spage) == lesson_title
    assert lesson_text in spage.inner_text("article.lesson").replace("\xa0", " ")
    assert spage.url.startswith(f"{student.server.base_url}/courses/{slug}/items/")
