"""Backups: an online SQLite copy, a JSON dump of every table for either database, or the
encrypted archive that moves the whole site to a new machine in one step."""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    LargeBinary,
    Numeric,
    Time,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.schema import MetaData, sort_tables_and_constraints

FORMAT = "public-defender-school-backup"
VERSION = 1


class BackupError(RuntimeError):
    pass


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(column, value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime) or getattr(kind, "impl", None).__class__ is DateTime:
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, Numeric):
        return Decimal(value)
    return value


def sqlite_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    return Path(database) if database and database != ":memory:" else None


def backup_sqlite(engine: Engine, target: Path) -> None:
    """A consistent copy of a live SQLite database through SQLite's online backup API."""
    source_path = sqlite_file(engine)
    if source_path is None:
        raise BackupError("not a file-based SQLite database")
    source = sqlite3.connect(source_path)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()


def dump_json(engine: Engine, metadata: MetaData, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every row of every table (but ``skip``), read in one transaction so the dump is
    consistent."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        elif engine.dialect.name == "sqlite":
            # Reads do not open a transaction on their own here (school.database): one snapshot.
            conn.exec_driver_sql("BEGIN")
        for table in metadata.sorted_tables:
            if table.name in skip:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings()
            tables[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
    return {"format": FORMAT, "version": VERSION, "tables": tables}


def is_empty(engine: Engine, metadata: MetaData) -> bool:
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if conn.execute(select(func.count()).select_from(table)).scalar():
                return False
    return True


def restore_json(engine: Engine, metadata: MetaData, data: dict[str, Any]) -> int:
    """Load a JSON dump into an empty database of either kind; returns the number of rows."""
    if data.get("format") != FORMAT:
        raise BackupError("this file is not a backup made by this platform")
    if data.get("version") != VERSION:
        raise BackupError(f"unsupported backup version {data.get('version')!r}")
    if not is_empty(engine, metadata):
        raise BackupError("the database is not empty; restore only into an empty database")
    known = {t.name for t in metadata.sorted_tables}
    unknown = set(data["tables"]) - known
    if unknown:
        raise BackupError(f"the backup has tables this version does not know: {sorted(unknown)}")
    count = 0
    later = _links_set_later(metadata)
    pending = []
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            rows = data["tables"].get(table.name, [])
            if not rows:
                continue
            decoded = [
                {name: _decode(table.c[name], value) for name, value in row.items()} for row in rows
            ]
            columns = later.get(table.name, [])
            conn.execute(insert(table), [{**row, **dict.fromkeys(columns)} for row in decoded])
            if columns:
                pending.append((table, columns, decoded))
            count += len(decoded)
        for table, columns, decoded in pending:
            _set_links(conn, table, columns, decoded)
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn, metadata)
    return count


def _links_set_later(metadata: MetaData) -> dict[str, list[str]]:
    """Foreign-key columns of mutually dependent tables (``use_alter``), per table.

    No table order satisfies them (an entry points to its published revision, which points
    back to the entry): their rows go in with these columns empty, filled once all are in.
    """
    later: dict[str, list[str]] = {}
    for table, constraints in sort_tables_and_constraints(metadata.sorted_tables):
        if table is not None:
            continue
        for constraint in constraints:
            for column in constraint.columns:
                if not column.nullable:
                    raise BackupError(f"cannot restore the cycle through {constraint.name}")
                later.setdefault(constraint.table.name, []).append(column.name)
    return later


def _set_links(conn, table, columns: list[str], rows: list[dict[str, Any]]) -> None:
    keys = list(table.primary_key.columns)
    statement = (
        update(table)
        .where(*(key == bindparam(f"key_{key.name}") for key in keys))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )
    changes = [
        {
            **{f"key_{key.name}": row[key.name] for key in keys},
            **{f"new_{name}": row.get(name) for name in columns},
        }
        for row in rows
        if any(row.get(name) is not None for name in columns)
    ]
    if changes:
        conn.execute(statement, changes)


def _reset_sequences(conn, metadata: MetaData) -> None:
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and column.type.python_type is int
            ):
                highest = conn.execute(select(func.max(column))).scalar() or 0
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, false)"),
                    {"t": table.name, "c": column.name, "v": highest + 1},
                )


def write_json(data: dict[str, Any], target: Path) -> None:
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(target)


