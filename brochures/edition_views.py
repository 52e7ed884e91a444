"""One edition: staff's page (its files, press files, imprint and print runs), and the public
page where anyone checks a printed copy by its code."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from brochures import press, services
from brochures.forms import PrintRunForm
from brochures.layout import Document
from brochures.services import press as press_service
from brochures.views import _brochure_or_404, bp
from school.forms import EmptyForm
from school.models import Role
from school.permissions import role_required
from school.views_helpers import flash_redirect, or_404, save_form, submitted_or_400


def _edition_or_404(brochure_id: int, number: int):
    brochure = _brochure_or_404(brochure_id)
    return brochure, or_404(services.edition_by_number(brochure, number))


@bp.route("/brochures/manage/<int:brochure_id>/editions/<int:number>/", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edition(brochure_id: int, number: int):
    """The edition's files and its print-run log; a POST logs a print run."""
    brochure, item = _edition_or_404(brochure_id, number)
    form = PrintRunForm()
    done = save_form(
        form,
        lambda: services.add_print_run(
            item,
            services.PrintRunInput(
                printed_on=form.printed_on.data,
                copies=form.copies.data,
                printing_house=form.printing_house.data or "",
                sent=services.parse_sent(form.sent.data or ""),
            ),
        ),
        lambda run: flash_redirect(
            _("The print run of %(copies)s copies is logged.", copies=run.copies),
            url_for(".edition", brochure_id=brochure_id, number=number),
        ),
    )
    if done is not None:
        return done
    press_formats = [] if brochure.is_memo else list(press.TRIMS)
    stored = {fmt: press_service.press_files(item, fmt) for fmt in press_formats}
    return render_template(
        "brochures/edition.html",
        brochure=brochure,
        edition=item,
        formats=services.edition_formats(item),
        press_formats=press_formats,
        press_stored=stored,
        press_names=press_service.PRESS_FILES,
        press_format=press_service.press_format,
        imprint=Document.from_dict(item.document).imprint,
        runs=item.print_runs,
        sent=services.sent_by_region(item.print_runs),
        form=form,
    ), (400 if form.errors else 200)


@bp.post("/brochures/manage/<int:brochure_id>/editions/<int:number>/press/<fmt>")
@role_required(Role.STAFF)
def edition_press(brochure_id: int, number: int, fmt: str):
    brochure, item = _edition_or_404(brochure_id, number)
    submitted_or_400(EmptyForm())
    if brochure.is_memo or fmt not in press.TRIMS or fmt not in item.formats:
        abort(404)
    back = url_for(".edition", brochure_id=brochure_id, number=number)
    if "press" not in item.renders[fmt]:
        return flash_redirect(
            _("This edition was published before press files existed: publish a new one."),
            back,
            "error",
        )
    press_service.store_press(item, fmt)
    return flash_redirect(
        _("The press files are being prepared. Reload this page in a minute."), back
    )


@bp.get("/brochures/check/")
def check_lookup():
    """The form where a reader types the code printed in a copy."""
    code = request.args.get("code", "", type=str)[:40]
    not_found = False
    if code:
        found = services.edition_by_code(code)
        if found is not None:
            return redirect(url_for(".check", code=found.check_code))
        not_found = True
    page = render_template("brochures/check_lookup.html", code=code, not_found=not_found)
    return page, (404 if not_found else 200)


@bp.get("/brochures/check/<code>")
def check(code: str):
    """What the edition with this code is: brochure, edition, date and its files' SHA-256."""
    found = or_404(services.edition_by_code(code[:40]))
    if found.check_code != code:
        return redirect(url_for(".check", code=found.check_code), 301)
    return render_template(
        "brochures/check.html",
        edition=found,
        brochure=found.brochure,
        files=sorted(found.files, key=lambda stored: stored.format),
    )
