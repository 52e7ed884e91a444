"""Courses: modules, Markdown lessons, enrolment, progress, certificates and printable workbooks."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the blueprint, permission rules, hooks and CLI commands."""
    from flask_babel import lazy_gettext as _l

    from courses import cli, documents, services
    from courses.models import Certificate, Course, Item, Module
    from courses.views import bp
    from school import hooks
    from school.models import Role
    from school.permissions import edit_rule, rules_follow, view_rule

    app.register_blueprint(bp)

    @edit_rule(Course)
    def _edit_course(user, course: Course) -> bool:
        return user.has_role(Role.INSTRUCTOR) and course.is_instructor(user)

    @view_rule(Course)
    def _view_course(user, course: Course) -> bool:
        return course.published

    rules_follow(Module, lambda module: module.course)
    rules_follow(Item, lambda item: item.module.course)

    @view_rule(Certificate)
    def _view_certificate(user, certificate: Certificate) -> bool:
        # The verification page is public by design; it shows only the frozen fields.
        return True

    hooks.register_nav_link("courses", _l("Courses"), "courses.catalogue")
    hooks.register_home_panel("courses", services.home_panel)
    hooks.register_pdf_warmer("courses", documents.warm)
    hooks.register_exporter("courses", services.export_user)
    hooks.register_eraser("courses", services.erase_user)
    hooks.register_demo_seeder("courses", services.seed_demo, order=20)
    app.cli.add_command(cli.courses)
