"""The site's one public address, for every absolute link the server writes.

PDFs, calendars, feeds and certificates carry links that outlive the request: a printed page
is read for years, a feed sits in shared caches. They are built from ``PUBLIC_URL``, never from
the ``Host`` of whoever asked, so a forged host cannot put its address on paper or into a cache,
and a reader on the onion address gets the same bytes as one on the clear-web name.
``TRUSTED_HOSTS`` (see :func:`trusted_hosts`) makes requests for any other host answer 400.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app

DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
#: Names a development server answers to when no public address is configured.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def host_of(url: str) -> str:
    """The host name of an address, without port or brackets: ``abc.onion`` for ``http://abc.onion:80/``."""
    return (urlsplit(url).hostname or "").lower()


def check_public_url(url: str) -> str:
    """The address without a trailing slash; ``ValueError`` unless it is an http(s) address."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) address: {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"a public address has no query or fragment: {url!r}")
    return url.strip().rstrip("/")


def trusted_hosts(addresses: Iterable[str | None], extra: Iterable[str] = ()) -> list[str]:
    """The hosts the site answers for: those of its addresses, then any named explicitly."""
    hosts: list[str] = []
    for name in [*(host_of(a) for a in addresses if a), *extra]:
        name = name.strip().lower()
        if name and name not in hosts:
            hosts.append(name)
    return hosts


def public_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` at ``PUBLIC_URL``, whatever host the request named.

    Works outside a request too (a PDF rendered by a queue worker or the CLI).
    """
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


class TrustedHostsOnly:
    """WSGI middleware: a request for a host the site does not serve gets a plain 400.

    It runs before Flask, so no page (and no cache entry) is ever built for a forged host, and
    inside ``ProxyFix`` when that is on, so a forged ``X-Forwarded-Host`` is refused too.
    """

    def __init__(self, wsgi_app, hosts: Iterable[str]) -> None:
        self.wsgi_app = wsgi_app
        self.hosts = list(hosts)

    def __call__(self, environ, start_response):
        from werkzeug.exceptions import SecurityError
        from werkzeug.wsgi import get_host

        try:
            get_host(environ, trusted_hosts=self.hosts)
        except SecurityError:
            body = b"400 Bad Request: unknown host\n"
            start_response(
                "400 Bad Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.wsgi_app(environ, start_response)
