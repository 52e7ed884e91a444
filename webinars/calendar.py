"""iCalendar (RFC 5545) output for the schedule, one webinar and personal feeds.

Pure: the caller passes plain entries with absolute URLs; nothing here knows about Flask or the
database. Times are written as local times of the webinar's own zone (``DTSTART;TZID=...``) with
the matching ``VTIMEZONE``, so calendars keep the event at the right wall-clock time even if the
zone's rules are revised later.

Any stored text is written so that every calendar reads it (:mod:`school.textinput`): titles,
names, places and categories on one line, descriptions with plain line breaks, and no control
character anywhere, for text stored before the input rules existed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from school.textinput import one_line, text_lines

# How often subscribed calendars should look for changes.
REFRESH = timedelta(hours=6)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_REMINDER = re.compile(r"(\d{1,4})([dhm])")
# Reminders longer before than this are surely a typing mistake.
MAX_REMINDER = timedelta(days=28)


def parse_reminders(text: str | None) -> tuple[timedelta, ...]:
    """Reminders as written in the settings: "1d,1h", "30m", "" or "none" for none.

    Each is a number and a unit (d, h, m), largest first in the result, each once; anything
    else is a ValueError naming it.
    """
    found: set[timedelta] = set()
    for part in (text or "").replace(" ", "").lower().split(","):
        if part in ("", "none"):
            continue
        match = _REMINDER.fullmatch(part)
        if match is None:
            raise ValueError(f"not a reminder: {part!r} (use 1d, 2h or 30m)")
        delta = timedelta(**{_UNITS[match[2]]: int(match[1])})
        if not timedelta(0) < delta <= MAX_REMINDER:
            raise ValueError(f"a reminder must be from 1 minute to 28 days before: {part!r}")
        found.add(delta)
    return tuple(sorted(found, reverse=True))


def _trigger_text(delta: timedelta) -> str:
    return icalendar.vDuration(-delta).to_ical().decode()


class Text(icalendar.vText):
    """A TEXT value escaped as RFC 5545 says, and nothing more: icalendar's own escaping first
    turns a written backslash and "N" into a line break, which a title may well contain."""

    def to_ical(self) -> bytes:
        escaped = (
            str(self)
            .replace("\\", "\\\\")
            .replace(";", "\\;")
            .replace(",", "\\,")
            .replace("\n", "\\n")
        )
        return escaped.encode(self.encoding)


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    sequence: int
    created_at: datetime
    updated_at: datetime
    url: str | None = None
    cancelled: bool = False
    tentative: bool = False
    location: str | None = None
    categories: tuple[str, ...] = ()
    # VALARM reminders this long before the start (personal feeds, for people with a place).
    alarms: tuple[timedelta, ...] = ()


def event_uid(webinar_id: int, domain: str) -> str:
    """A UID that never changes for a webinar, whatever is edited."""
    return f"webinar-{webinar_id}@{domain}"


def _event(entry: CalendarEntry) -> icalendar.Event:
    zone = ZoneInfo(entry.timezone)
    if entry.cancelled:
        status = "CANCELLED"
    elif entry.tentative:
        status = "TENTATIVE"
    else:
        status = "CONFIRMED"
    event = icalendar.Event()
    event.add("uid", entry.uid)
    # Without METHOD, DTSTAMP is when the information was last revised (RFC 5545, 3.8.7.2),
    # which also keeps the output stable between requests.
    event.add("dtstamp", entry.updated_at)
    event.add("created", entry.created_at)
    event.add("last-modified", entry.updated_at)
    event.add("sequence", entry.sequence)
    event.add("dtstart", entry.starts_at.astimezone(zone))
    event.add("dtend", entry.ends_at.astimezone(zone))
    event.add("summary", Text(one_line(entry.title)))
    description = text_lines(entry.description)
    if description:
        event.add("description", Text(description))
    event.add("status", status)
    event.add("class", "PUBLIC")
    if entry.url:
        event.add("url", entry.url)
    if entry.location:
        event.add("location", Text(one_line(entry.location)))
    categories = [one_line(term) for term in entry.categories if one_line(term).strip()]
    if categories:
        event.add("categories", categories)
    if not entry.cancelled:
        for delta in entry.alarms:
            event.add_component(_alarm(entry, delta))
    return event


def _alarm(entry: CalendarEntry, delta: timedelta) -> icalendar.Alarm:
    """A reminder shown ``delta`` before the start (RFC 5545 3.6.6, with RFC 9074's UID)."""
    name, _at, domain = entry.uid.partition("@")
    alarm = icalendar.Alarm()
    alarm.add("uid", f"{name}-alarm{_trigger_text(delta)}@{domain}")
    alarm.add("action", "DISPLAY")
    alarm.add("description", Text(one_line(entry.title)))
    alarm.add("trigger", -delta, parameters={"RELATED": "START"})
    return alarm


def build_calendar(
    entries: Iterable[CalendarEntry],
    *,
    name: str,
    prodid: str,
    description: str | None = None,
    refresh: timedelta = REFRESH,
) -> bytes:
    """A complete VCALENDAR with one VEVENT per entry and a VTIMEZONE per zone used."""
    entries = list(entries)
    calendar = icalendar.Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # NAME and X-WR-CALNAME are not text properties to icalendar: escape them as text, so a
    # line break in a webinar title cannot end the line and start a property of its own.
    calendar.add("name", Text(one_line(name)))
    calendar.add("x-wr-calname", Text(one_line(name)))
    if description:
        calendar.add("description", Text(text_lines(description)))
        calendar.add("x-wr-caldesc", Text(text_lines(description)))
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(refresh).to_ical().decode())
    for entry in entries:
        calendar.add_component(_event(entry))
    if entries:
        # Cover a year on either side, so each event's own daylight saving rules are included.
        first = min(e.starts_at for e in entries).date() - timedelta(days=366)
        last = max(e.ends_at for e in entries).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
