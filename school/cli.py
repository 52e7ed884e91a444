"""Command-line interface: ``flask --app school COMMAND``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from school import backup as backups
from school import credentials, resets, services
from school.extensions import db
from school.files import write_atomically
from school.models import Role


def _read_password(prompt: bool) -> str:
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("no password on standard input")
        return password
    if not prompt:
        raise click.ClickException("no password given")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.STUDENT.value,
    show_default=True,
)
@click.option("--display-name", default=None, help="Name shown on certificates.")
@with_appcontext
def create_user(username: str, role: str, display_name: str | None) -> None:
    """Create an account; the password is read from a prompt or from standard input."""
    password = _read_password(prompt=True)
    try:
        user = services.register_user(username, password, role=role, display_name=display_name)
    except services.AccountError as error:
        raise click.ClickException(f"{error.field or 'account'}: {error.message}") from error
    click.echo(f"Created {user.username} ({user.role}).")


def _user_or_fail(username: str):
    if (user := services.find_user(username)) is not None:
        return user
    raise click.ClickException(f"no account named {username!r}")


@click.command("recovery-codes")
@click.argument("username")
@with_appcontext
def recovery_codes(username: str) -> None:
    """Make new recovery codes for an account (the old ones stop working) and print them."""
    for code in credentials.new_recovery_codes(_user_or_fail(username)):
        click.echo(code)


@click.command("reset-password")
@click.argument("username")
@with_appcontext
def reset_password(username: str) -> None:
    """Make a one-time password-reset link for an account and print it (PUBLIC_URL's address).

    The link works once, for PASSWORD_RESET_HOURS; a newer link voids it. Using it ends every
    session of the account.
    """
    user = _user_or_fail(username)
    try:
        link = resets.issue_link(user, channel="cli")
    except resets.ResetError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(link.url)
    click.echo(f"It works once, until {link.expires_at:%Y-%m-%d %H:%M} UTC.", err=True)


@click.command("disable-totp")
@click.argument("username")
@with_appcontext
def disable_totp(username: str) -> None:
    """Turn off an account's two-step login, for someone who lost the phone."""
    user = _user_or_fail(username)
    credentials.remove_totp(user)
    click.echo(f"Two-step login is off for {user.username}.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the demonstration accounts and content, and print the demo accounts."""
    from school import demo

    if if_empty and not demo.database_is_empty():
        click.echo("The database already has data; demo content not loaded.")
        demo.print_accounts(click.echo)
        return
    demo.seed(click.echo)
    demo.print_accounts(click.echo)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "sqlite", "json", "archive"]),
    default="auto",
    help="auto: an SQLite copy for SQLite, a JSON dump for PostgreSQL; archive: the whole "
    "site in one encrypted file (passphrase from a prompt or BACKUP_PASSPHRASE).",
)
@click.option("--with-sessions", is_flag=True, help="archive: keep login sessions too.")
@click.option(
    "--with-secrets",
    is_flag=True,
    help="archive: keep the secret key, reset links and second-factor secrets too.",
)
@with_appcontext
def backup(path: Path, fmt: str, with_sessions: bool, with_secrets: bool) -> None:
    """Write a consistent copy of the database to PATH while the site runs."""
    engine = db.engine
    if fmt == "auto":
        fmt = "sqlite" if backups.sqlite_file(engine) else "json"
    if path.exists():
        raise click.ClickException(f"{path} exists; choose a new file name")
    try:
        if fmt == "sqlite":
            backups.backup_sqlite(engine, path)
        elif fmt == "archive":
            archive = backups.make_archive(
                engine,
                db.metadata,
                _instance_files(with_secrets),
                with_sessions=with_sessions,
                with_secrets=with_secrets,
            )
            sealed = backups.encrypt(archive, _backup_passphrase(confirm=True))
            write_atomically(path, sealed)
        else:
            backups.write_json(backups.dump_json(engine, db.metadata), path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path} ({fmt}).")


MIRROR_KEY_FILE = "mirror-public-key.pub"


def _instance_files(with_secrets: bool) -> dict[str, bytes]:
    """The files an archive carries besides the database: the mirror's public key, and the
    secret key when asked."""
    files = {}
    key = current_app.config.get("MIRROR_PUBLIC_KEY")
    if key:
        try:
            files[MIRROR_KEY_FILE] = Path(key).read_bytes()
        except OSError as error:
            raise click.ClickException(f"cannot read MIRROR_PUBLIC_KEY {key}: {error}") from error
    secret = Path(current_app.instance_path) / "secret_key"
    if with_secrets and secret.is_file():
        files["secret_key"] = secret.read_bytes()
    return files


