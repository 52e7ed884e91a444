"""Forged hosts: nothing the server writes depends on the ``Host`` a request names.

The site has one public address (``PUBLIC_URL``) and may have an onion one (``ONION_URL``).
Requests for any other host answer 400 before a page, a PDF or a cache entry is built; every
absolute link in feeds, calendars, workbooks and certificates goes to the public address.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from icalendar import Calendar

from courses import documents
from courses import services as courses
from courses.models import Certificate, Course
from school import create_app, pagecache
from school.extensions import db
from tests import pdfs
from tests.webinars.test_services import make_webinar

PUBLIC = "http://localhost"
ONION = "http://abcdefgh.onion"
FORGED = [
    "evil.example",
    "evil.example:8080",
    "localhost.evil.example",
    "abcdefgh.onion.evil.example",
    "127.0.0.1",
    "[::1]",
    "xn--e1afmkfd.example",
    "localhost:5000@evil.example",
]


@pytest.fixture
def app_config(app_config):
    app_config["ONION_URL"] = ONION
    return app_config


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


def pdf_cache_files(app) -> list[Path]:
    return sorted(Path(app.config["PDF_CACHE_DIR"]).glob("**/*.pdf"))


@pytest.mark.parametrize("host", FORGED)
def test_a_forged_host_is_refused_before_any_page_is_built(app, client, host):
    for path in ("/", "/webinars/", "/webinars.ics", "/webinars/feed.atom", "/login"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, (path, host)
    assert len(pagecache.page_cache()) == 0


def test_a_forged_forwarded_host_is_refused_behind_the_proxy(make_app):
    client = make_app(PROXY_FIX=True).test_client()
    assert client.get("/privacy", headers={"X-Forwarded-Host": "localhost"}).status_code == 200
    forged = client.get("/privacy", headers={"X-Forwarded-Host": "evil.example"})
    assert forged.status_code == 400


def test_both_addresses_of_the_site_are_served(client):
    assert client.get("/privacy").status_code == 200
    assert client.get("/privacy", base_url=ONION).status_code == 200
    assert client.get("/privacy", base_url="http://localhost:8443").status_code == 200


def test_calendar_and_feed_are_the_same_bytes_on_every_address(app, client, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner, title="Права задержанного")
    for path in ("/webinars.ics", "/webinars/feed.atom", f"/webinars/{webinar.id}.ics"):
        clear = client.get(path)
        onion = client.get(path, base_url=ONION)
        assert clear.status_code == onion.status_code == 200, path
        assert clear.data == onion.data, path
        assert b"abcdefgh.onion" not in onion.data, path
    (event,) = Calendar.from_ical(client.get("/webinars.ics", base_url=ONION).data).walk("VEVENT")
    assert str(event["URL"]) == f"{PUBLIC}/webinars/{webinar.id}"
    assert str(event["UID"]) == f"webinar-{webinar.id}@localhost"


def test_links_on_paper_go_to_the_public_address(app, make_user):
    teacher = make_user("instructor", display_name="Анна Петрова")
    student = make_user("student")
    course = courses.create_course(teacher, title="Основы", slug="osnovy")
    module = courses.create_module(course, title="Модуль")
    courses.create_item(module, title="Урок", body="Текст")
    courses.set_published(course, True)
    course = db.session.get(Course, course.id)
    courses.complete_item(student, course.items()[0])
    certificate = db.session.scalar(db.select(Certificate))
    with app.test_request_context("/", base_url=ONION):
        workbook = documents.workbook_html(course)
        paper = documents.certificate_html(certificate)
    assert f"{PUBLIC}/courses/osnovy" in workbook and "onion" not in workbook
    assert f"{PUBLIC}/courses/certificates/{certificate.code}" in paper
    assert "onion" not in paper


@pytest.mark.slow
def test_every_address_shares_one_cached_workbook(app, client, make_user):
    teacher = make_user("instructor")
    course = courses.create_course(teacher, title="Основы", slug="osnovy")
    module = courses.create_module(course, title="Модуль")
    courses.create_item(module, title="Урок", body="Текст")
    courses.set_published(course, True)
    clear = pdfs.fetch(client, "/courses/osnovy/workbook.pdf")
    onion = pdfs.fetch(client, "/courses/osnovy/workbook.pdf", base_url=ONION)
    other_port = pdfs.fetch(
        client, "/courses/osnovy/workbook.pdf", base_url="http://localhost:8443"
    )
    assert clear.status_code == onion.status_code == other_port.status_code == 200
    assert clear.data == onion.data == other_port.data
    assert len(pdf_cache_files(app)) == 1
    for host in FORGED:
        assert (
            pdfs.fetch(client, "/courses/osnovy/workbook.pdf", headers={"Host": host}).status_code
            == 400
        )
    assert len(pdf_cache_files(app)) == 1


@pytest.mark.parametrize("url", ["", "localhost", "ftp://example.org", "http://", "http://x/?a=1"])
def test_a_public_address_that_is_not_one_stops_start_up(app_config, url):
    app_config["PUBLIC_URL"] = url
    with pytest.raises(ValueError):
        create_app(app_config)
