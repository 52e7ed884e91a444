"""The PDF cache stays within its limit: least recently used out first, kept files never."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from school import hooks, pdfcache, printing

HTML = "<!doctype html><html lang='ru'><body><p>{}</p></body></html>"


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


def fill(folder: Path, sizes: dict[str, int]) -> None:
    """Files named in order of last use: the first is the least recently used."""
    folder.mkdir(parents=True, exist_ok=True)
    for age, (name, size) in enumerate(sizes.items()):
        path = folder / name
        path.write_bytes(b"x" * size)
        os.utime(path, (1_000_000 + age, 1_000_000 + age))


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_within_its_limit_nothing_goes(tmp_path):
    fill(tmp_path, {"a.pdf": 400, "b.pdf": 500})
    report = pdfcache.prune(tmp_path, 900)
    assert report.removed == 0 and report.size == 900
    assert names(tmp_path) == ["a.pdf", "b.pdf"]


def test_over_its_limit_the_least_recently_used_go_to_nine_tenths(tmp_path):
    fill(tmp_path, {"old.pdf": 300, "older_use.pdf": 300, "recent.pdf": 300, "new.pdf": 300})
    report = pdfcache.prune(tmp_path, 1000)
    # 1,200 bytes > 1,000: remove from the least recently used until <= 900.
    assert names(tmp_path) == ["new.pdf", "older_use.pdf", "recent.pdf"]
    assert (report.removed, report.freed, report.files, report.size) == (1, 300, 3, 900)
    report = pdfcache.prune(tmp_path, 500)
    assert names(tmp_path) == ["new.pdf"] and report.size == 300


def test_kept_files_stay_whatever_their_age(tmp_path):
    fill(tmp_path, {"edition.pdf": 600, "a.pdf": 300, "b.pdf": 300})
    report = pdfcache.prune(tmp_path, 1000, keep=[tmp_path / "edition.pdf"])
    assert names(tmp_path) == ["b.pdf", "edition.pdf"]
    assert report.kept == 1 and report.size == 900


def test_only_finished_pdfs_at_the_top_level_are_pruned(tmp_path):
    fill(tmp_path, {".tmp-1.part": 5000, "notes.txt": 5000, "a.pdf": 10})
    fill(tmp_path / "sub", {"deep.pdf": 5000})
    pdfcache.prune(tmp_path, 0)
    assert names(tmp_path) == [".tmp-1.part", "notes.txt", "sub"]
    assert names(tmp_path / "sub") == ["deep.pdf"]


def test_a_cache_hit_counts_as_a_use(tmp_path):
    metadata = printing.PdfMetadata(title="Памятка", author="Фонд", lang="ru")
    first = printing.render_cached(HTML.format("Первая"), tmp_path, metadata)
    os.utime(first.path, (1_000_000, 1_000_000))
    again = printing.render_cached(HTML.format("Первая"), tmp_path, metadata)
    assert not again.rendered and again.path == first.path
    assert first.path.stat().st_atime > 1_000_000  # used now
    assert first.path.stat().st_mtime == 1_000_000  # as written


def test_the_app_prunes_after_each_new_render_and_asks_features_what_to_keep(app):
    folder = Path(app.config["PDF_CACHE_DIR"])
    metadata = printing.PdfMetadata(title="Памятка", author="Фонд", lang="ru")
    kept = pdfcache.render(HTML.format("Издание"), metadata)
    hooks.register_pdf_keeper("test", lambda: [kept.path])
    try:
        app.config["PDF_CACHE_MAX_MB"] = kept.path.stat().st_size * 1.5 / 2**20
        first = pdfcache.render(HTML.format("Первая"), metadata)
        assert first.path.exists()  # over the limit, but about to be served
        os.utime(first.path, (1_000_000, 1_000_000))
        second = pdfcache.render(HTML.format("Вторая"), metadata)
        assert second.rendered
        assert sorted(folder.glob("*.pdf")) == sorted([kept.path, second.path])
    finally:
        del hooks.pdf_keepers["test"]


def test_prune_from_the_command_line(app, tmp_path):
    folder = Path(app.config["PDF_CACHE_DIR"])
    fill(folder, {"a.pdf": 2**20, "b.pdf": 2**20})
    app.config["PDF_CACHE_MAX_MB"] = 1.5
    result = app.test_cli_runner().invoke(args=["pdf-cache", "prune"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 files" in result.output
    assert names(folder) == ["b.pdf"]
