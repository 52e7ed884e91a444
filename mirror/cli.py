"""``flask mirror``: build the static mirror, make keys, sign and check copies."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from mirror import checks, signing
from mirror.build import MirrorError, build


@click.group("mirror")
def group() -> None:
    """The signed offline mirror of the public site."""


def _passphrase(confirm: bool) -> str:
    value = os.environ.get("MIRROR_KEY_PASSPHRASE")
    if value:
        return value
    return click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, default="")


def _private(path: Path):
    try:
        return signing.load_private(path.read_bytes(), _passphrase(confirm=False))
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror}") from error
    except signing.SignatureError as error:
        raise click.ClickException(str(error)) from error


def _public(path: Path) -> signing.PublicKey:
    try:
        return signing.PublicKey.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"cannot read {path}: {error}") from error
    except signing.SignatureError as error:
        raise click.ClickException(f"{path}: {error}") from error


@group.command("build")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--only", help="finance, courses, webinars or brochures:SLUG, comma-separated.")
@click.option("--zip", "zip_path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def build_command(folder: Path, only: str | None, zip_path: Path | None) -> None:
    """Build the mirror in FOLDER, rewriting only the files that changed."""
    try:
        report = build(current_app._get_current_object(), folder, only)
    except MirrorError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{len(report.files)} files, {len(report.written)} written, "
        f"{len(report.removed)} removed in {folder}"
    )
    if zip_path:
        _write_zip(folder, zip_path)


def _write_zip(folder: Path, target: Path) -> None:
    data = checks.zip_bytes(folder)
    if not (target.is_file() and target.read_bytes() == data):
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    click.echo(f"{target}: {len(data)} bytes")


@group.command("publish")
@with_appcontext
def publish_command() -> None:
    """Build the whole mirror in the instance folder and the mirror.zip staff download."""
    instance = Path(current_app.instance_path)
    report = build(current_app._get_current_object(), instance / "mirror")
    click.echo(f"{len(report.files)} files, {len(report.written)} written")
    _write_zip(instance / "mirror", instance / "mirror.zip")


@group.command("keygen")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def keygen_command(out: Path) -> None:
    """Make a signing key: OUT (encrypted secret key) and OUT.pub (minisign public key)."""
    if out.exists():
        raise click.ClickException(f"{out} exists already; choose another name")
    key = signing.generate()
    try:
        pem = signing.private_pem(key, _passphrase(confirm=True))
    except signing.SignatureError as error:
        raise click.ClickException(str(error)) from error
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public = signing.PublicKey.of(key.public_key())
    Path(f"{out}.pub").write_text(public.text(), encoding="utf-8")
    click.echo(f"secret key: {out}\npublic key: {out}.pub\nfingerprint: {public.fingerprint}")


@group.command("rotate")
@click.option("--old-key", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--new-public-key", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--chain", required=True, type=click.Path(dir_okay=False, path_type=Path))
def rotate_command(old_key: Path, new_public_key: Path, chain: Path) -> None:
    """Vouch for a new key with the old one: adds the link to the CHAIN file."""
    links = signing.read_chain(chain)
    links.append(signing.rotation_link(_private(old_key), _public(new_public_key)))
    chain.write_text(signing.chain_text(links), encoding="utf-8")
    click.echo(f"{chain}: {len(links)} keys vouched for")


@group.command("sign")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--key", "key_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--chain", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def sign_command(folder: Path, key_path: Path, chain: Path | None) -> None:
    """Sign FOLDER's manifest (on a staff machine, never on the server)."""
    links = signing.read_chain(chain) if chain else None
    try:
        public = checks.sign_tree(folder, _private(key_path), links)
    except signing.SignatureError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"signed with key {public.id_text} ({public.fingerprint})")


@group.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_command(folder: Path, public_key: Path | None) -> None:
    """Check FOLDER against its signed manifest; exits non-zero naming each bad file."""
    configured = current_app.config.get("MIRROR_PUBLIC_KEY")
    path = public_key or (Path(configured) if configured else None)
    trusted = _public(path) if path else None
    problems = checks.verify_tree(folder, trusted)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{folder} does not verify: {len(problems)} problems")
    if trusted is None:
        click.echo("checked against the key inside the copy: compare its fingerprint")
    click.echo(f"{folder}: OK")
