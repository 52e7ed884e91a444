"""PDFs through the job queue (:mod:`school.jobs`): a reader's request never renders.

A *build* is a picklable description of one PDF, built by a worker:

* ``key`` -- its content hash: one job per key, however many readers ask;
* ``cached()`` -- the finished file (an object with ``path`` and ``etag``), or None;
* ``run()`` -- render it into the cache (what the worker does);
* ``forget_failure()`` -- let a failed input be tried again (a staff retry);
* ``name`` -- what staff see in the queue.

:class:`Render` is the build of one HTML document (workbooks, certificates, quiz papers);
``brochures.printjobs.BuildJob`` is another (memos shrink until they fit, booklets are imposed).
:func:`send_or_prepare` answers a download: the file when it is there, otherwise a page that
says it is being prepared and reloads itself (no JavaScript) until it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from flask import Response, current_app, make_response, render_template

from school import jobs, pdfcache, printing
from school.downloads import send_pdf
from school.files import is_whole_pdf_file

#: Seconds between the reloads of the "being prepared" page.
REFRESH_SECONDS = 5


class Built(Protocol):
    path: Path
    etag: str


class Build(Protocol):
    name: str

    @property
    def key(self) -> str: ...

    def cached(self) -> Built | None: ...

    def run(self) -> Built: ...

    def forget_failure(self) -> None: ...


@dataclass(frozen=True)
class Render:
    """One HTML document rendered as it is (no page limit, no imposition)."""

    html: str
    metadata: printing.PdfMetadata
    cache_dir: str
    name: str = ""

    @cached_property
    def key(self) -> str:
        return printing.cache_key(self.html, self.metadata)

    def cached(self) -> printing.CachedPdf | None:
        path = Path(self.cache_dir) / f"{self.key}.pdf"
        if not is_whole_pdf_file(path):
            return None
        pdfcache.touch(path)
        return printing.CachedPdf(path, self.key, rendered=False)

    def run(self) -> printing.CachedPdf:
        return printing.render_cached(self.html, self.cache_dir, self.metadata)

    def forget_failure(self) -> None:
        printing.forget_failure(self.cache_dir, self.key)


def render(html: str, metadata: printing.PdfMetadata, name: str = "") -> Render:
    """The build of ``html`` into the app's cache folder."""
    return Render(html, metadata, current_app.config["PDF_CACHE_DIR"], name or metadata.title)


def build_pdf(build: Build, fresh: bool = False) -> None:
    """The job: build the PDF into the cache, then keep the cache within its size."""
    if fresh:
        build.forget_failure()
    result = build.run()
    pdfcache.prune_configured(also_keep=[result.path])


def submit(build: Build) -> jobs.JobInfo:
    """Have the queue build it, once however often this is asked."""
    return jobs.queue().submit(
        build_pdf,
        build,
        key=f"pdf-{build.key}",
        description=build.name,
        retry_kwargs={"fresh": True},
    )


def submit_missing(builds) -> int:
    """Submit each build whose PDF is not in the cache; how many were submitted."""
    missing = 0
    for build in builds:
        if build.cached() is None:
            submit(build)
            missing += 1
    return missing


def preparing_page(state: jobs.JobInfo) -> Response:
    """What a reader sees while the file is built: 202 and a page that reloads itself.

    A build that failed gives 503 and says that the file cannot be made now (staff see the
    error in the queue and can retry it); never a 500.
    """
    failed = state.state == jobs.FAILED
    page = render_template("school/preparing.html", failed=failed, refresh=REFRESH_SECONDS)
    response = make_response(page, 503 if failed else 202)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Retry-After"] = str(REFRESH_SECONDS * (12 if failed else 1))
    return response


def ready_or_page(build: Build) -> tuple[Any | None, Response | None]:
    """``(file, None)`` when it is built, else ``(None, the being-prepared page)``."""
    found = build.cached()
    if found is not None:
        return found, None
    return None, preparing_page(submit(build))


def send_or_prepare(
    build: Build, filename: str, *, attachment: bool = False, private: bool = False
) -> Response:
    """The PDF when it is built (see :func:`school.downloads.send_pdf`), else the page that
    waits for it."""
    found, page = ready_or_page(build)
    if page is not None:
        return page
    return send_pdf(found.path, found.etag, filename, attachment=attachment, private=private)
