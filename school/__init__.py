"""The Public Defender School platform: application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from school.config import MIGRATIONS_DIR, STATIC_DIR, TEMPLATES_DIR, default_instance_path


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides the environment-derived settings (tests).

    The instance folder is ``config["INSTANCE_PATH"]``, else the environment's, else
    ``instance/`` in the project (or in the current directory for an installed wheel).
    """
    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=instance or str(default_instance_path()),
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    _guard_input(app)
    from school import config as settings

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.from_env(app.instance_path))
    if config:
        app.config.from_mapping(config)
    _check_addresses(app)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        _engine_options(app.config["SQLALCHEMY_DATABASE_URI"]),
    )
    from datetime import timedelta

    app.permanent_session_lifetime = timedelta(days=app.config["SESSION_LIFETIME_DAYS"])

    from school.urls import TrustedHostsOnly

    app.wsgi_app = TrustedHostsOnly(app.wsgi_app, app.config["TRUSTED_HOSTS"])
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    _init_extensions(app)
    from school import jobs

    jobs.init_app(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_error_handlers(app)

    from school import cli, security

    security.install(app)
    cli.register(app)
    logging.getLogger("school").setLevel(logging.INFO)
    return app


def _require_shared_limits(app: Flask) -> None:
    """In production, rate limits counted on Redis or not at all: an unreachable REDIS_URL stops
    start-up (per-worker counts would let an attacker try workers × the limit)."""
    url = app.config.get("REDIS_URL")
    if not url or app.testing or app.debug or not app.config.get("RATELIMIT_ENABLED", True):
        return
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.exceptions.RedisError as error:
        raise RuntimeError(f"REDIS_URL is set but Redis does not answer: {error}") from error


def _check_addresses(app: Flask) -> None:
    """Check PUBLIC_URL and ONION_URL (a bad one stops start-up); trust only their hosts."""
    from school.urls import check_public_url, trusted_hosts

    app.config["PUBLIC_URL"] = check_public_url(app.config["PUBLIC_URL"])
    if app.config.get("ONION_URL"):
        app.config["ONION_URL"] = check_public_url(app.config["ONION_URL"])
    app.config["TRUSTED_HOSTS"] = trusted_hosts(
        [app.config["PUBLIC_URL"], app.config.get("ONION_URL")], app.config.get("EXTRA_HOSTS", [])
    )


def _guard_input(app: Flask) -> None:
    """Keep input the databases cannot hold from reaching them (it would fail there: a 500).

    ``<int:...>`` in a route accepts only numbers an id column can hold, and ``<...>`` no NUL
    character: other URLs match no route, the 404 of any unknown id. Invisible control
    characters (NUL, which PostgreSQL refuses in text, among them) are dropped from query and
    form names and values (:func:`school.textinput.drop_invisible`); line breaks and tabs
    are left for each form field to keep, turn into spaces or refuse (``SchoolForm``).
    """
    from flask import Request
    from werkzeug.datastructures import ImmutableMultiDict, MultiDict
    from werkzeug.routing import IntegerConverter, UnicodeConverter

    from school.forms import MAX_ID
    from school.textinput import drop_invisible

    class IdConverter(IntegerConverter):
        def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False) -> None:
            super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    class TextConverter(UnicodeConverter):
        def __init__(self, map, **kwargs) -> None:
            super().__init__(map, **kwargs)
            self.regex = self.regex.replace("[^/]", "[^/\\x00]")

    def clean(value):
        return drop_invisible(value) if isinstance(value, str) else value

    class Parameters(ImmutableMultiDict):
        def __init__(self, mapping=None) -> None:
            pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
            super().__init__([(clean(key), clean(value)) for key, value in pairs])

    class GuardedRequest(Request):
        parameter_storage_class = Parameters

    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter)
    app.request_class = GuardedRequest


def _engine_options(uri: str) -> dict:
    from school.database import engine_options

    return engine_options(uri)


