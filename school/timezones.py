"""Time zones as people name them: the city in the reader's language with its offset today,
grouped by country in that language, Russia first and its zones from west to east.

Pure apart from Babel's data and the date it is asked for (offsets change with summer time);
the lists are cached per language and day.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from school.timeutil import zone_names

#: The country listed first.
FIRST_COUNTRY = "RU"


def offset_text(offset: timedelta) -> str:
    """``UTC+3``, ``UTC+5:30``, ``UTC−3:30`` (with a real minus sign), or ``UTC``."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def city_name(tz_name: str, locale: str) -> str:
    """The zone's city in ``locale`` (``Екатеринбург``), or the last part of its name."""
    try:
        city = get_timezone_location(ZoneInfo(tz_name), locale=locale, return_city=True)
    except (LookupError, ValueError):
        city = ""
    return city or tz_name.rsplit("/", 1)[-1].replace("_", " ")


def zone_name(tz_name: str, locale: str, day: date) -> str:
    """``Екатеринбург (Россия), UTC+5``: how a zone is shown in text."""
    country = _country(tz_name, locale)
    city = city_name(tz_name, locale)
    place = f"{city} ({country})" if country and country != city else city
    return f"{place}, {offset_text(_offset(tz_name, day))}"


def zone_choices(
    locale: str, day: date, other: str, only: Collection[str] | None = None
) -> list[tuple[str, str, str]]:
    """``(zone, label, country)`` for a select box with one group per country; ``other`` names
    the group of zones in no country (UTC)."""
    rows = _zone_choices(locale, day, other)
    if only is None:
        return list(rows)
    return [row for row in rows if row[0] in only]


def _offset(tz_name: str, day: date) -> timedelta:
    moment = datetime.combine(day, time(12), tzinfo=ZoneInfo(tz_name))
    return moment.utcoffset() or timedelta(0)


def _country(tz_name: str, locale: str) -> str:
    code = get_global("zone_territories").get(tz_name)
    return Locale.parse(locale).territories.get(code, "") if code else ""


@lru_cache(maxsize=8)
def _zone_choices(locale: str, day: date, other: str) -> tuple[tuple[str, str, str], ...]:
    territories = get_global("zone_territories")
    names = Locale.parse(locale).territories
    rows = []
    for zone in zone_names():
        code = territories.get(zone)
        country = names.get(code, "") if code else ""
        offset = _offset(zone, day)
        label = f"{city_name(zone, locale)} ({offset_text(offset)})"
        rows.append((zone, label, country or other, code == FIRST_COUNTRY, offset))

    def order(row):
        _zone, label, country, first, offset = row
        if first:
            return (0, "", offset, label.casefold())
        return (1 if country != other else 2, country.casefold(), timedelta(0), label.casefold())

    return tuple((zone, label, country) for zone, label, country, *_ in sorted(rows, key=order))
