"""Financial literacy: the knowledge base of reviewed answers, its readers' and staff's pages.

Topics, entries and their revisions, review, Russian-aware search, the import/export bundle and
the word diff. Features that build on it (the brochures) import it and plug into its pages
through :mod:`finance.registry`; it imports none of them.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, permission rules, hooks and the ``finance`` CLI group."""
    from flask_babel import lazy_gettext as _l

    from finance import cli, question_views, search_views, seed, services
    from finance.models import Entry, EntryRevision, Topic
    from finance.views import bp, home_section
    from school import hooks
    from school.models import Role
    from school.permissions import edit_rule, view_rule

    del question_views, search_views  # their routes are on ``bp``
    app.register_blueprint(bp)

    def staff(user, obj) -> bool:
        return user.has_role(Role.STAFF)

    for model in (Topic, Entry, EntryRevision):
        edit_rule(model)(staff)

    # Readers (accounts or not) see approved content only.
    view_rule(Topic)(lambda user, topic: True)
    view_rule(Entry)(lambda user, entry: entry.published_revision_id is not None)
    view_rule(EntryRevision)(
        lambda user, revision: revision.entry.published_revision_id == revision.id
    )

    hooks.register_nav_link("finance", _l("Financial literacy"), "finance.index")
    hooks.register_home_section("finance", home_section, order=10)
    hooks.register_exporter("finance", services.export_user_data)
    hooks.register_eraser("finance", services.forget_user)
    hooks.register_demo_seeder("finance", seed.seed, order=30)
    hooks.register_purger("finance_questions", services.questions.purge)
    hooks.register_reader_exporter("finance_questions", services.questions.export_reader_questions)
    hooks.register_reader_eraser("finance_questions", services.questions.erase_reader_questions)
    if "finance" not in app.cli.commands:
        app.cli.add_command(cli.group)
