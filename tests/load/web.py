"""A small HTTP client with cookies and CSRF tokens, and a way to send requests all at once."""

from __future__ import annotations

import html
import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

# Every request gives up after this long: a stuck server fails the test instead of hanging it.
REQUEST_TIMEOUT = 90
BURST_TIMEOUT = 180

_CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>")
_VALUE = re.compile(r"\bvalue=\"([^\"]*)\"")

T = TypeVar("T")


@dataclass(frozen=True)
class Response:
    status: int
    location: str
    body: str

    @property
    def path(self) -> str:
        """The path a redirect points to."""
        return urllib.parse.urlsplit(self.location).path


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    tag = _CSRF_INPUT.search(page)
    value = _VALUE.search(tag.group(0)) if tag else None
    if value is None:
        raise AssertionError("no CSRF token on the page")
    return html.unescape(value.group(1))


class Client:
    """One visitor: a cookie jar, and redirects returned rather than followed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.csrf = ""

    def request(self, method: str, path: str, data: Mapping[str, Any] | None = None) -> Response:
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base_url + path, data=body, method=method)  # noqa: S310
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as reply:
                return Response(reply.status, reply.headers.get("Location", ""), _text(reply))
        except urllib.error.HTTPError as reply:
            with reply:
                return Response(reply.code, reply.headers.get("Location", ""), _text(reply))

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: Mapping[str, Any] | None = None) -> Response:
        """POST a form with this visitor's CSRF token."""
        return self.request("POST", path, {"csrf_token": self.csrf, **(data or {})})

    def login(self, username: str, password: str) -> None:
        """Log in through the form and keep a CSRF token of the new session."""
        page = self.get("/login")
        assert page.status == 200, page.status
        self.csrf = csrf_token(page.body)
        reply = self.post("/login", {"username": username, "password": password, "next": ""})
        assert reply.status == 302, (username, reply.status, reply.body[:500])
        # Logging in starts a brand-new session: the token must come from a page of it.
        page = self.get("/privacy")
        assert page.status == 200, page.status
        self.csrf = csrf_token(page.body)


def _text(reply) -> str:
    return reply.read().decode("utf-8", "replace")


def all_at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run every call in its own thread, released together by a barrier; return the results.

    An exception in a call (a timeout, a refused connection) fails the test with it.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], T]) -> None:
        try:
            barrier.wait(timeout=BURST_TIMEOUT)
            results[index] = call()
        except BaseException as error:  # reported in the test's own thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + BURST_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "requests still running"
    assert not errors, errors[:5]
    return results
