"""``brochures.printjobs`` without the app: jobs planned while others render, memos, the cache."""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from brochures import printjobs
from brochures.printjobs import BuildJob, build_many, cached_build, longest_first, run_build
from school import printing

META = printing.PdfMetadata(title="Памятка", author="Фонд")
ONE_PAGE = "<html><body><p>Одна страница.</p></body></html>"
TWO_PAGES = (
    '<html><body><p style="break-after: page">Первая страница.</p>'
    "<p>Вторая страница.</p></body></html>"
)
# How long a test waits for a worker before it calls the scheduler broken (never a timing check).
PATIENCE = 120


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


def job(cache: Path, *candidates: str, max_pages: int | None = None, name: str = "") -> BuildJob:
    return BuildJob(
        candidates=candidates, metadata=META, cache_dir=str(cache), max_pages=max_pages, name=name
    )


def in_cache(cache: Path, html: str) -> Path:
    return cache / f"{printing.cache_key(html, META)}.pdf"


@pytest.mark.parametrize("workers", [1, 2])
def test_jobs_are_rendered_while_later_ones_are_still_planned(tmp_path, workers):
    first = f"<html><body><p>Первый документ, {workers}.</p></body></html>"
    second = f"<html><body><p>Второй документ, {workers}.</p></body></html>"

    def planned() -> Iterator[BuildJob]:
        yield job(tmp_path, first, name="first")
        # Planning the second job waits until the first one is rendered: a scheduler that
        # read every job before handing any out would wait here for nothing.
        deadline = time.monotonic() + PATIENCE
        while not in_cache(tmp_path, first).exists():
            assert time.monotonic() < deadline, "the first job was not rendered while planning"
            time.sleep(0.02)
        yield job(tmp_path, second, name="second")

    results = dict(build_many(planned(), workers))
    assert sorted(results) == [0, 1]
    assert results[0].name == "first" and results[0].path == in_cache(tmp_path, first)
    assert results[1].name == "second" and results[1].path == in_cache(tmp_path, second)
    assert all(result.renders == 1 for result in results.values())


def test_results_are_those_of_each_job_whatever_the_number_of_processes(tmp_path):
    def jobs(cache: Path) -> list[BuildJob]:
        return [
            job(cache, TWO_PAGES, name="brochure"),
            job(cache, TWO_PAGES + "<!-- memo -->", ONE_PAGE, max_pages=1, name="memo"),
            job(cache, ONE_PAGE + "<!-- short -->", name="short"),
        ]

    alone = {i: run_build(j) for i, j in enumerate(jobs(tmp_path / "alone"))}
    for workers in (1, 2, 3):
        cache = tmp_path / f"workers-{workers}"
        results = dict(build_many(iter(jobs(cache)), workers))
        assert sorted(results) == [0, 1, 2]
        for index, result in results.items():
            assert result.etag == alone[index].etag
            assert result.path.parent == cache
            assert result.path.read_bytes() == alone[index].path.read_bytes()
            assert (result.renders, result.pages, result.fits, result.name) == (
                alone[index].renders,
                alone[index].pages,
                alone[index].fits,
                alone[index].name,
            )
    # The memo needed its second, smaller candidate to fit one page.
    assert (alone[1].renders, alone[1].pages, alone[1].fits) == (2, 1, True)


def test_nothing_to_build_starts_no_worker(monkeypatch):
    def no_fork():
        raise AssertionError("a worker process was started")

    monkeypatch.setattr(os, "fork", no_fork)
    assert list(build_many(iter(()), 2)) == []


def test_a_job_failing_in_a_worker_fails_the_build(tmp_path):
    naive = printing.PdfMetadata(title="Памятка", author="Фонд", created=datetime(2025, 3, 1))
    jobs = [job(tmp_path, ONE_PAGE), replace(job(tmp_path, TWO_PAGES), metadata=naive)]
    with pytest.raises(ValueError, match="timezone-aware"):
        list(build_many(iter(jobs), 2))


def _frozen_objects(job: BuildJob) -> int:
    return gc.get_freeze_count()


def test_workers_leave_the_objects_they_inherit_out_of_garbage_collection(tmp_path, monkeypatch):
    monkeypatch.setattr(printjobs, "run_build", _frozen_objects)  # reports from the worker
    jobs = [job(tmp_path, ONE_PAGE), job(tmp_path, TWO_PAGES)]
    counts = [count for _, count in build_many(iter(jobs), 2)]
    assert len(counts) == 2
    assert all(count > 1000 for count in counts)  # the app they were forked from


def test_one_process_leaves_its_objects_out_of_collection_while_it_builds(tmp_path, monkeypatch):
    monkeypatch.setattr(printjobs, "run_build", _frozen_objects)
    before = gc.get_freeze_count()
    counts = [count for _, count in build_many(iter([job(tmp_path, ONE_PAGE)]), 1)]
    assert counts[0] > 1000
    assert gc.get_freeze_count() == before  # and collects them again afterwards


def test_longest_first_puts_memos_first_then_the_most_html(tmp_path):
    memo = job(tmp_path, ONE_PAGE, max_pages=1)
    long = job(tmp_path, TWO_PAGES + "<!-- longer -->")
    short = job(tmp_path, TWO_PAGES)
    assert sorted([short, long, memo], key=longest_first) == [memo, long, short]


def test_the_cache_answers_without_rendering_once_everything_is_there(tmp_path):
    memo = job(tmp_path, TWO_PAGES, ONE_PAGE, max_pages=1, name="memo")
    assert cached_build(memo) is None
    built = run_build(memo)
    cached = cached_build(memo)
    assert cached is not None
    assert (cached.path, cached.etag, cached.pages, cached.fits) == (
        built.path,
        built.etag,
        1,
        True,
    )
    assert cached.renders == 0

    in_cache(tmp_path, ONE_PAGE).write_bytes(b"%PDF-1.7\nhalf a file")  # never served
    assert cached_build(memo) is None
