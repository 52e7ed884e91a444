"""How the rate limits count: per client on the clear web, never per address behind Tor.

Behind an onion service every visitor arrives from Tor's local peer (127.0.0.1), so a limit per
address would be one limit shared by everyone on Tor, and one flood would lock them all out. In
*onion mode* no key holds an address: the per-account limits stay, and the per-client limits
become global throttles with a short window (``ONION_*_LIMITS``), so the longest wait they
impose is bounded by that window. Onion mode is on for every request when ``ONION_SERVICE`` is
true (a site served only as an onion), and for the requests that come in through ``ONION_URL``'s
host when the site has both addresses.

Counts live in Redis whenever ``REDIS_URL`` is set (school.config), so every worker shares them.
The address is used only as a counter key with a short expiry; it is never written to the
database or the logs.
"""

from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

from flask import current_app, request

GLOBAL_KEY = "onion"


def onion_mode() -> bool:
    config = current_app.config
    if config.get("ONION_SERVICE"):
        return True
    onion = config.get("ONION_URL")
    return bool(onion) and request.host.split(":")[0] == urlsplit(onion).hostname


def client_key() -> str:
    """Rate-limit key for the client: its address, or one key for all of Tor in onion mode."""
    if onion_mode():
        return GLOBAL_KEY
    return request.remote_addr or "unknown"


def client_limit(name: str) -> str:
    """The limit ``name`` (``LOGIN_LIMITS``...) for this request: ``ONION_<name>`` in onion mode."""
    config = current_app.config
    return config["ONION_" + name] if onion_mode() else config[name]


def account_limit() -> str:
    """The limit per account, the same on every address (``ACCOUNT_LIMITS``)."""
    return current_app.config["ACCOUNT_LIMITS"]


def seconds_to_wait() -> int | None:
    """After a refusal: the seconds until the limit that refused this request lets one through
    again (None when no limit applied)."""
    from school.extensions import limiter

    limit = limiter.current_limit
    if limit is None:
        return None
    return max(1, math.ceil(limit.window.reset_time - time.time()))
