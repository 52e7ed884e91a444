"""HTTP security headers, and logging that never records who the client is."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, request
from flask_login import current_user

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Pages of a logged-in person stay out of shared caches and the browser's disk cache.
    if current_user and current_user.is_authenticated and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response


_ADDRESS_PREFIX = re.compile(r"^\S+ - - ")
# Secret parts of URLs that must not reach a log: the personal calendar feed's token, with or
# without its ".ics", and a password-reset link's token, in any letter case (the route is
# exact, but a log line is written anyway).
_SECRET_PATHS = re.compile(
    r"(/webinars/feed/|/account/reset/)([^/?#\s\"']+?)(\.ics)?(?=[/?#\s\"']|$)", re.I
)


def mask_secrets(text: str) -> str:
    """Hide secret tokens in a request line, a path or any logged message."""
    return _SECRET_PATHS.sub(lambda m: f"{m[1]}***{m[3] or ''}", text)


class MaskSecrets(logging.Filter):
    """Hides secret tokens in every record of a logger (errors name the path too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_secrets(a) if isinstance(a, str) else a for a in record.args)
        return True


class DropClientAddress(logging.Filter):
    """Removes the client address (and secret tokens) from the development server's access lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_secrets(_ADDRESS_PREFIX.sub("- - - ", record.msg))
        if record.args:
            record.args = tuple(mask_secrets(a) if isinstance(a, str) else a for a in record.args)
        return True


def gunicorn_logger_class():
    """A gunicorn logger whose access lines carry no address and no secret token."""
    from gunicorn.glogging import Logger

    class PrivateLogger(Logger):
        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            for key in ("h", "{x-forwarded-for}i", "{x-real-ip}i", "a"):
                atoms.pop(key, None)
            for key in ("r", "U", "q", "{raw_uri}e"):
                if isinstance(atoms.get(key), str):
                    atoms[key] = mask_secrets(atoms[key])
            return atoms

    return PrivateLogger


def install(app: Flask) -> None:
    app.after_request(add_security_headers)
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropClientAddress) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(DropClientAddress())
    for logger in (app.logger, logging.getLogger("school"), logging.getLogger("gunicorn.error")):
        if not any(isinstance(f, MaskSecrets) for f in logger.filters):
            logger.addFilter(MaskSecrets())
