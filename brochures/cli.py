"""``flask --app school brochures ...``: build PDFs, import and export entries, reindex."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from brochures.layout import FORMATS, formats_for
from brochures.printjobs import BuildJob, BuildResult, build_many, cached_build

group = AppGroup("brochures", help="Financial-literacy brochures, memos and entries.")


def _source(brochure, current: bool):
    """The edition to print: the latest one, unless asked for the current texts."""
    if current or not brochure.editions:
        return None
    return brochure.latest_edition


def _plan(slug, build_all, fmt, impose, current, output: Path) -> list[tuple[BuildJob, Path]]:
    from brochures import services

    if build_all:
        brochures = services.list_brochures()
        if not brochures:
            raise click.ClickException("there are no brochures or memos to build")
        output.mkdir(parents=True, exist_ok=True)
        if not output.is_dir():
            raise click.ClickException(f"{output} is not a directory")
    else:
        if not slug:
            raise click.UsageError("give a brochure SLUG or --all")
        brochure = services.brochure_by_slug(slug)
        if brochure is None:
            known = ", ".join(b.slug for b in services.list_brochures()) or "none"
            raise click.ClickException(f"unknown brochure or memo {slug!r} (known: {known})")
        brochures = [brochure]
        if fmt and fmt not in formats_for(brochure.kind):
            allowed = ", ".join(formats_for(brochure.kind))
            raise click.ClickException(
                f"{slug} is a {brochure.kind}; it can be built as: {allowed}"
            )

    plan = []
    for brochure in brochures:
        chosen = fmt or brochure.primary_format
        if chosen not in formats_for(brochure.kind):
            continue  # --all --format memo skips the brochures, and the reverse
        wants_booklet = impose and FORMATS[chosen].booklet
        if impose and not wants_booklet and not build_all:
            raise click.ClickException("--impose works with the A5 booklet format (--format a5)")
        try:
            job = services.build_job(
                brochure, chosen, edition=_source(brochure, current), impose=wants_booklet
            )
        except services.FinanceError as error:
            raise click.ClickException(f"{brochure.slug}: {error.message}") from error
        name = f"{brochure.slug}-{chosen}{'-booklet' if wants_booklet else ''}.pdf"
        target = output / name if build_all or output.is_dir() else output
        plan.append((job, target))
    if not plan:
        raise click.ClickException(f"no brochure or memo can be built as {fmt}")
    return plan


def _run(
    plan: list[tuple[BuildJob, Path]], workers: int
) -> tuple[list[tuple[BuildResult, Path]], int]:
    """Build every job, the cached ones here; returns the results and the processes used."""
    done: list[tuple[BuildResult, Path]] = []
    todo: list[tuple[BuildJob, Path]] = []
    with click.progressbar(length=len(plan), label="Rendering PDFs", file=sys.stderr) as bar:
        for job, target in plan:
            cached = cached_build(job)
            if cached is None:
                todo.append((job, target))
            else:
                done.append((cached, target))
                bar.update(1)
        used = 1 if workers <= 1 or len(todo) <= 1 else min(workers, len(todo))
        # HTML was rendered here, in the app; the workers only run the print engine.
        for index, result in build_many([job for job, _ in todo], used):
            done.append((result, todo[index][1]))
            bar.update(1)
    return done, used


def _copy_whole(source: Path, target: Path) -> None:
    """Copy a PDF so that ``target`` is never half-written, even if the build is killed."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@group.command("build")
@click.argument("slug", required=False)
@click.option("--all", "build_all", is_flag=True, help="Build every brochure and memo.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default=None,
    help="a5 (booklet), a4, large (large print) or memo; default: the main format of each.",
)
@click.option("--impose", is_flag=True, help="Impose the A5 booklet two-up on A4 sheets.")
@click.option("--current", is_flag=True, help="Print the current texts, not the latest edition.")
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="File, or directory."
)
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes.")
def build(slug, build_all, fmt, impose, current, output: Path, jobs) -> None:
    """Render PDFs of a brochure or memo (SLUG), or of all of them (--all)."""
    if slug and build_all:
        raise click.UsageError("give either a SLUG or --all, not both")
    plan = _plan(slug, build_all, fmt, impose, current, output)
    workers = min(len(plan), jobs or os.cpu_count() or 1)
    results, used = _run(plan, workers)
    rendered = 0
    for result, target in sorted(results, key=lambda r: str(r[1])):
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_whole(result.path, target)
        rendered += result.renders
        if not result.fits:
            click.echo(
                f"warning: {target.name} does not fit on one page ({result.pages} pages)",
                err=True,
            )
        click.echo(f"{target}")
    cached = len(results) - sum(1 for r, _ in results if r.renders)
    click.echo(
        f"{len(results)} PDF(s) written: {rendered} rendered, {cached} from the cache "
        f"({used} process(es))."
    )


@group.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(archive: Path) -> None:
    """Import entries from a zip of Markdown files (all or nothing)."""
    from brochures import bundle, services

    try:
        summary = services.import_zip(None, archive.read_bytes())
    except bundle.BundleError as error:
        for problem in error.problems:
            click.echo(services.problem_message(problem), err=True)
        raise click.ClickException("nothing was imported") from error
    click.echo(
        f"{summary.created} new, {summary.updated} updated, {summary.unchanged} unchanged "
        f"entries; {summary.topics_created} new topics."
    )


@group.command("export")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--which", type=click.Choice(["published", "latest"]), default="published")
def export_command(archive: Path, which: str) -> None:
    """Export every entry to a zip of Markdown files with YAML front matter."""
    from brochures import services

    archive.write_bytes(services.export_zip(which))
    click.echo(f"Entries written to {archive}.")


@group.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the published revisions."""
    from brochures import services

    click.echo(f"{services.reindex_all()} entries indexed.")
