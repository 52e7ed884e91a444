"""Routes of the webinar schedule: lists, pages, registration, editing, calendars and feeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from school.i18n import select_timezone
from school.markdown import markdown_to_text, render_markdown
from school.pagecache import public_page
from school.permissions import can_view, require_edit, require_view
from school.timeutil import now_utc
from school.urls import host_of, public_url
from school.views import safe_next
from school.views_helpers import or_404
from webinars import services
from webinars.calendar import CalendarEntry, build_calendar, event_uid, parse_reminders
from webinars.feeds import FeedEntry, atom_id, build_atom
from webinars.forms import FeedRemindersForm, TimezoneForm
from webinars.models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus
from webinars.timetext import LocalTimes, duration_text, local_times, offset_difference

bp = Blueprint("webinars", __name__)

FEED_TOKEN_KEY = "webinar_feed_token"  # noqa: S105 - a session key, not a secret
PUBLIC_CACHE = "public, max-age=300"


# --- time display ---------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """A webinar's time in its own zone and, when the clocks differ, in the viewer's."""

    event: LocalTimes
    event_text: str
    viewer: LocalTimes | None
    viewer_text: str | None
    difference: timedelta
    difference_text: str

    @property
    def ahead(self) -> bool:
        return self.difference > timedelta(0)


def _locale() -> str:
    return str(get_locale() or "ru")


def _range_text(times: LocalTimes) -> str:
    if times.end_date:
        return _(
            "%(date)s, %(start)s – %(end_date)s, %(end)s",
            date=times.date,
            start=times.start,
            end_date=times.end_date,
            end=times.end,
        )
    return _("%(date)s, %(start)s–%(end)s", date=times.date, start=times.start, end=times.end)


def when(webinar: Webinar) -> When:
    """Times of ``webinar`` for the current viewer (zone from ``select_timezone``)."""
    locale = _locale()
    event = local_times(webinar.starts_at, webinar.ends_at, webinar.timezone, locale)
    viewer_zone = select_timezone()
    difference = offset_difference(webinar.starts_at, viewer_zone, webinar.timezone)
    viewer = None
    if difference:
        viewer = local_times(webinar.starts_at, webinar.ends_at, viewer_zone, locale)
    return When(
        event=event,
        event_text=_range_text(event),
        viewer=viewer,
        viewer_text=_range_text(viewer) if viewer else None,
        difference=difference,
        difference_text=duration_text(difference, locale) if difference else "",
    )


def when_short(webinar: Webinar) -> str:
    """One line for lists: the viewer's time, and the webinar's own when it differs."""
    times = when(webinar)
    if times.viewer is None:
        return f"{times.event.short} ({times.event.zone_label})"
    return _(
        "%(viewer)s your time (%(event)s, %(zone)s)",
        viewer=times.viewer.short,
        event=times.event.start,
        zone=times.event.zone_label,
    )


@bp.context_processor
def template_helpers() -> dict:
    """What the webinar templates use (also for the parts other pages include)."""
    return {
        "webinar_when": when,
        "webinar_when_short": when_short,
        "RegistrationStatus": RegistrationStatus,
        "WebinarStatus": WebinarStatus,
    }


# --- helpers --------------------------------------------------------------------------------


def _webinar_or_404(webinar_id: int) -> Webinar:
    return or_404(services.get_webinar(webinar_id))


def _editable(webinar_id: int) -> Webinar:
    return require_edit(_webinar_or_404(webinar_id))


def _page() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), services.MAX_PAGE)


def _uid_domain() -> str:
    """The domain in calendar UIDs and feed ids: configured, so it is the same on every host."""
    config = current_app.config
    return (config.get("CALENDAR_UID_DOMAIN") or host_of(config["PUBLIC_URL"])).lower()


def _timezone_form() -> TimezoneForm | None:
    """The "show times in" form, for viewers whose zone is not saved in their account."""
    if current_user.is_authenticated and current_user.timezone:
        return None
    current = select_timezone()
    form = TimezoneForm(formdata=None, short=True, current=current)
    form.tz.data = current
    form.next.data = request.full_path.rstrip("?")
    return form


def _feed_links() -> dict:
    return {
        "atom_url": public_url("webinars.atom_feed"),
        "ics_url": public_url("webinars.public_calendar"),
    }


# --- public pages ---------------------------------------------------------------------------


@bp.get("/webinars/")
@public_page
def index():
    pagination = services.upcoming(_page())
    counts = services.seat_counts(w.id for w in pagination.items)
    return render_template(
        "webinars/index.html",
        pagination=pagination,
        counts=counts,
        tz_form=_timezone_form(),
        **_feed_links(),
    )


@bp.get("/webinars/past")
@public_page
def past():
    pagination = services.past(_page())
    return render_template(
        "webinars/past.html",
        pagination=pagination,
        tz_form=_timezone_form(),
        **_feed_links(),
    )


@bp.get("/webinars/<int:webinar_id>")
@public_page
def detail(webinar_id: int):
    webinar = _webinar_or_404(webinar_id)
    if not can_view(current_user, webinar):
        if webinar.is_cancelled or webinar.is_withdrawn:
            # It was on the schedule: say what became of it (and why), not "no such page".
            return render_template("webinars/gone.html", webinar=webinar), 410
        abort(404)
    registration = services.registration_of(current_user, webinar)
    position = services.waitlist_position(registration) if registration else None
    counts = services.seat_counts([webinar.id])[webinar.id]
    return render_template(
        "webinars/detail.html",
        webinar=webinar,
        registration=registration,
        position=position,
        counts=counts,
        show_join=services.may_join(current_user, webinar),
        now=now_utc(),
        tz_form=_timezone_form(),
    )


@bp.route("/webinars/timezone", methods=["GET", "POST"])
def set_timezone():
    """Every time zone on a page of its own; the choice is kept in the session."""
    form = TimezoneForm()
    if request.method == "GET":
        form.tz.data = select_timezone()
        form.next.data = safe_next(request.args.get("next"), "webinars.index")
        return render_template("webinars/timezone.html", form=form)
    if form.validate_on_submit():
        session["tz"] = form.tz.data
    else:
        flash(_("Unknown time zone. Choose one from the list."), "error")
    return redirect(safe_next(form.next.data, "webinars.index"))


# --- registration ---------------------------------------------------------------------------


@bp.post("/webinars/<int:webinar_id>/register")
@login_required
def register(webinar_id: int):
    webinar = require_view(_webinar_or_404(webinar_id))
    back = url_for("webinars.detail", webinar_id=webinar.id)
    try:
        outcome = services.register(current_user, webinar.id)
    except services.WebinarError as error:
        flash(error.message, "error")
        return redirect(back)
    except LookupError:
        abort(404)
    registration = outcome.registration
    if not outcome.changed:
        flash(_("You are already registered for this webinar."), "success")
    elif registration.status == RegistrationStatus.WAITLISTED:
        flash(
            _(
                "All places are taken: you are number %(position)s on the waiting list. "
                "If a place frees up, you move up automatically.",
                position=services.waitlist_position(registration),
            ),
            "success",
        )
    else:
        flash(_("You are registered. The join link is on this page."), "success")
    return redirect(back)


@bp.post("/webinars/<int:webinar_id>/unregister")
@login_required
def unregister(webinar_id: int):
    webinar = _webinar_or_404(webinar_id)
    registration = services.registration_of(current_user, webinar)
    if registration is None and not can_view(current_user, webinar):
        abort(404)
    was_waitlisted = (
        registration is not None and registration.status == RegistrationStatus.WAITLISTED
    )
    try:
        outcome = services.cancel_registration(current_user, webinar.id)
    except services.WebinarError as error:
        flash(error.message, "error")
    except LookupError:
        abort(404)
    else:
        if outcome.changed and was_waitlisted:
            flash(_("You have left the waiting list."), "success")
        elif outcome.changed:
            flash(_("Your registration has been cancelled."), "success")
    if request.form.get("next"):
        return redirect(safe_next(request.form.get("next"), "webinars.mine"))
    if can_view(current_user, webinar):
        return redirect(url_for("webinars.detail", webinar_id=webinar.id))
    return redirect(url_for("webinars.mine"))


def webcal(url: str) -> str:
    """The ``webcal:`` form of a feed's address, which calendar apps open as a subscription."""
    return "webcal:" + url.partition(":")[2]


