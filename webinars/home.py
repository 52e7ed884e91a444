"""The webinars' parts of the home page: the next webinars for every visitor, and a signed-in
person's own registrations in "continue where you left off"."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _

from school.models import User
from webinars import services
from webinars.models import RegistrationStatus
from webinars.views import template_helpers, when_short

#: How many of the next webinars the home page shows.
HOME_WEBINARS = 3


def home_section() -> str:
    """The next webinars on the schedule, with their places (the same for every visitor)."""
    pagination = services.upcoming(1, per_page=HOME_WEBINARS, count=False)
    if not pagination.items:
        return ""
    return render_template(
        "webinars/_home.html",
        webinars=pagination.items,
        counts=services.seat_counts(w.id for w in pagination.items),
        **template_helpers(),
    )


def home_panel(user: User, limit: int = 3) -> list[tuple[str, str]]:
    """My next webinars (registered or on the waiting list) for the home page."""
    coming = services.my_upcoming(user)
    items = []
    for registration in coming:
        webinar = registration.webinar
        if not webinar.is_published:
            continue
        if registration.status == RegistrationStatus.WAITLISTED:
            label = _(
                "Webinar: %(title)s, %(when)s (waiting list)",
                title=webinar.title,
                when=when_short(webinar),
            )
        else:
            label = _("Webinar: %(title)s, %(when)s", title=webinar.title, when=when_short(webinar))
        items.append((label, url_for("webinars.detail", webinar_id=webinar.id)))
        if len(items) >= limit:
            break
    return items
