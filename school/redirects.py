"""Where to send someone back to: a path on this site, or nowhere (no open redirects).

Every ``next`` parameter and "Back" link goes through :func:`local_path`. Browsers are
generous readers of URLs: they drop tabs and line breaks, turn ``\\`` into ``/`` and read
``//host``, ``/\\host`` and ``\\/host`` as another site. So a target is accepted only when it
is a path from this site's root with none of that: no scheme, no host, no backslash, no control
character, and not two slashes at the start, before or after percent-decoding.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def local_path(target: object) -> str | None:
    """``target`` if it is a path on this site that no browser reads as another site, else None."""
    if not isinstance(target, str) or not target.startswith("/"):
        return None
    if "\\" in target or _CONTROL.search(target) or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if path.startswith("//") or "\\" in path or _CONTROL.search(path):
        return None
    return target
