"""Public pages as anonymous readers see them, kept for a few seconds (a "microcache").

Most visitors read without an account, and they all see the same schedule, catalogue, lessons
and answers. A view marked ``@public_page`` renders once per language, time zone and address,
and for the next ``PAGE_CACHE_SECONDS`` anonymous readers get that copy: a burst of readers
(a newsletter, a post shared in a prisoners' relatives' group) costs one rendering, not
hundreds.

What is never cached: anyone logged in; a visitor whose session holds anything besides
their CSRF token, language and time zone (a flash message, a login in progress); any answer
but a 200 HTML page. The CSRF token in a cached page is the first visitor's, so it is stored
as a placeholder and each reader gets their own.

Each worker process keeps its own copy (up to ``PAGE_CACHE_SIZE`` pages, least recently used
out first). Every database commit, by any process of the instance (web workers, CLI commands),
writes a new random value into a small file in the instance folder; a page stored under an
older value is not served, so a change shows at once on every worker of the host. Servers that
do not share the instance folder, and writes that bypass the ORM session, are caught up by
``PAGE_CACHE_SECONDS``. ``PAGE_CACHE_SECONDS=0`` turns the cache off.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

from school.i18n import select_timezone

logger = logging.getLogger(__name__)

#: Session keys an anonymous reader's page may depend on; any other key means "personal".
ANONYMOUS_KEYS = frozenset({"csrf_token", "lang", "tz"})

# Stands for the reader's CSRF token in a stored page; cannot occur in a token or in escaped HTML.
_TOKEN_PLACEHOLDER = b"\x00csrf\x00"

# Headers a stored page keeps; the rest (cookies, security headers) belong to each response.
_KEPT_HEADERS = frozenset({"content-type", "content-language", "vary", "x-robots-tag", "link"})


@dataclass(frozen=True)
class _Page:
    body: bytes
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Entry:
    value: Any
    expires: float
    version: bytes  # the change marker's value when the value was computed


class ChangeMarker:
    """16 random bytes in a file, rewritten at every commit: the version of the database.

    One ``pread`` per stored page served, one ``pwrite`` per commit; the descriptor is opened
    on first use (never at import) and shared by forked workers, which is harmless with
    positional reads and writes.
    """

    SIZE = 16

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._warned = False

    def _descriptor(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    def read(self) -> bytes:
        try:
            return os.pread(self._descriptor(), self.SIZE, 0)
        except OSError as error:  # e.g. a read-only instance folder: seconds alone then
            self._warn(error)
            return b""

    def bump(self) -> None:
        try:
            os.pwrite(self._descriptor(), os.urandom(self.SIZE), 0)
        except OSError as error:
            self._warn(error)

    def _warn(self, error: OSError) -> None:
        if not self._warned:
            self._warned = True
            logger.warning(
                "page cache: cannot use %s (%s); other processes' changes show only after "
                "PAGE_CACHE_SECONDS",
                self.path,
                error.strerror,
            )


class PageCache:
    """A bounded, expiring store of rendered pages (and small facts) for one process."""

    def __init__(self, changes: ChangeMarker) -> None:
        self.changes = changes
        self._pages: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, now: float, version: bytes) -> Any:
        """The value stored under ``key``, or None when there is none or it is out of date."""
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            if entry.expires <= now or entry.version != version:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return entry.value

    def put(self, key: tuple, entry: _Entry, size: int) -> None:
        with self._lock:
            self._pages[key] = entry
            self._pages.move_to_end(key)
            while len(self._pages) > size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def init_app(app: Flask) -> None:
    """Give ``app`` its own cache, emptied after every database commit this process makes."""
    marker = ChangeMarker(Path(app.instance_path) / "page-cache.version")
    app.extensions["page_cache"] = PageCache(marker)
    if not event.contains(Session, "after_commit", _cleared_after_commit):
        event.listen(Session, "after_commit", _cleared_after_commit)


def page_cache() -> PageCache:
    return current_app.extensions["page_cache"]


#: Set in ``session.info`` around a commit no public page shows (see :func:`commit_unseen`).
_UNSEEN = "pagecache_unseen_commit"


def commit_unseen(session: Session) -> None:
    """Commit a write that no public page shows (an anonymous counter), keeping stored pages.

    Only for a session that holds nothing else: a bot's stream of such writes must not
    empty every reader's cache.
    """
    session.info[_UNSEEN] = True
    try:
        session.commit()
    finally:
        session.info.pop(_UNSEEN, None)


def _cleared_after_commit(session) -> None:
    if session.info.get(_UNSEEN):
        return
    if has_app_context() and "page_cache" in current_app.extensions:
        cache = page_cache()
        cache.clear()
        cache.changes.bump()


def _anonymous_reader() -> bool:
    if request.method not in ("GET", "HEAD") or current_user.is_authenticated:
        return False
    return set(session.keys()) <= ANONYMOUS_KEYS


def _key() -> tuple:
    # Not the host: every address of the site (onion, clear web) serves the same page, whose
    # absolute links all go to PUBLIC_URL (school.urls).
    return (
        request.path,
        request.query_string,
        str(get_locale()),
        select_timezone(),
    )


def public_page(view: Callable) -> Callable:
    """Serve this view's page to anonymous readers from the cache (see the module docstring)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        seconds = current_app.config.get("PAGE_CACHE_SECONDS", 0)
        if seconds <= 0 or not _anonymous_reader():
            return view(*args, **kwargs)
        key = _key()
        cache = page_cache()
        version = cache.changes.read()  # before rendering: a commit from now on outdates it
        page = cache.get(key, time.monotonic(), version)
        if page is not None:
            return _serve(page)
        response = make_response(view(*args, **kwargs))
        stored = _storable(response)
        if stored is not None:
            entry = _Entry(stored, time.monotonic() + seconds, version)
            cache.put(key, entry, current_app.config.get("PAGE_CACHE_SIZE", 200))
        return response

    return wrapper


def _storable(response: Response) -> _Page | None:
    if (
        response.status_code != 200
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or not _anonymous_reader()  # the view put something personal in the session
    ):
        return None
    body = response.get_data()
    token = g.get("csrf_token")  # set by Flask-WTF when the page asked for a token
    if token:
        body = body.replace(token.encode(), _TOKEN_PLACEHOLDER)
    headers = tuple((k, v) for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS)
    return _Page(body, headers)


def _serve(page: _Page) -> Response:
    body = page.body
    if _TOKEN_PLACEHOLDER in body:
        body = body.replace(_TOKEN_PLACEHOLDER, generate_csrf().encode())
    return Response(body, headers=list(page.headers))
