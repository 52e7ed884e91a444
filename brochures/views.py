"""Routes of brochures and memos: readers' pages under /brochures/, staff's under .../manage/."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from brochures import glyphs, services
from brochures.forms import (
    FORMAT_LABELS,
    PAPER_LABELS,
    BrochureForm,
    PublishForm,
    SectionForm,
)
from brochures.layout import Document, formats_for
from brochures.models import Brochure, BrochureItem, BrochureSection, Edition, Kind
from brochures.printjobs import BOOKLET_SUFFIX, BuildJob
from finance import services as finance
from finance.models import Entry, Topic
from finance.views import staff_helpers
from school import pdfjobs
from school.downloads import send_pdf, send_stored_pdf
from school.extensions import db
from school.forms import id_number
from school.legacy import add_legacy_redirects
from school.models import Role
from school.pagecache import public_page
from school.permissions import require_edit, require_view, role_required
from school.slugs import slugify
from school.views_helpers import (
    confirm_delete,
    flash_redirect,
    or_404,
    refusals_flashed,
    requested_direction,
    save_form,
)

bp = Blueprint("brochures", __name__)

# Until 2026 the brochures lived under /finance/; printed material and bookmarks point there.
LEGACY_REDIRECTS = [
    ("/finance/brochures/<slug>", "brochures.brochure"),
    ("/finance/brochures/<slug>/<int:number>/<fmt>.pdf", "brochures.download"),
    ("/finance/manage/brochures", "brochures.manage"),
    ("/finance/manage/brochures/new", "brochures.new"),
    ("/finance/manage/brochures/<int:brochure_id>", "brochures.compose"),
    ("/finance/manage/brochures/<int:brochure_id>/edit", "brochures.edit"),
    ("/finance/manage/brochures/<int:brochure_id>/pdf/<fmt>.pdf", "brochures.draft_pdf"),
    (
        "/finance/manage/brochures/<int:brochure_id>/editions/<int:number>/<fmt>.pdf",
        "brochures.edition_pdf",
    ),
    ("/finance/manage/brochures/<int:brochure_id>/preview/<fmt>.pdf", "brochures.preview_pdf"),
]
add_legacy_redirects(bp, LEGACY_REDIRECTS)


@bp.context_processor
def _helpers() -> dict:
    return {
        **staff_helpers(),
        "format_label": lambda fmt: FORMAT_LABELS.get(fmt.removesuffix(BOOKLET_SUFFIX), fmt),
        "paper_label": lambda paper: PAPER_LABELS.get(paper, paper),
    }


# ------------------------------------------------------------------------------ readers


def print_panel() -> str:
    """The "brochures and memos to print" panel of the knowledge base's index page."""
    brochures = services.list_brochures(Kind.BROCHURE.value, published_only=True)
    memos = services.list_brochures(Kind.MEMO.value, published_only=True)
    if not (brochures or memos):
        return ""
    return render_template(
        "brochures/_print_panel.html",
        items=brochures + memos,
        format_label=lambda fmt: FORMAT_LABELS.get(fmt, fmt),
    )


def home_section() -> str:
    """The newest brochures and memos on the home page."""
    items = services.newest_published()
    if not items:
        return ""
    return render_template(
        "brochures/_home.html", items=items, format_label=lambda fmt: FORMAT_LABELS.get(fmt, fmt)
    )


@bp.get("/brochures/<slug>")
@public_page
def brochure(slug: str):
    item = require_view(or_404(services.brochure_by_slug(slug)))
    # Readers' page of the published editions: an unpublished brochure has none (its editors
    # see it being composed instead).
    edition = or_404(item.latest_edition)
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


def _draft_or_page(brochure_id: int, fmt: str):
    """The brochure and the build of it as it is now (staff's drafts and previews): its
    result when ready, else the page that waits for it (``(brochure, result, page)``)."""
    brochure = _brochure_or_404(brochure_id)
    base, impose = services.split_format(fmt)
    try:
        job: BuildJob = services.draft(brochure, base, impose=impose)
    except services.BrochureError:
        abort(404)
    result, page = pdfjobs.ready_or_page(job)
    return brochure, result, page


def edition_filename(brochure: Brochure, edition: Edition, fmt: str) -> str:
    """A download's file name: a neutral edition's names neither the brochure nor its subject."""
    name = "booklet" if edition.neutral else brochure.slug
    return f"{name}-{edition.number}-{fmt}.pdf"


def _edition_download(edition: Edition, fmt: str, filename: str, *, private: bool = False):
    """An edition's stored PDF; until it is stored, the page that waits for it.

    A stored file answers without reading the edition's frozen HTML (``renders``, large):
    only a format not stored yet is checked against it before the queue is asked."""
    stored = services.edition_file(edition, fmt)
    if stored is None:
        if fmt not in services.edition_formats(edition):
            abort(404)
        return pdfjobs.preparing_page(services.store_edition(edition, fmt))
    return send_stored_pdf(
        stored.sha256,
        lambda: services.edition_file_data(stored),
        filename,
        attachment=True,
        private=private,
    )


