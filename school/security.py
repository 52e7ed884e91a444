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


class DropClientAddress(logging.Filter):
    """Removes the client address the development server puts at the start of each access line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _ADDRESS_PREFIX.sub("- - - ", record.msg)
        return True


def install(app: Flask) -> None:
    app.after_request(add_security_headers)
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropClientAddress) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(DropClientAddress())
