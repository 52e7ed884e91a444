"""``flask --app school brochures build ...``: the PDFs of brochures and memos, on all cores."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup

from brochures.layout import FORMATS, formats_for
from brochures.printjobs import BOOKLET_SUFFIX, BuildJob, BuildResult, build_many, cached_build
from brochures.rendering import max_pages
from school.files import copy_atomically, write_atomically

if TYPE_CHECKING:
    from brochures.models import Brochure

group = AppGroup("brochures", help="Financial-literacy brochures and memos: build their PDFs.")


def _source(brochure, current: bool):
    """The edition to print: the latest one, unless asked for the current texts."""
    if current or not brochure.editions:
        return None
    return brochure.latest_edition


@dataclass(frozen=True)
class _Order:
    """One PDF to build: a brochure in one format, and where the PDF goes."""

    brochure: Brochure
    fmt: str
    impose: bool
    target: Path


def _orders(slug, build_all, fmt, impose, output: Path) -> list[_Order]:
    """Check the arguments and say what to build, before anything is rendered."""
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

    orders = []
    for brochure in brochures:
        chosen = fmt or brochure.primary_format
        if chosen not in formats_for(brochure.kind):
            continue  # --all --format memo skips the brochures, and the reverse
        wants_booklet = impose and FORMATS[chosen].booklet
        if impose and not wants_booklet and not build_all:
            raise click.ClickException("--impose works with the A5 booklet format (--format a5)")
        name = f"{brochure.slug}-{chosen}{'-booklet' if wants_booklet else ''}.pdf"
        target = output / name if build_all or output.is_dir() else output
        orders.append(_Order(brochure, chosen, wants_booklet, target))
    if not orders:
        raise click.ClickException(f"no brochure or memo can be built as {fmt}")
    # build_many hands out the memos first, but only those already planned: plan them first,
    # so that the workers start on them while the rest are planned.
    orders.sort(key=lambda order: max_pages(order.fmt) is None)
    return orders


def _jobs(orders: list[_Order], current: bool) -> Iterator[BuildJob]:
    """The job of each order, planned (its HTML rendered) only when asked for."""
    from brochures import services

    for order in orders:
        try:
            yield services.build_job(
                order.brochure,
                order.fmt,
                edition=_source(order.brochure, current),
                impose=order.impose,
            )
        except services.BrochureError as error:
            raise click.ClickException(f"{order.brochure.slug}: {error.message}") from error


def _stored(orders: list[_Order], current: bool) -> tuple[list[tuple[bytes, Path]], list[_Order]]:
    """The orders whose edition has its file stored (those bytes are the edition, never
    rendered again), and the rest."""
    from brochures import services

    stored, left = [], []
    for order in orders:
        edition = _source(order.brochure, current)
        fmt = order.fmt + (BOOKLET_SUFFIX if order.impose else "")
        found = services.edition_file(edition, fmt) if edition is not None else None
        if found is None:
            left.append(order)
        else:
            stored.append((services.edition_file_data(found), order.target))
    return stored, left


def _run(
    orders: list[_Order], current: bool, workers: int
) -> tuple[list[tuple[BuildResult, Path]], int]:
    """Build every order, the cached ones here; returns the results and the processes used.

    Planning, the cache check and rendering overlap: build_many asks for the next job (planned
    and checked here) while the workers render the jobs it has handed out.
    """
    done: list[tuple[BuildResult, Path]] = []
    rendering: list[Path] = []  # the targets of the jobs handed to build_many, in its indices
    with click.progressbar(length=len(orders), label="Rendering PDFs", file=sys.stderr) as bar:

        def uncached() -> Iterator[BuildJob]:
            for order, job in zip(orders, _jobs(orders, current), strict=True):
                cached = cached_build(job)
                if cached is None:
                    rendering.append(order.target)
                    yield job
                else:
                    done.append((cached, order.target))
                    bar.update(1)

        # HTML is rendered here, in the app; the workers only run the print engine.
        for index, result in build_many(uncached(), workers):
            done.append((result, rendering[index]))
            bar.update(1)
    used = min(workers, len(rendering)) if rendering else 1
    return done, used


def _warn_unprintable(orders: list[_Order], current: bool) -> None:
    """Name each character no bundled font has, and where it is, before anything is built."""
    from brochures import glyphs, services

    for brochure in {order.brochure.id: order.brochure for order in orders}.values():
        if _source(brochure, current) is not None:
            continue  # a stored edition prints as it was published
        for missing in glyphs.unprintable(services.document_for(brochure)):
            click.echo(f"warning: {brochure.slug}: {glyphs.describe_plain(missing)}", err=True)


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
@click.option(
    "--press",
    is_flag=True,
    help="Files for a print house (PDF/X-4 interior, cover, spine, job sheet) into -o DIR.",
)
@click.option("--copies", type=click.IntRange(1), default=None, help="Print run (--press).")
@click.option("--current", is_flag=True, help="Print the current texts, not the latest edition.")
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="File, or directory."
)
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes.")
def build(slug, build_all, fmt, impose, press, copies, current, output: Path, jobs) -> None:
    """Render PDFs of a brochure or memo (SLUG), or of all of them (--all)."""
    if slug and build_all:
        raise click.UsageError("give either a SLUG or --all, not both")
    if press:
        _build_press(slug, build_all, fmt, impose, current, copies, output)
        return
    planned = _orders(slug, build_all, fmt, impose, output)
    _warn_unprintable(planned, current)
    stored, orders = _stored(planned, current)
    for data, target in stored:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data)
        click.echo(f"{target}")
    if not orders:
        click.echo(f"{len(stored)} PDF(s) written from stored editions.")
        return
    workers = min(len(orders), jobs or os.cpu_count() or 1)
    results, used = _run(orders, current, workers)
    rendered = 0
    for result, target in sorted(results, key=lambda r: str(r[1])):
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_atomically(result.path, target)
        rendered += result.renders
        if not result.fits:
            click.echo(
                f"warning: {target.name} does not fit on one page ({result.pages} pages)",
                err=True,
            )
        click.echo(f"{target}")
    cached = len(results) - sum(1 for r, _ in results if r.renders)
    from_editions = f", {len(stored)} from stored editions" if stored else ""
    click.echo(
        f"{len(results) + len(stored)} PDF(s) written: {rendered} rendered, {cached} from the "
        f"cache{from_editions} ({used} process(es))."
    )


def _build_press(slug, build_all, fmt, impose, current, copies, output: Path) -> None:
    """The press files of one brochure in one format, into the directory ``output``.

    An edition's press files are stored once: the first build stores them, later ones write
    the stored bytes."""
    from brochures import services
    from brochures.services import press as press_files

    if build_all or impose or not slug:
        raise click.UsageError("--press builds one brochure (SLUG), without --all or --impose")
    brochure = services.brochure_by_slug(slug)
    if brochure is None:
        raise click.ClickException(f"unknown brochure or memo {slug!r}")
    chosen = fmt or brochure.primary_format
    if output.exists() and not output.is_dir():
        raise click.ClickException(f"{output} is not a directory (--press writes several files)")
    edition = _source(brochure, current)
    try:
        press_files.check_press_format(brochure, chosen)
        if edition is None:
            files = press_files.build_press(
                brochure, chosen, order=press_files.PressOrder(copies=copies)
            ).named()
        else:
            press_files.store_press_files(edition.id, chosen, copies)
            stored = press_files.press_files(edition, chosen)
            files = {name: services.edition_file_data(item) for name, item in stored.items()}
    except services.BrochureError as error:
        raise click.ClickException(f"{slug}: {error.message}") from error
    output.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = output / f"{slug}-{chosen}-press-{name}.pdf"
        write_atomically(target, data)
        click.echo(f"{target}")
