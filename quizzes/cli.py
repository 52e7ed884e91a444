"""``flask --app school quizzes ...``: GIFT import and export of a quiz's question bank."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from quizzes import services


@click.group("quizzes")
def quizzes() -> None:
    """Quizzes: import and export questions in Moodle's GIFT format."""


def _quiz(quiz_id: int):
    quiz = services.get_quiz(quiz_id)
    if quiz is None:
        raise click.ClickException(f"no quiz with id {quiz_id}")
    return quiz


@quizzes.command("import-gift")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--quiz", "quiz_id", type=int, required=True, help="Id of the quiz to import into.")
@click.option("--replace", is_flag=True, help="Delete the quiz's questions first.")
@with_appcontext
def import_gift(file: Path, quiz_id: int, replace: bool) -> None:
    """Import every question of a GIFT FILE into a quiz, or none when the file has errors."""
    quiz = _quiz(quiz_id)
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {file}: {error.strerror}") from None
    try:
        count = services.import_gift(quiz, services.decode_gift(data), replace=replace)
    except services.GiftImportError as error:
        for message in error.messages:
            click.echo(f"{file}: {message}", err=True)
        raise click.ClickException(
            f"{len(error.messages)} problem(s) found; nothing was imported"
        ) from None
    except services.QuizError as error:
        raise click.ClickException(f"{file}: {error.message}") from None
    click.echo(f"Imported {count} question(s) into quiz {quiz.id} ({quiz.title}).")


@quizzes.command("export-gift")
@click.option("--quiz", "quiz_id", type=int, required=True, help="Id of the quiz to export.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    required=True,
    help="File to write (- for standard output).",
)
@with_appcontext
def export_gift(quiz_id: int, output: Path) -> None:
    """Write a quiz's questions as a GIFT file."""
    quiz = _quiz(quiz_id)
    text = services.export_gift(quiz)
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    click.echo(f"Exported {len(quiz.questions)} question(s) to {output}.", err=True)