def _backup_passphrase(confirm: bool) -> str:
    value = os.environ.get("BACKUP_PASSPHRASE")
    if value:
        return value
    return click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, default="")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore(path: Path) -> None:
    """Restore a backup (SQLite copy, JSON dump or archive) into an empty, migrated database."""
    from sqlalchemy import create_engine

    files: dict[str, bytes] = {}
    try:
        if backups.is_archive(path):
            opened = backups.decrypt(path.read_bytes(), _backup_passphrase(confirm=False))
            _manifest, loaded, files = backups.read_archive(opened)
        else:
            loaded = backups.read_backup(path)
        if isinstance(loaded, Path):
            source = create_engine(f"sqlite:///{loaded}")
            try:
                loaded = backups.dump_json(source, db.metadata)
            finally:
                source.dispose()
        count = backups.restore_json(db.engine, db.metadata, loaded)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    except Exception as error:  # a damaged or foreign file: say so, exit non-zero
        db.session.rollback()
        raise click.ClickException(f"cannot restore {path}: {error}") from error
    click.echo(f"Restored {count} rows from {path}.")
    _restore_files(files)


def _restore_files(files: dict[str, bytes]) -> None:
    instance = Path(current_app.instance_path)
    for name in sorted(files):
        if name not in (MIRROR_KEY_FILE, "secret_key"):
            continue
        write_atomically(instance / name, files[name])
        click.echo(f"Restored {instance / name}.")
    if MIRROR_KEY_FILE in files:
        click.echo(f"Set MIRROR_PUBLIC_KEY={instance / MIRROR_KEY_FILE} to show the mirror's key.")
    if "secret_key" in files:
        click.echo("The secret key was restored: restart the site to use it.")


@click.group("pdf-cache")
def pdf_cache() -> None:
    """The cache of rendered PDFs (PDF_CACHE_DIR, at most PDF_CACHE_MAX_MB)."""


@pdf_cache.command("prune")
@with_appcontext
def pdf_cache_prune() -> None:
    """Remove least recently used PDFs until the cache is within its limit (kept ones stay)."""
    from school import pdfcache

    report = pdfcache.prune_configured()
    click.echo(
        f"Removed {report.removed} files ({report.freed / 1e6:.1f} MB); "
        f"{report.files} files ({report.size / 1e6:.1f} MB) left, {report.kept} kept."
    )


@click.command("purge")
@with_appcontext
def purge() -> None:
    """Delete what is kept only for a set time: old notifications (NOTIFICATIONS_KEEP_DAYS),
    registrations for long-past webinars (REGISTRATIONS_KEEP_DAYS, counts kept)."""
    from school import hooks
    from school.database import begin_write
    from school.timeutil import now_utc

    now = now_utc()
    for name, purger in sorted(hooks.purgers.items()):
        begin_write()
        removed = purger(now)
        db.session.commit()
        click.echo(f"{name}: {removed} removed")


def register(app: Flask) -> None:
    commands = (
        create_user,
        recovery_codes,
        reset_password,
        disable_totp,
        seed_demo,
        backup,
        restore,
        purge,
    )
    from school import job_cli

    for command in (*commands, translate, pdf_cache, job_cli.group):
        app.cli.add_command(command)


@click.group("translate")
def translate() -> None:
    """Keep the Russian and English message catalogs complete."""


@translate.command("update")
@click.argument("packages", nargs=-1)
def translate_update(packages: tuple[str, ...]) -> None:
    """Extract strings into each package's catalogs (English filled from the source)."""
    from school import catalogs
    from school.config import PACKAGES

    for package in packages or PACKAGES:
        if package not in PACKAGES:
            raise click.ClickException(f"unknown package {package!r}")
        counts = catalogs.update(package)
        click.echo(f"{package}: untranslated ru={counts['ru']} en={counts['en']}")


@translate.command("fill")
@click.argument("package")
@click.argument("locale")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def translate_fill(package: str, locale: str, source) -> None:
    """Set translations from a JSON object {"source string": "translation"}."""
    import json

    from school import catalogs

    try:
        mapping = json.load(source)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"not valid JSON: {error}") from error
    click.echo(f"{catalogs.fill(package, locale, mapping)} translations set")


@translate.command("compile")
def translate_compile() -> None:
    """Compile every catalog to .mo files."""
    from school import catalogs

    for path in catalogs.compile_all():
        click.echo(f"compiled {path}")


@translate.command("check")
def translate_check() -> None:
    """Exit non-zero when a catalog misses, leaves untranslated or has not compiled a string."""
    from school import catalogs

    problems = catalogs.check()
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} catalog problem(s)")
    click.echo("All catalogs complete and compiled.")
