"""Forms of the core: accounts, settings and user administration."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from school import markdown_limits
from school.config import LANGUAGES
from school.i18n import timezone_choices, wtforms_translations
from school.markdown import limit_message, render_problem
from school.models import Role
from school.slugs import MAX_SLUG_LENGTH, is_valid_slug
from school.textinput import clean_line, clean_text
from school.timeutil import is_valid_timezone

LANGUAGE_NAMES = {"ru": "Русский", "en": "English"}
#: The languages content (a course, an entry, a brochure) can be written in.
CONTENT_LANGUAGES = tuple((code, LANGUAGE_NAMES[code]) for code in LANGUAGES)

# The largest id (and page number) the databases can hold: PostgreSQL's INTEGER.
MAX_ID = 2**31 - 1


def id_number(value: str) -> int:
    """``type=`` for ids and page numbers read from query strings and forms.

    A value that is not a whole number from 0 to ``MAX_ID`` raises ValueError, so
    ``request.args.get(name, default, type=id_number)`` gives the default rather than a number
    that would fail in the database.
    """
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(value)
    return number


ONE_LINE_MESSAGE = _l("This field takes one line: remove the line break.")


def single_line(form, field) -> None:
    """Validator of every one-line field: a line break (CR or LF) is refused with a message."""
    if isinstance(field.data, str) and ("\r" in field.data or "\n" in field.data):
        raise ValidationError(ONE_LINE_MESSAGE)


def _leaves(fields):
    """Every field of a form, the rows of field lists and subforms included."""
    for field in fields:
        if isinstance(field, FieldList):
            yield from _leaves(field.entries)
        elif isinstance(field, FormField):
            yield from _leaves(field.form)
        else:
            yield field


def _tidy(field) -> None:
    """Clean what a text field received with the rules of :mod:`school.textinput`.

    Text areas (and hidden fields, which echo text the site wrote) keep their lines; a one-line
    field turns soft breaks and tabs into spaces and refuses CR or LF. Passwords are kept as
    typed: what the input guard left of them is what the account was made with.
    """
    if not isinstance(field, StringField) or isinstance(field, PasswordField):
        return
    if isinstance(field, TextAreaField | HiddenField):
        if isinstance(field.data, str):
            field.data = clean_text(field.data)
        return
    if isinstance(field.data, str):
        field.data = clean_line(field.data)
    if single_line not in field.validators:
        field.validators = [single_line, *field.validators]


class SchoolForm(FlaskForm):
    """The base of every form: CSRF from Flask-WTF, WTForms' messages in the viewer's language,
    and every text field cleaned by :mod:`school.textinput`.

    Every one-line text field (a ``StringField`` that is not a text area, a password or a hidden
    field), in the form or in its rows, refuses line breaks with a message: a browser never sends
    them from such a field, and a title that carries one would break the calendar, feed or PDF it
    goes into. The form is shown again with what was typed.
    """

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_translations

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs) -> None:
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)
        for field in _leaves(self):
            _tidy(field)


class SlugFormat:
    """Validator: empty, or a slug (:mod:`school.slugs`) of at most ``max_length`` characters."""

    def __init__(self, max_length: int = MAX_SLUG_LENGTH, message=None) -> None:
        self.max_length = max_length
        self.message = message or _l(
            "Use lowercase Latin letters, digits and single hyphens, e.g. first-steps."
        )

    def __call__(self, form, field) -> None:
        if field.data and not is_valid_slug(field.data.strip(), self.max_length):
            raise ValidationError(self.message)


def markdown_text(form, field) -> None:
    """Validator of every Markdown field: the text is within the render limits, and renders.

    One message per limit exceeded, each naming the limit; a text that fails to render anyway
    (the failure is remembered) is refused with the reason.
    """
    text = field.data or ""
    found = markdown_limits.problems(text)
    if found:
        raise ValidationError(" ".join(limit_message(problem) for problem in found))
    reason = render_problem(text)
    if reason:
        raise ValidationError(reason)


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs, or (value, label, group) for option groups."""
    return [SelectChoice(*row[:2], optgroup=row[2] if len(row) > 2 else None) for row in pairs]


