"""Routes of the knowledge base: readers' pages under /finance/, staff's under /finance/manage/."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from finance import bundle as bundles
from finance import diff, registry, services
from finance.forms import ApproveForm, EntryForm, ImportForm, ReviewDueForm, TopicForm
from finance.models import Entry, Status, Topic
from finance.search import highlight
from school.extensions import db
from school.forms import EmptyForm, id_number
from school.markdown import markdown_to_text
from school.models import Role
from school.pagecache import public_page
from school.permissions import require_edit, require_view, role_required
from school.slugs import slugify
from school.views_helpers import (
    flash_redirect,
    or_404,
    refusals_flashed,
    requested_direction,
    save_form,
    submitted_or_400,
)

bp = Blueprint("finance", __name__, url_prefix="/finance")

MAX_IMPORT_BYTES = 8 * 1024 * 1024

STATUS_LABELS = {
    Status.DRAFT.value: _l("Draft"),
    Status.IN_REVIEW.value: _l("In review"),
    Status.APPROVED.value: _l("Approved"),
    Status.SUPERSEDED.value: _l("Replaced"),
    Status.DISCARDED.value: _l("Discarded"),
}
STATUS_FILTER_LABELS = {
    "all": _l("All"),
    "draft": _l("With a draft"),
    "in_review": _l("In review"),
    "published": _l("Published entries"),
    "unpublished": _l("Not published"),
    "overdue": _l("Review overdue"),
}
FIELD_LABELS = {
    "question": _l("Question"),
    "short_answer": _l("Short answer"),
    "full_answer": _l("Full answer"),
    "legal_references": _l("Laws and regulations"),
}


def staff_helpers() -> dict:
    """Template helpers of the staff's pages; the brochures' pages, under the same menu, too."""
    return {
        "user_label": lambda user: user.shown_name if user is not None else _("deleted user"),
        "is_staff": current_user.is_authenticated and current_user.has_role(Role.STAFF),
        "manage_links": registry.manage_nav_links(),
    }


@bp.context_processor
def _helpers() -> dict:
    return {
        **staff_helpers(),
        "status_label": lambda status: STATUS_LABELS.get(status, status),
        "index_panels": registry.index_panels,
    }


# ------------------------------------------------------------------------------ readers


def home_section() -> str:
    """The home page's part: search the answers, and the newest questions answered."""
    return render_template("finance/_home.html", entries=services.newest_entries())


@bp.get("/")
@public_page
def index():
    return render_template(
        "finance/index.html",
        summaries=services.topic_summaries(),
        panels=registry.index_panel_html(),
    )


@bp.get("/questions/")
@public_page
def all_entries():
    page = request.args.get("page", 1, type=id_number)
    return render_template("finance/all_entries.html", pagination=services.all_entries_page(page))


@bp.get("/topics/<slug>")
@public_page
def topic(slug: str):
    item = require_view(or_404(services.topic_by_slug(slug)))
    page = request.args.get("page", 1, type=id_number)
    return render_template(
        "finance/topic.html", topic=item, pagination=services.topic_page(item, page)
    )


@bp.get("/entries/<slug>")
@public_page
def entry(slug: str):
    item = require_view(or_404(services.entry_by_slug(slug)))
    return render_template("finance/entry.html", entry=item, revision=item.published_revision)


@bp.get("/search")
@public_page
def search():
    query = request.args.get("q", "", type=str)[:200]
    page = request.args.get("page", 1, type=id_number)
    results = services.search(query, page=page)
    if query and not results.total and page == 1:
        # Counted without the reader: the query and the week only (see SearchMiss).
        services.record_miss(query)
    hits = [
        {
            "hit": hit,
            "question": highlight(hit.revision.question, results.terms),
            "snippet": highlight(
                hit.revision.short_answer + " " + markdown_to_text(hit.revision.full_answer),
                results.terms,
                max_len=260,
            ),
        }
        for hit in results.hits
    ]
    return render_template(
        "finance/search.html",
        results=results,
        hits=hits,
        query=query,
        topics=services.list_topics() if query and not results.total else [],
        answers_in_russian=str(get_locale()) != "ru",
    )


