"""The PDF cache stays within its size: least recently used files go first, kept ones never.

Rendered PDFs are stored once per content hash (:func:`school.printing.render_cached`). Every
hit sets its file's access time (explicitly, whatever the mount's ``noatime``), so that time is
the last use; the modification time stays when it was written. When the folder grows past
``PDF_CACHE_MAX_MB``, :func:`prune` removes the least recently used files until it is back
under nine tenths of the limit. Files that features must keep (a published edition's PDF: its
bytes are the edition) are named by the ``pdf_keepers`` hook and never removed; neither are
files being written, nor anything outside the folder's top level.
``flask pdf-cache prune`` runs the same from the command line.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Pruning stops once the folder is under this share of its limit, so it does not run again
#: after the very next render.
LOW_WATER = 0.9


@dataclass(frozen=True)
class PruneReport:
    """What a prune did: files removed, bytes freed, and what is left (kept files included)."""

    removed: int
    freed: int
    files: int
    size: int
    kept: int


def touch(path: str | os.PathLike[str]) -> None:
    """Record a use of a cached file: its access time becomes now, its contents stay as written."""
    with contextlib.suppress(OSError):
        os.utime(path, ns=(time.time_ns(), os.stat(path).st_mtime_ns))


def _cached_files(directory: Path) -> list[tuple[float, int, Path]]:
    files = []
    with contextlib.suppress(FileNotFoundError), os.scandir(directory) as entries:
        for entry in entries:
            if not entry.name.endswith(".pdf") or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(FileNotFoundError):
                stat = entry.stat(follow_symlinks=False)
                last_use = max(stat.st_atime, stat.st_mtime)
                files.append((last_use, stat.st_size, Path(entry.path)))
    return files


def prune(
    directory: str | os.PathLike[str],
    max_bytes: int,
    keep: Iterable[str | os.PathLike[str]] = (),
    *,
    low_water: float = LOW_WATER,
) -> PruneReport:
    """Remove least recently used PDFs from ``directory`` while it is over ``max_bytes``.

    Nothing is removed while the folder is within its limit; once over, files go until it is
    under ``low_water`` of the limit. Files in ``keep`` are never removed.
    """
    files = sorted(_cached_files(Path(directory)))
    kept_names = {Path(path).name for path in keep}
    total = sum(size for _mtime, size, _path in files)
    removed = freed = 0
    if total > max_bytes:
        goal = int(max_bytes * low_water)
        for _mtime, size, path in files:
            if total <= goal:
                break
            if path.name in kept_names:
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                pass  # another worker pruned it first
            else:
                removed += 1
                freed += size
            total -= size
    left = len(files) - removed
    kept = sum(1 for _mtime, _size, path in files if path.name in kept_names)
    return PruneReport(removed=removed, freed=freed, files=left, size=total, kept=kept)


def kept_files() -> set[str]:
    """The cached files every feature asks to keep (the ``pdf_keepers`` hook)."""
    from school import hooks

    names: set[str] = set()
    for keeper in hooks.pdf_keepers.values():
        names.update(Path(path).name for path in keeper())
    return names


def prune_configured(also_keep: Iterable[str | os.PathLike[str]] = ()) -> PruneReport:
    """Prune the app's cache folder to ``PDF_CACHE_MAX_MB`` (in an app context).

    The features are asked what to keep only when the folder is over its limit.
    """
    from flask import current_app

    config = current_app.config
    directory = config["PDF_CACHE_DIR"]
    limit = int(config["PDF_CACHE_MAX_MB"] * 1024 * 1024)
    files = _cached_files(Path(directory))
    size = sum(size for _mtime, size, _path in files)
    if size <= limit:
        return PruneReport(removed=0, freed=0, files=len(files), size=size, kept=0)
    return prune(directory, limit, kept_files() | {Path(p).name for p in also_keep})


def render(html: str, metadata, **options):
    """The cached PDF of ``html`` in the app's cache folder, pruning it after a new render.

    ``options`` go to :func:`school.printing.render_cached` (stylesheets, static_dir).
    """
    from flask import current_app

    from school import printing

    cached = printing.render_cached(html, current_app.config["PDF_CACHE_DIR"], metadata, **options)
    if cached.rendered:
        prune_configured(also_keep=[cached.path])  # about to be served
    return cached
