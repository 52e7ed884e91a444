"""An instructor puts a webinar on the schedule and a lesson online; a student finds both."""

from __future__ import annotations

from tests.e2e.conftest import unique
from tests.e2e.helpers import (
    create_course,
    create_webinar,
    flashes,
    follow,
    h1,
    login,
    register,
    squash,
    tr,
)

LOCALE = "ru"


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
