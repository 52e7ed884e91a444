"""Routes: the readers' pages under /finance/ and the staff's under /finance/manage/."""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from brochures import bundle as bundles
from brochures import diff, services
from brochures.forms import (
    FORMAT_LABELS,
    PAPER_LABELS,
    AddEntryForm,
    ApproveForm,
    BrochureForm,
    EntryForm,
    ImportForm,
    PublishForm,
    ReviewDueForm,
    SectionForm,
    TopicForm,
)
from brochures.layout import Document, formats_for, slugify
from brochures.models import (
    Brochure,
    BrochureItem,
    BrochureSection,
    Edition,
    Entry,
    Kind,
    Status,
    Topic,
)
from brochures.printjobs import BOOKLET_SUFFIX, BuildResult
from brochures.search import highlight, plain_text
from school.downloads import send_pdf
from school.extensions import db
from school.forms import EmptyForm, choices, id_number
from school.models import Role
from school.pagecache import public_page, remembered
from school.permissions import require_edit, require_view, role_required

bp = Blueprint("brochures", __name__, url_prefix="/finance")

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
CHANGE_LABELS = {
    "updated": _l("a newer text was approved"),
    "withdrawn": _l("no longer published"),
    "deleted": _l("deleted"),
    "added": _l("added to the brochure"),
    "removed": _l("removed from the brochure"),
}


@bp.context_processor
def _helpers() -> dict:
    return {
        "status_label": lambda status: STATUS_LABELS.get(status, status),
        "format_label": lambda fmt: FORMAT_LABELS.get(fmt.removesuffix(BOOKLET_SUFFIX), fmt),
        "paper_label": lambda paper: PAPER_LABELS.get(paper, paper),
        "user_label": lambda user: user.shown_name if user is not None else _("deleted user"),
        "is_staff": current_user.is_authenticated and current_user.has_role(Role.STAFF),
    }


def _or_404(obj):
    if obj is None:
        abort(404)
    return obj


