"""Where each site address lands in the mirror, and the relative link between two files.

Pure: no Flask, no database. Pages (HTML and calendars, which speak the reader's language) go
under the language's folder; files that are the same in every language (style sheets, images,
PDFs) once, at the mirror's root.
"""

from __future__ import annotations

import posixpath
from urllib.parse import parse_qsl, urlsplit

# Query parameters a mirrored page may carry; anything else is not a page of the mirror.
KEPT_QUERY = ("page",)
SHARED_SUFFIXES = (".css", ".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".pdf", ".woff2")


def is_shared(path: str) -> bool:
    """True for files that do not depend on the language."""
    return path.lower().endswith(SHARED_SUFFIXES)


def file_for(url: str, lang: str) -> str | None:
    """The mirror's file for a site-relative ``url`` ("/finance/?page=2"), or None if no page."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key not in KEPT_QUERY for key, _value in query):
        return None
    path = parts.path
    if ".." in path.split("/"):
        return None
    if is_shared(path):
        return path.lstrip("/") if not query else None
    suffix = "".join(f"-{key}-{value}" for key, value in sorted(query) if value.isdigit())
    if len(suffix) != sum(len(f"-{k}-{v}") for k, v in query):
        return None
    if path.endswith("/"):
        base = path + "index"
    else:
        stem, dot, ext = path.rpartition(".")
        if dot and "/" not in ext and ext in ("ics", "atom", "json", "txt"):
            return f"{lang}{stem}{suffix}.{ext}"
        base = path
    return f"{lang}{base}{suffix}.html"


def relative(target: str, source: str) -> str:
    """The link from the file ``source`` to the file ``target`` (both relative to the root)."""
    start = posixpath.dirname(source) or "."
    return posixpath.relpath(target, start)