def _init_extensions(app: Flask) -> None:
    from school.database import configure_engine
    from school.extensions import babel, csrf, db, limiter, login_manager, migrate
    from school.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    from school.catalogs import ensure_compiled

    ensure_compiled()  # a checkout run without make: compile the catalogs it lacks
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    _require_shared_limits(app)
    login_manager.init_app(app)
    login_manager.login_view = "school.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # sessions are server-side tokens, checked per request

    from school import assets, pagecache
    from school.extensions import COMPRESS_DEFAULTS, compress

    pagecache.init_app(app)
    assets.init_app(app)
    for key, value in COMPRESS_DEFAULTS.items():
        app.config.setdefault(key, value)
    compress.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from school import imagestore, notify
    from school.credential_views import bp as credentials_bp
    from school.image_views import bp as images_bp
    from school.job_views import bp as jobs_bp
    from school.notification_views import bp as notifications_bp
    from school.reader_views import bp as readers_bp
    from school.views import bp as school_bp

    app.register_blueprint(school_bp)
    app.register_blueprint(credentials_bp)
    app.register_blueprint(readers_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(images_bp)
    app.register_blueprint(notifications_bp)
    imagestore.register_hooks()
    notify.register_hooks()
    _register_features(app)


def _register_features(app: Flask) -> None:
    """Each feature package registers its blueprints, permission rules and hooks, in this order."""
    # The one place the core names the features; everything else in school/ reaches them only
    # through the hooks they register here.
    import brochures
    import courses
    import finance
    import mirror
    import quizzes
    import webinars

    webinars.init_app(app)
    courses.init_app(app)
    quizzes.init_app(app)
    finance.init_app(app)
    brochures.init_app(app)
    mirror.init_app(app)  # last: it builds on every feature


def _register_template_helpers(app: Flask) -> None:
    from flask_login import current_user

    from school import hooks, notify
    from school.forms import EmptyForm
    from school.i18n import datefmt, jinja_helpers
    from school.markdown import render_markdown
    from school.permissions import can_edit, can_view, has_role

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["datefmt"] = datefmt
    app.jinja_env.globals.update(jinja_helpers())

    @app.context_processor
    def _globals() -> dict:
        return {
            "site_name": app.config["SITE_NAME"],
            "org_name": app.config["ORG_NAME"],
            "can_edit": lambda obj: can_edit(current_user, obj),
            "can_view": lambda obj: can_view(current_user, obj),
            "has_role": lambda *roles: has_role(current_user, *roles),
            "nav_links": sorted(hooks.nav_links.items()),
            "csrf_form": EmptyForm,
            # Called by the header for people logged in: one count query per page.
            "unread_notifications": _unread_notifications,
        }

    def _unread_notifications() -> int:
        from sqlalchemy.exc import SQLAlchemyError

        from school.extensions import db

        try:
            return notify.unread_count(current_user)
        except SQLAlchemyError:
            # An error page must still show when the database does not answer.
            db.session.rollback()
            return 0


def _register_error_handlers(app: Flask) -> None:
    import math

    from flask import render_template
    from flask_babel import gettext as _
    from flask_babel import ngettext
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    from school.extensions import db
    from school.printing import PrintFailed
    from school.throttle import seconds_to_wait

    def page(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return page(
            400,
            _("The form has expired"),
            _("Please go back, reload the page and send the form again. Nothing was saved."),
        )

    @app.errorhandler(403)
    def forbidden(error):
        return page(403, _("Access denied"), _("You do not have permission to open this page."))

    @app.errorhandler(404)
    def not_found(error):
        return page(404, _("Page not found"), _("There is no such page, or it has been removed."))

    @app.errorhandler(413)
    def too_large(error):
        return page(413, _("File too large"), _("The file is larger than the allowed size."))

    @app.errorhandler(429)
    def too_many(error):
        # The same answer whether or not the account exists: the wait is the limit's own.
        wait = seconds_to_wait() or 60
        minutes = math.ceil(wait / 60)
        body, status = page(
            429,
            _("Too many attempts"),
            ngettext(
                "Too many attempts. Please try again in %(num)d minute.",
                "Too many attempts. Please try again in %(num)d minutes.",
                minutes,
            ),
        )
        return body, status, {"Retry-After": str(wait)}

    @app.errorhandler(PrintFailed)
    def print_failed(error):
        # Remembered per input by the print cache: asking again fails at once, not after minutes.
        return page(
            422,
            _("This document cannot be printed"),
            _("Its text is nested too deeply for the print engine. The authors can fix it."),
        )

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return page(
            500,
            _("Something went wrong"),
            _("The error has been recorded. Please try again later."),
        )

    @app.errorhandler(HTTPException)
    def other_http_error(error: HTTPException):
        return page(error.code or 500, error.name, error.description or "")
