"""Files written whole or not at all, and PDFs read only when whole.

A worker killed mid-write (a timeout, a deploy, SIGKILL) must never leave a half file where a
reader or the cache would take it for the real one. :func:`write_atomically` writes to a
temporary file beside the target, syncs it, renames it over the target and syncs the folder;
temporary files start with :data:`TMP_PREFIX` and end in ``.part``, so sweeps can find them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TMP_PREFIX = ".tmp-"
#: A whole PDF ends with ``%%EOF`` (and maybe a line break) within its last bytes.
_EOF_WINDOW = 64


def write_atomically(target: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``target`` with ``data`` in one step: readers see the old file or the new one."""
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=TMP_PREFIX, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    # Persist the rename itself, or a crash could bring back the old directory entry.
    with contextlib.suppress(OSError):
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def copy_atomically(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Copy ``source`` to ``target`` so that ``target`` is never half-written."""
    write_atomically(target, Path(source).read_bytes())


def is_whole_pdf(data: bytes) -> bool:
    """Does ``data`` start and end like a whole PDF?"""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-_EOF_WINDOW:]


def is_whole_pdf_file(path: str | os.PathLike[str]) -> bool:
    """Does the file start and end like a whole PDF? (Reads only its first and last bytes.)"""
    try:
        with open(path, "rb") as fh:
            if fh.read(5) != b"%PDF-":
                return False
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - _EOF_WINDOW))
            return b"%%EOF" in fh.read()
    except OSError:
        return False


def read_whole_pdf(path: str | os.PathLike[str]) -> bytes | None:
    """The file's bytes if it is a whole PDF, else None (callers need not read it again)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return data if is_whole_pdf(data) else None
