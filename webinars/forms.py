"""Forms of the webinar schedule."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from school.forms import SchoolForm, choices, markdown_text
from school.i18n import timezone_choices
from school.timeutil import is_valid_timezone
from webinars.rules import is_web_url
from webinars.services import (
    MAX_CAPACITY,
    MAX_DURATION_MINUTES,
    MAX_REASON,
    MESSAGES,
    WebinarData,
)


def _timezone(form, field) -> None:
    if not is_valid_timezone(field.data or ""):
        raise ValidationError(MESSAGES["timezone"])


def _web_url(form, field) -> None:
    if field.data and not is_web_url(field.data):
        raise ValidationError(MESSAGES["url"])


def _duration(form, field) -> None:
    if field.data is None:
        return
    if field.data <= 0:
        raise ValidationError(MESSAGES["duration"])
    if field.data > MAX_DURATION_MINUTES:
        raise ValidationError(MESSAGES["too_long"])


def _capacity(form, field) -> None:
    if field.data is not None and field.data < 1:
        raise ValidationError(MESSAGES["capacity_min"])
    if field.data is not None and field.data > MAX_CAPACITY:
        raise ValidationError(MESSAGES["capacity_max"])


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _markdown_area(label, max_length: int, description) -> TextAreaField:
    """A text area for Markdown of at most ``max_length`` characters."""
    return TextAreaField(
        label, validators=[Length(max=max_length), markdown_text], description=description
    )


class WebinarForm(SchoolForm):
    title = StringField(
        _l("Title"), validators=[InputRequired(MESSAGES["title"]), Length(max=200)],
        filters=[_strip],
    )  # fmt: skip
    series = StringField(
        _l("Series (optional)"),
        validators=[Optional(), Length(max=200)],
        filters=[_strip],
        description=_l('For example "If you are detained at a rally".'),
    )
    summary = _markdown_area(
        _l("Summary"), 20000, _l("Markdown: *italics*, **bold**, lists and links.")
    )
    presenters = TextAreaField(
        _l("Presenters"),
        validators=[Length(max=2000)],
        description=_l("One per line, as they wish to be named in public."),
    )
    start_date = DateField(
        _l("Date"),
        validators=[InputRequired(_l("Enter the date, for example 2030-01-31."))],
        description=_l("In the webinar's time zone. Format: YYYY-MM-DD."),
    )
    start_time = TimeField(
        _l("Start time"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired(_l("Enter the start time, for example 19:00."))],
        description=_l("In the webinar's time zone, 24-hour clock: HH:MM."),
    )
    timezone = SelectField(_l("Time zone"), validators=[_timezone], validate_choice=False)
    duration_minutes = IntegerField(
        _l("Duration in minutes"),
        validators=[InputRequired(_l("Enter the duration in minutes.")), _duration],
    )
    capacity = IntegerField(
        _l("Places (optional)"),
        validators=[Optional(), _capacity],
        description=_l(
            "Leave empty for no limit. When all places are taken, people can join a waiting list."
        ),
    )
    join_url = URLField(
        _l("Join link (optional)"),
        validators=[Optional(), Length(max=500), _web_url],
        filters=[_strip],
        description=_l("Shown only to registered people and the webinar's instructors."),
    )
    recording_url = URLField(
        _l("Recording link (optional)"),
        validators=[Optional(), Length(max=500), _web_url],
        filters=[_strip],
        description=_l("Shown to everyone once the webinar has taken place."),
    )
    materials = _markdown_area(
        _l("Materials (optional)"), 50000, _l("Markdown. Shown to everyone on the webinar's page.")
    )
    instructors = StringField(
        _l("Instructors"),
        validators=[Length(max=1000)],
        description=_l(
            "Usernames of the instructors who may edit this webinar, separated by commas."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices(timezone_choices())

    def to_data(self) -> WebinarData:
        return WebinarData(
            title=self.title.data or "",
            summary=self.summary.data or "",
            presenters=self.presenters.data or "",
            series=self.series.data or None,
            start_date=self.start_date.data,
            start_time=self.start_time.data,
            timezone=self.timezone.data,
            duration_minutes=self.duration_minutes.data,
            capacity=self.capacity.data,
            join_url=self.join_url.data or None,
            recording_url=self.recording_url.data or None,
            materials=self.materials.data or None,
            instructors=[n for n in (self.instructors.data or "").split(",") if n.strip()],
        )

    def fill_from(self, data: WebinarData) -> None:
        for name in (
            "title", "summary", "presenters", "series", "start_date", "start_time", "timezone",
            "duration_minutes", "capacity", "join_url", "recording_url", "materials",
        ):  # fmt: skip
            getattr(self, name).data = getattr(data, name)
        self.instructors.data = ", ".join(data.instructors or [])


# Zones offered on the schedule pages themselves; every other zone is one link away, which
# keeps those pages light on slow connections.
COMMON_ZONES = (
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
    "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
    "Asia/Magadan", "Asia/Kamchatka", "Europe/Minsk", "Europe/Kyiv", "Europe/Vilnius",
    "Europe/Riga", "Europe/Tallinn", "Europe/Helsinki", "Europe/Warsaw", "Europe/Berlin",
    "Europe/Prague", "Europe/Belgrade", "Europe/London", "Europe/Istanbul", "Asia/Tbilisi",
    "Asia/Yerevan", "Asia/Baku", "Asia/Almaty", "Asia/Tashkent", "Asia/Bishkek",
    "Asia/Jerusalem", "Asia/Dubai", "America/New_York", "UTC",
)  # fmt: skip


class TimezoneForm(SchoolForm):
    """Lets a visitor without an account see the schedule in their own time."""

    tz = SelectField(_l("Show times in"), validators=[_timezone], validate_choice=False)
    next = HiddenField()

    def __init__(self, *args, short: bool = False, current: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        only = set(COMMON_ZONES) | {current} if short else None
        self.tz.choices = choices(timezone_choices(only))


class CancelForm(SchoolForm):
    """Cancelling a webinar asks why: the people registered for it are told."""

    reason = TextAreaField(
        _l("Why is the webinar cancelled?"),
        validators=[
            DataRequired(_l("Say why the webinar is cancelled: registered people are told.")),
            Length(max=MAX_REASON),
        ],
        description=_l(
            "Registered people read it in their notifications, in their calendars and on the "
            "webinar's page. Say whether it will take place another time."
        ),
    )


# The reminders a personal feed can carry ("" is the site's CALENDAR_REMINDERS).
REMINDER_CHOICES = (
    ("", _l("As the site sets it")),
    ("1d,1h", _l("1 day and 1 hour before")),
    ("1d", _l("1 day before")),
    ("1h", _l("1 hour before")),
    ("15m", _l("15 minutes before")),
    ("none", _l("No reminders")),
)


class FeedRemindersForm(SchoolForm):
    reminders = SelectField(_l("Reminders in my calendar"), choices=choices(REMINDER_CHOICES))
