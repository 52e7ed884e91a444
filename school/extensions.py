"""Flask extensions, created here and bound to the app in the factory."""

from __future__ import annotations

from flask import current_app
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from school.throttle import client_key

# Stable constraint names, so migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Brotli or gzip for text (pages, stylesheets, feeds, calendars), as the browser accepts; PDFs
# stay as they are (they hardly shrink, and Range requests resume them).
compress = Compress()
COMPRESS_DEFAULTS = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/plain",
        "text/calendar",
        "application/json",
        "application/atom+xml",
        "application/rss+xml",
        "image/svg+xml",
    ],
}
# No storage_uri here: Flask-Limiter prefers it to the app's RATELIMIT_STORAGE_URI, which is
# Redis whenever REDIS_URL is set (school.config), so that every worker counts together.
limiter = Limiter(
    key_func=client_key,
    default_limits=[],
    headers_enabled=False,
    strategy="moving-window",
)


def app_config(name: str, default=None):
    return current_app.config.get(name, default)
