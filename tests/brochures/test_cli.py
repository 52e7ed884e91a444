"""``flask brochures build``, run through the app's CLI runner."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from brochures import services
from brochures.imposition import booklet_order
from finance import services as finance_services
from school import printing
from school.extensions import db
from tests.finance import factories as f

A5 = (419.53, 595.28)
A4 = (595.28, 841.89)


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


@pytest.fixture
def docs(make_user):
    staff = make_user("staff")
    pensions = f.topic()
    first = f.entry(staff, "pension", "Как получать пенсию?", topics=[pensions])
    second = f.entry(staff, "cut", "Что удерживают из пенсии?", topics=[pensions])
    brochure = f.brochure(staff, {"Пенсия": [first, second]}, slug="money")
    memo = f.brochure(
        staff, {"Пенсия": [first, second]}, slug="memo", kind="memo", primary_format="memo",
        paper="a5", memo_topic=pensions,
    )  # fmt: skip
    return {"staff": staff, "brochure": brochure, "memo": memo, "entry": first}


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["brochures", *args])


def test_build_one_brochure_in_each_format(app, docs, tmp_path):
    for fmt, size in (("a5", A5), ("a4", A4), ("large", A4)):
        target = tmp_path / f"money-{fmt}.pdf"
        result = run(app, "build", "money", "--format", fmt, "-o", str(target))
        assert result.exit_code == 0, result.output
        pdf = target.read_bytes()
        assert f.size_pt(pdf) == size
        assert "Как получать пенсию?" in " ".join(f.page_texts(pdf))
    memo = tmp_path / "memo.pdf"
    assert run(app, "build", "memo", "-o", str(memo)).exit_code == 0  # its own format by default
    assert printing.pdf_page_count(memo.read_bytes()) == 1
    assert f.size_pt(memo.read_bytes()) == A5


def test_build_imposed_booklet_and_the_cache(app, docs, tmp_path):
    target = tmp_path / "booklet.pdf"
    result = run(app, "build", "money", "--format", "a5", "--impose", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "1 rendered" in result.output
    imposed = f.reader(target.read_bytes())
    pages = printing.pdf_page_count(services.build(docs["brochure"], "a5").read())
    assert len(imposed.pages) == len(booklet_order(pages))
    assert (
        round(float(imposed.pages[0].mediabox.width)),
        round(float(imposed.pages[0].mediabox.height)),
    ) == (842, 595)

    again = run(app, "build", "money", "--format", "a5", "--impose", "-o", str(target))
    assert "0 rendered, 1 from the cache" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "nosuch", "-o", "x.pdf"], "unknown brochure or memo 'nosuch'"),
        (["build", "money", "--format", "a3", "-o", "x.pdf"], "'a3' is not one of"),
        (
            ["build", "memo", "--format", "a5", "-o", "x.pdf"],
            "memo is a memo; it can be built as: memo",
        ),
        (["build", "money", "--format", "a4", "--impose", "-o", "x.pdf"], "--impose works with"),
        (["build", "-o", "x.pdf"], "give a brochure SLUG or --all"),
        (["build", "money", "--all", "-o", "x"], "either a SLUG or --all"),
    ],
)
def test_build_refuses_bad_arguments_clearly(app, docs, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = run(app, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_build_all_in_worker_processes_with_a_progress_bar(app, docs, tmp_path):
    services.publish_edition(docs["staff"], docs["brochure"], "Издание 1")
    # Changes after the edition: --all prints the edition, --current the new text.
    draft = finance_services.save_entry(
        docs["staff"],
        docs["entry"],
        finance_services.EntryInput(slug="pension", question="Новый вопрос о пенсии?"),
    )
    finance_services.submit_for_review(docs["staff"], draft)
    finance_services.approve(f.reviewer(), draft, date(2026, 1, 1))

    out = tmp_path / "all"
    result = run(app, "build", "--all", "--jobs", "2", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Rendering PDFs" in result.output
    assert "2 PDF(s) written: 2 rendered, 0 from the cache (2 process(es))." in result.output
    assert sorted(p.name for p in out.iterdir()) == ["memo-memo.pdf", "money-a5.pdf"]
    edition_text = " ".join(f.page_texts((out / "money-a5.pdf").read_bytes()))
    assert "Издание 1" in edition_text and "Новый вопрос" not in edition_text
    assert printing.pdf_page_count((out / "memo-memo.pdf").read_bytes()) == 1

    cached = run(app, "build", "--all", "-o", str(out))
    assert "2 PDF(s) written: 0 rendered, 2 from the cache (1 process(es))." in cached.output

    current = run(app, "build", "--all", "--current", "--format", "large", "-o", str(out))
    assert current.exit_code == 0, current.output
    large = (out / "money-large.pdf").read_bytes()
    assert "Новый вопрос о пенсии?" in " ".join(f.page_texts(large))
    assert f.size_pt(large) == A4


def test_build_all_stops_with_a_clear_error_found_while_others_render(app, docs, tmp_path):
    f.brochure(docs["staff"], {"Пенсия": [docs["entry"]]}, slug="other", title="Другая")
    edition = services.publish_edition(docs["staff"], docs["brochure"], "Издание 1")
    # An edition published before a format existed has no HTML for it.
    edition.renders = {fmt: r for fmt, r in edition.renders.items() if fmt != "a4"}
    db.session.commit()

    out = tmp_path / "all"
    result = run(app, "build", "--all", "--format", "a4", "--jobs", "2", "-o", str(out))
    assert result.exit_code == 1
    assert "money: This edition has no such format." in result.output
    assert not list(out.glob("*.pdf"))  # nothing is written unless everything is built
