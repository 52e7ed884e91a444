"""Routes of the courses: catalogue, course pages, lessons, authoring, import/export, PDFs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from courses import documents, services
from courses.bundle import MAX_ZIP_BYTES
from courses.forms import (
    CourseForm,
    DeleteCourseForm,
    ImportForm,
    InstructorForm,
    ItemForm,
    LeaveForm,
    ModuleForm,
)
from courses.models import LESSON, Course, Item, Module
from courses.registry import get_handler, kind_handler, kind_label, registered_kinds
from courses.services import CourseError
from school.downloads import private_attachment
from school.extensions import db, login_manager
from school.forms import id_number
from school.legacy import add_legacy_redirects
from school.markdown import render_markdown
from school.models import Role
from school.pagecache import public_page
from school.pdfjobs import send_or_prepare
from school.permissions import can_edit, can_view, require_edit, require_view, role_required
from school.reorder import offset_of
from school.views import safe_next
from school.views_helpers import (
    confirm_delete,
    field_data,
    flash_redirect,
    refusals_flashed,
    refuse,
    requested_direction,
    save_form,
)

bp = Blueprint("courses", __name__)

# Certificates printed before they moved under /courses/ carry these addresses.
LEGACY_REDIRECTS = [
    ("/certificates/", "courses.lookup"),
    ("/certificates/<code>", "courses.verify"),
]
add_legacy_redirects(bp, LEGACY_REDIRECTS)


@bp.context_processor
def _helpers() -> dict:
    def status_label(item: Item) -> str | None:
        handler = get_handler(item.kind)
        if handler is None or not current_user.is_authenticated:
            return None
        return handler.status_label(item, current_user)

    return {
        "kind_label": kind_label,
        "kind_handler": kind_handler,
        "item_url": services.item_url,
        "handler_for": get_handler,
        "status_label": status_label,
    }


# --------------------------------------------------------------------------- helpers


def _course_or_404(slug: str, *, outline: bool = False) -> Course:
    course = services.course_by_slug(slug, outline=outline)
    if course is None:
        abort(404)
    return course


def _viewable(slug: str, *, outline: bool = False) -> Course:
    return require_view(_course_or_404(slug, outline=outline))


def _editable(slug: str, *, outline: bool = False) -> Course:
    course = _course_or_404(slug, outline=outline)
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    return require_edit(course)


def _module_of(course: Course, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or module.course_id != course.id:
        abort(404)
    return module


def _item_of(course: Course, item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None or item.module.course_id != course.id:
        abort(404)
    return item


def _status(form) -> int:
    return 400 if request.method == "POST" else 200


def _user():
    return current_user if current_user.is_authenticated else None


# --------------------------------------------------------------------------- students


@bp.get("/courses/")
@public_page
def catalogue():
    page = request.args.get("page", 1, type=id_number)
    pagination = services.catalogue(max(page, 1))
    return render_template(
        "courses/catalogue.html",
        pagination=pagination,
        progress=services.progress_by_course(_user(), pagination.items),
        counts=services.item_counts(pagination.items),
    )


@bp.get("/courses/mine")
@login_required
def my_courses():
    enrolments = [
        e for e in services.my_enrolments(current_user) if can_view(current_user, e.course)
    ]
    return render_template(
        "courses/mine.html",
        enrolments=enrolments,
        progress=services.progress_by_course(current_user, [e.course for e in enrolments]),
        certificates=services.my_certificates(current_user),
    )


@bp.get("/courses/<slug>/")
@public_page
def course(slug: str):
    course = _viewable(slug, outline=True)
    return render_template(
        "courses/course.html",
        course=course,
        standing=services.standing(_user(), course),
        editable=can_edit(current_user, course),
    )


@bp.get("/courses/<slug>/continue")
def continue_course(slug: str):
    course = _viewable(slug)
    standing = services.standing(_user(), course)
    if standing.next_item is None:
        return redirect(url_for("courses.course", slug=course.slug))
    return redirect(services.item_url(standing.next_item))


@bp.post("/courses/<slug>/enrol")
@login_required
def enrol(slug: str):
    course = _viewable(slug)
    services.enrol(current_user, course)
    flash(_("You are enrolled. Your progress will be saved."), "success")
    back = request.form.get("next")
    return redirect(safe_next(back) if back else url_for("courses.course", slug=course.slug))


@bp.route("/courses/<slug>/leave", methods=["GET", "POST"])
@login_required
def leave(slug: str):
    course = _viewable(slug)
    if services.enrolment_for(current_user, course) is None:
        return redirect(url_for("courses.course", slug=course.slug))
    form = LeaveForm()
    if form.validate_on_submit():
        services.leave(current_user, course, forget=form.forget.data)
        if form.forget.data:
            flash(_("You have left the course and your progress in it was deleted."), "success")
        else:
            flash(_("You have left the course. Your progress is kept."), "success")
        return redirect(url_for("courses.course", slug=course.slug))
    return render_template("courses/leave.html", course=course, form=form)


@bp.get("/courses/<slug>/items/<int:item_id>")
@public_page
def item(slug: str, item_id: int):
    course = _viewable(slug)
    item = _item_of(course, item_id)
    handler = get_handler(item.kind)
    if handler is not None and item.kind != LESSON:
        target = handler.student_url(item)
        if target != request.path:
            return redirect(target)
    if current_user.is_authenticated:
        services.record_visit(current_user, item)
    previous, following = services.neighbours(item)
    return render_template(
        "courses/item.html",
        course=course,
        item=item,
        handler=handler,
        standing=services.standing(_user(), course),
        previous=previous,
        following=following,
        preview=False,
        editable=can_edit(current_user, course),
    )


@bp.post("/courses/<slug>/items/<int:item_id>/done")
@login_required
def mark_done(slug: str, item_id: int):
    course = _viewable(slug)
    item = _item_of(course, item_id)
    had_certificate = services.certificate_for(current_user, course) is not None
    try:
        complete = services.mark_done(current_user, item)
    except CourseError as error:
        flash(str(error.message), "error")
        return redirect(url_for("courses.item", slug=course.slug, item_id=item.id))
    if complete and not had_certificate:
        flash(_("You have completed the course. Your certificate is ready."), "success")
        return redirect(url_for("courses.course", slug=course.slug, _anchor="certificate"))
    if request.form.get("then") == "next":
        _previous, following = services.neighbours(item)
        if following is not None:
            return redirect(services.item_url(following))
    return redirect(url_for("courses.item", slug=course.slug, item_id=item.id, _anchor="done"))


@bp.post("/courses/<slug>/items/<int:item_id>/undo")
@login_required
def mark_undone(slug: str, item_id: int):
    course = _viewable(slug)
    item = _item_of(course, item_id)
    with refusals_flashed():
        services.mark_not_done(current_user, item)
    return redirect(url_for("courses.item", slug=course.slug, item_id=item.id, _anchor="done"))


@bp.get("/courses/<slug>/workbook.pdf")
def workbook(slug: str):
    course = _viewable(slug, outline=True)
    return send_or_prepare(documents.workbook_build(course), f"{course.slug}-workbook.pdf")


@bp.get("/courses/<slug>/certificate.pdf")
@login_required
def certificate_pdf(slug: str):
    course = _course_or_404(slug)
    certificate = services.certificate_for(current_user, course)
    if certificate is None:
        abort(404)
    build = documents.certificate_build(certificate)
    return send_or_prepare(build, f"{course.slug}-certificate.pdf", private=True)


@bp.get("/courses/certificates/")
def lookup():
    code = request.args.get("code", "", type=str)[:40]
    not_found = False
    if code:
        certificate = services.find_certificate(code)
        if certificate is not None:
            return redirect(url_for("courses.verify", code=certificate.code))
        not_found = True
    return render_template("courses/lookup.html", code=code, not_found=not_found), (
        404 if not_found else 200
    )


@bp.get("/courses/certificates/<code>")
def verify(code: str):
    certificate = services.find_certificate(code[:40])
    if certificate is None:
        abort(404)
    if certificate.code != code:
        return redirect(url_for("courses.verify", code=certificate.code), 301)
    course = certificate.course
    return render_template(
        "courses/verify.html",
        certificate=certificate,
        course=course if course is not None and course.published else None,
    )


# --------------------------------------------------------------------------- authoring


@bp.get("/courses/manage")
@role_required(Role.INSTRUCTOR)
def manage():
    page = request.args.get("page", 1, type=id_number)
    pagination = services.courses_for_editor(current_user, page)
    return render_template(
        "courses/manage.html",
        pagination=pagination,
        counts=services.item_counts(pagination.items),
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@role_required(Role.INSTRUCTOR)
def new_course():
    return _course_form(None)


@bp.route("/courses/import", methods=["GET", "POST"])
@role_required(Role.INSTRUCTOR)
def import_course():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors = [_("Choose the zip file of a course.")]
        else:
            try:
                data = services.read_upload(upload.stream.read(MAX_ZIP_BYTES + 1))
                result = services.import_course(
                    data,
                    actor=current_user,
                    replace=form.replace.data,
                    slug=form.slug.data or None,
                )
            except services.DuplicateCourse as error:
                if can_edit(current_user, error.course):
                    hint = _(
                        "To update it, tick «Replace the existing course» and choose the file "
                        "again; to make a copy, give another address."
                    )
                else:
                    hint = _("Give another address to import it as a new course.")
                form.slug.errors = [*form.slug.errors, str(error.message), hint]
            except CourseError as error:
                refuse(form, error)
            else:
                for warning in result.warnings:
                    flash(warning, "warning")
                if result.created:
                    flash(_("Course imported as a draft. Check it, then publish it."), "success")
                else:
                    flash(_("Course replaced from the archive."), "success")
                return redirect(url_for("courses.edit", slug=result.course.slug))
    return render_template("courses/import.html", form=form), _status(form)


@bp.get("/courses/<slug>/edit/")
def edit(slug: str):
    course = _editable(slug, outline=True)
    kinds = {k: h for k, h in registered_kinds().items() if h.creatable}
    return render_template(
        "courses/edit.html",
        course=course,
        kinds=kinds,
        enrolled=services.enrolled_count(course),
    )


@bp.route("/courses/<slug>/edit/settings", methods=["GET", "POST"])
def settings(slug: str):
    return _course_form(_editable(slug))


def _course_form(course: Course | None):
    """The form of a new course (``course`` None: a draft taught by its author) or its settings."""
    form = CourseForm(obj=course)

    def save() -> Course:
        fields = field_data(form, "title", "slug", "summary", "description", "language")
        if course is None:
            return services.create_course(current_user, **fields)
        try:
            services.update_course(course, **fields)
        except CourseError:
            db.session.rollback()
            raise
        return course

    def then(saved: Course):
        if course is None:
            message = _("Course created as a draft. Add modules and lessons, then publish it.")
        else:
            message = _("Course saved.")
        return flash_redirect(message, url_for("courses.edit", slug=saved.slug))

    answer = save_form(form, save, then)
    if answer is not None:
        return answer
    return render_template("courses/course_form.html", form=form, course=course), _status(form)


@bp.post("/courses/<slug>/edit/publish")
def publish(slug: str):
    course = _editable(slug)
    published = request.form.get("published") == "1"
    services.set_published(course, published)
    if published:
        flash(_("The course is published: everyone can see it in the catalogue."), "success")
    else:
        flash(_("The course is a draft again: only its instructors can see it."), "success")
    return redirect(url_for("courses.edit", slug=course.slug))


@bp.route("/courses/<slug>/edit/instructors", methods=["GET", "POST"])
def instructors(slug: str):
    course = _editable(slug)
    form = InstructorForm()
    if form.validate_on_submit():
        try:
            user = services.add_instructor(course, form.username.data)
        except CourseError as error:
            refuse(form, error)
        else:
            flash(_("%(name)s now teaches this course.", name=user.shown_name), "success")
            return redirect(url_for("courses.instructors", slug=course.slug))
    return render_template("courses/instructors.html", course=course, form=form), _status(form)


@bp.post("/courses/<slug>/edit/instructors/<int:user_id>/remove")
def remove_instructor(slug: str, user_id: int):
    course = _editable(slug)
    with refusals_flashed():
        services.remove_instructor(course, user_id)
        flash(_("Instructor removed."), "success")
    if not can_edit(current_user, services.course_by_slug(slug)):
        return redirect(url_for("courses.manage"))
    return redirect(url_for("courses.instructors", slug=slug))


@bp.get("/courses/<slug>/export.zip")
def export(slug: str):
    course = _editable(slug)
    return private_attachment(services.export_zip(course), f"{course.slug}.zip", "application/zip")


@bp.route("/courses/<slug>/edit/delete", methods=["GET", "POST"])
def delete_course(slug: str):
    course = _editable(slug)
    form = DeleteCourseForm()
    if form.validate_on_submit():
        if form.confirm.data.strip() != course.slug:
            form.confirm.errors = [_("This is not the course address. Nothing was deleted.")]
        else:
            title = course.title
            services.delete_course(course)
            flash(_("The course «%(title)s» was deleted.", title=title), "success")
            return redirect(url_for("courses.manage"))
    return render_template(
        "courses/delete_course.html",
        course=course,
        form=form,
        enrolled=services.enrolled_count(course),
    ), _status(form)


@bp.route("/courses/<slug>/edit/modules/new", methods=["GET", "POST"])
def new_module(slug: str):
    return _module_form(_editable(slug), None)


@bp.route("/courses/<slug>/edit/modules/<int:module_id>", methods=["GET", "POST"])
def edit_module(slug: str, module_id: int):
    course = _editable(slug)
    return _module_form(course, _module_of(course, module_id))


def _module_form(course: Course, module: Module | None):
    """The form of a new module (``module`` None) or of an existing one."""
    form = ModuleForm(obj=module)

    def save() -> Module:
        fields = field_data(form, "title", "slug", "body")
        if module is None:
            return services.create_module(course, **fields)
        services.update_module(module, **fields)
        return module

    def then(saved: Module):
        message = _("Module added.") if module is None else _("Module saved.")
        anchor = f"module-{saved.id}"
        return flash_redirect(message, url_for("courses.edit", slug=course.slug, _anchor=anchor))

    answer = save_form(form, save, then)
    if answer is not None:
        return answer
    return render_template(
        "courses/module_form.html", course=course, module=module, form=form
    ), _status(form)


@bp.post("/courses/<slug>/edit/modules/<int:module_id>/move")
def move_module(slug: str, module_id: int):
    module = _module_of(_editable(slug), module_id)
    services.move_module(module, offset_of(requested_direction()))
    return redirect(url_for("courses.edit", slug=slug, _anchor=f"module-{module_id}"))


@bp.route("/courses/<slug>/edit/modules/<int:module_id>/delete", methods=["GET", "POST"])
def delete_module(slug: str, module_id: int):
    module = _module_of(_editable(slug), module_id)
    return confirm_delete(
        title=_("Delete «%(title)s»?", title=module.title),
        consequence=ngettext(
            "The module and its %(num)d item will be deleted, with the students' progress on it.",
            "The module and its %(num)d items will be deleted, with the students' progress on "
            "them.",
            len(module.items),
        ),
        cancel=url_for("courses.edit", slug=slug, _anchor=f"module-{module_id}"),
        delete=lambda: services.delete_module(module),
        done=_("Module deleted."),
        then=url_for("courses.edit", slug=slug),
    )


@bp.route("/courses/<slug>/edit/modules/<int:module_id>/items/new", methods=["GET", "POST"])
def new_item(slug: str, module_id: int):
    course = _editable(slug)
    module = _module_of(course, module_id)
    kind = request.args.get("kind", LESSON)
    handler = get_handler(kind)
    if handler is None or not handler.creatable:
        abort(404)
    return _item_form(course, module, kind, None)


@bp.route("/courses/<slug>/edit/items/<int:item_id>", methods=["GET", "POST"])
def edit_item(slug: str, item_id: int):
    course = _editable(slug)
    item = _item_of(course, item_id)
    return _item_form(course, item.module, item.kind, item)


def _item_form(course: Course, module: Module, kind: str, item: Item | None):
    """The form of a new item of ``kind`` in ``module`` (``item`` None) or of an existing one.

    "Preview" shows the body rendered under the form and saves nothing.
    """
    form = ItemForm(obj=item)

    def save() -> Item:
        fields = field_data(form, "title", "slug", "body", "required")
        if item is None:
            return services.create_item(module, kind=kind, **fields)
        services.update_item(item, **fields)
        return item

    def then(saved: Item):
        target = url_for("courses.edit", slug=course.slug, _anchor=f"item-{saved.id}")
        if item is None:
            handler = get_handler(kind)
            message = _("Added: %(title)s", title=saved.title)
            target = (handler.edit_url(saved) if handler else None) or target
        else:
            message = _("Saved.")
        return flash_redirect(message, target)

    preview = None
    if request.form.get("action") == "preview":
        if form.validate_on_submit():
            preview = render_markdown(form.body.data, course.language)
    else:
        answer = save_form(form, save, then)
        if answer is not None:
            return answer
    status = 200 if preview is not None else _status(form)
    return render_template(
        "courses/item_form.html",
        course=course,
        module=module,
        item=item,
        kind=kind,
        form=form,
        preview=preview,
    ), status


@bp.get("/courses/<slug>/edit/items/<int:item_id>/preview")
def preview_item(slug: str, item_id: int):
    course = _editable(slug)
    item = _item_of(course, item_id)
    previous, following = services.neighbours(item)
    return render_template(
        "courses/item.html",
        course=course,
        item=item,
        handler=get_handler(item.kind),
        standing=services.standing(None, course),
        previous=previous,
        following=following,
        preview=True,
        editable=True,
    )


@bp.post("/courses/<slug>/edit/items/<int:item_id>/move")
def move_item(slug: str, item_id: int):
    item = _item_of(_editable(slug), item_id)
    with refusals_flashed():
        services.move_item(item, offset_of(requested_direction()))
    return redirect(url_for("courses.edit", slug=slug, _anchor=f"item-{item_id}"))


@bp.post("/courses/<slug>/edit/items/<int:item_id>/copy")
def copy_item(slug: str, item_id: int):
    course = _editable(slug)
    copy = services.copy_item(_item_of(course, item_id))
    flash(_("Duplicated. Rename the copy or edit it."), "success")
    return redirect(url_for("courses.edit_item", slug=slug, item_id=copy.id))


@bp.route("/courses/<slug>/edit/items/<int:item_id>/delete", methods=["GET", "POST"])
def delete_item(slug: str, item_id: int):
    item = _item_of(_editable(slug), item_id)
    return confirm_delete(
        title=_("Delete «%(title)s»?", title=item.title),
        consequence=_("The students' progress on it will be deleted too."),
        cancel=url_for("courses.edit", slug=slug, _anchor=f"item-{item_id}"),
        delete=lambda: services.delete_item(item),
        done=_("Deleted."),
        then=url_for("courses.edit", slug=slug),
    )
