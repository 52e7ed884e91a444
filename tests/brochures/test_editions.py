"""Editions freeze a brochure; the PDF cache renders unchanged input once and serves ETags."""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from pathlib import Path

import pytest

from brochures import services
from brochures.models import Brochure, Edition
from finance import services as finance_services
from school import printing
from school.extensions import db
from tests import pdfs
from tests.finance import factories as f


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


@pytest.fixture
def staff(make_user):
    return make_user("staff", username="editor")


@pytest.fixture
def small(staff):
    first = f.entry(staff, "pension", "Как получать пенсию?", valid_as_of=date(2025, 3, 1))
    second = f.entry(staff, "loan", "Нужно ли платить кредит мужа?", valid_as_of=date(2025, 4, 1))
    return f.brochure(staff, {"Пенсия": [first], "Долги": [second]})


def _cache_files(app) -> dict[str, tuple[int, int]]:
    from pathlib import Path

    directory = Path(app.config["PDF_CACHE_DIR"])
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in directory.glob("*.pdf")}


def test_building_an_unchanged_brochure_twice_renders_once(app, small, staff):
    first = services.build(small, "a4")
    assert first.renders == 1
    files = _cache_files(app)
    assert list(files) == [f"{first.etag}.pdf"]

    second = services.build(db.session.get(Brochure, small.id), "a4")
    assert second.renders == 0
    assert second.path == first.path and second.etag == first.etag
    assert _cache_files(app) == files  # the file was neither rewritten nor replaced

    # A change of an entry's approved text makes a new document, stored next to the old one.
    entry = finance_services.entry_by_slug("pension")
    draft = finance_services.save_entry(
        staff,
        entry,
        finance_services.EntryInput(slug="pension", question="Как получать пенсию в СИЗО?"),
    )
    finance_services.submit_for_review(staff, draft)
    finance_services.approve(f.reviewer(), draft, date(2025, 5, 1))
    third = services.build(db.session.get(Brochure, small.id), "a4")
    assert third.renders == 1 and third.etag != first.etag
    assert len(_cache_files(app)) == 2


def test_an_edition_reprints_the_same_bytes_after_entries_change(app, small, staff, tmp_path):
    edition = services.publish_edition(staff, small, "Издание 2025 года")
    assert edition.number == 1 and edition.valid_as_of == date(2025, 3, 1)  # the oldest entry's
    assert db.session.get(Brochure, small.id).edition_label == "Издание 2025 года"
    original = services.build(small, "a5", edition=edition).read()
    assert "Издание 2025 года" in f.page_texts(original)[0]

    # The answer changes and is approved again; the brochure's settings change too.
    entry = finance_services.entry_by_slug("pension")
    draft = finance_services.save_entry(
        staff,
        entry,
        finance_services.EntryInput(slug="pension", question="Совсем другой вопрос о пенсии?"),
    )
    finance_services.submit_for_review(staff, draft)
    finance_services.approve(f.reviewer(), draft, date(2026, 1, 1))
    brochure = db.session.get(Brochure, small.id)
    brochure.title = "Новое название"
    db.session.commit()

    # A reprint from an empty cache (next year, another server) gives the same bytes.
    app.config["PDF_CACHE_DIR"] = str(tmp_path / "fresh-cache")
    edition = db.session.get(Edition, edition.id)
    reprint = services.build(brochure, "a5", edition=edition)
    assert reprint.renders == 1
    assert reprint.read() == original
    assert "Совсем другой вопрос" not in " ".join(f.page_texts(original))

    current = " ".join(f.page_texts(services.build(brochure, "a5").read()))
    assert "Совсем другой вопрос о пенсии?" in current and "Новое название" in current

    changes = services.changes_since(brochure, edition)
    assert [(c.kind, c.slug) for c in changes] == [("updated", "pension")]


def test_changes_since_lists_added_and_removed_entries(small, staff):
    edition = services.publish_edition(staff, small)
    extra = f.entry(staff, "tax", "Налог на квартиру?")
    brochure = db.session.get(Brochure, small.id)
    services.add_item(brochure.sections[0], extra)
    services.remove_item(brochure.sections[1].items[0])
    kinds = {(c.kind, c.slug) for c in services.changes_since(brochure, edition)}
    assert kinds == {("added", "tax"), ("removed", "loan")}


def test_publishing_needs_an_approved_entry(staff):
    empty = f.brochure(staff, {"Пусто": []}, slug="empty")
    with pytest.raises(services.BrochureError):
        services.publish_edition(staff, empty)
    assert db.session.get(Brochure, empty.id).editions == []


