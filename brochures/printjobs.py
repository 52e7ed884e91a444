"""Turn brochure HTML into cached PDFs. Pure (no Flask, no database) and picklable, so the CLI
can hand jobs to worker processes while the job queue renders the same jobs.

The print engine and pypdf are imported only by what renders, counts pages or imposes: the web,
which only checks the cache, never loads them for a brochure.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import json
import multiprocessing
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from school import printing
from school.files import read_whole_pdf, write_atomically

BOOKLET_SUFFIX = "-booklet"


@dataclass(frozen=True)
class BuildJob:
    """HTML variants tried in order until one fits ``max_pages`` (memos shrink to one page)."""

    candidates: tuple[str, ...]
    metadata: printing.PdfMetadata
    cache_dir: str
    max_pages: int | None = None
    impose: bool = False
    name: str = ""

    # The build protocol of the job queue (school.pdfjobs).

    @cached_property
    def key(self) -> str:
        """One hash of every candidate's content hash, the page limit and the imposition."""
        keys = [printing.cache_key(html, self.metadata) for html in self.candidates]
        payload = json.dumps([keys, self.max_pages, self.impose]).encode()
        return hashlib.sha256(payload).hexdigest()

    def cached(self) -> BuildResult | None:
        return cached_build(self)

    def run(self) -> BuildResult:
        return run_build(self)

    def forget_failure(self) -> None:
        for html in self.candidates:
            printing.forget_failure(self.cache_dir, printing.cache_key(html, self.metadata))


@dataclass(frozen=True)
class BuildResult:
    """The PDF in the cache, its ETag, and how many documents the engine had to render."""

    path: Path
    etag: str
    renders: int
    pages: int | None
    fits: bool
    name: str = ""

    def read(self) -> bytes:
        return self.path.read_bytes()


def run_build(job: BuildJob) -> BuildResult:
    """Render (or find in the cache) the first candidate that fits; impose it if asked."""
    if not job.candidates:
        raise ValueError("nothing to render")
    renders = 0
    pages: int | None = None
    fits = True
    cached = None
    for html in job.candidates:
        cached = printing.render_cached(html, job.cache_dir, job.metadata)
        renders += cached.rendered
        if job.max_pages is None:
            break
        pages = printing.pdf_page_count(cached.path.read_bytes())
        fits = pages <= job.max_pages
        if fits:
            break
    assert cached is not None
    path, etag = cached.path, cached.etag
    if job.impose:
        path, etag = _imposed(cached.path, cached.etag)
    return BuildResult(path=path, etag=etag, renders=renders, pages=pages, fits=fits, name=job.name)


def build_many(jobs: Iterable[BuildJob], workers: int) -> Iterator[tuple[int, BuildResult]]:
    """Run ``jobs`` in up to ``workers`` processes; yield ``(index, result)`` as each finishes.

    ``jobs`` is read lazily and may be a generator that plans each job (renders its HTML) when
    asked: the workers start on the first jobs while the later ones are still being planned
    here, so planning is not a serial step before all rendering.

    Longest first, so that no worker is left with a long job at the end while the others
    idle: whenever a worker is free it gets the longest job planned so far (see
    :func:`longest_first`). A caller that plans the memos first gets them started first, as
    sorting all the jobs up front would. One worker runs the jobs here, in this process, in
    the order given.
    """
    if workers <= 1:
        try:
            for index, job in enumerate(jobs):
                if index == 0:
                    # As in a worker (see _start_worker), but this process goes on afterwards.
                    printing.load_engine()
                    gc.freeze()
                yield index, run_build(job)
        finally:
            gc.unfreeze()
        return

    planned = enumerate(jobs)
    planning = True
    waiting: list[tuple[tuple[bool, int], int, BuildJob]] = []  # a heap, longest first
    running: dict[Future[BuildResult], int] = {}
    # The pool forks its workers on the first submit, so a build with nothing to render never
    # starts them.
    with ProcessPoolExecutor(
        workers, mp_context=_worker_context(), initializer=_start_worker
    ) as pool:
        while planning or waiting or running:
            # Only as many jobs as there are free workers: the rest wait here, where the next
            # free worker can still be given a longer job planned in the meantime.
            while waiting and len(running) < workers:
                _, index, job = heapq.heappop(waiting)
                running[pool.submit(run_build, job)] = index
            if planning:
                item = next(planned, None)
                if item is None:
                    planning = False
                else:
                    index, job = item
                    heapq.heappush(waiting, (longest_first(job), index, job))
                finished = [future for future in running if future.done()]
            else:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                yield running.pop(future), future.result()


def longest_first(job: BuildJob) -> tuple[bool, int]:
    """Sort key, longest job first: memos first (fitting one page may take several renders,
    and a two-column A4 memo is slow to balance, whatever its length), then the documents
    with the most HTML."""
    return job.max_pages is None, -len(job.candidates[0])


def _worker_context():
    # A forked worker starts with the app and everything it imported; a spawned one would import
    # them all again (a second or two), which on two cores is much of what the second one saves.
    # The pool forks all its workers on the first submit, before it starts any thread. Fork
    # only where it is safe (Linux); elsewhere spawn.
    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _start_worker() -> None:
    # The app never loads the print engine: each worker loads it as it starts, all of them at
    # once, while this process goes on planning.
    printing.load_engine()
    # A forked worker inherits the whole app, some 200,000 objects that it never frees, and the
    # engine adds its own. Left to the garbage collector, every full collection would walk them
    # all again and touch (so copy) their memory pages: about a tenth of a worker's time. Only
    # what the worker creates itself needs collecting.
    gc.freeze()


def cached_build(job: BuildJob) -> BuildResult | None:
    """The result of ``job`` if everything it needs is in the cache already, else None.

    Lets the CLI skip starting worker processes for documents that need no rendering.
    """
    pages: int | None = None
    fits = True
    found: tuple[Path, str] | None = None
    for html in job.candidates:
        key = printing.cache_key(html, job.metadata)
        path = Path(job.cache_dir) / f"{key}.pdf"
        data = read_whole_pdf(path)
        if data is None:
            return None
        found = (path, key)
        if job.max_pages is None:
            break
        pages = printing.pdf_page_count(data)
        fits = pages <= job.max_pages
        if fits:
            break
    if found is None:
        return None
    path, etag = found
    if job.impose:
        path = path.with_name(f"{etag}{BOOKLET_SUFFIX}.pdf")
        etag += BOOKLET_SUFFIX
        if read_whole_pdf(path) is None:
            return None
    return BuildResult(path=path, etag=etag, renders=0, pages=pages, fits=fits, name=job.name)


def _imposed(source: Path, etag: str) -> tuple[Path, str]:
    # The imposed sheets depend only on the source PDF: keep them next to it, keyed by its hash.
    target = source.with_name(f"{etag}{BOOKLET_SUFFIX}.pdf")
    if read_whole_pdf(target) is None:
        from brochures.imposition import impose_booklet  # pypdf: only where sheets are imposed

        write_atomically(target, impose_booklet(source.read_bytes()))
    return target, etag + BOOKLET_SUFFIX