@bp.get("/webinars/mine")
@login_required
def mine():
    coming = services.my_upcoming(current_user)
    positions = {r.id: services.waitlist_position(r) for r in coming}
    # A new feed address is shown once, right after it was made; only its hash is stored.
    new_token = session.pop(FEED_TOKEN_KEY, None)
    feed_url = None
    if new_token:
        feed_url = public_url("webinars.personal_calendar", token=new_token)
    feed = services.feed_token_of(current_user)
    reminders_form = FeedRemindersForm(formdata=None)
    reminders_form.reminders.data = (feed.reminders if feed else None) or ""
    return render_template(
        "webinars/mine.html",
        coming=coming,
        done=services.my_past(current_user, _page()),
        positions=positions,
        feed=feed,
        feed_url=feed_url,
        webcal_url=webcal(feed_url) if feed_url else None,
        reminders_form=reminders_form,
        tz_form=_timezone_form(),
        now=now_utc(),
    )


@bp.post("/webinars/mine/feed")
@login_required
def issue_feed():
    replaced = services.feed_token_of(current_user) is not None
    session[FEED_TOKEN_KEY] = services.issue_feed_token(current_user)
    if replaced:
        message = _(
            "Your new personal calendar address is ready. The old address no longer works: "
            "subscribe to the new one in your calendar app."
        )
    else:
        message = _(
            "Your personal calendar address is ready. Subscribe to it in your calendar app."
        )
    flash(message, "success")
    return redirect(url_for("webinars.mine") + "#calendar-feed")


