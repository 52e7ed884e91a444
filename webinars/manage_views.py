"""Routes of the webinars' instructors: planning and editing, the status buttons, cancelling
with a reason, and the registrants (on the blueprint of :mod:`webinars.views`)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from school.downloads import private_attachment
from school.models import Role
from school.permissions import role_required
from school.timeutil import to_zone
from school.views_helpers import refuse
from webinars import services
from webinars.forms import CancelForm, WebinarForm
from webinars.models import RegistrationStatus, Webinar
from webinars.tables import csv_text
from webinars.views import _editable, _page, bp


@bp.get("/webinars/manage")
@role_required(Role.INSTRUCTOR)
def manage():
    pagination = services.managed(current_user, _page())
    counts = services.seat_counts(w.id for w in pagination.items)
    return render_template("webinars/manage.html", pagination=pagination, counts=counts)


def _submitted(form: WebinarForm, webinar: Webinar | None) -> bool:
    """Validate the form; when it fails, add the schedule's own checks so all problems show."""
    if form.validate_on_submit():
        return True
    if request.method == "POST":
        extra = services.problems(form.to_data(), webinar)
        unseen = {k: v for k, v in extra.items() if not getattr(form, k).errors}
        if unseen:
            refuse(form, services.WebinarError(errors=unseen))
    return False


@bp.route("/webinars/new", methods=["GET", "POST"])
@role_required(Role.INSTRUCTOR)
def create():
    form = WebinarForm()
    if request.method == "GET":
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
        form.duration_minutes.data = 90
        form.instructors.data = current_user.username
    if _submitted(form, None):
        try:
            webinar = services.create_webinar(current_user, form.to_data())
        except services.WebinarError as error:
            refuse(form, error)
        else:
            flash(
                _("The webinar has been saved as a draft. Publish it when it is ready."), "success"
            )
            return redirect(url_for("webinars.detail", webinar_id=webinar.id))
    return _form_page(form, None)


def _form_page(form: WebinarForm, webinar: Webinar | None):
    status = 400 if form.errors else 200
    return render_template("webinars/form.html", form=form, webinar=webinar), status


@bp.route("/webinars/<int:webinar_id>/edit", methods=["GET", "POST"])
@role_required(Role.INSTRUCTOR)
def edit(webinar_id: int):
    webinar = _editable(webinar_id)
    form = WebinarForm()
    if request.method == "GET":
        form.fill_from(services.WebinarData.from_webinar(webinar))
    if _submitted(form, webinar):
        try:
            services.update_webinar(current_user, webinar.id, form.to_data())
        except services.WebinarError as error:
            refuse(form, error)
        except LookupError:
            abort(404)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("webinars.detail", webinar_id=webinar.id))
    return _form_page(form, webinar)


def _state_change(webinar_id: int, action, message) -> ResponseReturnValue:
    """Change a webinar's status with ``action`` (a button's POST) and say ``message``."""
    webinar = _editable(webinar_id)
    try:
        action(webinar.id)
    except services.WebinarError as error:
        flash(error.message, "error")
    except LookupError:
        abort(404)
    else:
        flash(str(message), "success")
    return redirect(url_for("webinars.detail", webinar_id=webinar.id))


# A webinar's status buttons: (endpoint, the address's last part), what each does and says after.
STATUS_CHANGES = [
    ("publish", services.publish, _l("The webinar is on the schedule now.")),
    (
        "unpublish",
        services.unpublish,
        _l("The webinar has been taken off the schedule. Registrations are kept."),
    ),
    ("restore", services.restore_webinar, _l("The webinar is back on the schedule.")),
]

for _name, _action, _message in STATUS_CHANGES:
    bp.add_url_rule(
        f"/webinars/<int:webinar_id>/{_name}",
        _name,
        role_required(Role.INSTRUCTOR)(partial(_state_change, action=_action, message=_message)),
        methods=["POST"],
    )


@bp.route("/webinars/<int:webinar_id>/cancel", methods=["GET", "POST"])
@role_required(Role.INSTRUCTOR)
def cancel(webinar_id: int):
    """Cancel a webinar, after saying why: registrants are told the reason."""
    webinar = _editable(webinar_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel_webinar(webinar.id, form.reason.data)
        except services.WebinarError as error:
            flash(error.message, "error")
        except LookupError:
            abort(404)
        else:
            flash(
                _(
                    "The webinar has been cancelled. Registered people are told why on their "
                    "next visit and in their calendars."
                ),
                "success",
            )
        return redirect(url_for("webinars.detail", webinar_id=webinar.id))
    status = 400 if form.errors else 200
    return render_template("webinars/cancel.html", form=form, webinar=webinar), status


@bp.post("/webinars/<int:webinar_id>/delete")
@role_required(Role.INSTRUCTOR)
def delete(webinar_id: int):
    webinar = _editable(webinar_id)
    try:
        services.delete_webinar(webinar.id)
    except services.WebinarError as error:
        flash(error.message, "error")
        return redirect(url_for("webinars.detail", webinar_id=webinar.id))
    except LookupError:
        abort(404)
    flash(_("The draft has been deleted."), "success")
    return redirect(url_for("webinars.manage"))


def status_label(status: str) -> str:
    labels = {
        RegistrationStatus.REGISTERED.value: _("Registered"),
        RegistrationStatus.WAITLISTED.value: _("Waiting list"),
        RegistrationStatus.CANCELLED.value: _("Cancelled"),
    }
    return labels.get(status, status)


@bp.get("/webinars/<int:webinar_id>/registrants")
@role_required(Role.INSTRUCTOR)
def registrants(webinar_id: int):
    webinar = _editable(webinar_id)
    pagination = services.registrants(webinar, _page())
    return render_template(
        "webinars/registrants.html",
        webinar=webinar,
        pagination=pagination,
        counts=pagination.seats,
        status_label=status_label,
    )


def _stamp(value: datetime | None, tz_name: str) -> str:
    return to_zone(value, tz_name).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.get("/webinars/<int:webinar_id>/registrants.csv")
@role_required(Role.INSTRUCTOR)
def registrants_csv(webinar_id: int):
    webinar = _editable(webinar_id)
    tz_name = webinar.timezone
    header = [
        _("Username"),
        _("Name"),
        _("Status"),
        _("Registered at (%(zone)s)", zone=tz_name),
        _("Moved up from the waiting list at (%(zone)s)", zone=tz_name),
        _("Cancelled at (%(zone)s)", zone=tz_name),
    ]
    rows = [
        [
            r.user.username,
            r.user.display_name or "",
            status_label(r.status),
            _stamp(r.registered_at, tz_name),
            _stamp(r.promoted_at, tz_name),
            _stamp(r.cancelled_at, tz_name),
        ]
        for r in services.all_registrants(webinar)
    ]
    return private_attachment(
        csv_text(header, rows), f"webinar-{webinar.id}-registrants.csv", "text/csv"
    )
