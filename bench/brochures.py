"""Brochure figures: build time against WeasyPrint alone, cached downloads, ``build --all``."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.kb import PREFIX
from bench.report import Figure, at_least, at_most, below
from bench.server import PROJECT

SECTION = "Brochures"
MEMORY = "Memory"
# The demo A5 brochure prints about two pages per entry; generated entries are as long.
ENTRIES_FOR_50_PAGES = 26
ENTRIES_FOR_200_PAGES = 118
# With the five demo documents, these make the eight that `build --all` prints.
EXTRA_BROCHURES = (
    ("bench-extra-a5", "a5", 16),
    ("bench-extra-a4", "a4", 16),
    ("bench-extra-large", "large", 6),
)


def compose(app, slug: str, title: str, fmt: str, entries: int, offset: int) -> None:
    """A brochure of ``entries`` generated entries, ten to a section, in its current texts."""
    from sqlalchemy import select

    from brochures import services
    from brochures.models import Kind
    from finance.models import Entry
    from school.extensions import db

    with app.app_context():
        chosen = list(
            db.session.scalars(
                select(Entry)
                .where(Entry.slug.startswith(PREFIX), Entry.published_revision_id.is_not(None))
                .order_by(Entry.id)
                .offset(offset)
                .limit(entries)
            )
        )
        if len(chosen) < entries:
            raise RuntimeError(f"only {len(chosen)} generated entries for {slug}")
        data = services.BrochureInput(
            kind=Kind.BROCHURE.value,
            slug=slug,
            title=title,
            language="ru",
            edition_label="Испытательное издание",
            primary_format=fmt,
            introduction="Сборник ответов для замера скорости печати.",
        )
        brochure = services.create_brochure(None, data)
        section = brochure.sections[0]
        for number, entry in enumerate(chosen):
            if number and number % 10 == 0:
                section = services.add_section(brochure, f"Раздел {number // 10 + 1}")
            services.add_item(section, entry)


def _python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=PROJECT, capture_output=True, text=True, check=False
    )


def _flask_command(*args: str) -> list[str]:
    return ["-m", "flask", "--app", "school", *args]


def _checked(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    if result.returncode:
        raise RuntimeError(f"{' '.join(result.args)} failed:\n{result.stderr[-3000:]}")
    return result


@dataclass(frozen=True)
class Comparison:
    """Seconds per build, ours and WeasyPrint alone, over alternating rounds in one process."""

    pages: dict[str, int]
    cpu: dict[str, list[float]]
    wall: dict[str, list[float]]

    @property
    def ratios(self) -> list[float]:
        """CPU time of ours over WeasyPrint's in each round (the two ran back to back)."""
        return [a / b for a, b in zip(self.cpu["ours"], self.cpu["weasyprint"], strict=True)]

    @property
    def ratio(self) -> float:
        # The median of paired rounds: a disturbed round moves it less than a mean or a minimum.
        return statistics.median(self.ratios)


def compare(env: dict[str, str], slug: str, rounds: int, warm_up: str | None = None) -> Comparison:
    args = ["-m", "bench.buildjob", slug, "a5", str(rounds)] + ([warm_up] if warm_up else [])
    data = json.loads(_checked(_python(env, *args)).stdout.strip().splitlines()[-1])
    return Comparison(data["pages"], data["cpu"], data["wall"])


def build_figures(label: str, result: Comparison) -> list[Figure]:
    cpu, wall = result.cpu, result.wall
    note = (
        f"{result.pages['ours']} pages; median of {len(result.ratios)} rounds "
        f"({', '.join(f'{r:.2f}' for r in result.ratios)}); median CPU ours "
        f"{statistics.median(cpu['ours']):.2f} s, WeasyPrint "
        f"{statistics.median(cpu['weasyprint']):.2f} s (wall "
        f"{statistics.median(wall['ours']):.2f} s, {statistics.median(wall['weasyprint']):.2f} s)"
    )
    if result.pages["weasyprint"] != result.pages["ours"]:
        note += f"; WeasyPrint alone: {result.pages['weasyprint']} pages"
    return [
        Figure(
            SECTION,
            f"Build of a {label}-page A5 brochure vs WeasyPrint alone (CPU time)",
            result.ratio,
            "x",
            at_most(1.15, "<= 1.15x"),
            note,
        ),
    ]


@dataclass(frozen=True)
class CliBuild:
    seconds: float
    peak_rss_mb: float
    summary: str


