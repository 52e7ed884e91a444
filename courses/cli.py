"""``flask --app school courses export|import``: courses as folders of Markdown files."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from courses import bundle, services
from school.services import find_user


@click.group("courses")
def courses() -> None:
    """Export and import courses in the folder format (Markdown with YAML front matter)."""


@courses.command("export")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="The zip file to write, or with --folder the directory to write the folder into.",
)
@click.option("--folder", is_flag=True, help="Write the course folder instead of a zip.")
@click.option("--force", is_flag=True, help="Overwrite an existing zip file.")
@with_appcontext
def export_command(slug: str, output: Path, folder: bool, force: bool) -> None:
    """Write the course SLUG to a zip file (or a folder)."""
    course = services.course_by_slug(slug)
    if course is None:
        raise click.ClickException(f"no course with the slug {slug!r}")
    data = services.export_data(course)
    if folder:
        target = output / data.slug
        if target.exists():
            raise click.ClickException(f"{target} already exists; choose another directory")
        bundle.write_folder(data, output)
        click.echo(f"Course {slug} written to {target}/")
        return
    if output.exists() and not force:
        raise click.ClickException(f"{output} already exists; use --force to overwrite it")
    if output.is_dir():
        raise click.ClickException(f"{output} is a directory; use --folder to write a folder")
    output.write_bytes(bundle.write_zip(data))
    click.echo(f"Course {slug} written to {output}")


@courses.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace the course with the same slug.")
@click.option("--slug", default=None, help="Import under this slug instead of the bundle's.")
@click.option(
    "--instructor",
    "instructors",
    multiple=True,
    help="Username of an instructor of a new course (repeat for several).",
)
@click.option("--publish", is_flag=True, help="Publish the course right away.")
@with_appcontext
def import_command(
    source: Path, replace: bool, slug: str | None, instructors: tuple[str, ...], publish: bool
) -> None:
    """Import a course from a zip file or a course folder (all or nothing)."""
    users = []
    for username in instructors:
        user = find_user(username)
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        users.append(user)
    try:
        data = services.import_folder_or_zip(source)
        result = services.import_course(
            data, instructors=users, replace=replace, slug=slug, publish=publish
        )
    except services.DuplicateCourse as error:
        raise click.ClickException(
            f"{error.message} Use --replace to replace it or --slug to import a copy."
        ) from None
    except services.CourseError as error:
        raise click.ClickException(f"cannot import {source}:\n{error.message}") from None
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    action = "created" if result.created else "replaced"
    click.echo(
        f"Course {result.course.slug} {action}: {len(result.course.modules)} modules, "
        f"{len(result.course.items())} items"
        + (", published." if result.course.published else ", draft.")
    )