@bp.get("/brochures/<slug>/<int:number>/<fmt>.pdf")
def download(slug: str, number: int, fmt: str):
    item = require_view(or_404(services.brochure_by_slug(slug)))
    edition = require_view(or_404(services.edition_by_number(item, number)))
    return _edition_download(edition, fmt, edition_filename(item, edition, fmt))


# ------------------------------------------------------------------------------ staff


@bp.get("/brochures/manage/")
@role_required(Role.STAFF)
def manage():
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
        form.set_topics(finance.list_topics())
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


@bp.route("/brochures/manage/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new():
    kind = request.args.get("kind", Kind.BROCHURE.value)
    if kind not in (Kind.BROCHURE.value, Kind.MEMO.value):
        abort(404)
    form = _brochure_form(kind)
    if request.method == "POST" and not form.slug.data and form.title.data:
        form.slug.data = slugify(form.title.data)
    answer = save_form(
        form,
        lambda: services.create_brochure(current_user, _brochure_input(form, kind)),
        lambda item: redirect(_compose_url(item)),
    )
    return answer or render_template(
        "brochures/brochure_form.html", form=form, kind=kind, brochure=None
    )


def _brochure_or_404(brochure_id: int) -> Brochure:
    return require_edit(or_404(db.session.get(Brochure, brochure_id)))


def _compose_url(brochure: Brochure, anchor: str | None = None) -> str:
    return url_for(".compose", brochure_id=brochure.id, _anchor=anchor)


@bp.route("/brochures/manage/<int:brochure_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit(brochure_id: int):
    item = _brochure_or_404(brochure_id)
    form = _brochure_form(item.kind, item)
    answer = save_form(
        form,
        lambda: services.update_brochure(item, _brochure_input(form, item.kind)),
        lambda _none: flash_redirect(_("Saved."), _compose_url(item)),
    )
    return answer or render_template(
        "brochures/brochure_form.html", form=form, kind=item.kind, brochure=item
    )


@bp.route("/brochures/manage/<int:brochure_id>/delete", methods=["GET", "POST"])
@role_required(Role.STAFF)
def delete(brochure_id: int):
    item = _brochure_or_404(brochure_id)
    if item.editions:
        flash(_("A published brochure cannot be deleted: readers may still download it."), "error")
        return redirect(url_for(".compose", brochure_id=item.id))
    return confirm_delete(
        title=_("Delete the draft «%(title)s»?", title=item.title),
        consequence=_(
            "Its sections and their order will be deleted. The knowledge-base entries in it "
            "stay as they are."
        ),
        cancel=url_for(".compose", brochure_id=item.id),
        delete=lambda: services.delete_brochure(item),
        done=_("The draft «%(title)s» is deleted.", title=item.title),
        then=url_for(".manage"),
    )


# What happened to an entry since the latest edition, as the compose page says it.
CHANGE_LABELS = {
    "updated": _l("a newer text was approved"),
    "withdrawn": _l("no longer published"),
    "deleted": _l("deleted"),
    "added": _l("added to the brochure"),
    "removed": _l("removed from the brochure"),
}


@bp.get("/brochures/manage/<int:brochure_id>")
@role_required(Role.STAFF)
def compose(brochure_id: int, publish_form: PublishForm | None = None):
    item = _brochure_or_404(brochure_id)
    query = request.args.get("q", "", type=str)[:200]
    page = request.args.get("page", 1, type=id_number)
    edition = item.latest_edition
    return render_template(
        "brochures/compose.html",
        brochure=item,
        addable=services.addable_page(item, query, page),
        query=query,
        section_form=SectionForm(formdata=None),
        publish_form=publish_form or PublishForm(formdata=None, label=item.edition_label),
        topics=finance.list_topics(),
        edition=edition,
        changes=services.changes_since(item, edition) if edition else [],
        change_labels=CHANGE_LABELS,
        formats=_downloads(item),
        printed=services.printed_copies(item) if item.editions else 0,
        unprintable=[glyphs.describe(m) for m in glyphs.unprintable(services.document_for(item))],
    )


@bp.post("/brochures/manage/<int:brochure_id>/sections")
@role_required(Role.STAFF)
def add_section(brochure_id: int):
    item = _brochure_or_404(brochure_id)
    if (title := _section_title()) is not None:
        services.add_section(item, title)
    return redirect(_compose_url(item, "sections"))


def _section_title() -> str | None:
    """The title sent by a section's form, or None (with a message) when there is none."""
    form = SectionForm()
    if form.validate_on_submit():
        return form.title.data
    flash(_("Write the section title."), "error")
    return None


def _section_or_404(section_id: int) -> BrochureSection:
    section = or_404(db.session.get(BrochureSection, section_id))
    require_edit(section.brochure)
    return section


@bp.post("/brochures/manage/sections/<int:section_id>/rename")
@role_required(Role.STAFF)
def rename_section(section_id: int):
    section = _section_or_404(section_id)
    if (title := _section_title()) is not None:
        services.rename_section(section, title)
    return redirect(url_for(".compose", brochure_id=section.brochure_id, _anchor=f"s{section.id}"))


@bp.post("/brochures/manage/sections/<int:section_id>/move")
@role_required(Role.STAFF)
def move_section(section_id: int):
    section = _section_or_404(section_id)
    services.move_section(section, requested_direction())
    return redirect(url_for(".compose", brochure_id=section.brochure_id, _anchor=f"s{section.id}"))


@bp.post("/brochures/manage/sections/<int:section_id>/delete")
@role_required(Role.STAFF)
def delete_section(section_id: int):
    section = _section_or_404(section_id)
    brochure_id = section.brochure_id
    with refusals_flashed():
        services.delete_section(section)
    return redirect(url_for(".compose", brochure_id=brochure_id, _anchor="sections"))


@bp.post("/brochures/manage/sections/<int:section_id>/items")
@role_required(Role.STAFF)
def add_item(section_id: int):
    section = _section_or_404(section_id)
    # The list of entries to add offers every section of the brochure beside each entry.
    chosen = request.form.get("section_id", 0, type=id_number)
    if chosen and chosen != section.id:
        other = _section_or_404(chosen)
        if other.brochure_id != section.brochure_id:
            abort(404)
        section = other
    entry_id = request.form.get("entry_id", 0, type=id_number)
    with refusals_flashed():
        services.add_item(section, db.session.get(Entry, entry_id) if entry_id else None)
    return redirect(url_for(".compose", brochure_id=section.brochure_id, _anchor=f"s{section.id}"))


@bp.post("/brochures/manage/sections/<int:section_id>/fill")
@role_required(Role.STAFF)
def fill_section(section_id: int):
    section = _section_or_404(section_id)
    topic_id = request.form.get("topic_id", 0, type=id_number)
    topic_obj = or_404(db.session.get(Topic, topic_id) if topic_id else None)
    added = services.fill_section_from_topic(section, topic_obj)
    flash(ngettext("%(num)d entry added.", "%(num)d entries added.", added), "success")
    return redirect(url_for(".compose", brochure_id=section.brochure_id, _anchor=f"s{section.id}"))


def _item_or_404(item_id: int) -> BrochureItem:
    item = or_404(db.session.get(BrochureItem, item_id))
    require_edit(item.section.brochure)
    return item


@bp.post("/brochures/manage/items/<int:item_id>/move")
@role_required(Role.STAFF)
def move_item(item_id: int):
    item = _item_or_404(item_id)
    brochure_id = item.section.brochure_id
    target = request.form.get("section_id", 0, type=id_number)
    with refusals_flashed():
        if target:
            services.move_item_to_section(item, db.session.get(BrochureSection, target))
        else:
            services.move_item(item, requested_direction())
    return redirect(url_for(".compose", brochure_id=brochure_id, _anchor=f"i{item_id}"))


@bp.post("/brochures/manage/items/<int:item_id>/remove")
@role_required(Role.STAFF)
def remove_item(item_id: int):
    item = _item_or_404(item_id)
    section_id, brochure_id = item.section_id, item.section.brochure_id
    services.remove_item(item)
    return redirect(url_for(".compose", brochure_id=brochure_id, _anchor=f"s{section_id}"))


@bp.post("/brochures/manage/<int:brochure_id>/publish")
@role_required(Role.STAFF)
def publish(brochure_id: int):
    item = _brochure_or_404(brochure_id)
    form = PublishForm()
    if not form.validate_on_submit():
        # The page again, with what was typed and the message at each field.
        return compose(brochure_id, publish_form=form), 400
    with refusals_flashed():
        edition = services.publish_edition(
            current_user, item, form.label.data or "", imprint=form.imprint()
        )
        services.store_editions([edition])  # built by the queue, stored once
        flash(_("Edition %(number)s is published.", number=edition.number), "success")
    return redirect(url_for(".compose", brochure_id=brochure_id))


@bp.get("/brochures/manage/<int:brochure_id>/pdf/<fmt>.pdf")
@role_required(Role.STAFF)
def draft_pdf(brochure_id: int, fmt: str):
    item, result, page = _draft_or_page(brochure_id, fmt)
    if page is not None:
        return page
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


@bp.get("/brochures/manage/<int:brochure_id>/editions/<int:number>/<fmt>.pdf")
@role_required(Role.STAFF)
def edition_pdf(brochure_id: int, number: int, fmt: str):
    item = _brochure_or_404(brochure_id)
    edition = or_404(services.edition_by_number(item, number))
    return _edition_download(edition, fmt, edition_filename(item, edition, fmt), private=True)


@bp.get("/brochures/manage/<int:brochure_id>/preview/<fmt>.pdf")
@role_required(Role.STAFF)
def preview_pdf(brochure_id: int, fmt: str):
    item, result, page = _draft_or_page(brochure_id, fmt)
    if page is not None:
        return page
    return send_file(
        BytesIO(services.preview(result, item.title)),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=f"{item.slug}-preview-{fmt}.pdf",
    )
