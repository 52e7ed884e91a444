"""The static mirror of the demo instance: complete, self-contained, deterministic, incremental."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pikepdf
import pytest
from sqlalchemy import select

from courses.models import Course
from finance.models import Entry, Topic
from mirror.build import MANIFEST, MirrorError, Scope, build
from mirror.checks import zip_bytes
from school.extensions import db
from webinars.models import Webinar


def _html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def _text(node) -> str:
    return " ".join(node.text_content().split())


def _main(path: Path):
    doc = lxml.html.document_fromstring(path.read_text(encoding="utf-8"))
    return doc.xpath("//main")[0]


def test_every_link_resolves_inside_the_folder(app, demo, tmp_path):
    root = tmp_path / "mirror"
    build(app, root)
    checked = 0
    for page in _html_files(root):
        html = page.read_text(encoding="utf-8")
        doc = lxml.html.document_fromstring(html)
        for url in doc.xpath("//@href | //@src | //form/@action"):
            assert not re.match(r"(?i)https?:|//", url), f"{page}: {url}"
            if url.startswith(("#", "mailto:")):
                continue
            target = (page.parent / unquote(urlsplit(url).path)).resolve()
            assert target.is_relative_to(root.resolve()), f"{page}: {url}"
            assert target.is_file(), f"{page.relative_to(root)}: {url}"
            checked += 1
        assert "http://" not in html and "https://" not in html, page
        assert not doc.xpath("//form[@method='post'] | //input[@name='csrf_token']"), page
    for css in root.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text()), css
    assert checked > 500


def test_every_published_page_appears_with_the_live_text(app, demo, client, tmp_path):
    root = tmp_path / "mirror"
    build(app, root)
    pages = {
        "finance/entries/{}": [
            e.slug for e in db.session.scalars(select(Entry)) if e.published_revision_id
        ],
        "finance/topics/{}": list(db.session.scalars(select(Topic.slug))),
        "webinars/{}": [
            w.id for w in db.session.scalars(select(Webinar)) if w.status == "published"
        ],
    }
    courses = list(db.session.scalars(select(Course).where(Course.published)))
    assert courses
    for course in courses:
        pages.setdefault("courses/{}/", []).append(course.slug)
        for module in course.modules:
            pages.setdefault(f"courses/{course.slug}/items/{{}}", []).extend(
                item.id for item in module.items if item.kind == "lesson"
            )
    assert all(pages.values()), pages
    for lang in ("ru", "en"):
        for pattern, keys in pages.items():
            for key in keys:
                address = "/" + pattern.format(key)
                live = client.get(address, headers={"Accept-Language": lang})
                assert live.status_code == 200, address
                name = address.lstrip("/") + ("index.html" if address.endswith("/") else ".html")
                mirrored = _main(root / lang / name)
                shown = lxml.html.document_fromstring(live.get_data(as_text=True)).xpath("//main")[
                    0
                ]
                for form in shown.xpath(".//form"):
                    form.drop_tree()
                assert _text(mirrored) == _text(shown), f"{lang}{address}"


def test_pdfs_are_copied_from_their_stored_bytes(app, demo, tmp_path):
    root = tmp_path / "mirror"
    build(app, root)
    number = demo["edition"].number
    pdf = root / "brochures" / demo["slug"] / str(number) / f"{demo['format']}.pdf"
    assert pdf.read_bytes() == demo["pdf"]
    assert len(pikepdf.open(io.BytesIO(pdf.read_bytes())).pages) >= 1
    page = (root / "ru" / "brochures" / f"{demo['slug']}.html").read_text(encoding="utf-8")
    assert f"../../brochures/{demo['slug']}/{number}/{demo['format']}.pdf" in page
    # Editions not stored yet are not rendered for the mirror: no link, no file.
    assert len(list(root.rglob("*.pdf"))) == 1


def test_both_languages_and_the_choice_between_them(app, demo, tmp_path):
    root = tmp_path / "mirror"
    build(app, root)
    for lang, other in (("ru", "en"), ("en", "ru")):
        doc = lxml.html.document_fromstring((root / lang / "finance/index.html").read_bytes())
        assert doc.get("lang") == lang
        (switch,) = doc.xpath("//a[@class='lang-link']")
        assert switch.get("href") == f"../../{other}/finance/index.html"
    chooser = (root / "index.html").read_text(encoding="utf-8")
    assert 'href="ru/index.html"' in chooser and 'href="en/index.html"' in chooser


def test_search_page_works_without_the_server(app, demo, tmp_path):
    root = tmp_path / "mirror"
    build(app, root)
    page = (root / "en/finance/search.html").read_text(encoding="utf-8")
    assert '<script src="search-index.js"></script>' in page
    assert 'href="questions/index.html"' in page  # the A–Z index, for readers without JavaScript
    index = (root / "en/finance/search-index.js").read_text(encoding="utf-8")
    entry = db.session.scalars(select(Entry).where(Entry.published_revision_id.isnot(None))).first()
    assert f'"url":"entries/{entry.slug}.html"' in index
    # The site's search forms lead to the mirror's search page.
    doc = lxml.html.document_fromstring((root / "en/finance/index.html").read_bytes())
    assert doc.xpath("//form[@role='search']/@action") == ["search.html"]


def test_rebuilding_is_deterministic_and_rewrites_only_what_changed(app, demo, tmp_path):
    root = tmp_path / "mirror"
    first = build(app, root)
    sums = (root / MANIFEST).read_bytes()
    again = build(app, tmp_path / "other")
    assert (tmp_path / "other" / MANIFEST).read_bytes() == sums
    assert zip_bytes(root) == zip_bytes(tmp_path / "other")
    assert build(app, root).written == []

    entry = db.session.scalars(
        select(Entry).where(Entry.published_revision_id.isnot(None)).order_by(Entry.slug)
    ).first()
    entry.published_revision.short_answer = "Совершенно новый краткий ответ для зеркала."
    db.session.commit()
    report = build(app, root)
    assert f"ru/finance/entries/{entry.slug}.html" in report.written
    assert f"en/finance/entries/{entry.slug}.html" in report.written
    for name in report.written:
        if name.endswith(".html"):
            assert "Совершенно новый краткий ответ" in (root / name).read_text(), name
    assert len(report.written) < len(first.files) / 4
    assert set(again.files) == set(first.files)
    lines = (root / MANIFEST).read_text().splitlines()
    assert lines == sorted(lines, key=lambda line: line.split("  ", 1)[1])
    changed = root / f"ru/finance/entries/{entry.slug}.html"
    assert (
        f"{hashlib.sha256(changed.read_bytes()).hexdigest()}  {changed.relative_to(root)}" in lines
    )


def test_a_file_no_longer_published_is_removed(app, demo, tmp_path):
    root = tmp_path / "mirror"
    build(app, root)
    (root / "ru" / "stale.html").write_text("old")
    report = build(app, root)
    assert "ru/stale.html" in report.removed and not (root / "ru" / "stale.html").exists()


def test_only_part_of_the_site_for_a_partner(app, demo, tmp_path):
    finance = tmp_path / "finance"
    build(app, finance, "finance")
    names = {p.relative_to(finance).as_posix() for p in finance.rglob("*") if p.is_file()}
    assert "ru/finance/index.html" in names and "ru/finance/search.html" in names
    assert any(n.startswith("ru/brochures/") for n in names)
    assert not any(n.startswith(("ru/courses", "ru/webinars")) for n in names)
    one = tmp_path / "one"
    build(app, one, f"brochures:{demo['slug']}")
    pages = sorted(p.relative_to(one).as_posix() for p in one.rglob("*.html"))
    assert pages == [
        "en/brochures/" + demo["slug"] + ".html",
        "index.html",
        "ru/brochures/" + demo["slug"] + ".html",
    ]


@pytest.mark.parametrize("only", ["finanse", "brochures", "courses:x", "brochures:"])
def test_an_unknown_part_is_refused(only):
    with pytest.raises(MirrorError):
        Scope.parse(only)


def test_the_cli_builds_and_zips(app, demo, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["mirror", "build", str(tmp_path / "m"), "--zip", str(tmp_path / "m.zip")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m.zip").read_bytes() == zip_bytes(tmp_path / "m")
    bad = app.test_cli_runner().invoke(
        args=["mirror", "build", str(tmp_path / "x"), "--only", "nope"]
    )
    assert bad.exit_code != 0 and "unknown part" in bad.output


def test_a_cached_workbook_is_copied_and_an_uncached_one_is_not_built(app, demo, tmp_path):
    from courses import documents

    course = db.session.scalars(select(Course).where(Course.published)).first()
    root = tmp_path / "mirror"
    build(app, root)
    workbook = root / "courses" / course.slug / "workbook.pdf"
    assert not workbook.exists()
    with app.test_request_context():
        built = documents.workbook_build(course).run()
    build(app, root)
    assert workbook.read_bytes() == built.path.read_bytes()
    page = (root / "ru" / "courses" / course.slug / "index.html").read_text(encoding="utf-8")
    assert "../../../courses/" + course.slug + "/workbook.pdf" in page
