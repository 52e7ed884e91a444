"""The print queue for staff: what waits, runs and failed, with the error, and a retry button."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from school import jobs
from school.forms import EmptyForm
from school.models import Role
from school.permissions import role_required
from school.views_helpers import flash_redirect, submitted_or_400

bp = Blueprint("jobs", __name__)

#: Jobs listed of each state; the page says how many there are in all.
SHOWN = 50


@bp.get("/manage/jobs")
@role_required(Role.STAFF)
def index():
    summary = jobs.queue().summary(SHOWN)
    return render_template("school/jobs.html", summary=summary, shown=SHOWN)


@bp.post("/manage/jobs/<job_id>/retry")
@role_required(Role.STAFF)
def retry(job_id: str):
    submitted_or_400(EmptyForm())
    if not jobs.queue().retry(job_id):
        return flash_redirect(_("This job has not failed."), url_for("jobs.index"), "info")
    return flash_redirect(_("The job is queued again."), url_for("jobs.index"))
