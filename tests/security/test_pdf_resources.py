"""Printed documents never pull a resource: no local file, no network, no attachment.

Entries, brochures, lessons, quiz questions and a student's name try ``file:///etc/passwd``,
images and stylesheets on a local HTTP listener, ``<link rel=attachment>`` and CSS ``url()``
tricks. The brochure, the memo, the course workbook, the certificate and the paper quiz are then
downloaded through the site, read back with pypdf and checked; the listener must have heard
nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from brochures import services as brochures_services
from brochures.models import Brochure
from courses import services as courses
from finance import services as finance
from finance.models import Entry
from quizzes import services as quizzes
from school.extensions import db
from school.models import User
from tests import pdfs
from tests.security.world import build_world

pytestmark = pytest.mark.slow


class Listener:
    """An HTTP server on 127.0.0.1 that records every request made to it."""

    def __init__(self) -> None:
        heard = self.heard = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                heard.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def canary(tmp_path) -> Path:
    """A local file whose text must never reach a PDF."""
    path = tmp_path / "canary.txt"
    path.write_text("CANARY-7f3a local file content\n", encoding="utf-8")
    return path


def hostile(port: int, canary: Path) -> str:
    """Markdown (and raw HTML) that tries every way of making the renderer fetch something."""
    base = f"http://127.0.0.1:{port}"
    return f"""Ответ.

