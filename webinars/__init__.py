"""The School's webinar schedule: publishing, registration with a waiting list, calendars, feeds."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, permission rules and hooks (safe to call for every new app)."""
    from flask_babel import lazy_gettext as _l

    from school import hooks
    from school.permissions import edit_rule, view_rule
    from webinars import (
        manage_views,  # noqa: F401 - adds the instructors' routes to bp
        services,
    )
    from webinars.calendar import parse_reminders
    from webinars.home import home_panel, home_section
    from webinars.models import Webinar
    from webinars.views import bp

    # A wrong CALENDAR_REMINDERS stops start-up, naming the part it cannot read.
    parse_reminders(app.config.get("CALENDAR_REMINDERS", ""))
    app.register_blueprint(bp)
    edit_rule(Webinar)(services.may_edit)
    view_rule(Webinar)(services.may_view)
    hooks.register_nav_link("webinars", _l("Webinars"), "webinars.index")
    hooks.register_exporter("webinars", services.export_user)
    hooks.register_eraser("webinars", services.erase_user)
    hooks.register_home_panel("webinars", home_panel)
    hooks.register_home_section("webinars", home_section, order=20)
    hooks.register_demo_seeder("webinars", services.seed_demo, order=10)
    hooks.register_purger("webinars", services.purge_registrations)
