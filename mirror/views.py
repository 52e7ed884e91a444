"""The public page of the mirror's signing key, and the staff download of mirror.zip."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_file

from mirror.signing import PublicKey, SignatureError
from school.models import Role
from school.permissions import role_required

bp = Blueprint("mirror", __name__)


def configured_key() -> PublicKey | None:
    """The public key named by MIRROR_PUBLIC_KEY, or None when none is set or readable."""
    path = current_app.config.get("MIRROR_PUBLIC_KEY")
    if not path:
        return None
    try:
        return PublicKey.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SignatureError):
        current_app.logger.warning("MIRROR_PUBLIC_KEY %s cannot be read", path)
        return None


@bp.get("/mirror/")
def key():
    return render_template("mirror/key.html", key=configured_key())


@bp.get("/mirror/public-key.pub")
def public_key():
    found = configured_key()
    if found is None:
        abort(404)
    return current_app.response_class(found.text(), mimetype="text/plain")


@bp.get("/mirror/mirror.zip")
@role_required(Role.STAFF)
def download():
    path = Path(current_app.instance_path) / "mirror.zip"
    if not path.is_file():
        return render_template("mirror/not_built.html")
    return send_file(path, mimetype="application/zip", as_attachment=True, max_age=0)