![passwd](file:///etc/passwd) ![canary]({canary.as_uri()}) ![net]({base}/markdown.png)
![local](/etc/passwd) ![backslash](/\\127.0.0.1:{port}/backslash.png) ![rel](etc/passwd)

<img src="file:///etc/passwd"> <img src="{base}/img.png"> <img src="{canary.as_uri()}">

<link rel=attachment href=file:///etc/passwd>
<link rel="attachment" href="{canary.as_uri()}">
<link rel="stylesheet" href="{base}/style.css">
<style>@import url({base}/import.css); body {{ background: url({base}/bg.png) }}</style>
<div style="background-image: url({base}/inline.png); content: url(file:///etc/passwd)">x</div>
<object data="file:///etc/passwd"></object> <iframe src="{base}/frame"></iframe>
<svg><image href="{base}/svg.png"/></svg>

[passwd](file:///etc/passwd) [net]({base}/link) [attach]({canary.as_uri()})
"""


def _gift(port: int, canary: Path) -> str:
    base = f"http://127.0.0.1:{port}"
    html = (
        f'<img src="file:///etc/passwd"><img src="{base}/gift.png"> '
        f'<a href="{canary.as_uri()}">x</a> <link rel=attachment href=file:///etc/passwd>'
    )
    escaped = html.replace("=", "\\=").replace("#", "\\#").replace("{", "\\{").replace("}", "\\}")
    return (
        f"::Вопрос::[html]{escaped} Верно? {{T#[html]{escaped}}}\n\n"
        f"::Второй::[markdown]![x]({base}/q.png) {{=да#![x](file:///etc/passwd) ~нет}}\n"
    )


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _images(resources, seen: set[int]) -> list[str]:
    """Image XObjects reachable from ``resources`` (through form XObjects too)."""
    found = []
    resources = _resolve(resources)
    if not isinstance(resources, DictionaryObject) or id(resources) in seen:
        return found
    seen.add(id(resources))
    xobjects = _resolve(resources.get("/XObject")) or {}
    for name, ref in xobjects.items():
        xobject = _resolve(ref)
        if xobject.get("/Subtype") == "/Image":
            found.append(name)
        elif "/Resources" in xobject:
            found.extend(_images(xobject["/Resources"], seen))
    return found


def check_pdf(pdf: bytes, canary: Path) -> str:
    """No attachment, no image, no local file's text, no link to a file or a script.

    Returns the PDF's text.
    """
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(BytesIO(pdf))
    names = _resolve(reader.trailer["/Root"].get("/Names")) or {}
    assert "/EmbeddedFiles" not in names
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "root:" not in text and b"root:x:" not in pdf
    assert "CANARY-7f3a" not in text and b"CANARY-7f3a" not in pdf
    for page in reader.pages:
        assert not _images(page.get("/Resources"), set()), "an image was embedded"
        for ref in _resolve(page.get("/Annots")) or ArrayObject():
            annotation = _resolve(ref)
            assert annotation.get("/Subtype") != "/FileAttachment"
            action = _resolve(annotation.get("/A")) or {}
            assert action.get("/S") not in ("/Launch", "/JavaScript", "/GoToR")
            uri = str(action.get("/URI", "")).lower()
            assert not uri.startswith(("file:", "javascript:", "data:")), uri
    return text


@pytest.fixture
def hostile_site(app, listener, canary):
    """A course, a quiz, a certificate, a brochure and a memo, all written with hostile text."""
    world = build_world(("courses", "finance"))
    text = hostile(listener.port, canary)
    name = f'<img src="http://127.0.0.1:{listener.port}/name.png">'
    student = db.session.get(User, world.users["student_a"])
    student.display_name = name
    db.session.commit()

    instructor = db.session.get(User, world.users["instructor_a"])
    course = courses.create_course(
        instructor, title=name, slug="hostile", summary=text[:500], description=text
    )
    module = courses.create_module(course, title=name, body=text)
    lesson = courses.create_item(module, title=name, body=text)
    quiz_item = courses.create_item(module, kind="quiz", title=name, body=text, required=False)
    quiz = quizzes.quiz_for_item(quiz_item)
    quizzes.import_gift(quiz, _gift(listener.port, canary))
    courses.set_published(course, True)
    courses.enrol(student, course)
    courses.mark_done(student, lesson)

    staff = db.session.get(User, world.users["staff"])
    topic = finance.create_topic(name, "hostile-topic", description=text)
    entry = finance.create_entry(
        staff,
        finance.EntryInput(
            slug="hostile-entry",
            question=name,
            topic_ids=[topic.id],
            short_answer=text,
            full_answer=text,
            legal_references=[name, f"file:///etc/passwd http://127.0.0.1:{listener.port}/ref"],
        ),
    )
    finance.submit_for_review(staff, entry.open_revision)
    second = db.session.get(User, world.users["second_staff"])
    finance.approve(second, db.session.get(Entry, entry.id).open_revision, date(2025, 3, 1))
    brochure = brochures_services.create_brochure(
        staff,
        brochures_services.BrochureInput(
            kind="brochure", slug="hostile", title=name, subtitle=name, introduction=text
        ),
    )
    brochures_services.rename_section(brochure.sections[0], name)
    brochures_services.add_item(brochure.sections[0], db.session.get(Entry, entry.id))
    brochures_services.publish_edition(staff, db.session.get(Brochure, brochure.id))
    memo = brochures_services.create_brochure(
        staff,
        brochures_services.BrochureInput(
            kind="memo", slug="hostile-memo", title=name, topic_id=topic.id
        ),
    )
    brochures_services.add_item(memo.sections[0], db.session.get(Entry, entry.id))
    return {
        "world": world,
        "course": course.slug,
        "quiz": quiz.id,
        "brochure": brochure.id,
        "memo": memo.id,
    }


def test_printed_documents_fetch_nothing(app, hostile_site, listener, canary):
    world = hostile_site["world"]
    student = world.client(app, "student_a")
    instructor = world.client(app, "instructor_a")
    staff = world.client(app, "staff")
    slug, quiz, brochure, memo = (hostile_site[k] for k in ("course", "quiz", "brochure", "memo"))
    downloads = [
        (student, f"/courses/{slug}/certificate.pdf"),
        (student, f"/courses/{slug}/workbook.pdf"),
        (instructor, f"/quizzes/{quiz}/paper.pdf"),
        (instructor, f"/quizzes/{quiz}/answer-key.pdf"),
        (staff, f"/brochures/manage/{brochure}/pdf/a5.pdf"),
        (staff, f"/brochures/manage/{brochure}/editions/1/a5-booklet.pdf"),
        (staff, f"/brochures/manage/{memo}/pdf/memo.pdf"),
    ]
    for client, url in downloads:
        response = pdfs.fetch(client, url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/pdf", url
        text = check_pdf(response.get_data(), canary)
        response.close()
        # The hostile text is there, as text: the document was really made from it.
        assert f"127.0.0.1:{listener.port}" in text, url
    assert listener.heard == [], f"the server fetched {listener.heard}"


def test_the_checks_see_what_they_look_for(listener, canary):
    # The checks above mean something only if they catch a renderer that does fetch.
    import urllib.request

    import weasyprint

    urllib.request.urlopen(f"http://127.0.0.1:{listener.port}/probe", timeout=5).close()
    assert listener.heard == ["/probe"]
    pixel = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0g"
        "AAAABJRU5ErkJggg=="
    )
    unsafe = {
        "image": f'<img src="data:image/png;base64,{pixel}">',
        "attachment": f'<link rel="attachment" href="{canary.as_uri()}">',
    }
    for what, html in unsafe.items():
        pdf = weasyprint.HTML(string=f"<p>x</p>{html}").write_pdf()
        with pytest.raises(AssertionError):
            check_pdf(pdf, canary)
            pytest.fail(f"an embedded {what} went unnoticed")