def read_backup(path: Path) -> dict[str, Any] | Path:
    """A JSON dump as data, or the path itself when it is an SQLite database file."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"SQLite format 3"):
        return path
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"cannot read the backup: {error}") from error


# ------------------------------------------------------------------------------ the archive
#
# One file holds what a new machine needs: the database (uploaded images and the published
# editions' PDFs are in it), and the instance files named by the caller (the mirror's public
# key). Login sessions, one-time reset links and second-factor secrets stay out unless asked:
# a restored site asks people to log in again and staff to set up their authenticator anew.
# Rate-limit counts live in Redis or in memory, never in the database, so none travel.
# The whole zip is encrypted with AES-256-GCM under a key derived from a passphrase with
# scrypt: a stolen archive shows nothing, and a changed byte makes it refuse to open.

ARCHIVE_MAGIC = b"public-defender-school-archive 1\n"
ARCHIVE_VERSION = 1
SESSION_TABLES = ("user_sessions",)
SECRET_TABLES = ("password_resets",)
SECRET_COLUMNS = {"users": ("totp_secret", "totp_last_step")}
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_SALT, _NONCE = 16, 12


def is_archive(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(ARCHIVE_MAGIC)) == ARCHIVE_MAGIC


def make_archive(
    engine: Engine,
    metadata: MetaData,
    files: dict[str, bytes],
    *,
    with_sessions: bool = False,
    with_secrets: bool = False,
) -> bytes:
    """The unencrypted archive (a zip): manifest.json, database.json and ``files/...``."""
    import hashlib
    import io
    import zipfile

    skip = () if with_sessions else SESSION_TABLES
    skip += () if with_secrets else SECRET_TABLES
    data = dump_json(engine, metadata, skip)
    if not with_secrets:
        for table, columns in SECRET_COLUMNS.items():
            for row in data["tables"].get(table, []):
                row.update(dict.fromkeys(columns))
    # Keys in their own order: JSON columns come back as they were.
    database = json.dumps(data, ensure_ascii=False).encode()
    manifest = {
        "format": FORMAT,
        "version": ARCHIVE_VERSION,
        "tables": {name: len(rows) for name, rows in sorted(data["tables"].items())},
        "left_out": sorted(skip),
        "secrets": with_secrets,
        "files": {name: hashlib.sha256(body).hexdigest() for name, body in sorted(files.items())},
        "database_sha256": hashlib.sha256(database).hexdigest(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
        archive.writestr("database.json", database)
        for name, body in sorted(files.items()):
            archive.writestr(f"files/{name}", body)
    return buffer.getvalue()


def read_archive(data: bytes) -> tuple[dict[str, Any], dict[str, Any], dict[str, bytes]]:
    """(manifest, database dump, files) of an unencrypted archive, each checked by its sum."""
    import hashlib
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            database = archive.read("database.json")
            files = {
                name[len("files/") :]: archive.read(name)
                for name in archive.namelist()
                if name.startswith("files/")
            }
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as error:
        raise BackupError(f"the archive is damaged: {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != ARCHIVE_VERSION:
        raise BackupError("this archive was not made by this version of the platform")
    if hashlib.sha256(database).hexdigest() != manifest.get("database_sha256"):
        raise BackupError("the archive's database does not match its manifest")
    for name, body in files.items():
        if manifest.get("files", {}).get(name) != hashlib.sha256(body).hexdigest():
            raise BackupError(f"the archive's file {name} does not match its manifest")
    return manifest, json.loads(database), files


def _archive_key(passphrase: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if not passphrase:
        raise BackupError("a passphrase is needed")
    return Scrypt(salt=salt, length=32, **_SCRYPT).derive(passphrase.encode())


def encrypt(data: bytes, passphrase: str) -> bytes:
    """``data`` sealed with AES-256-GCM under a scrypt key: magic, salt, nonce, ciphertext."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(_SALT), os.urandom(_NONCE)
    sealed = AESGCM(_archive_key(passphrase, salt)).encrypt(nonce, data, ARCHIVE_MAGIC)
    return ARCHIVE_MAGIC + salt + nonce + sealed


def decrypt(data: bytes, passphrase: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not data.startswith(ARCHIVE_MAGIC):
        raise BackupError("this file is not a backup archive made by this platform")
    body = data[len(ARCHIVE_MAGIC) :]
    salt, nonce, sealed = body[:_SALT], body[_SALT : _SALT + _NONCE], body[_SALT + _NONCE :]
    try:
        return AESGCM(_archive_key(passphrase, salt)).decrypt(nonce, sealed, ARCHIVE_MAGIC)
    except InvalidTag as error:
        raise BackupError("wrong passphrase, or the archive was changed") from error
