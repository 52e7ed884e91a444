"""Responses that hand a reader a file: cached PDFs, and files made for one person.

Every feature sends its PDFs and exports through these two, so caching and privacy headers are
decided in one place.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

from flask import Response, request, send_file


def send_pdf(
    path: Path, etag: str, filename: str, *, attachment: bool = False, private: bool = False
) -> Response:
    """A PDF from the print cache (see :func:`send_stored_pdf`)."""
    return send_stored_pdf(etag, path.read_bytes, filename, attachment=attachment, private=private)


def send_stored_pdf(
    etag: str,
    read: Callable[[], bytes],
    filename: str,
    *,
    attachment: bool = False,
    private: bool = False,
) -> Response:
    """A PDF whose content hash is ``etag``; ``read`` gives its bytes, only when they are sent.

    The ETag is the content hash, so a reader who has the file gets 304 without the file being
    read, and an interrupted download on a slow line resumes with a Range request. ``no-cache``
    makes browsers ask again each time (a new edition or a changed lesson is never missed);
    ``private`` keeps a reader's own documents (certificates, answer keys) out of shared caches.
    ``attachment`` saves the file instead of opening it in the browser.
    """
    cache_control = ("private" if private else "public") + ", no-cache"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304, headers={"Cache-Control": cache_control})
        response.set_etag(etag)
        return response
    # Read whole (PDFs are small): nothing is left open if the client goes away.
    response = send_file(
        BytesIO(read()),
        mimetype="application/pdf",
        as_attachment=attachment,
        download_name=filename,
        etag=etag,
        conditional=True,
        max_age=None,
    )
    response.headers["Cache-Control"] = cache_control
    return response


def private_attachment(body: str | bytes, filename: str, mimetype: str) -> Response:
    """A file made for one person (a data export, a registrant list): saved, never cached.

    A name in Cyrillic (usernames may be) goes as RFC 6266 ``filename*``, with an ASCII
    ``filename`` for old clients: HTTP headers themselves carry Latin-1 only.
    """
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = ascii_name.replace("\\", "").replace('"', "")
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        disposition += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )
