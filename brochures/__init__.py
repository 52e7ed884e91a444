"""Financial literacy: the knowledge base, its reader pages, brochures and memos for print."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, permission rules, hooks and the ``brochures`` CLI group."""
    from flask_babel import lazy_gettext as _l

    from brochures import cli, seed, services
    from brochures.models import (
        Brochure,
        BrochureItem,
        BrochureSection,
        Edition,
        Entry,
        EntryRevision,
        Topic,
    )
    from brochures.views import bp
    from school import hooks
    from school.models import Role
    from school.permissions import edit_rule, view_rule

    app.register_blueprint(bp)

    def staff(user, obj) -> bool:
        return user.has_role(Role.STAFF)

    for model in (Topic, Entry, EntryRevision, Brochure, BrochureSection, BrochureItem, Edition):
        edit_rule(model)(staff)

    # Readers (accounts or not) see approved content only.
    view_rule(Topic)(lambda user, topic: True)
    view_rule(Entry)(lambda user, entry: entry.published_revision_id is not None)
    view_rule(EntryRevision)(
        lambda user, revision: revision.entry.published_revision_id == revision.id
    )
    view_rule(Brochure)(lambda user, brochure: bool(brochure.editions))
    view_rule(Edition)(lambda user, edition: True)

    hooks.register_nav_link("brochures", _l("Financial literacy"), "brochures.index")
    hooks.register_exporter("financial_literacy", services.export_user_data)
    hooks.register_eraser("financial_literacy", services.forget_user)
    hooks.register_demo_seeder("brochures", seed.seed, order=30)
    if "brochures" not in app.cli.commands:
        app.cli.add_command(cli.group)
