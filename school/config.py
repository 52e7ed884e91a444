"""Configuration from environment variables, with safe defaults for the embedded setup."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def site_dir() -> Path:
    """Where ``templates/``, ``static/`` and ``migrations/`` are.

    In a checkout (or an editable install) they are at the project's top level; an installed
    wheel carries a copy in ``school/_site/`` (made by setup.py's build step).
    """
    bundled = Path(__file__).resolve().parent / "_site"
    return bundled if bundled.is_dir() else PROJECT_ROOT


SITE_DIR = site_dir()
TEMPLATES_DIR = SITE_DIR / "templates"
STATIC_DIR = SITE_DIR / "static"
MIGRATIONS_DIR = SITE_DIR / "migrations"


def default_instance_path() -> Path:
    """``instance/`` of the checkout; for an installed wheel, of the current directory."""
    if SITE_DIR == PROJECT_ROOT:
        return PROJECT_ROOT / "instance"
    return Path.cwd() / "instance"


PACKAGES = ("school", "webinars", "courses", "quizzes", "finance", "brochures", "mirror")
LANGUAGES = ("ru", "en")
DEFAULT_TIMEZONE = "Europe/Moscow"


def _secret_key(instance: Path) -> str:
    """Return SECRET_KEY from the environment or from a key file generated once in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        # Exclusive create so two workers starting at once cannot write different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def addresses() -> dict:
    """``PUBLIC_URL``, ``ONION_URL`` and the extra names the site answers for (``TRUSTED_HOSTS``).

    The factory turns them into Flask's ``TRUSTED_HOSTS`` (see :mod:`school.urls`). Without a
    configured public address the site is a development server: it also answers for the local
    names, and writes links to ``http://127.0.0.1:5000``.
    """
    from school.urls import DEFAULT_PUBLIC_URL, LOCAL_HOSTS

    configured = os.environ.get("PUBLIC_URL")
    return {
        "PUBLIC_URL": configured or DEFAULT_PUBLIC_URL,
        "ONION_URL": os.environ.get("ONION_URL") or None,
        "EXTRA_HOSTS": _list("TRUSTED_HOSTS") + ([] if configured else list(LOCAL_HOSTS)),
    }


def from_env(instance_path: str | os.PathLike[str]) -> dict:
    """Build the configuration mapping from the environment."""
    instance = Path(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'school.sqlite3'}"
    redis_url = os.environ.get("REDIS_URL") or None
    secure = _bool("SESSION_COOKIE_SECURE", False)
    return {
        **addresses(),
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "SITE_NAME": os.environ.get("SITE_NAME", "Школа общественного защитника"),
        "ORG_NAME": os.environ.get("ORG_NAME", "Фонд помощи заключённым"),
        "DEFAULT_TIMEZONE": os.environ.get("DEFAULT_TIMEZONE", DEFAULT_TIMEZONE),
        # The host named in calendar UIDs and feed ids: the same for every address of the site
        # (an onion and a clear-web name), so subscribers never see a webinar twice.
        "CALENDAR_UID_DOMAIN": os.environ.get("CALENDAR_UID_DOMAIN") or None,
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BABEL_TRANSLATION_DIRECTORIES": ";".join(
            str(PROJECT_ROOT / pkg / "translations") for pkg in PACKAGES
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_LIFETIME_DAYS": int(os.environ.get("SESSION_LIFETIME_DAYS", "14")),
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "PROXY_FIX": _bool("PROXY_FIX", False),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "PDF_CACHE_DIR": os.environ.get("PDF_CACHE_DIR") or str(instance / "pdf-cache"),
        "PDF_CACHE_MAX_MB": float(os.environ.get("PDF_CACHE_MAX_MB", "1024")),
        # PDFs are built by the job queue (school.jobs): RQ on REDIS_URL, or a thread in the
        # web process when there is no Redis.
        "JOB_QUEUE": os.environ.get("JOB_QUEUE") or ("redis" if redis_url else "embedded"),
        "JOB_QUEUE_NAME": os.environ.get("JOB_QUEUE_NAME", "school"),
        "JOB_TIMEOUT": int(os.environ.get("JOB_TIMEOUT", "900")),
        # Anonymous readers' pages kept per worker for this many seconds (0: off); see pagecache.
        "PAGE_CACHE_SECONDS": float(os.environ.get("PAGE_CACHE_SECONDS", "10")),
        "PAGE_CACHE_SIZE": int(os.environ.get("PAGE_CACHE_SIZE", "200")),
        "LOGIN_LIMITS": os.environ.get("LOGIN_LIMITS", "10 per 15 minutes"),
        "REGISTER_LIMITS": os.environ.get("REGISTER_LIMITS", "5 per hour"),
        "ACCOUNT_LIMITS": os.environ.get("ACCOUNT_LIMITS", "5 per 15 minutes"),
        # Onion mode (school.throttle): no per-address keys, global throttles with short windows.
        "ONION_SERVICE": _bool("ONION_SERVICE", False),
        "ONION_LOGIN_LIMITS": os.environ.get("ONION_LOGIN_LIMITS", "60 per minute"),
        "ONION_REGISTER_LIMITS": os.environ.get("ONION_REGISTER_LIMITS", "20 per minute"),
        # Readers' questions without an account (finance): sendings per client, and in onion mode.
        "QUESTION_LIMITS": os.environ.get("QUESTION_LIMITS", "5 per hour"),
        "ONION_QUESTION_LIMITS": os.environ.get("ONION_QUESTION_LIMITS", "20 per minute"),
        # Seconds between showing the question form and sending it, below which it is a bot.
        "QUESTION_MIN_SECONDS": float(os.environ.get("QUESTION_MIN_SECONDS", "5")),
        # Readers' questions lose their personal fields this many days after they came.
        "QUESTIONS_KEEP_DAYS": float(os.environ.get("QUESTIONS_KEEP_DAYS", "180")),
        # How long a one-time password-reset link works (school.resets), in hours.
        "PASSWORD_RESET_HOURS": float(os.environ.get("PASSWORD_RESET_HOURS", "24")),
        # How long things about people are kept (`flask purge` deletes what is older): a
        # notification after it was made, a registration after its webinar ended.
        "NOTIFICATIONS_KEEP_DAYS": float(os.environ.get("NOTIFICATIONS_KEEP_DAYS", "90")),
        "REGISTRATIONS_KEEP_DAYS": float(os.environ.get("REGISTRATIONS_KEEP_DAYS", "90")),
        # Reminders in personal calendar feeds, before each webinar: "1d,1h", "30m", "" (none).
        "CALENDAR_REMINDERS": os.environ.get("CALENDAR_REMINDERS", "1d,1h"),
        # Staff and administrators must log in with a second factor (school.credentials).
        "REQUIRE_TOTP": _bool("REQUIRE_TOTP", False),
        # The knowledge base lets the author of a revision approve it (one-staff instances);
        # such answers say so publicly and in print.
        "ALLOW_SELF_REVIEW": _bool("ALLOW_SELF_REVIEW", False),
    }
