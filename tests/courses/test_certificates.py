"""Certificates: issue, the public verification page and the PDF."""

from __future__ import annotations

import logging
import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from courses import services
from courses.models import Certificate, Course, Item
from school.extensions import db
from tests import pdfs

EN = {"Accept-Language": "en"}
PT_FONTS = {
    f"{family}{style}"
    for family in ("PT-Serif", "PT-Sans")
    for style in ("", "-Bold", "-Italic", "-Bold-Italic")
}


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


def finish_course(user, *, slug="osnovy", title="Основы общественной защиты", teacher=None):
    course = services.create_course(teacher, title=title, slug=slug)
    module = services.create_module(course, title="Модуль")
    services.create_item(module, title="Единственный урок", body="Текст")
    services.set_published(course, True)
    course = db.session.get(Course, course.id)
    services.complete_item(user, course.items()[0])
    return db.session.scalar(db.select(Certificate).where(Certificate.user_id == user.id))


@pytest.fixture
def teacher(make_user):
    return make_user("instructor", display_name="Анна Петрова")


def test_certificate_freezes_name_course_and_instructors(app, login, teacher):
    student = login("student", display_name="Мария Иванова")
    certificate = finish_course(student.user, teacher=teacher)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", certificate.code)
    # Later changes do not alter what the certificate says.
    course = certificate.course
    services.update_course(course, title="Новое имя курса", slug="osnovy", summary="",
                           description="", language="ru")  # fmt: skip
    student.post("/account/", data={"display_name": "Другое имя", "locale": "ru",
                                    "timezone": "Europe/Moscow"})  # fmt: skip
    anonymous = app.test_client()
    page = anonymous.get(f"/courses/certificates/{certificate.code}", headers=EN).get_data(
        as_text=True
    )
    assert "Основы общественной защиты" in page and "Мария Иванова" in page
    assert "Анна Петрова" in page
    assert "Новое имя курса" not in page and "Другое имя" not in page


def test_verification_page_shows_nothing_else_about_the_student(client, login, teacher):
    student = login("student", username="secret_login", display_name="Мария")
    certificate = finish_course(student.user, teacher=teacher)
    response = client.get(f"/courses/certificates/{certificate.code}", headers=EN)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Certificate {certificate.code} is genuine" in text
    assert "Мария" in text and "Основы общественной защиты" in text
    assert "secret_login" not in text
    assert '<meta name="robots" content="noindex">' in text


def test_username_is_shown_when_there_is_no_display_name(client, login, teacher):
    student = login("student", username="vera_k", display_name=None)
    certificate = finish_course(student.user, teacher=teacher)
    assert certificate.name_shown == "vera_k"


def test_unknown_codes_are_not_found_and_typed_codes_are_normalised(client, login, teacher):
    certificate = finish_course(login("student").user, teacher=teacher)
    assert client.get("/courses/certificates/ABCD-EFGH-JKMN").status_code == 404
    assert client.get("/courses/certificates/not-a-code").status_code == 404
    typed = certificate.code.lower().replace("-", " ")
    response = client.get(f"/courses/certificates/{typed}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/courses/certificates/{certificate.code}")
    lookup = client.get(f"/courses/certificates/?code={typed}")
    assert lookup.headers["Location"].endswith(f"/courses/certificates/{certificate.code}")
    missing = client.get("/courses/certificates/?code=ABCD-EFGH-JKMN", headers=EN)
    assert missing.status_code == 404 and "No certificate has this code" in missing.get_data(
        as_text=True
    )
    assert client.get("/courses/certificates/").status_code == 200


def test_certificate_survives_the_course_being_deleted(client, login, teacher):
    certificate = finish_course(login("student").user, teacher=teacher)
    code = certificate.code
    services.delete_course(certificate.course)
    page = client.get(f"/courses/certificates/{code}").get_data(as_text=True)
    assert "Основы общественной защиты" in page