@bp.post("/webinars/mine/feed/reminders")
@login_required
def feed_reminders():
    form = FeedRemindersForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the listed reminders."), "error")
    elif services.set_feed_reminders(current_user, form.reminders.data):
        flash(_("Reminders saved. Calendar apps pick them up at their next update."), "success")
    return redirect(url_for("webinars.mine") + "#calendar-feed")


@bp.post("/webinars/mine/feed/revoke")
@login_required
def revoke_feed():
    session.pop(FEED_TOKEN_KEY, None)
    if services.revoke_feed_token(current_user):
        flash(_("Your personal calendar address has been turned off."), "success")
    return redirect(url_for("webinars.mine") + "#calendar-feed")


# --- calendars and feeds --------------------------------------------------------------------


def _description(webinar: Webinar, join_url: str | None = None, withdrawn: bool = False) -> str:
    parts = []
    if webinar.is_cancelled:
        parts.append(_("This webinar has been cancelled."))
        if webinar.cancel_reason:
            parts.append(_("The instructor's reason: %(reason)s", reason=webinar.cancel_reason))
    elif withdrawn:
        parts.append(_("This webinar has been taken off the schedule for now."))
    summary = markdown_to_text(webinar.summary)
    if summary:
        parts.append(summary)
    if webinar.presenter_list:
        parts.append(_("Presenters: %(names)s", names=", ".join(webinar.presenter_list)))
    if join_url:
        parts.append(_("Join link: %(url)s", url=join_url))
    parts.append(public_url("webinars.detail", webinar_id=webinar.id))
    return "\n\n".join(parts)


def _entry(
    webinar: Webinar,
    registration: WebinarRegistration | None = None,
    alarms: tuple[timedelta, ...] = (),
) -> CalendarEntry:
    """A calendar entry; the join link and the ``alarms`` only for a registration holding a
    place. A registrant's webinar taken off the schedule is cancelled in their calendar until
    it comes back."""
    join_url = None
    holds_place = (
        registration is not None
        and registration.status == RegistrationStatus.REGISTERED
        and webinar.is_published
    )
    if holds_place:
        join_url = webinar.join_url
    title = webinar.title
    withdrawn = registration is not None and webinar.is_draft
    tentative = (
        registration is not None
        and registration.status == RegistrationStatus.WAITLISTED
        and not withdrawn
    )
    if tentative:
        title = _("%(title)s (waiting list)", title=webinar.title)
    return CalendarEntry(
        uid=event_uid(webinar.id, _uid_domain()),
        title=title,
        description=_description(webinar, join_url, withdrawn),
        starts_at=webinar.starts_at,
        ends_at=webinar.ends_at,
        timezone=webinar.timezone,
        sequence=webinar.sequence,
        created_at=webinar.created_at,
        updated_at=webinar.updated_at,
        url=public_url("webinars.detail", webinar_id=webinar.id),
        cancelled=webinar.is_cancelled or withdrawn,
        tentative=tentative,
        location=join_url,
        categories=(webinar.series,) if webinar.series else (),
        alarms=alarms if holds_place else (),
    )


