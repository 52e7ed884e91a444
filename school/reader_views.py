"""Staff pages of the postal-reader register: people served by post, without an account."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from school import readers
from school.downloads import private_attachment
from school.extensions import db
from school.forms import EraseReaderForm, PostalReaderForm, id_number
from school.models import PostalReader, Role
from school.permissions import role_required
from school.views_helpers import field_data, flash_redirect, or_404, save_form

bp = Blueprint("readers", __name__, url_prefix="/readers")


def _reader_or_404(reader_id: int) -> PostalReader:
    return or_404(db.session.get(PostalReader, reader_id))


@bp.get("/")
@role_required(Role.STAFF)
def index():
    page = request.args.get("page", 1, type=id_number)
    query = request.args.get("q", "", type=str)[:200]
    return render_template(
        "school/readers/index.html", pagination=readers.list_readers(page, query), query=query
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new():
    return _reader_form(None)


@bp.route("/<int:reader_id>", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit(reader_id: int):
    return _reader_form(_reader_or_404(reader_id))


def _reader_form(reader: PostalReader | None):
    """The form of a new reader (``reader`` None) or of one in the register."""
    form = PostalReaderForm(obj=reader)
    fields = ("name", "reference", "note")

    def save() -> PostalReader:
        if reader is None:
            return readers.create_reader(**field_data(form, *fields))
        readers.update_reader(reader, **field_data(form, *fields))
        return reader

    def then(saved: PostalReader):
        if reader is None:
            message = _("Reader %(reference)s added.", reference=saved.reference)
        else:
            message = _("Saved.")
        return flash_redirect(message, url_for("readers.edit", reader_id=saved.id))

    answer = save_form(form, save, then)
    return answer or render_template("school/readers/form.html", form=form, reader=reader)


@bp.get("/<int:reader_id>/export.json")
@role_required(Role.STAFF)
def export(reader_id: int):
    reader = _reader_or_404(reader_id)
    body = json.dumps(readers.export_reader(reader), ensure_ascii=False, indent=2, default=str)
    return private_attachment(
        body, "reader-{}.json".format(reader.reference.replace("/", "-")), "application/json"
    )


@bp.route("/<int:reader_id>/delete", methods=["GET", "POST"])
@role_required(Role.STAFF)
def delete(reader_id: int):
    reader = _reader_or_404(reader_id)
    form = EraseReaderForm()
    if form.validate_on_submit():
        reference = reader.reference
        readers.erase_reader(reader)
        flash(_("Reader %(reference)s and their data have been deleted.", reference=reference),
              "success")  # fmt: skip
        return redirect(url_for("readers.index"))
    return render_template("school/readers/delete.html", form=form, reader=reader)
