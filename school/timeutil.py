"""Time helpers: aware UTC storage and display in a chosen time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def now_utc() -> datetime:
    """The current moment as an aware UTC datetime."""
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return an aware UTC datetime; a naive one is refused."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: store aware datetimes only")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite has no time zone type, so values are normalised to UTC on the way in and tagged UTC
    on the way out; PostgreSQL stores ``timestamp with time zone``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = ensure_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_valid_timezone(name: str) -> bool:
    if not name or name not in zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_ZONES: tuple[str, ...] | None = None


def zone_names() -> tuple[str, ...]:
    global _ZONES
    if _ZONES is None:
        _ZONES = tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))
    return _ZONES


def localize(day: date, at: time, tz_name: str) -> datetime:
    """Turn a wall-clock date and time in ``tz_name`` into an aware UTC datetime."""
    zone = ZoneInfo(tz_name)
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def to_zone(value: datetime, tz_name: str) -> datetime:
    return ensure_utc(value).astimezone(ZoneInfo(tz_name))


def utc_offset(value: datetime, tz_name: str) -> timedelta:
    offset = to_zone(value, tz_name).utcoffset()
    return offset if offset is not None else timedelta(0)
