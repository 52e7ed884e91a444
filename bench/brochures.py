"""Brochure figures: build time against WeasyPrint alone, cached downloads, ``build --all``.

``python -m bench.brochures [--rounds 2] [--database-url URL]`` takes only the ``build --all``
figures, on a fresh demo instance with the generated brochures of :data:`EXTRA_BROCHURES`.
"""

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
# With the five demo documents, these make the twenty that `build --all` prints: five each in
# A5, A4 and large print, 190 generated entries in all.
EXTRA_BROCHURES = tuple(
    (f"bench-extra-{fmt}-{number}", fmt, entries)
    for number in range(1, 6)
    for fmt, entries in (("a5", 16), ("a4", 16), ("large", 6))
)
DEMO_DOCUMENTS = 5


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


#: ``python -m bench.brochures --first-render FLASK-ARGS``: see :func:`_first_render_cli`.
FIRST_RENDER = "--first-render"
_FIRST_RENDER_LINE = "bench first render after: "


def _first_render_cli(args: list[str]) -> int:
    """``flask ARGS`` in this process; says on stderr when the first render began.

    The seconds count from ``BENCH_LAUNCHED`` (the parent's ``time.monotonic()`` just before it
    started this process): starting Python, the app, planning and the print engine's import,
    everything one process does before it lays out its first page.
    """
    launched = float(os.environ["BENCH_LAUNCHED"])
    from school import printing

    render = printing.render_pdf
    first: list[float] = []

    def timed(*args, **kwargs):
        if not first:
            first.append(time.monotonic() - launched)
        return render(*args, **kwargs)

    printing.render_pdf = timed
    from flask.cli import main as flask_main

    sys.argv = ["flask", *args]
    try:
        flask_main()
    finally:
        if first:
            print(f"{_FIRST_RENDER_LINE}{first[0]:.3f}", file=sys.stderr, flush=True)
    return 0


@dataclass(frozen=True)
class _Run:
    seconds: float
    summary: str
    first_render: float | None


def _build_all(env: dict[str, str], jobs: int, cache: Path, out: Path) -> _Run:
    args = _flask_command("brochures", "build", "--all", "-o", str(out), "--jobs", str(jobs))
    if jobs == 1:
        # The same command, run through the wrapper that times the first render.
        args = ["-m", "bench.brochures", FIRST_RENDER, *args[2:]]
    start = time.perf_counter()
    env = {**env, "PDF_CACHE_DIR": str(cache), "BENCH_LAUNCHED": str(time.monotonic())}
    result = _checked(_python(env, *args))
    seconds = time.perf_counter() - start
    first = [line for line in result.stderr.splitlines() if line.startswith(_FIRST_RENDER_LINE)]
    first_render = float(first[-1].removeprefix(_FIRST_RENDER_LINE)) if first else None
    return _Run(seconds, result.stdout.strip().splitlines()[-1], first_render)


@dataclass(frozen=True)
class BuildAll:
    """``flask brochures build --all``: wall times with one and two processes, and cached."""

    serial: list[float]
    parallel: list[float]
    cached: float
    summary: str
    documents: int = DEMO_DOCUMENTS + len(EXTRA_BROCHURES)
    #: Seconds before the first render began, in each run with one process.
    first_render: tuple[float, ...] = ()

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
    first_render: list[float] = []
    summary = ""
    with tempfile.TemporaryDirectory(prefix="bench-all-") as scratch:
        for number in range(rounds):
            for jobs in (1, 2):
                run = Path(scratch) / f"{number}-{jobs}"
                done = _build_all(env, jobs, run / "cache", run / "out")
                times[jobs].append(done.seconds)
                if done.first_render is not None:
                    first_render.append(done.first_render)
                summary = done.summary if jobs == 2 else summary
                started = (
                    f"; first render after {done.first_render:.2f} s" if done.first_render else ""
                )
                progress(f"{jobs} process(es): {done.seconds:.1f} s ({done.summary}{started})")
        # Again into a full cache: start-up, planning and copying, and nothing to render.
        cached = min(
            _build_all(env, 2, run / "cache", run / f"again-{n}").seconds for n in range(2)
        )
        documents = len(list((run / "out").glob("*.pdf")))
    return BuildAll(times[1], times[2], cached, summary, documents, tuple(first_render))


def build_all_figures(result: BuildAll) -> list[Figure]:
    note = (
        f"fastest of {len(result.serial)}: 1 process {min(result.serial):.1f} s, "
        f"2 processes {min(result.parallel):.1f} s; with nothing to render {result.cached:.1f} s, "
        f"so rendering alone {result.render_speedup:.2f}x; {result.summary}"
    )
    figures = [
        Figure(
            SECTION,
            f"`brochures build --all` ({result.documents} documents): 2 processes vs 1",
            result.speedup,
            "x",
            at_least(1.85, ">= 1.85x"),
            note,
        ),
    ]
    if result.first_render:
        figures.append(
            Figure(
                SECTION,
                "`brochures build --all`, 1 process: start-up before the first render",
                min(result.first_render),
                "s",
                below(1.2, "< 1.2 s"),
                "Python, the app, planning the first document, the print engine's import; "
                f"fastest of {', '.join(f'{s:.2f}' for s in result.first_render)} s",
            )
        )
    return figures


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


def main(argv: list[str] | None = None) -> int:
    import argparse
    import compileall

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [FIRST_RENDER]:
        return _first_render_cli(argv[1:])

    from bench import kb, machine
    from bench.database import fresh_database, released
    from bench.report import table
    from bench.server import bench_env, flask

    parser = argparse.ArgumentParser(prog="python -m bench.brochures", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, the best one counts")
    args = parser.parse_args(argv)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-brochures-") as scratch:
        instance = Path(scratch) / "instance"
        with fresh_database(args.database_url, instance) as database_url:
            env = bench_env(instance, database_url)
            os.environ.update({k: env[k] for k in ("INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY")})
            # Bytecode as an installed copy has it (as `make bench` does), even where
            # PYTHONDONTWRITEBYTECODE is set: every command would otherwise compile the project.
            for package in ("school", "webinars", "courses", "quizzes", "finance", "brochures"):
                compileall.compile_dir(PROJECT / package, quiet=1)
            flask(env, "db", "upgrade")
            flask(env, "seed-demo")
            from bench.wsgi import app

            with released(app):
                needed = sum(entries for _slug, _fmt, entries in EXTRA_BROCHURES)
                with app.app_context():
                    kb.load(kb.generate_entries(needed, kb.demo_entries()))
                offset = 0
                for slug, fmt, entries in EXTRA_BROCHURES:
                    compose(app, slug, f"Сборник {slug}", fmt, entries, offset)
                    offset += entries
                before = machine.parallel_capacity()
                result = build_all(env, args.rounds, progress)
                after = machine.parallel_capacity()
                figures = build_all_figures(result)
                figures.append(
                    Figure("Machine", "Two CPU-bound processes vs one", min(before, after), "x",
                           note=f"before {before:.2f}x, after {after:.2f}x")
                )  # fmt: skip
                print(table(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
