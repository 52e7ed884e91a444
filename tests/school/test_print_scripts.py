"""Names in every script print whole: certificates, a brochure and a workbook read back.

Two checks for each document: every character has a glyph in the fonts embedded in the PDF
(read with fontTools), and only bundled fonts are embedded; and the text extracts back to
exactly what was written (Hebrew and Arabic in logical order).
"""

from __future__ import annotations

import logging
import unicodedata
from io import BytesIO

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from brochures import services as brochure_services
from courses import documents, services
from courses.models import Certificate, Course
from school import printing
from school.extensions import db
from tests import pdfs
from tests.finance import factories as f

pytestmark = pytest.mark.slow

NAMES = {
    "Azerbaijani": "Şəhriyar Məmmədov",
    "Vietnamese": "Nguyễn Thị Hồng Nhung",
    "Turkish": "İsmail Işık Çağlayan Gülşen",
    "Kazakh": "Әсел Қожахметова Ұлжан Өтеғалиева",
    "Tatar": "Гөлчәчәк Җиһаншина",
    "Bashkir": "Ҡаһым Ҙәкиев Ҫолтанов",
    "Greek": "Γιώργος Παπαδόπουλος",
    "Armenian": "Արամ Սարգսյան",
    "Georgian": "გიორგი ბერიძე",
    "Hebrew": "דוד כהן",
    "Arabic": "محمد عبد الله",
    "Chinese": "王小明",
    "Japanese": "山田 はなこ",
    "Korean": "김민준",
}


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


def _embedded_cmaps(pdf: bytes) -> dict[str, set[str]]:
    """Characters each embedded font draws, by its name (from ToUnicode and the font file)."""
    reader = PdfReader(BytesIO(pdf))
    found: dict[str, set[str]] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            name = str(font["/BaseFont"])[1:].partition("+")[2]
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"]
            stream = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            data = stream.get_object().get_data()
            if "/FontFile3" in descriptor and data[:4] != b"OTTO":
                glyphs = None  # bare CFF: glyph count checked through ToUnicode only
            else:
                glyphs = TTFont(BytesIO(data)).getGlyphOrder()
            to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            chars = found.setdefault(name, set())
            for cid, text in _bf_chars(to_unicode):
                if glyphs is None or cid < len(glyphs):
                    chars.update(text)
    return found


def _bf_chars(cmap: str):
    import re

    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for cid, hex_text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            yield int(cid, 16), bytes.fromhex(hex_text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for start, end, first in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            for offset in range(int(end, 16) - int(start, 16) + 1):
                yield (
                    int(start, 16) + offset,
                    chr(ord(bytes.fromhex(first).decode("utf-16-be")) + offset),
                )


def check_fonts(pdf: bytes) -> None:
    """Every letter of every name has a glyph in an embedded font; only bundled fonts."""
    fonts = pdfs.pdf_fonts(pdf)
    assert {font.name for font in fonts} <= pdfs.bundled_font_names()
    assert all(font.embedded and font.subset for font in fonts)
    drawn = set().union(*_embedded_cmaps(pdf).values())
    letters = {c for name in NAMES.values() for c in name if not c.isspace()}
    assert letters <= drawn, sorted(letters - drawn)
    assert not printing.missing_characters(NAMES.items())


RTL = {"Hebrew", "Arabic"}


def found_as_written(script: str, name: str, text: str) -> bool:
    """Left-to-right names exactly; Hebrew and Arabic in logical order, letters compared
    after NFKC (Arabic may come back as its presentation forms)."""
    if script in RTL:
        return name in unicodedata.normalize("NFKC", text)
    return name in text


def check_text(pdf: bytes) -> None:
    """Left-to-right names come back exactly; Hebrew and Arabic in logical order."""
    text = "\n".join(" ".join(line.split()) for page in pdfs.pdf_text(pdf)
                     for line in page.splitlines())  # fmt: skip
    for script, name in NAMES.items():
        assert found_as_written(script, name, text), (script, name)


# --------------------------------------------------------------------------- documents


def _finish(student, teacher, slug: str) -> Certificate:
    course = services.create_course(teacher, title="Основы защиты", slug=slug)
    module = services.create_module(course, title="Модуль")
    services.create_item(module, title="Урок", body="Текст")
    services.set_published(course, True)
    course = db.session.get(Course, course.id)
    services.complete_item(student, course.items()[0])
    return db.session.scalar(db.select(Certificate).where(Certificate.user_id == student.id))


def test_certificates_print_every_name_whole(app, make_user):
    teacher = make_user("instructor", display_name="Анна Петрова")
    for index, (script, name) in enumerate(NAMES.items()):
        student = make_user("student", username=f"student{index}", display_name=name)
        certificate = _finish(student, teacher, f"kurs-{index}")
        with app.test_request_context():
            html = documents.certificate_html(certificate)
            metadata = documents.certificate_metadata(certificate)
        pdf = printing.render_pdf(html, metadata)
        fonts = {font.name for font in pdfs.pdf_fonts(pdf)}
        assert fonts <= pdfs.bundled_font_names(), script
        drawn = set().union(*_embedded_cmaps(pdf).values())
        assert {c for c in name if not c.isspace()} <= drawn, script
        text = " ".join(" ".join(pdfs.pdf_text(pdf)).split())
        assert found_as_written(script, name, text), (script, text)


def _names_markdown() -> str:
    return "\n".join(f"- {name}" for name in NAMES.values())


def test_a_brochure_prints_every_name_and_arrow_whole(make_user):
    staff = make_user("staff", username="editor")
    entry = f.entry(
        staff, "names", "Как писать имена?",
        full_answer=f"Имена в заявлении → как в паспорте:\n\n{_names_markdown()}",
    )  # fmt: skip
    booklet = f.brochure(staff, {"Имена": [entry]})
    pdf = brochure_services.build(booklet, "a4").read()
    check_fonts(pdf)
    check_text(pdf)
    assert "Имена в заявлении → как в паспорте:" in " ".join(" ".join(pdfs.pdf_text(pdf)).split())


def test_a_workbook_prints_every_name_whole(client, make_user):
    teacher = make_user("instructor", display_name="Şəhriyar Məmmədov")
    course = services.create_course(teacher, title="Имена", slug="imena", summary="Имена.")
    module = services.create_module(course, title="Модуль")
    services.create_item(module, title="Урок", body=f"Имена:\n\n{_names_markdown()}")
    services.set_published(course, True)
    response = pdfs.fetch(client, "/courses/imena/workbook.pdf")
    assert response.status_code == 200
    check_fonts(response.data)
    check_text(response.data)