def test_readers_download_editions_with_etag_and_304(app, client, small, staff):
    assert client.get("/brochures/test-brochure").status_code == 404  # not published
    services.publish_edition(staff, small)
    page = client.get("/brochures/test-brochure").get_data(as_text=True)
    assert "/brochures/test-brochure/1/a5.pdf" in page
    assert "/brochures/test-brochure/1/a5-booklet.pdf" in page

    response = pdfs.fetch(client, "/brochures/test-brochure/1/a4.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    etag = response.headers["ETag"]
    assert response.data.startswith(b"%PDF-")
    again = pdfs.fetch(client, "/brochures/test-brochure/1/a4.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""

    assert pdfs.fetch(client, "/brochures/test-brochure/1/memo.pdf").status_code == 404
    assert pdfs.fetch(client, "/brochures/test-brochure/2/a4.pdf").status_code == 404
    assert pdfs.fetch(client, "/brochures/test-brochure/1/a4-booklet.pdf").status_code == 404
    index = client.get("/finance/").get_data(as_text=True)
    assert "Деньги в заключении" in index


def test_an_edition_removed_from_the_cache_is_rendered_again(app, small, staff):
    edition = services.publish_edition(staff, small)
    first = services.build(small, "a4", edition=edition)
    again = services.build(small, "a4", edition=edition)
    assert again.path == first.path and again.renders == 0
    first.path.unlink()  # the cache was cleaned
    rebuilt = services.build(small, "a4", edition=edition)
    assert rebuilt.renders == 1 and rebuilt.etag == first.etag
    assert rebuilt.read().startswith(b"%PDF-")


def test_staff_draft_pdf_and_preview(login, small):
    client = login("staff")
    response = pdfs.fetch(client, f"/brochures/manage/{small.id}/pdf/a4.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    preview = pdfs.fetch(client, f"/brochures/manage/{small.id}/preview/a5.pdf")
    assert preview.status_code == 200
    assert len(f.reader(preview.data).pages) == 4
    assert "inline" in preview.headers["Content-Disposition"]
    reader_client = login("student")
    assert pdfs.fetch(reader_client, f"/brochures/manage/{small.id}/pdf/a4.pdf").status_code == 403


def test_a_published_edition_is_stored_once_and_never_rendered_again(
    app, login, small, staff, monkeypatch
):
    client = login("staff")
    response = client.post(f"/brochures/manage/{small.id}/publish", data={"label": ""})
    assert response.status_code == 302
    edition = small.latest_edition
    app.extensions["jobs"].drain()  # publishing queued the storing of every file
    stored = {f.format: f for f in edition.files}
    assert set(stored) == set(services.edition_formats(edition))
    original = services.edition_file_data(stored["a4"])
    assert hashlib.sha256(original).hexdigest() == stored["a4"].sha256

    # The cache emptied and the print engine changed (a deploy): readers get the same bytes,
    # and nothing is rendered.
    for path in Path(app.config["PDF_CACHE_DIR"]).glob("*.pdf"):
        path.unlink()
    monkeypatch.setattr(printing, "ENGINE_VERSION", "changed")
    printing._toolchain_fingerprint.cache_clear()
    renders = []
    monkeypatch.setattr(printing, "render_pdf", lambda *a, **k: renders.append(a) or b"")
    again = client.get(f"/brochures/{small.slug}/1/a4.pdf")
    assert again.status_code == 200 and again.data == original
    assert again.headers["ETag"] == f'"{stored["a4"].sha256}"'
    assert not renders
    printing._toolchain_fingerprint.cache_clear()


def test_an_edition_without_a_stored_file_gets_its_current_pdf_stored(app, client, small, staff):
    """Editions published before files were stored keep the PDF the cache has for them."""
    edition = services.publish_edition(staff, small)
    current = services.build(small, "a4", edition=edition).read()
    waiting = client.get(f"/brochures/{small.slug}/1/a4.pdf")
    assert waiting.status_code == 202 and "refresh" in waiting.get_data(as_text=True)
    assert waiting.headers["Cache-Control"] == "no-store"
    app.extensions["jobs"].drain()
    assert client.get(f"/brochures/{small.slug}/1/a4.pdf").data == current


def test_the_command_line_prints_an_editions_stored_bytes(app, small, staff, tmp_path):
    edition = services.publish_edition(staff, small)
    services.store_editions([edition])
    app.extensions["jobs"].drain()
    stored = services.edition_file_data(services.edition_file(edition, "a5"))
    for path in Path(app.config["PDF_CACHE_DIR"]).glob("*.pdf"):
        path.unlink()  # nothing to take from the cache: the bytes must come from the store
    target = tmp_path / "out.pdf"
    result = app.test_cli_runner().invoke(
        args=["brochures", "build", small.slug, "--format", "a5", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "from stored editions" in result.output
    assert target.read_bytes() == stored
