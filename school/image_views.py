"""Uploaded images: the upload page of instructors and staff, and the images as served."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from school import imagestore
from school.forms import ImageUploadForm, id_number
from school.images import MAX_PIXELS, MAX_UPLOAD_BYTES, ImageError, image_name, parse_name
from school.models import Role
from school.permissions import role_required

bp = Blueprint("images", __name__)

#: Uploaded images never change under their name: caches may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


def _megabytes(size: int) -> str:
    return format_decimal(size / 2**20, "#,##0.#")


def image_message(error: ImageError) -> str:
    """What the uploader reads about a refused file (codes of :class:`ImageError`)."""
    if error.code == "empty":
        return _("The file is empty.")
    if error.code == "too_large":
        return _(
            "The file is %(size)s MB; the limit is %(limit)s MB.",
            size=_megabytes(error.params.get("size", 0)),
            limit=_megabytes(error.params.get("limit", MAX_UPLOAD_BYTES)),
        )
    if error.code == "not_image":
        return _("This is not an image in JPEG, PNG, WebP or GIF format.")
    if error.code == "too_many_pixels":
        return _(
            "The image has more than %(limit)s million pixels. Make it smaller and upload it "
            "again.",
            limit=format_decimal(error.params.get("limit", MAX_PIXELS) // 1_000_000),
        )
    return _("The image cannot be read: the file is damaged or incomplete.")


@bp.route("/manage/images/", methods=["GET", "POST"])
@role_required(Role.INSTRUCTOR, Role.STAFF)
def index():
    form = ImageUploadForm()
    status = 200
    if form.validate_on_submit():
        data = form.image.data.read(MAX_UPLOAD_BYTES + 1)
        try:
            stored = imagestore.store_upload(current_user, data, form.alt.data or "")
        except ImageError as error:
            form.image.errors = [*form.image.errors, image_message(error)]
            status = 400
        else:
            flash(_("The image is uploaded. Paste its line into a lesson or an entry."), "success")
            return redirect(url_for("images.index", shown=image_name(stored.sha256, stored.format)))
    elif form.is_submitted():
        status = 400
    page = request.args.get("page", 1, type=id_number)
    shown = parse_name(request.args.get("shown", ""))
    just_uploaded = imagestore.image_by_hash(shown[0]) if shown else None
    return render_template(
        "school/images.html",
        form=form,
        pagination=imagestore.list_images(page),
        just_uploaded=just_uploaded,
        snippet=imagestore.markdown_snippet,
        url=imagestore.image_url,
    ), status


@bp.get("/images/<name>")
def show(name: str):
    """An uploaded image, under the name that is its content hash: cached for good."""
    found = imagestore.read_image(name)
    if found is None:
        abort(404)
    data, media_type = found
    etag = name.split(".", 1)[0]
    headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    if request.if_none_match.contains(etag):
        response = Response(status=304, headers=headers)
    else:
        response = Response(data, mimetype=media_type, headers=headers)
    response.set_etag(etag)
    return response
