"""Being told without e-mail, with JavaScript off: a place from the waiting list seen on the
next visit, and a cancellation with its reason in the notifications, in the personal calendar
feed (reminders before, STATUS:CANCELLED after) and on the webinar's page (410)."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from tests.e2e.conftest import unique
from tests.e2e.helpers import (
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


def header_count(page) -> str | None:
    badge = page.locator("header a.notify-count")
    return squash(badge.locator("span[aria-hidden]").inner_text()) if badge.count() else None


def register_here(visitor, path: str) -> str:
    """Register for the webinar at ``path``; returns the registration panel's text."""
    visitor.goto(path)
    follow(visitor.page, "section.registration form[action$='/register'] button")
    return squash(visitor.page.inner_text("section.registration"))


def test_a_place_from_the_waiting_list_is_seen_on_the_next_visit(make_visitor):
    instructor = make_visitor(javascript=False)
    login(instructor, "instructor")
    title = unique("Одно место ")
    path = create_webinar(instructor, title, capacity=1)

    first, second = make_visitor(javascript=False), make_visitor(javascript=False)
    register(first)
    register(second)
    assert tr(LOCALE, "You are registered.") in register_here(first, path)
    waiting = register_here(second, path)
    assert tr(LOCALE, "You are number %(position)s on the waiting list.", position=1) in waiting
    assert header_count(second.page) is None

    # The first gives the place up; the second is not on the site meanwhile.
    first.goto(path)
    follow(first.page, "section.registration form[action$='/unregister'] button")

    second.goto("/")
    assert header_count(second.page) == "1"
    follow(second.page, "header a.notify-count")
    assert h1(second.page) == tr(LOCALE, "My notifications")
    listing = squash(second.page.inner_text("main"))
    assert f"На вебинаре «{title}» освободилось место" in listing
    assert header_count(second.page) is None  # read now
    follow(second.page, second.page.locator("main a", has_text=tr(LOCALE, "Open the page")))
    assert h1(second.page) == title
    assert tr(LOCALE, "You are registered.") in squash(
        second.page.inner_text("section.registration")
    )


def _feed(visitor, url: str) -> Calendar:
    response = visitor.context.request.get(url)
    assert response.status == 200
    return Calendar.from_ical(response.body())


def test_a_cancellation_with_its_reason_in_the_feed_and_on_a_410_page(make_visitor):
    instructor = make_visitor(javascript=False)
    login(instructor, "instructor")
    title = unique("Отменяемый вебинар ")
    path = create_webinar(instructor, title)

    student = make_visitor(javascript=False)
    register(student)
    register_here(student, path)
    student.goto("/webinars/mine")
    follow(student.page, "#calendar-feed form[action$='/mine/feed'] button")
    assert tr(LOCALE, "Your personal calendar address is ready. Subscribe to it in your "
              "calendar app.") in flashes(student.page)  # fmt: skip
    assert "Прежний адрес" not in flashes(student.page)
    feed_url = student.page.locator("#feed-url").input_value()
    webcal = student.page.locator("#calendar-feed a[href^='webcal:']").get_attribute("href")
    assert webcal == "webcal:" + feed_url.partition(":")[2]

    (event,) = [e for e in _feed(student, feed_url).walk("VEVENT") if str(e["SUMMARY"]) == title]
    assert str(event["STATUS"]) == "CONFIRMED"
    reminders = sorted(alarm.decoded("TRIGGER") for alarm in event.walk("VALARM"))
    assert reminders == [-timedelta(days=1), -timedelta(hours=1)]

    # The instructor cancels: the form wants a reason first.
    instructor.goto(path)
    follow(instructor.page, "a.button.danger[href$='/cancel']")
    follow(instructor.page, "form button.danger")
    assert instructor.page.locator(".field.has-error textarea#reason").count() == 1
    reason = "Ведущая заболела. Новую дату объявим на сайте."
    instructor.page.fill("#reason", reason)
    follow(instructor.page, "form button.danger")
    assert h1(instructor.page) == title
    assert reason in squash(instructor.page.inner_text("section.registration"))

    # The calendar app's next look: cancelled, with the reason, no reminders.
    (event,) = [e for e in _feed(student, feed_url).walk("VEVENT") if str(e["SUMMARY"]) == title]
    assert str(event["STATUS"]) == "CANCELLED"
    assert reason in str(event["DESCRIPTION"])
    assert event.walk("VALARM") == []

    # The student's next visit: a notification, and the webinar's page says what happened.
    student.goto("/")
    assert header_count(student.page) == "1"
    follow(student.page, "header a.notify-count")
    assert f"Вебинар «{title}» отменён." in squash(student.page.inner_text("main"))
    assert reason in squash(student.page.inner_text("main"))
    response = student.goto(path)
    assert response.status == 410
    assert h1(student.page) == title
    gone = squash(student.page.inner_text("main"))
    assert tr(LOCALE, "This webinar has been cancelled.") in gone and reason in gone
    # A webinar that never existed is still a plain 404.
    assert student.goto("/webinars/987654").status == 404
