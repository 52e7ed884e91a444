"""The notifications page, the choice of kinds in the settings, and the words of each kind.

A notification holds facts (:mod:`school.notifications`); here they become a sentence in the
reader's language, with times in the reader's zone and a link to the page it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from school import notify
from school.forms import NotificationKindsForm, id_number
from school.i18n import format_in_zone, select_timezone
from school.notifications import Kind, link_of
from school.timeutil import is_valid_timezone

bp = Blueprint("notifications", __name__)

# What each kind is, as the settings list it.
KIND_LABELS: dict[Kind, Any] = {
    Kind.WAITLIST_PLACE: _l("I get a place from the waiting list"),
    Kind.WEBINAR_MOVED: _l("A webinar I registered for moves to another time"),
    Kind.WEBINAR_CANCELLED: _l("A webinar I registered for is cancelled"),
    Kind.WEBINAR_RESTORED: _l("A cancelled webinar I registered for takes place after all"),
    Kind.CERTIFICATE_ISSUED: _l("I get a certificate for a course"),
    Kind.ESSAY_GRADED: _l("An essay of mine has been graded"),
}


def _when(data: Mapping[str, Any]) -> str:
    """A moved webinar's new start in the reader's zone."""
    try:
        starts_at = datetime.fromisoformat(str(data.get("starts_at")))
    except ValueError:
        return ""
    zone = select_timezone()
    return format_in_zone(starts_at, zone if is_valid_timezone(zone) else "UTC", "d MMMM y, HH:mm")


def _cancelled(data: Mapping[str, Any]) -> str:
    if data.get("reason"):
        return _(
            "“%(title)s” has been cancelled. The instructor's reason: %(reason)s",
            title=data.get("title", ""),
            reason=data["reason"],
        )
    return _("“%(title)s” has been cancelled.", title=data.get("title", ""))


_TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    Kind.WAITLIST_PLACE: lambda d: _(
        "A place has freed up at “%(title)s”: you are registered now, and the join link is on "
        "the webinar's page.",
        title=d.get("title", ""),
    ),
    Kind.WEBINAR_MOVED: lambda d: _(
        "“%(title)s” has moved to another time: it now starts on %(when)s (your time).",
        title=d.get("title", ""),
        when=_when(d),
    ),
    Kind.WEBINAR_CANCELLED: _cancelled,
    Kind.WEBINAR_RESTORED: lambda d: _(
        "“%(title)s” takes place after all: the cancellation has been withdrawn and your "
        "registration stands.",
        title=d.get("title", ""),
    ),
    Kind.CERTIFICATE_ISSUED: lambda d: _(
        "You have completed “%(title)s”: your certificate is ready.", title=d.get("title", "")
    ),
    Kind.ESSAY_GRADED: lambda d: _(
        "Your essay in “%(title)s” has been graded.", title=d.get("title", "")
    ),
}


@dataclass(frozen=True)
class Shown:
    """One notification as the page shows it."""

    text: str
    url: str | None
    created_at: datetime
    unread: bool


def _url(data: Mapping[str, Any]) -> str | None:
    link = link_of(data)
    if link is None:
        return None
    try:
        return url_for(link[0], **link[1])
    except (BuildError, TypeError, ValueError):
        return None  # the page it was about is gone from the site


def shown(notification: notify.Seen) -> Shown:
    text = _TEXTS.get(notification.kind)
    data = notification.data
    return Shown(
        text=text(data) if text else _("Something has changed on the site."),
        url=_url(data),
        created_at=notification.created_at,
        unread=notification.unread,
    )


def kinds_form(formdata=None) -> NotificationKindsForm:
    form = NotificationKindsForm(formdata=formdata)
    form.kinds.choices = [(kind.value, KIND_LABELS[kind]) for kind in Kind]
    if formdata is None:
        form.kinds.data = [kind.value for kind in Kind if kind in notify.chosen_kinds(current_user)]
    return form


@bp.get("/account/notifications")
@login_required
def index():
    number = request.args.get("page", 1, type=id_number) or 1
    pagination, seen = notify.page(current_user, number)
    return render_template(
        "school/notifications.html",
        pagination=pagination,
        items=[shown(n) for n in seen],
        keep_days=int(notify.keep_days()),
    )


@bp.post("/account/notifications/kinds")
@login_required
def choose_kinds():
    form = kinds_form(request.form)
    if form.validate_on_submit():
        notify.choose_kinds(current_user, form.kinds.data or [])
        flash(_("Your choice of notifications has been saved."), "success")
    return redirect(url_for("school.settings") + "#notifications-heading")
