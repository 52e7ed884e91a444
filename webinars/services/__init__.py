"""Webinar use cases: planning, publishing, registration with a waiting list, feeds, account data.

Every use case that reads, checks and then writes (the last free place, a capacity change)
starts with ``begin_write()`` and locks the webinar row, so two requests can never both take the
last place, on SQLite or PostgreSQL.

- ``common``: page limits, ``WebinarError`` and the webinar row lock
- ``schedule``: the public schedule and an instructor's list, with seat counts
- ``planning``: checking, creating and editing a webinar; publishing, cancelling, deleting
- ``registration``: registering, cancelling, the waiting list and who moves up; registrant lists
- ``subscriptions``: what the calendar and Atom feeds carry, and personal feed addresses
- ``permissions``: who may edit, see and join a webinar
- ``accounts``: a person's webinar data in the account export and erasure
- ``retention``: registrations deleted some time after their webinar, numbers kept
- ``demo``: the demonstration schedule
"""

from webinars.services.accounts import erase_user, export_user
from webinars.services.common import MAX_INT, MAX_PAGE, PER_PAGE, WebinarError
from webinars.services.demo import DEMO_FILE, seed_demo
from webinars.services.permissions import may_edit, may_join, may_view
from webinars.services.planning import (
    MAX_CAPACITY,
    MAX_DURATION_MINUTES,
    MAX_REASON,
    MESSAGES,
    WebinarData,
    cancel_webinar,
    create_webinar,
    delete_webinar,
    problems,
    publish,
    restore_webinar,
    unpublish,
    update_webinar,
)
from webinars.services.registration import (
    REGISTRANTS_PER_PAGE,
    Outcome,
    all_registrants,
    cancel_registration,
    my_past,
    my_upcoming,
    register,
    registrants,
    registration_of,
    waitlist_position,
)
from webinars.services.retention import purge_registrations
from webinars.services.schedule import SeatCount, get_webinar, managed, past, seat_counts, upcoming
from webinars.services.subscriptions import (
    ATOM_LIMIT,
    CALENDAR_HISTORY,
    CALENDAR_LIMIT,
    announcements,
    atom_updated,
    feed_changed,
    feed_for_token,
    feed_token_of,
    issue_feed_token,
    personal_calendar,
    public_calendar,
    revoke_feed_token,
    set_feed_reminders,
    user_for_feed_token,
)

__all__ = [
    "ATOM_LIMIT",
    "CALENDAR_HISTORY",
    "CALENDAR_LIMIT",
    "DEMO_FILE",
    "MAX_CAPACITY",
    "MAX_DURATION_MINUTES",
    "MAX_INT",
    "MAX_PAGE",
    "MAX_REASON",
    "MESSAGES",
    "PER_PAGE",
    "REGISTRANTS_PER_PAGE",
    "Outcome",
    "SeatCount",
    "WebinarData",
    "WebinarError",
    "all_registrants",
    "announcements",
    "atom_updated",
    "cancel_registration",
    "cancel_webinar",
    "create_webinar",
    "delete_webinar",
    "erase_user",
    "export_user",
    "feed_changed",
    "feed_for_token",
    "feed_token_of",
    "get_webinar",
    "issue_feed_token",
    "managed",
    "may_edit",
    "may_join",
    "may_view",
    "my_past",
    "my_upcoming",
    "past",
    "personal_calendar",
    "problems",
    "public_calendar",
    "publish",
    "purge_registrations",
    "register",
    "registrants",
    "registration_of",
    "restore_webinar",
    "revoke_feed_token",
    "seat_counts",
    "seed_demo",
    "set_feed_reminders",
    "unpublish",
    "upcoming",
    "update_webinar",
    "user_for_feed_token",
    "waitlist_position",
]
