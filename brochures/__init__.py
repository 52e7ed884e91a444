"""Brochures and memos for print: made of knowledge-base entries, published in editions.

Composing, editions, documents, print jobs and imposition, and the brochure pages. Builds on
the knowledge base (``finance``), which it imports; nothing in ``finance`` imports it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, permission rules, hooks and the ``brochures`` CLI group."""
    from flask_babel import lazy_gettext as _l

    from brochures import (
        cli,
        edition_views,  # noqa: F401 - its routes join the blueprint
        seed,
        services,
    )
    from brochures.models import Brochure, BrochureItem, BrochureSection, Edition
    from brochures.views import bp, home_section, print_panel
    from finance import registry
    from school import hooks
    from school.models import Role
    from school.permissions import edit_rule, view_rule

    app.register_blueprint(bp)

    def staff(user, obj) -> bool:
        return user.has_role(Role.STAFF)

    for model in (Brochure, BrochureSection, BrochureItem, Edition):
        edit_rule(model)(staff)
    view_rule(Brochure)(lambda user, brochure: bool(brochure.editions))
    view_rule(Edition)(lambda user, edition: True)

    registry.register_index_panel("brochures", print_panel, order=10)
    hooks.register_home_section("brochures", home_section, order=30)
    registry.register_manage_link("brochures", _l("Brochures and memos"), "brochures.manage")
    hooks.register_pdf_warmer("brochures", services.warm)
    hooks.register_exporter("brochures", services.export_user_data)
    hooks.register_eraser("brochures", services.forget_user)
    hooks.register_demo_seeder("brochures", seed.seed, order=35)
    if "brochures" not in app.cli.commands:
        app.cli.add_command(cli.group)
