"""The signed offline mirror of the public site, and the page that shows its public key.

It sits on top of every feature, like the app factory: it fetches their public pages through
the app itself, and copies the brochures' stored PDFs. No feature imports it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint and the ``mirror`` CLI group."""
    import os

    from mirror import cli
    from mirror.views import bp

    app.config.setdefault("MIRROR_PUBLIC_KEY", os.environ.get("MIRROR_PUBLIC_KEY") or None)
    app.register_blueprint(bp)
    if "mirror" not in app.cli.commands:
        app.cli.add_command(cli.group)
