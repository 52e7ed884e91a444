"""Pure checks for webinar data: web links and wall-clock times that exist in a time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

MAX_URL_LENGTH = 500


def is_web_url(value: str) -> bool:
    """True for an absolute http(s) link with a host and nothing that could smuggle a script."""
    value = (value or "").strip()
    if not value or len(value) > MAX_URL_LENGTH:
        return False
    if any(ch.isspace() or ord(ch) < 32 or ch in "<>\"'\\" for ch in value):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError for a malformed port
    except ValueError:
        return False
    del port
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not host or host.startswith("."):
        return False
    return "." in host or host == "localhost" or host.startswith("[")


def wall_time_exists(day: date, at: time, tz_name: str) -> bool:
    """False for a local time skipped when the clocks go forward (it names no moment)."""
    zone = ZoneInfo(tz_name)
    local = datetime.combine(day, at, tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)
