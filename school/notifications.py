"""What the site can tell a person on their next visit: the kinds of notification, the facts
each is told with, and how long they are kept. Pure: no Flask, no database.

A notification stores facts, not sentences (:func:`payload`): the words are chosen when it is
shown, in the reader's language (``school.notification_views``), so a change of language or a
corrected translation reaches the old ones too.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

DEFAULT_KEEP_DAYS = 90
PER_PAGE = 20
# Longest stored text of one fact (a title, a reason): what a form lets through, and a bound.
MAX_TEXT = 2000


class Kind(enum.StrEnum):
    WAITLIST_PLACE = "waitlist_place"
    WEBINAR_MOVED = "webinar_moved"
    WEBINAR_CANCELLED = "webinar_cancelled"
    WEBINAR_RESTORED = "webinar_restored"
    CERTIFICATE_ISSUED = "certificate_issued"
    # For graded essays: nothing sends it yet (there are no essay questions); see school.notify.
    ESSAY_GRADED = "essay_graded"


# The facts each kind is told with. ``title`` is the webinar's, course's or quiz's title;
# ``starts_at`` an ISO 8601 time in UTC, ``timezone`` the webinar's own zone.
FIELDS: dict[Kind, tuple[str, ...]] = {
    Kind.WAITLIST_PLACE: ("title",),
    Kind.WEBINAR_MOVED: ("title", "starts_at", "timezone"),
    Kind.WEBINAR_CANCELLED: ("title", "reason"),
    Kind.WEBINAR_RESTORED: ("title",),
    Kind.CERTIFICATE_ISSUED: ("title",),
    Kind.ESSAY_GRADED: ("title",),
}


def _fact(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if value is None or isinstance(value, bool | int | float):
        return value
    raise TypeError(f"a notification's facts are text, numbers or times, not {type(value)}")


def payload(
    kind: Kind | str,
    facts: Mapping[str, Any],
    link: tuple[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The stored ``data`` of a notification of ``kind``: every fact the kind needs (a missing
    one is a ValueError), texts cut to ``MAX_TEXT``, and the page it links to as an endpoint
    and its arguments (built into an address when shown)."""
    kind = Kind(kind)
    missing = [name for name in FIELDS[kind] if name not in facts]
    if missing:
        raise ValueError(f"{kind} needs {', '.join(missing)}")
    data = {name: _fact(value) for name, value in facts.items()}
    if link is not None:
        endpoint, args = link
        data["link"] = {"endpoint": endpoint, "args": {k: _fact(v) for k, v in args.items()}}
    return data


def link_of(data: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The (endpoint, arguments) a stored notification links to, if any."""
    link = data.get("link")
    if not isinstance(link, Mapping) or not isinstance(link.get("endpoint"), str):
        return None
    args = link.get("args")
    return link["endpoint"], dict(args) if isinstance(args, Mapping) else {}


def cutoff(now: datetime, keep_days: float) -> datetime:
    """Notifications made before this are past their time and go."""
    return now - timedelta(days=keep_days)


def known_kinds(values: Iterable[str]) -> set[Kind]:
    """The kinds among ``values``; anything else (a stale or forged form value) is left out."""
    names = {kind.value for kind in Kind}
    return {Kind(value) for value in values if value in names}


def muted_kinds(chosen: Iterable[str]) -> set[Kind]:
    """The kinds a person does not get when they chose to get ``chosen``."""
    return set(Kind) - known_kinds(chosen)