class LoginForm(SchoolForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class RecoveryLoginForm(SchoolForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
    code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("One of the codes you saved when you registered. Each one works once."),
    )
    next = HiddenField()


class TotpCodeForm(SchoolForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=16)],
        description=_l("Six digits from the authenticator app on your phone."),
    )


class NewPasswordForm(SchoolForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])


class ConfirmPasswordForm(SchoolForm):
    """One password field, to confirm an action on the account."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class RegisterForm(SchoolForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=40)],
        description=_l("Letters, digits, dots, hyphens or underscores. It need not be your name."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        description=_l("At least 10 characters. A few unrelated words make a good password."),
    )
    display_name = StringField(
        _l("Name to show (optional)"),
        validators=[Optional(), Length(max=100)],
        description=_l("Shown on certificates. Leave empty to stay anonymous."),
    )

    # Every problem the form can know of is shown at once; only "taken" needs the database.
    def validate_username(self, field) -> None:
        from school.usernames import is_well_formed, normalise

        if not field.errors and not is_well_formed(normalise(field.data or "")):
            raise ValidationError(_l("3 to 40 letters, digits, dots, hyphens or underscores."))

    def validate_password(self, field) -> None:
        from school.passwords import password_problem
        from school.services import PASSWORD_MESSAGES

        problem = password_problem(field.data or "", self.username.data or "")
        if problem and not field.errors:
            raise ValidationError(PASSWORD_MESSAGES[problem])


class PasswordChangeForm(SchoolForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])


def _validate_timezone(form, field) -> None:
    if field.data and not is_valid_timezone(field.data):
        raise ValidationError(_l("Unknown time zone."))


class SettingsForm(SchoolForm):
    display_name = StringField(
        _l("Name to show (optional)"), validators=[Optional(), Length(max=100)]
    )
    locale = SelectField(
        _l("Language"), choices=choices((code, LANGUAGE_NAMES[code]) for code in LANGUAGES)
    )
    timezone = SelectField(_l("Time zone"), validators=[_validate_timezone], validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices(timezone_choices())


class MultiCheckboxField(SelectMultipleField):
    """A choice of several options, as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NotificationKindsForm(SchoolForm):
    # Choices are the kinds (school.notification_views); unknown values are ignored, not errors.
    kinds = MultiCheckboxField(_l("Tell me on the site when"), validate_choice=False)


class DeleteAccountForm(SchoolForm):
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    confirm = BooleanField(
        _l("I understand that my account and personal data will be deleted for good."),
        validators=[DataRequired()],
    )


ROLE_LABELS = {
    Role.STUDENT.value: _l("Student"),
    Role.INSTRUCTOR.value: _l("Instructor"),
    Role.STAFF.value: _l("Staff"),
    Role.ADMIN.value: _l("Administrator"),
}


class RoleForm(SchoolForm):
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS.items()))


class EmptyForm(SchoolForm):
    """A form with only the CSRF token, for one-button POST actions."""


class PostalReaderForm(SchoolForm):
    """A person served by post: a name as they write it and the number on their envelopes."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    reference = StringField(
        _l("Reference number"),
        validators=[Optional(), Length(max=32)],
        description=_l("Leave empty to number the reader in the register (000042)."),
    )
    note = TextAreaField(
        _l("Note for staff"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Only what is needed to serve the reader. No address, no case details."),
    )


class EraseReaderForm(SchoolForm):
    confirm = BooleanField(
        _l("I understand that this reader and everything kept about them will be deleted."),
        validators=[DataRequired()],
    )


class ImageUploadForm(SchoolForm):
    """An image for lessons and entries (:mod:`school.imagestore`)."""

    image = FileField(
        _l("Image file"),
        validators=[FileRequired(message=_l("Choose an image file."))],
        description=_l(
            "JPEG, PNG, WebP or GIF, up to 5 MB. The site keeps a copy without the camera's "
            "data (place, date, device) and at most 2400 pixels across."
        ),
    )
    alt = StringField(
        _l("What the image shows"),
        validators=[Optional(), Length(max=300)],
        description=_l("For readers who cannot see it: screen readers say it, print shows it."),
    )
