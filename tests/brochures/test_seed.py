"""The demo seeder: approved demo entries, one brochure per format and two memos, each published."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from brochures import seed, services
from brochures.models import Brochure
from finance import seed as finance_seed
from finance import services as finance_services
from finance.models import Entry, Status
from school import hooks
from school.extensions import db
from tests import pdfs


@pytest.fixture
def seeded(make_user):
    users = {"staff": make_user("staff", username="demo-staff"), "admin": make_user("admin")}
    lines: list[str] = []
    finance_seed.seed(users, lines.append)
    seed.seed(users, lines.append)
    return users, lines


def test_seeder_is_registered_in_order(app):
    # The knowledge base's entries first, then the brochures made of them.
    assert hooks.demo_seeders["finance"][0] == 30
    assert hooks.demo_seeders["brochures"][0] > hooks.demo_seeders["finance"][0]


def test_demo_entries_are_approved_by_the_demo_staff_user(seeded):
    users, _lines = seeded
    entries = list(db.session.scalars(db.select(Entry)))
    assert len(entries) >= 30
    assert len({t.id for e in entries for t in e.topics}) >= 6
    for entry in entries:
        revision = entry.published_revision
        assert entry.demo and revision.status == Status.APPROVED
        assert revision.reviewer_id == users["staff"].id
        assert revision.valid_as_of is not None and revision.review_due > revision.valid_as_of
    pension = finance_services.entry_by_slug("pension-deductions-in-prison")
    assert pension.published_revision.valid_as_of == date(2026, 8, 3)  # from the file
    assert finance_services.search("пенсия").total >= 3


def test_demo_brochures_and_memos_have_editions(seeded):
    brochures = services.list_brochures()
    kinds = sorted((b.kind, b.primary_format, b.paper if b.is_memo else "") for b in brochures)
    assert kinds == [
        ("brochure", "a4", ""),
        ("brochure", "a5", ""),
        ("brochure", "large", ""),
        ("memo", "memo", "a4"),
        ("memo", "memo", "a5"),
    ]
    for brochure in brochures:
        assert len(brochure.editions) == 1
        edition = brochure.editions[0]
        assert edition.valid_as_of is not None and edition.document["sections"]
        assert services.changes_since(brochure, edition) == []
        entries = [e for s in edition.document["sections"] for e in s["entries"]]
        if brochure.is_memo:
            assert 3 <= len(entries) <= 6
        else:
            assert len(entries) >= 5


def test_seeding_twice_changes_nothing(seeded):
    users, _ = seeded
    before = db.session.scalar(db.select(db.func.count(Brochure.id)))
    lines: list[str] = []
    seed.seed(users, lines.append)
    assert db.session.scalar(db.select(db.func.count(Brochure.id))) == before
    assert "already loaded" in lines[0]


@pytest.mark.slow
def test_demo_memos_fit_one_page_and_demo_pages_render(seeded, client, caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")
    for memo in services.list_brochures("memo"):
        result = services.build(memo, "memo", edition=memo.latest_edition)
        assert result.fits and result.pages == 1
        assert "Демонстрационные материалы" in pdfs.pdf_text(result.read())[0]
    assert client.get("/finance/").status_code == 200
    for brochure in services.list_brochures():
        assert client.get(f"/brochures/{brochure.slug}").status_code == 200


def test_the_demo_has_an_edition_with_imprint_print_runs_and_a_check_code(seeded, client):
    printed = [
        edition
        for brochure in db.session.scalars(db.select(Brochure))
        for edition in brochure.editions
        if edition.print_runs
    ]
    assert len(printed) == 1
    edition = printed[0]
    assert len(edition.print_runs) == 2
    assert edition.document["imprint"]["print_run"] == 5000
    assert services.printed_copies(edition.brochure) == 5000
    page = client.get(f"/brochures/check/{edition.check_code}")
    assert page.status_code == 200
    assert edition.brochure.title in page.get_data(as_text=True)
    office = services.build(edition.brochure, "a5", edition=edition).read()
    assert edition.check_code in " ".join(pdfs.pdf_text(office))
