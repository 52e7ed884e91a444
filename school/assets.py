"""Static files under content-hashed names, cached by browsers for good.

``url_for("static", filename="css/site.css")`` gives ``/static/css/site.3f2a9c1b0d4e.css``: the
name carries the first 12 hex digits of the file's SHA-256, worked out once when the app starts.
A file under its hashed name never changes, so it is sent with ``Cache-Control: public,
max-age=31536000, immutable`` and a repeat visit asks for no stylesheet at all, which on a slow
Tor circuit saves a round trip per file. A new version of a file has a new name, so nobody is
left with an old one. The plain name still works (old pages, bookmarks) with ``no-cache``.
Only the files found at start-up are served (a deploy restarts the app).

Files are small and read whole, so responses are not streamed and compression
(Flask-Compress, see ``school.extensions``) applies to them.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, request

#: Hex digits of the SHA-256 in a hashed name.
DIGITS = 12
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Manifest:
    """Plain name -> hashed name, and the reverse, for every file under the static folder."""

    hashed: dict[str, str]
    plain: dict[str, str]

    @classmethod
    def of(cls, folder: str | Path) -> Manifest:
        root = Path(folder)
        hashed: dict[str, str] = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGITS]
            folder = path.parent.relative_to(root).as_posix()
            versioned = f"{path.stem}.{digest}{path.suffix}"
            hashed[name] = versioned if folder == "." else f"{folder}/{versioned}"
        return cls(hashed, {v: k for k, v in hashed.items()})


def init_app(app: Flask) -> None:
    """Hash the static folder's files, write their hashed names, and serve both names."""
    manifest = Manifest.of(app.static_folder)
    app.extensions["assets"] = manifest
    folder = Path(app.static_folder)

    @app.url_defaults
    def _hashed_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.hashed.get(values["filename"], values["filename"])

    def static(filename: str) -> Response:
        # Only the files hashed at start-up are served, under either name: nothing the
        # request names reaches the file system.
        plain = manifest.plain.get(filename)
        name = plain or (filename if filename in manifest.hashed else None)
        if name is None:
            abort(404)
        data = (folder / name).read_bytes()
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = Response(data, mimetype=mimetype)
        response.headers["Cache-Control"] = IMMUTABLE if plain else "public, no-cache"
        response.set_etag(hashlib.sha256(data).hexdigest()[: DIGITS * 2])
        return response.make_conditional(request)

    app.view_functions["static"] = static
