"""``flask --app school finance ...``: import and export entries, rebuild the search index."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

group = AppGroup("finance", help="The financial-literacy knowledge base: entries and search.")


@group.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(archive: Path) -> None:
    """Import entries from a zip of Markdown files (all or nothing)."""
    from finance import bundle, services

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
    from finance import services

    archive.write_bytes(services.export_zip(which))
    click.echo(f"Entries written to {archive}.")


@group.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the published revisions."""
    from finance import services

    click.echo(f"{services.reindex_all()} entries indexed.")
