"""Markdown that is cheap to write and ruinous to render (issue 12, finding 2).

Pages, calendars and the workbook built from such text answer (status checked, never time);
the forms refuse it with a message that names the limit. The time bounds are in ``bench/``.
"""

from __future__ import annotations

import logging

import pytest

from courses import services as courses
from courses.models import Item
from school import printing
from school.extensions import db
from tests import pdfs
from tests.webinars.test_services import make_webinar
from tests.webinars.test_views import form_values

EN = {"Accept-Language": "en"}
BRACKETS = "[" * 8000
DEEP_LIST = "".join("    " * level + "- пункт\n" for level in range(250))


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


@pytest.fixture
def teacher(login):
    return login("instructor", username="teacher", display_name="Анна Петрова")


def course_with(teacher, body: str):
    course = courses.create_course(teacher.user, title="Основы защиты", slug="osnovy")
    module = courses.create_module(course, title="Модуль", body=body)
    item = courses.create_item(module, title="Урок", body=body)
    courses.set_published(course, True)
    return item


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (BRACKETS, "The text has 8,000 square brackets «[»; the limit is 1,000."),
        (DEEP_LIST, "Lists and quotes are nested 250 levels deep; the limit is 10 levels."),
        ("*a" * 6000, "emphasis and code marks (*, _, `, ~); the limit is 5,000."),
    ],
    ids=["brackets", "nesting", "emphasis"],
)
def test_lesson_form_refuses_text_beyond_the_limits_and_names_the_limit(teacher, body, message):
    item = course_with(teacher, "Текст урока")
    response = teacher.post(
        f"/courses/osnovy/edit/items/{item.id}",
        data={"title": "Урок", "slug": item.slug, "body": body, "required": "y"},
        headers=EN,
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Item, item.id).body == "Текст урока"


def test_webinar_form_refuses_a_bracket_run_in_the_summary(login, make_user):
    owner = make_user("instructor", username="owner")
    webinar = make_webinar(owner)
    response = login(user=owner).post(
        f"/webinars/{webinar.id}/edit", data=form_values(webinar, summary=BRACKETS), headers=EN
    )
    assert response.status_code == 400
    assert "square brackets" in response.get_data(as_text=True)


@pytest.mark.parametrize("summary", [BRACKETS, DEEP_LIST], ids=["brackets", "nesting"])
def test_webinar_page_and_calendars_answer_with_a_stored_pathological_summary(
    client, make_user, summary
):
    webinar = make_webinar(make_user("instructor", username="owner"), summary=summary)
    for path in (f"/webinars/{webinar.id}", "/webinars.ics", "/webinars/feed.atom", "/webinars/"):
        assert client.get(path).status_code == 200, path


def test_lesson_page_with_a_stored_250_level_list_answers(client, teacher):
    item = course_with(teacher, DEEP_LIST)
    response = client.get(f"/courses/osnovy/items/{item.id}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("пункт") >= 250


def test_workbook_with_a_stored_200_level_list_is_printed(client, teacher):
    course_with(teacher, "".join("    " * level + "- пункт\n" for level in range(200)))
    response = pdfs.fetch(client, "/courses/osnovy/workbook.pdf")
    assert response.status_code == 200
    assert "пункт" in " ".join(pdfs.pdf_text(response.data))


def test_a_document_the_engine_cannot_print_gets_a_friendly_page(make_app):
    app = make_app()

    @app.get("/test-print-failure")
    def _print_failure():
        raise printing.PrintFailed("nested")

    response = app.test_client().get("/test-print-failure", headers=EN)
    assert response.status_code == 422
    assert "This document cannot be printed" in response.get_data(as_text=True)