def cli_build(env: dict[str, str], slug: str, fmt: str) -> CliBuild:
    """``flask brochures build SLUG`` into an empty cache: its wall time and its own peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as scratch:
        command = [
            sys.executable,
            *_flask_command(
                "brochures", "build", slug, "--current", "--format", fmt, "-o", f"{scratch}/out.pdf"
            ),
        ]
        with (Path(scratch) / "log").open("w+") as output:
            start = time.perf_counter()
            process = subprocess.Popen(
                command,
                env={**env, "PDF_CACHE_DIR": f"{scratch}/cache"},
                cwd=PROJECT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            # wait4 gives this child's own peak; RUSAGE_CHILDREN would mix in every earlier child.
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            output.seek(0)
            text = output.read()
        if process.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{text[-3000:]}")
    return CliBuild(seconds, usage.ru_maxrss / 1024, text.strip().splitlines()[-1])


def _build_all(env: dict[str, str], jobs: int, cache: Path, out: Path) -> tuple[float, str]:
    start = time.perf_counter()
    result = _checked(
        _python(
            {**env, "PDF_CACHE_DIR": str(cache)},
            *_flask_command("brochures", "build", "--all", "-o", str(out), "--jobs", str(jobs)),
        )
    )
    return time.perf_counter() - start, result.stdout.strip().splitlines()[-1]


@dataclass(frozen=True)
class BuildAll:
    """``flask brochures build --all``: wall times with one and two processes, and cached."""

    serial: list[float]
    parallel: list[float]
    cached: float
    summary: str

    @property
    def speedup(self) -> float:
        return min(self.serial) / min(self.parallel)

    @property
    def render_speedup(self) -> float:
        """The same without the command's start-up and planning (a run with nothing to render)."""
        return (min(self.serial) - self.cached) / (min(self.parallel) - self.cached)


def build_all(env: dict[str, str], rounds: int, progress: Callable[[str], None]) -> BuildAll:
    """Every brochure and memo into an empty cache, alternating one and two processes."""
    times: dict[int, list[float]] = {1: [], 2: []}
    summary = ""
    with tempfile.TemporaryDirectory(prefix="bench-all-") as scratch:
        for number in range(rounds):
            for jobs in (1, 2):
                run = Path(scratch) / f"{number}-{jobs}"
                seconds, line = _build_all(env, jobs, run / "cache", run / "out")
                times[jobs].append(seconds)
                summary = line if jobs == 2 else summary
                progress(f"{jobs} process(es): {seconds:.1f} s ({line})")
        # Again into a full cache: start-up, planning and copying, and nothing to render.
        cached = min(_build_all(env, 2, run / "cache", run / f"again-{n}")[0] for n in range(2))
    return BuildAll(times[1], times[2], cached, summary)


def build_all_figures(result: BuildAll) -> list[Figure]:
    note = (
        f"fastest of {len(result.serial)}: 1 process {min(result.serial):.1f} s, "
        f"2 processes {min(result.parallel):.1f} s; with nothing to render {result.cached:.1f} s, "
        f"so rendering alone {result.render_speedup:.2f}x; {result.summary}"
    )
    return [
        Figure(
            SECTION,
            "`brochures build --all` (8 documents): 2 processes vs 1",
            result.speedup,
            "x",
            at_least(1.7, ">= 1.7x"),
            note,
        ),
    ]


def prebuild(env: dict[str, str], slug: str, fmt: str) -> None:
    """Put the latest edition's PDF into the server's cache, as a first download would."""
    with tempfile.TemporaryDirectory(prefix="bench-pre-") as scratch:
        out = str(Path(scratch) / "out.pdf")
        _checked(
            _python(env, *_flask_command("brochures", "build", slug, "--format", fmt, "-o", out))
        )


def cached_download_figures(result, size: int, hello) -> list[Figure]:
    note = (
        f"{size // 1024} KB PDF; p99 {result.p99_ms:.0f} ms; "
        f"hello just before {hello.requests_per_second:.0f}/s"
    )
    if result.errors:
        note += f"; {result.errors} errors"
    return [
        Figure(
            SECTION,
            "Cached edition PDF re-download (wrk, 16 connections)",
            result.requests_per_second,
            "req/s",
            at_least(1000, ">= 1 000/s"),
            note,
        ),
    ]


def memory_figure(build: CliBuild, pages: int) -> Figure:
    return Figure(
        MEMORY,
        f"Peak RSS of a {pages}-page build (`flask brochures build`)",
        build.peak_rss_mb,
        "MB",
        below(300, "< 300 MB"),
        f"the whole process; {build.seconds:.1f} s wall",
    )
