"""Language and time zone of the current viewer, and Babel formatting helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import support
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
    gettext,
)
from flask_login import current_user
from wtforms.i18n import messages_path

from school import timezones
from school.config import LANGUAGES
from school.timeutil import is_valid_timezone, now_utc


@dataclass(frozen=True)
class Plural:
    """A message that counts, for tables of messages made before any request: the form is
    chosen and translated when it is shown. ``count`` names the value that is the number; it is
    written as ``%(num)s``, in the reader's digits. Extracted like ``ngettext``
    (``school.catalogs.KEYWORDS``)."""

    singular: str
    plural: str
    count: str

    def format(self, values: dict) -> str:
        number = values[self.count]
        text = get_translations().ngettext(self.singular, self.plural, int(number))
        return text % {**values, "num": format_decimal(number)}


def formatted(template, values: dict) -> str:
    """A message from a table (text, lazy text or :class:`Plural`) with its values."""
    if isinstance(template, Plural):
        return template.format(values)
    return str(template) % values


def select_locale() -> str:
    """The user's saved language, else the session's choice, else the browser's, else Russian."""
    if not has_request_context():
        return current_app.config.get("CLI_LOCALE", "en")
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "ru"


def select_timezone() -> str:
    """The viewer's time zone: saved preference, session choice, or the site default."""
    if not has_request_context():
        return current_app.config["DEFAULT_TIMEZONE"]
    user = current_user
    if user and user.is_authenticated and user.timezone and is_valid_timezone(user.timezone):
        return user.timezone
    chosen = session.get("tz")
    if chosen and is_valid_timezone(chosen):
        return chosen
    return current_app.config["DEFAULT_TIMEZONE"]


@lru_cache(maxsize=len(LANGUAGES) + 2)
def wtforms_catalog(locale: str) -> support.Translations:
    """WTForms' own messages ("Not a valid choice.") in ``locale``, read from disk once.

    Flask-WTF would read the catalog again for every request that shows a form.
    """
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class WTFormsTranslations:
    """WTForms' messages in the viewer's language, chosen when a message is needed.

    Not when the form is built: a view may change the language after that (saving settings),
    and what it says next must be in the new one.
    """

    def gettext(self, string: str) -> str:
        return wtforms_catalog(str(get_locale() or "ru")).gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return wtforms_catalog(str(get_locale() or "ru")).ngettext(singular, plural, n)


wtforms_translations = WTFormsTranslations()


def viewer_timezone() -> str:
    return select_timezone()


def timezone_choices(only=None) -> list[tuple[str, str, str]]:
    """Time zones for a select box in the active language: ``(zone, label, country)``,
    grouped by country with Russia first (``only``: just these zones)."""
    locale = str(get_locale())
    return timezones.zone_choices(locale, now_utc().date(), gettext("Other"), only)


def zone_name(tz_name: str) -> str:
    """``Екатеринбург (Россия), UTC+5``: a zone as text, in the active language."""
    return timezones.zone_name(tz_name, str(get_locale()), now_utc().date())


def format_in_zone(value: datetime, tz_name: str, fmt: str = "medium") -> str:
    """Format an aware datetime in a given zone, in the active locale."""
    return babel_format_datetime(value, fmt, tzinfo=ZoneInfo(tz_name), locale=str(get_locale()))


def jinja_helpers() -> dict:
    return {
        "format_datetime": format_datetime,
        "format_date": format_date,
        "format_in_zone": format_in_zone,
        "current_locale": lambda: str(get_locale()),
        "viewer_timezone": viewer_timezone,
        "zone_name": zone_name,
    }


def datefmt(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return format_date(value, fmt)