def _prodid() -> str:
    return f"-//{current_app.config['SITE_NAME']}//Webinars//{_locale().upper()}"


def _feed_response(body: bytes, content_type: str, cache: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = cache
    # The text is in the reader's language, chosen by header or by the session cookie.
    response.vary.update(("Accept-Language", "Cookie"))
    response.add_etag()
    return response.make_conditional(request)


def _calendar_response(body: bytes, filename: str, cache: str) -> Response:
    response = _feed_response(body, "text/calendar; charset=utf-8", cache)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/webinars.ics")
def public_calendar():
    body = build_calendar(
        [_entry(w) for w in services.public_calendar()],
        name=_("Webinars: %(site)s", site=current_app.config["SITE_NAME"]),
        description=_("The schedule of free webinars. Join links are sent to registered people."),
        prodid=_prodid(),
    )
    return _calendar_response(body, "webinars.ics", PUBLIC_CACHE)


@bp.get("/webinars/<int:webinar_id>.ics")
def webinar_calendar(webinar_id: int):
    webinar = require_view(_webinar_or_404(webinar_id))
    body = build_calendar(
        [_entry(webinar)], name=webinar.title, prodid=_prodid(), refresh=timedelta(hours=6)
    )
    cache = PUBLIC_CACHE if webinar.is_published else "private, no-store"
    return _calendar_response(body, f"webinar-{webinar.id}.ics", cache)


def _reminders(choice: str | None) -> tuple[timedelta, ...]:
    """A feed's reminders: its owner's choice, else the site's ``CALENDAR_REMINDERS``."""
    try:
        return parse_reminders(choice)
    except ValueError:
        return parse_reminders(current_app.config["CALENDAR_REMINDERS"])


@bp.get("/webinars/feed/<token>.ics")
def personal_calendar(token: str):
    feed = services.feed_for_token(token)
    if feed is None:
        abort(404)
    user = feed.user
    alarms = _reminders(feed.reminders or current_app.config["CALENDAR_REMINDERS"])
    # Calendar apps send no language: use the one saved in the account.
    with force_locale(user.locale or _locale()):
        body = build_calendar(
            [_entry(r.webinar, r, alarms) for r in services.personal_calendar(user)],
            name=_("My webinars: %(site)s", site=current_app.config["SITE_NAME"]),
            prodid=_prodid(),
        )
    response = _calendar_response(body, "my-webinars.ics", "private, no-store")
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/webinars/feed.atom")
def atom_feed():
    locale = _locale()
    now = now_utc()
    announced = services.announcements(now)
    entries = []
    for webinar in announced:
        times = local_times(webinar.starts_at, webinar.ends_at, webinar.timezone, locale)
        summary = f"{_range_text(times)} ({times.zone_label})."
        if webinar.presenter_list:
            summary += " " + _("Presenters: %(names)s", names=", ".join(webinar.presenter_list))
        entries.append(
            FeedEntry(
                id=atom_id(event_uid(webinar.id, _uid_domain())),
                title=webinar.title,
                url=public_url("webinars.detail", webinar_id=webinar.id),
                updated=webinar.updated_at,
                published=webinar.published_at,
                summary=summary,
                content_html=str(render_markdown(webinar.summary)) or None,
                categories=(webinar.series,) if webinar.series else (),
            )
        )
    body = build_atom(
        entries,
        feed_id=atom_id(f"webinars@{_uid_domain()}"),
        title=_("Webinars: %(site)s", site=current_app.config["SITE_NAME"]),
        subtitle=_("Upcoming free webinars. Register on the site to get the join link."),
        self_url=public_url("webinars.atom_feed"),
        html_url=public_url("webinars.index"),
        author=current_app.config["ORG_NAME"],
        updated=services.atom_updated(announced, now),
        lang=locale,
    )
    return _feed_response(body, "application/atom+xml; charset=utf-8", PUBLIC_CACHE)