def test_certificate_pdf_is_only_for_its_owner(client, login, teacher):
    student = login("student")
    finish_course(student.user, teacher=teacher)
    assert pdfs.fetch(login("student"), "/courses/osnovy/certificate.pdf").status_code == 404
    assert pdfs.fetch(client, "/courses/osnovy/certificate.pdf").status_code == 302
    assert pdfs.fetch(login("instructor"), "/courses/osnovy/certificate.pdf").status_code == 404


def test_certificate_pdf(login, teacher):
    student = login("student", display_name="Мария Ивановна Щукина-Ёлкина")
    certificate = finish_course(student.user, teacher=teacher)
    response = pdfs.fetch(student, "/courses/osnovy/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "private" in response.headers["Cache-Control"]
    pdf = response.data
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    size_mm = (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72))
    assert size_mm == (297, 210)  # A4 landscape
    text = " ".join(pdfs.pdf_text(pdf))
    flat = " ".join(text.split())
    assert "Мария Ивановна Щукина-Ёлкина" in flat
    assert "«Основы общественной защиты»" in flat
    assert "Анна Петрова" in flat
    assert certificate.code in flat
    assert "Сертификат" in flat  # in the course's language
    assert f"/courses/certificates/{certificate.code}" in flat
    fonts = pdfs.pdf_fonts(pdf)
    assert fonts and {font.name for font in fonts} <= PT_FONTS
    assert all(font.embedded for font in fonts)
    assert reader.metadata.title == "Сертификат: Основы общественной защиты"
    assert reader.trailer["/Root"]["/Lang"] == "ru"
    # The same certificate is served from the cache, with its ETag.
    again = student.get(
        "/courses/osnovy/certificate.pdf", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_english_course_gives_an_english_certificate(login, teacher):
    student = login("student", display_name="Maria")
    finish_course(student.user, teacher=teacher, slug="basics", title="Basics")
    db.session.get(Course, services.course_by_slug("basics").id).language = "en"
    db.session.commit()
    certificate = db.session.scalar(db.select(Certificate))
    certificate.course_language = "en"
    db.session.commit()
    text = " ".join(pdfs.pdf_text(pdfs.fetch(student, "/courses/basics/certificate.pdf").data))
    assert "Certificate" in text and "for completing the course" in text


def test_no_certificate_before_completion(login, teacher):
    student = login("student")
    course = services.create_course(teacher, title="Курс", slug="kurs")
    module = services.create_module(course, title="М")
    services.create_item(module, title="А", body="")
    services.create_item(module, title="Б", body="")
    services.set_published(course, True)
    services.complete_item(student.user, db.session.get(Course, course.id).items()[0])
    assert pdfs.fetch(student, "/courses/kurs/certificate.pdf").status_code == 404
    assert db.session.scalar(db.select(db.func.count(Item.id))) == 2


def test_addresses_printed_before_the_move_still_verify(client, login, teacher):
    """Certificates on paper carry /certificates/CODE: it answers with the page it became."""
    certificate = finish_course(login("student").user, teacher=teacher)
    old = client.get(f"/certificates/{certificate.code}")
    assert old.status_code == 308
    assert old.headers["Location"].endswith(f"/courses/certificates/{certificate.code}")
    lookup = client.get("/certificates/?code=abcd")
    assert lookup.status_code == 308
    assert lookup.headers["Location"].endswith("/courses/certificates/?code=abcd")
    assert client.get(f"/certificates/{certificate.code}", follow_redirects=True).status_code == 200


def test_a_new_certificate_is_told_to_its_holder_once(login, teacher):
    from school.models import Notification

    student = login("student", locale="en")
    certificate = finish_course(student.user, teacher=teacher)
    course = db.session.get(Course, certificate.course_id)
    services.complete_item(student.user, course.items()[0])  # again: no second certificate
    db.session.rollback()
    rows = db.session.scalars(
        db.select(Notification).where(Notification.user_id == student.user.id)
    ).all()
    assert [(n.kind, n.data["title"]) for n in rows] == [
        ("certificate_issued", "Основы общественной защиты")
    ]
    page = student.get("/account/notifications", headers=EN).get_data(as_text=True)
    assert "your certificate is ready" in page and 'href="/courses/osnovy/"' in page
