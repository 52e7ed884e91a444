"""Pure time formatting for the schedule: a webinar's times in a zone, in a locale (Babel only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.units import format_unit

from school.timezones import city_name
from school.timezones import offset_text as utc_offset_text


@dataclass(frozen=True)
class LocalTimes:
    """A webinar's start and end as seen in one time zone."""

    zone: str
    zone_label: str
    date: str
    start: str
    end: str
    end_date: str | None
    short: str
    iso: str
    offset: timedelta


def zone_label(tz_name: str, at: datetime, locale: str) -> str:
    """A short, readable name of a zone at a moment: ``Москва, UTC+3``."""
    offset = at.astimezone(ZoneInfo(tz_name)).utcoffset() or timedelta(0)
    return f"{city_name(tz_name, locale)}, {utc_offset_text(offset)}"


# Pure, and schedules show the same few webinars to everyone: Babel's formatting is worth keeping.
@lru_cache(maxsize=2048)
def local_times(start: datetime, end: datetime, tz_name: str, locale: str) -> LocalTimes:
    """Format an aware start and end in ``tz_name`` for ``locale``."""
    zone = ZoneInfo(tz_name)
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone)
    other_day = local_end.date() != local_start.date()
    return LocalTimes(
        zone=tz_name,
        zone_label=zone_label(tz_name, start, locale),
        date=format_date(local_start, "full", locale=locale),
        start=format_time(local_start, "short", locale=locale),
        end=format_time(local_end, "short", locale=locale),
        end_date=format_date(local_end, "full", locale=locale) if other_day else None,
        short=f"{format_date(local_start, 'medium', locale=locale)}, "
        f"{format_time(local_start, 'short', locale=locale)}",
        iso=local_start.isoformat(timespec="minutes"),
        offset=local_start.utcoffset() or timedelta(0),
    )


def offset_difference(at: datetime, viewer_tz: str, event_tz: str) -> timedelta:
    """How far the viewer's clock is ahead (positive) or behind (negative) the event's at ``at``."""
    viewer = at.astimezone(ZoneInfo(viewer_tz)).utcoffset() or timedelta(0)
    event = at.astimezone(ZoneInfo(event_tz)).utcoffset() or timedelta(0)
    return viewer - event


@lru_cache(maxsize=256)
def duration_text(delta: timedelta, locale: str) -> str:
    """``2 hours 30 minutes`` in the locale's words and plural forms (sign ignored)."""
    minutes = abs(int(delta.total_seconds())) // 60
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="long", locale=locale))
    if rest or not hours:
        parts.append(format_unit(rest, "duration-minute", length="long", locale=locale))
    return " ".join(parts)
