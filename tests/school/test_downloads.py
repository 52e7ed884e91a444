"""The responses that hand out files: cached PDFs and files made for one person."""

from __future__ import annotations

import pytest

from school.downloads import private_attachment, send_pdf

PDF = b"%PDF-1.7\n" + b"x" * 1000 + b"\n%%EOF\n"


@pytest.fixture
def cached(tmp_path):
    path = tmp_path / "abc.pdf"
    path.write_bytes(PDF)
    return path


def test_a_public_pdf_opens_in_the_browser_and_is_always_revalidated(app, cached):
    with app.test_request_context("/"):
        response = send_pdf(cached, "abc", "Памятка.pdf")
        response.direct_passthrough = False
        assert response.status_code == 200
        assert response.get_data() == PDF
    assert response.headers["ETag"] == '"abc"'
    assert response.headers["Cache-Control"] == "public, no-cache"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and "filename*=UTF-8''" in disposition


def test_a_private_attachment_pdf(app, cached):
    with app.test_request_context("/"):
        response = send_pdf(cached, "abc", "key.pdf", attachment=True, private=True)
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Content-Disposition"] == "attachment; filename=key.pdf"


def test_the_reader_who_has_it_gets_304_without_the_file_being_read(app, cached):
    cached.unlink()  # a 304 must not need the file at all
    with app.test_request_context("/", headers={"If-None-Match": '"abc"'}):
        response = send_pdf(cached, "abc", "a.pdf", private=True)
    assert response.status_code == 304
    assert response.headers["ETag"] == '"abc"'
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_an_interrupted_download_resumes_with_a_range(app, cached):
    with app.test_request_context("/", headers={"Range": "bytes=100-199", "If-Range": '"abc"'}):
        response = send_pdf(cached, "abc", "a.pdf")
        response.direct_passthrough = False
        assert response.status_code == 206
        assert response.get_data() == PDF[100:200]
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(PDF)}"


def test_a_file_for_one_person_is_never_stored(app):
    with app.test_request_context("/"):
        response = private_attachment("a,b\n", "results.csv", "text/csv")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="results.csv"'
    assert response.content_type == "text/csv; charset=utf-8"


def test_a_file_named_in_cyrillic_keeps_its_name_within_latin_1_headers(app):
    with app.test_request_context("/"):
        response = private_attachment("{}", "мария-data.json", "application/json")
    disposition = response.headers["Content-Disposition"]
    disposition.encode("latin-1")  # what a WSGI server sends; a raw Cyrillic name would fail
    assert "filename*=UTF-8''%D0%BC%D0%B0%D1%80%D0%B8%D1%8F-data.json" in disposition
    assert disposition.startswith('attachment; filename="-data.json"; ')