def _error_to_form(form, error: services.FinanceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def _direction() -> str:
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    return direction


# ------------------------------------------------------------------------------ readers


@bp.get("/")
@public_page
def index():
    return render_template(
        "brochures/index.html",
        topics=services.topics_with_entries(),
        brochures=services.list_brochures(Kind.BROCHURE.value, published_only=True),
        memos=services.list_brochures(Kind.MEMO.value, published_only=True),
    )


@bp.get("/topics/<slug>")
@public_page
def topic(slug: str):
    item = require_view(_or_404(services.topic_by_slug(slug)))
    return render_template(
        "brochures/topic.html", topic=item, entries=services.published_entries(topic=item)
    )


@bp.get("/entries/<slug>")
@public_page
def entry(slug: str):
    item = require_view(_or_404(services.entry_by_slug(slug)))
    return render_template("brochures/entry.html", entry=item, revision=item.published_revision)


@bp.get("/search")
@public_page
def search():
    query = request.args.get("q", "", type=str)[:200]
    page = request.args.get("page", 1, type=id_number)
    results = services.search(query, page=page)
    hits = [
        {
            "hit": hit,
            "question": highlight(hit.revision.question, results.terms),
            "snippet": highlight(
                hit.revision.short_answer + " " + plain_text(hit.revision.full_answer),
                results.terms,
                max_len=260,
            ),
        }
        for hit in results.hits
    ]
    return render_template("brochures/search.html", results=results, hits=hits, query=query)


@bp.get("/brochures/<slug>")
@public_page
def brochure(slug: str):
    item = require_view(_or_404(services.brochure_by_slug(slug)))
    # Readers' page of the published editions: an unpublished brochure has none (its editors
    # see it being composed instead).
    edition = _or_404(item.latest_edition)
    return render_template(
        "brochures/brochure.html",
        brochure=item,
        edition=edition,
        document=Document.from_dict(edition.document),
        downloads=_downloads(item),
    )


def _downloads(brochure: Brochure) -> list[str]:
    """Formats a reader can download, the brochure's main one first."""
    formats = formats_for(brochure.kind)
    formats.sort(key=lambda f: f != brochure.primary_format)
    if "a5" in formats:
        formats.insert(formats.index("a5") + 1, "a5" + BOOKLET_SUFFIX)
    return formats


def _split_format(fmt: str) -> tuple[str, bool]:
    if fmt.endswith(BOOKLET_SUFFIX):
        return fmt.removesuffix(BOOKLET_SUFFIX), True
    return fmt, False


def _build_or_404(brochure: Brochure, fmt: str, edition: Edition | None = None) -> BuildResult:
    base, impose = _split_format(fmt)
    try:
        return services.build(brochure, base, edition=edition, impose=impose)
    except services.FinanceError:
        abort(404)


@bp.get("/brochures/<slug>/<int:number>/<fmt>.pdf")
def download(slug: str, number: int, fmt: str):
    def locate() -> BuildResult:
        item = require_view(_or_404(services.brochure_by_slug(slug)))
        edition = _or_404(services.edition_by_number(item, number))
        require_view(edition)
        return _build_or_404(item, fmt, edition)

    # Readers download the same editions again and again: where each PDF lies is kept like a
    # public page, while the file is there.
    result = remembered(("edition-pdf", slug, number, fmt), locate, lambda r: r.path.is_file())
    return send_pdf(result.path, result.etag, f"{slug}-{number}-{fmt}.pdf", attachment=True)


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
        "brochures/manage.html",
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
    if request.method == "POST" and not form.slug.data and form.question.data:
        form.slug.data = slugify(form.question.data)
    if form.validate_on_submit():
        try:
            item = services.create_entry(current_user, _entry_input(form))
        except services.FinanceError as error:
            _error_to_form(form, error)
        else:
            flash(_("The entry is saved as a draft."), "success")
            return redirect(url_for(".manage_entry", entry_id=item.id))
    return render_template("brochures/entry_form.html", form=form, entry=None)


def _entry_or_404(entry_id: int) -> Entry:
    return require_edit(_or_404(db.session.get(Entry, entry_id)))


@bp.get("/manage/entries/<int:entry_id>")
@role_required(Role.STAFF)
def manage_entry(entry_id: int):
    item = _entry_or_404(entry_id)
    approve_form = ApproveForm()
    published = item.published_revision
    if published is not None and published.valid_as_of:
        approve_form.valid_as_of.data = published.valid_as_of
    review_form = ReviewDueForm()
    if published is not None:
        review_form.review_due.data = published.review_due
    return render_template(
        "brochures/manage_entry.html",
        entry=item,
        open_revision=item.open_revision,
        published=published,
        approve_form=approve_form,
        review_form=review_form,
        today=services.today(),
    )


@bp.route("/manage/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_entry(entry_id: int):
    item = _entry_or_404(entry_id)
    form = _entry_form(item)
    if form.validate_on_submit():
        try:
            revision = services.save_entry(current_user, item, _entry_input(form))
        except services.FinanceError as error:
            _error_to_form(form, error)
        else:
            if revision is None:
                flash(_("Saved. The text is the same as the published one."), "success")
            else:
                flash(_("Saved as draft revision %(number)s.", number=revision.number), "success")
            return redirect(url_for(".manage_entry", entry_id=item.id))
    return render_template("brochures/entry_form.html", form=form, entry=item)


def _revision_or_404(entry: Entry, number: int):
    return _or_404(services.revision_by_number(entry, number))


@bp.get("/manage/entries/<int:entry_id>/revisions/<int:number>")
@role_required(Role.STAFF)
def revision(entry_id: int, number: int):
    item = _entry_or_404(entry_id)
    rev = _revision_or_404(item, number)
    return render_template("brochures/revision.html", entry=item, revision=rev)


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
        "brochures/compare.html",
        entry=item,
        old=old,
        new=new,
        fields=fields,
        field_labels=FIELD_LABELS,
    )


def _revision_action(entry_id: int, number: int, action, success: str):
    item = _entry_or_404(entry_id)
    rev = _revision_or_404(item, number)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(current_user, rev)
    except services.FinanceError as error:
        flash(str(error.message), "error")
    else:
        flash(success, "success")
    return redirect(url_for(".manage_entry", entry_id=item.id))


@bp.post("/manage/entries/<int:entry_id>/revisions/<int:number>/submit")
@role_required(Role.STAFF)
def submit(entry_id: int, number: int):
    return _revision_action(entry_id, number, services.submit_for_review, _("Sent for review."))


@bp.post("/manage/entries/<int:entry_id>/revisions/<int:number>/send-back")
@role_required(Role.STAFF)
def send_back(entry_id: int, number: int):
    return _revision_action(entry_id, number, services.send_back_to_draft, _("Sent back to draft."))


@bp.post("/manage/entries/<int:entry_id>/revisions/<int:number>/discard")
@role_required(Role.STAFF)
def discard(entry_id: int, number: int):
    return _revision_action(entry_id, number, services.discard_draft, _("The draft is discarded."))


@bp.post("/manage/entries/<int:entry_id>/revisions/<int:number>/restore")
@role_required(Role.STAFF)
def restore(entry_id: int, number: int):
    return _revision_action(
        entry_id,
        number,
        services.restore_revision,
        _("A new draft with the text of that revision is ready to edit and review."),
    )


@bp.post("/manage/entries/<int:entry_id>/revisions/<int:number>/approve")
@role_required(Role.STAFF)
def approve(entry_id: int, number: int):
    item = _entry_or_404(entry_id)
    rev = _revision_or_404(item, number)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            services.approve(current_user, rev, form.valid_as_of.data, form.review_due.data)
        except services.FinanceError as error:
            _error_to_form(form, error)
        else:
            flash(_("Approved and published."), "success")
            return redirect(url_for(".manage_entry", entry_id=item.id))
    db.session.rollback()
    item = _entry_or_404(entry_id)
    review_form = ReviewDueForm()
    published = item.published_revision
    if published is not None:
        review_form.review_due.data = published.review_due
    return render_template(
        "brochures/manage_entry.html",
        entry=item,
        open_revision=item.open_revision,
        published=published,
        approve_form=form,
        review_form=review_form,
        today=services.today(),
    ), 400


@bp.post("/manage/entries/<int:entry_id>/review-due")
@role_required(Role.STAFF)
def set_review_due(entry_id: int):
    item = _entry_or_404(entry_id)
    form = ReviewDueForm()
    if form.validate_on_submit():
        try:
            services.set_review_due(current_user, item, form.review_due.data)
        except services.FinanceError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The review date is changed."), "success")
    else:
        for message in form.review_due.errors:
            flash(str(message), "error")
    return redirect(url_for(".manage_entry", entry_id=item.id))


@bp.get("/manage/overdue")
@role_required(Role.STAFF)
def overdue():
    return render_template(
        "brochures/overdue.html", rows=services.overdue_entries(), today=services.today()
    )


# ------------------------------------------------------------------------------ staff: topics


@bp.route("/manage/topics", methods=["GET", "POST"])
@role_required(Role.STAFF)
def topics():
    form = TopicForm()
    if form.validate_on_submit():
        try:
            services.create_topic(form.title.data, form.slug.data, form.description.data)
        except services.FinanceError as error:
            _error_to_form(form, error)
        else:
            flash(_("The topic is added."), "success")
            return redirect(url_for(".topics"))
    return render_template("brochures/topics.html", form=form, topics=services.list_topics())


def _topic_or_404(topic_id: int) -> Topic:
    return require_edit(_or_404(db.session.get(Topic, topic_id)))


@bp.route("/manage/topics/<int:topic_id>", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_topic(topic_id: int):
    item = _topic_or_404(topic_id)
    form = TopicForm(obj=item)
    if form.validate_on_submit():
        try:
            services.update_topic(item, form.title.data, form.slug.data, form.description.data)
        except services.FinanceError as error:
            _error_to_form(form, error)
        else:
            flash(_("The topic is saved."), "success")
            return redirect(url_for(".topics"))
    return render_template("brochures/topic_form.html", form=form, topic=item)


@bp.post("/manage/topics/<int:topic_id>/move")
@role_required(Role.STAFF)
def move_topic(topic_id: int):
    services.move_topic(_topic_or_404(topic_id), _direction())
    return redirect(url_for(".topics"))


@bp.post("/manage/topics/<int:topic_id>/delete")
@role_required(Role.STAFF)
def delete_topic(topic_id: int):
    try:
        services.delete_topic(_topic_or_404(topic_id))
    except services.FinanceError as error:
        flash(str(error.message), "error")
    else:
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
                flash(
                    _(
                        "Imported: %(created)s new, %(updated)s updated, %(unchanged)s "
                        "unchanged entries; %(topics)s new topics.",
                        created=summary.created,
                        updated=summary.updated,
                        unchanged=summary.unchanged,
                        topics=summary.topics_created,
                    ),
                    "success",
                )
                return redirect(url_for(".manage"))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template(
        "brochures/import.html",
        form=form,
        problems=problems,
        export_choices=services.EXPORT_CHOICES,
    ), status


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


# ------------------------------------------------------------------------------ staff: brochures


@bp.get("/manage/brochures")
@role_required(Role.STAFF)
def manage_brochures():
    return render_template(
        "brochures/manage_brochures.html",
        brochures=services.list_brochures(Kind.BROCHURE.value),
        memos=services.list_brochures(Kind.MEMO.value),
    )


# The page shows a brochure's format and introduction, or a memo's topic and paper. The fields
# of the other kind are not sent, so they are left out of the form rather than failing it.
_OTHER_KIND_FIELDS = {
    Kind.BROCHURE.value: ("topic_id", "paper"),
    Kind.MEMO.value: ("primary_format", "introduction"),
}


def _brochure_form(kind: str, brochure: Brochure | None = None) -> BrochureForm:
    form = BrochureForm(obj=brochure)
    for name in _OTHER_KIND_FIELDS.get(kind, ()):
        delattr(form, name)
    if form.topic_id is not None:
        form.set_topics(services.list_topics())
        if request.method == "GET" and brochure is not None:
            form.topic_id.data = brochure.topic_id or 0
    return form


def _brochure_input(form: BrochureForm, kind: str) -> services.BrochureInput:
    defaults = services.BrochureInput(kind=kind, slug="", title="")

    def shown(name: str):
        field = getattr(form, name)
        return getattr(defaults, name) if field is None else field.data

    return services.BrochureInput(
        kind=kind,
        slug=form.slug.data.strip(),
        title=form.title.data or "",
        subtitle=form.subtitle.data or "",
        edition_label=form.edition_label.data or "",
        language=form.language.data,
        introduction=shown("introduction") or "",
        primary_format=shown("primary_format"),
        paper=shown("paper"),
        topic_id=shown("topic_id") or None,
    )


@bp.route("/manage/brochures/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new_brochure():
    kind = request.args.get("kind", Kind.BROCHURE.value)
    if kind not in (Kind.BROCHURE.value, Kind.MEMO.value):
        abort(404)
    form = _brochure_form(kind)
    if request.method == "POST" and not form.slug.data and form.title.data:
        form.slug.data = slugify(form.title.data)
    if form.validate_on_submit():
        try:
            item = services.create_brochure(current_user, _brochure_input(form, kind))
        except services.FinanceError as error:
            _error_to_form(form, error)
        else:
            return redirect(url_for(".compose", brochure_id=item.id))
    return render_template("brochures/brochure_form.html", form=form, kind=kind, brochure=None)


def _brochure_or_404(brochure_id: int) -> Brochure:
    return require_edit(_or_404(db.session.get(Brochure, brochure_id)))


@bp.route("/manage/brochures/<int:brochure_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_brochure(brochure_id: int):
    item = _brochure_or_404(brochure_id)
    form = _brochure_form(item.kind, item)
    if form.validate_on_submit():
        try:
            services.update_brochure(item, _brochure_input(form, item.kind))
        except services.FinanceError as error:
            _error_to_form(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".compose", brochure_id=item.id))
    return render_template("brochures/brochure_form.html", form=form, kind=item.kind, brochure=item)


@bp.post("/manage/brochures/<int:brochure_id>/delete")
@role_required(Role.STAFF)
def delete_brochure(brochure_id: int):
    item = _brochure_or_404(brochure_id)
    if item.editions:
        flash(_("A published brochure cannot be deleted: readers may still download it."), "error")
        return redirect(url_for(".compose", brochure_id=item.id))
    services.delete_brochure(item)
    flash(_("Deleted."), "success")
    return redirect(url_for(".manage_brochures"))


@bp.get("/manage/brochures/<int:brochure_id>")
@role_required(Role.STAFF)
def compose(brochure_id: int):
    item = _brochure_or_404(brochure_id)
    addable = services.addable_entries(item)
    add_form = AddEntryForm()
    add_form.entry_id.choices = choices((e.id, e.published_revision.question) for e in addable)
    edition = item.latest_edition
    return render_template(
        "brochures/compose.html",
        brochure=item,
        add_form=add_form,
        addable=addable,
        section_form=SectionForm(formdata=None),
        publish_form=PublishForm(formdata=None, label=item.edition_label),
        topics=services.list_topics(),
        edition=edition,
        changes=services.changes_since(item, edition) if edition else [],
        change_labels=CHANGE_LABELS,
        formats=_downloads(item),
    )


@bp.post("/manage/brochures/<int:brochure_id>/sections")
@role_required(Role.STAFF)
def add_section(brochure_id: int):
    item = _brochure_or_404(brochure_id)
    form = SectionForm()
    if form.validate_on_submit():
        services.add_section(item, form.title.data)
    else:
        flash(_("Write the section title."), "error")
    return redirect(url_for(".compose", brochure_id=item.id, _anchor="sections"))


def _section_or_404(section_id: int) -> BrochureSection:
    section = _or_404(db.session.get(BrochureSection, section_id))
    require_edit(section.brochure)
    return section


@bp.post("/manage/sections/<int:section_id>/rename")
@role_required(Role.STAFF)
def rename_section(section_id: int):
    section = _section_or_404(section_id)
    form = SectionForm()
    if form.validate_on_submit():
        services.rename_section(section, form.title.data)
    else:
        flash(_("Write the section title."), "error")
    return redirect(url_for(".compose", brochure_id=section.brochure_id, _anchor=f"s{section.id}"))


@bp.post("/manage/sections/<int:section_id>/move")
@role_required(Role.STAFF)
def move_section(section_id: int):
    section = _section_or_404(section_id)
    services.move_section(section, _direction())
    return redirect(url_for(".compose", brochure_id=section.brochure_id, _anchor=f"s{section.id}"))


@bp.post("/manage/sections/<int:section_id>/delete")
@role_required(Role.STAFF)
def delete_section(section_id: int):
    section = _section_or_404(section_id)
    brochure_id = section.brochure_id
    try:
        services.delete_section(section)
    except services.FinanceError as error:
        flash(str(error.message), "error")
    return redirect(url_for(".compose", brochure_id=brochure_id, _anchor="sections"))


@bp.post("/manage/sections/<int:section_id>/items")
@role_required(Role.STAFF)
def add_item(section_id: int):
    section = _section_or_404(section_id)
    entry_id = request.form.get("entry_id", 0, type=id_number)
    try:
        services.add_item(section, db.session.get(Entry, entry_id) if entry_id else None)
    except services.FinanceError as error:
        flash(str(error.message), "error")
    return redirect(url_for(".compose", brochure_id=section.brochure_id, _anchor=f"s{section.id}"))


@bp.post("/manage/sections/<int:section_id>/fill")
@role_required(Role.STAFF)
def fill_section(section_id: int):
    section = _section_or_404(section_id)
    topic_id = request.form.get("topic_id", 0, type=id_number)
    topic_obj = _or_404(db.session.get(Topic, topic_id) if topic_id else None)
    added = services.fill_section_from_topic(section, topic_obj)
    flash(_("Entries added: %(count)s.", count=added), "success")
    return redirect(url_for(".compose", brochure_id=section.brochure_id, _anchor=f"s{section.id}"))


def _item_or_404(item_id: int) -> BrochureItem:
    item = _or_404(db.session.get(BrochureItem, item_id))
    require_edit(item.section.brochure)
    return item


@bp.post("/manage/items/<int:item_id>/move")
@role_required(Role.STAFF)
def move_item(item_id: int):
    item = _item_or_404(item_id)
    brochure_id = item.section.brochure_id
    target = request.form.get("section_id", 0, type=id_number)
    try:
        if target:
            services.move_item_to_section(item, db.session.get(BrochureSection, target))
        else:
            services.move_item(item, _direction())
    except services.FinanceError as error:
        flash(str(error.message), "error")
    return redirect(url_for(".compose", brochure_id=brochure_id, _anchor=f"i{item_id}"))


@bp.post("/manage/items/<int:item_id>/remove")
@role_required(Role.STAFF)
def remove_item(item_id: int):
    item = _item_or_404(item_id)
    section_id, brochure_id = item.section_id, item.section.brochure_id
    services.remove_item(item)
    return redirect(url_for(".compose", brochure_id=brochure_id, _anchor=f"s{section_id}"))


@bp.post("/manage/brochures/<int:brochure_id>/publish")
@role_required(Role.STAFF)
def publish(brochure_id: int):
    item = _brochure_or_404(brochure_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            edition = services.publish_edition(current_user, item, form.label.data or "")
        except services.FinanceError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Edition %(number)s is published.", number=edition.number), "success")
    else:
        flash(_("The edition label is too long."), "error")
    return redirect(url_for(".compose", brochure_id=brochure_id))


@bp.get("/manage/brochures/<int:brochure_id>/pdf/<fmt>.pdf")
@role_required(Role.STAFF)
def draft_pdf(brochure_id: int, fmt: str):
    item = _brochure_or_404(brochure_id)
    result = _build_or_404(item, fmt)
    if result.pages is not None and not result.fits:
        flash(
            _(
                "The memo does not fit on one page (%(pages)s pages): remove entries.",
                pages=result.pages,
            ),
            "error",
        )
    return send_pdf(
        result.path, result.etag, f"{item.slug}-draft-{fmt}.pdf", attachment=True, private=True
    )


@bp.get("/manage/brochures/<int:brochure_id>/editions/<int:number>/<fmt>.pdf")
@role_required(Role.STAFF)
def edition_pdf(brochure_id: int, number: int, fmt: str):
    item = _brochure_or_404(brochure_id)
    edition = _or_404(services.edition_by_number(item, number))
    result = _build_or_404(item, fmt, edition)
    return send_pdf(
        result.path, result.etag, f"{item.slug}-{number}-{fmt}.pdf", attachment=True, private=True
    )


@bp.get("/manage/brochures/<int:brochure_id>/preview/<fmt>.pdf")
@role_required(Role.STAFF)
def preview_pdf(brochure_id: int, fmt: str):
    item = _brochure_or_404(brochure_id)
    try:
        data = services.preview(item, fmt)
    except services.FinanceError:
        abort(404)
    return send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=f"{item.slug}-preview-{fmt}.pdf",
    )