# ------------------------------------------------------------------------------ staff: entries


@bp.get("/manage/")
@role_required(Role.STAFF)
def manage():
    status = request.args.get("status", "all")
    if status not in services.STATUS_FILTERS:
        status = "all"
    topic_id = request.args.get("topic", 0, type=id_number)
    query = request.args.get("q", "", type=str)[:100]
    page = request.args.get("page", 1, type=id_number)
    return render_template(
        "finance/manage.html",
        pagination=services.list_entries(status, topic_id or None, query, page),
        status=status,
        topic_id=topic_id,
        query=query,
        topics=services.list_topics(),
        status_filters=STATUS_FILTER_LABELS,
        overdue_count=len(services.overdue_entries()),
        today=services.today(),
    )


def _entry_form(entry: Entry | None = None) -> EntryForm:
    form = EntryForm()
    form.set_topics(services.list_topics())
    if request.method == "GET" and entry is not None:
        head = entry.head
        form.slug.data = entry.slug
        form.language.data = entry.language
        form.demo.data = entry.demo
        form.topic_ids.data = [t.id for t in entry.topics]
        if head is not None:
            form.question.data = head.question
            form.short_answer.data = head.short_answer
            form.full_answer.data = head.full_answer
            form.legal_references.data = "\n".join(head.legal_references or [])
            form.note.data = head.note if head.is_open else ""
    return form


def _entry_input(form: EntryForm) -> services.EntryInput:
    return services.EntryInput(
        slug=form.slug.data.strip(),
        question=form.question.data or "",
        language=form.language.data,
        topic_ids=list(form.topic_ids.data or []),
        short_answer=form.short_answer.data or "",
        full_answer=form.full_answer.data or "",
        legal_references=services.parse_references(form.legal_references.data),
        note=form.note.data or "",
        demo=bool(form.demo.data),
    )


