"""Staff's pages of what search forgives: synonym groups, and what readers found nothing for."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _

from finance import expansion, services
from finance.forms import SynonymsForm
from finance.views import bp
from school.forms import EmptyForm, id_number
from school.models import Role
from school.permissions import role_required
from school.views_helpers import flash_redirect, save_form, submitted_or_400


@bp.route("/manage/synonyms", methods=["GET", "POST"])
@role_required(Role.STAFF)
def synonyms():
    form = SynonymsForm()
    if request.method == "GET":
        form.groups.data = expansion.format_groups(services.synonym_groups())
    answer = save_form(
        form,
        lambda: services.save_synonyms(form.groups.data or ""),
        lambda _count: flash_redirect(_("The synonyms are saved."), url_for(".synonyms")),
    )
    return answer or render_template("finance/synonyms.html", form=form)


@bp.get("/manage/not-found")
@role_required(Role.STAFF)
def search_misses():
    page = request.args.get("page", 1, type=id_number)
    return render_template(
        "finance/search_misses.html", pagination=services.misses_page(page), form=EmptyForm()
    )


@bp.post("/manage/not-found/clear")
@role_required(Role.STAFF)
def clear_search_misses():
    submitted_or_400(EmptyForm())
    query = request.form.get("query")
    services.clear_misses(query[:200] if query else None)
    message = _("The query is removed from the list.") if query else _("The list is cleared.")
    return flash_redirect(message, url_for(".search_misses"))