@bp.route("/manage/entries/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new_entry():
    form = _entry_form()
    if request.method == "GET":
        form.language.data = "ru"
        # "Start a new entry" from a reader's question fills the question in.
        form.question.data = request.args.get("question", "", type=str)[:300]
    if request.method == "POST" and not form.slug.data and form.question.data:
        form.slug.data = slugify(form.question.data)
    answer = save_form(
        form,
        lambda: services.create_entry(current_user, _entry_input(form)),
        lambda item: flash_redirect(_("The entry is saved as a draft."), _entry_url(item)),
    )
    return answer or render_template("finance/entry_form.html", form=form, entry=None)


def _entry_or_404(entry_id: int) -> Entry:
    return require_edit(or_404(db.session.get(Entry, entry_id)))


def _entry_url(entry: Entry) -> str:
    return url_for(".manage_entry", entry_id=entry.id)


def _manage_entry_page(entry: Entry, approve_form: ApproveForm) -> str:
    """The staff's page of an entry: its revisions, and the forms to approve and to set the
    review date (that one filled in with the published revision's)."""
    published = entry.published_revision
    review_form = ReviewDueForm()
    if published is not None:
        review_form.review_due.data = published.review_due
    return render_template(
        "finance/manage_entry.html",
        entry=entry,
        open_revision=entry.open_revision,
        published=published,
        approve_form=approve_form,
        review_form=review_form,
        today=services.today(),
        self_review_allowed=services.self_review_allowed(),
    )


@bp.get("/manage/entries/<int:entry_id>")
@role_required(Role.STAFF)
def manage_entry(entry_id: int):
    item = _entry_or_404(entry_id)
    approve_form = ApproveForm()
    published = item.published_revision
    if published is not None and published.valid_as_of:
        approve_form.valid_as_of.data = published.valid_as_of
    return _manage_entry_page(item, approve_form)


@bp.route("/manage/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_entry(entry_id: int):
    item = _entry_or_404(entry_id)
    form = _entry_form(item)

    def saved(revision):
        if revision is None:
            message = _("Saved. The text is the same as the published one.")
        else:
            message = _("Saved as draft revision %(number)s.", number=revision.number)
        return flash_redirect(message, _entry_url(item))

    answer = save_form(
        form, lambda: services.save_entry(current_user, item, _entry_input(form)), saved
    )
    return answer or render_template("finance/entry_form.html", form=form, entry=item)


def _revision_or_404(entry: Entry, number: int):
    return or_404(services.revision_by_number(entry, number))


@bp.get("/manage/entries/<int:entry_id>/revisions/<int:number>")
@role_required(Role.STAFF)
def revision(entry_id: int, number: int):
    item = _entry_or_404(entry_id)
    rev = _revision_or_404(item, number)
    return render_template("finance/revision.html", entry=item, revision=rev)


@bp.get("/manage/entries/<int:entry_id>/compare")
@role_required(Role.STAFF)
def compare(entry_id: int):
    item = _entry_or_404(entry_id)
    if not item.revisions:
        abort(404)
    numbers = [r.number for r in item.revisions]
    newest = item.head.number if item.head else numbers[-1]
    default_old = (
        item.published_revision.number
        if item.published_revision and item.published_revision.number != newest
        else max((n for n in numbers if n < newest), default=newest)
    )
    old_number = request.args.get("a", default_old, type=id_number)
    new_number = request.args.get("b", newest, type=id_number)
    old = _revision_or_404(item, old_number)
    new = _revision_or_404(item, new_number)
    fields = diff.diff_contents(old.content(), new.content())
    return render_template(
        "finance/compare.html",
        entry=item,
        old=old,
        new=new,
        fields=fields,
        field_labels=FIELD_LABELS,
    )


def _revision_action(entry_id: int, number: int, action, success) -> ResponseReturnValue:
    """Do ``action`` to a revision (a button's POST), then say ``success`` on the entry's page."""
    item = _entry_or_404(entry_id)
    rev = _revision_or_404(item, number)
    submitted_or_400(EmptyForm())
    with refusals_flashed():
        action(current_user, rev)
        flash(str(success), "success")
    return redirect(_entry_url(item))


# A revision's buttons: (the address's last part, endpoint, what it does, what it says after).
REVISION_ACTIONS = [
    ("submit", "submit", services.submit_for_review, _l("Sent for review.")),
    ("send-back", "send_back", services.send_back_to_draft, _l("Sent back to draft.")),
    ("discard", "discard", services.discard_draft, _l("The draft is discarded.")),
    (
        "restore",
        "restore",
        services.restore_revision,
        _l("A new draft with the text of that revision is ready to edit and review."),
    ),
]


def _revision_view(action, success):
    @role_required(Role.STAFF)
    def view(entry_id: int, number: int):
        return _revision_action(entry_id, number, action, success)

    return view


for _path, _endpoint, _action, _success in REVISION_ACTIONS:
    bp.add_url_rule(
        f"/manage/entries/<int:entry_id>/revisions/<int:number>/{_path}",
        _endpoint,
        _revision_view(_action, _success),
        methods=["POST"],
    )


@bp.post("/manage/entries/<int:entry_id>/revisions/<int:number>/approve")
@role_required(Role.STAFF)
def approve(entry_id: int, number: int):
    item = _entry_or_404(entry_id)
    rev = _revision_or_404(item, number)
    form = ApproveForm()
    answer = save_form(
        form,
        lambda: services.approve(current_user, rev, form.valid_as_of.data, form.review_due.data),
        lambda _none: flash_redirect(_("Approved and published."), _entry_url(item)),
    )
    if answer is not None:
        return answer
    db.session.rollback()
    return _manage_entry_page(_entry_or_404(entry_id), form), 400


@bp.post("/manage/entries/<int:entry_id>/review-due")
@role_required(Role.STAFF)
def set_review_due(entry_id: int):
    item = _entry_or_404(entry_id)
    form = ReviewDueForm()
    if form.validate_on_submit():
        with refusals_flashed():
            services.set_review_due(current_user, item, form.review_due.data)
            flash(_("The review date is changed."), "success")
    else:
        for message in form.review_due.errors:
            flash(str(message), "error")
    return redirect(url_for(".manage_entry", entry_id=item.id))


@bp.get("/manage/overdue")
@role_required(Role.STAFF)
def overdue():
    return render_template(
        "finance/overdue.html", rows=services.overdue_entries(), today=services.today()
    )


# ------------------------------------------------------------------------------ staff: topics


@bp.route("/manage/topics", methods=["GET", "POST"])
@role_required(Role.STAFF)
def topics():
    form = TopicForm()
    answer = save_form(
        form,
        lambda: services.create_topic(form.title.data, form.slug.data, form.description.data),
        lambda _topic: flash_redirect(_("The topic is added."), url_for(".topics")),
    )
    return answer or render_template(
        "finance/topics.html",
        form=form,
        topics=services.list_topics(),
        counts=services.entry_counts(),
    )


def _topic_or_404(topic_id: int) -> Topic:
    return require_edit(or_404(db.session.get(Topic, topic_id)))


@bp.route("/manage/topics/<int:topic_id>", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_topic(topic_id: int):
    item = _topic_or_404(topic_id)
    form = TopicForm(obj=item)
    answer = save_form(
        form,
        lambda: services.update_topic(item, form.title.data, form.slug.data, form.description.data),
        lambda _none: flash_redirect(_("The topic is saved."), url_for(".topics")),
    )
    return answer or render_template("finance/topic_form.html", form=form, topic=item)


@bp.post("/manage/topics/<int:topic_id>/move")
@role_required(Role.STAFF)
def move_topic(topic_id: int):
    services.move_topic(_topic_or_404(topic_id), requested_direction())
    return redirect(url_for(".topics"))


@bp.post("/manage/topics/<int:topic_id>/delete")
@role_required(Role.STAFF)
def delete_topic(topic_id: int):
    with refusals_flashed():
        services.delete_topic(_topic_or_404(topic_id))
        flash(_("The topic is deleted."), "success")
    return redirect(url_for(".topics"))


# ------------------------------------------------------------------------------ staff: import


@bp.route("/manage/import", methods=["GET", "POST"])
@role_required(Role.STAFF)
def import_entries():
    form = ImportForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        data = form.archive.data.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            problems = [
                _("The archive is larger than %(size)s MB.", size=MAX_IMPORT_BYTES // 2**20)
            ]
        else:
            try:
                summary = services.import_zip(current_user, data)
            except bundles.BundleError as error:
                problems = [services.problem_message(p) for p in error.problems]
            else:
                flash(_import_summary(summary), "success")
                return redirect(url_for(".manage"))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template(
        "finance/import.html",
        form=form,
        problems=problems,
        export_choices=services.EXPORT_CHOICES,
    ), status


def _import_summary(summary) -> str:
    """What an import did, each count with its own noun."""
    parts = [
        ngettext("%(num)d new entry", "%(num)d new entries", summary.created),
        ngettext("%(num)d entry updated", "%(num)d entries updated", summary.updated),
        ngettext("%(num)d entry unchanged", "%(num)d entries unchanged", summary.unchanged),
        ngettext("%(num)d new topic", "%(num)d new topics", summary.topics_created),
    ]
    return _("Imported: %(parts)s.", parts=", ".join(parts))


@bp.get("/manage/export.zip")
@role_required(Role.STAFF)
def export_entries():
    which = request.args.get("which", "published")
    if which not in services.EXPORT_CHOICES:
        abort(404)
    data = services.export_zip(which)
    return send_file(
        BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"finance-entries-{which}-{services.today().isoformat()}.zip",
    )
