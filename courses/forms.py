"""Forms of the courses: authoring, import, leaving a course."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from courses.bundle import MAX_SUMMARY_LENGTH, MAX_TITLE_LENGTH
from courses.services._common import text_too_long
from school.forms import CONTENT_LANGUAGES, SchoolForm, SlugFormat, choices, markdown_text
from school.slugs import MAX_SLUG_LENGTH

MARKDOWN_HINT = _l(
    "Markdown: a blank line between paragraphs, ### for a heading, - for a list item, "
    "**bold**, *italics*, [link text](/address). At most 200 KB."
)


def _text_size(form, field) -> None:
    if problem := text_too_long(field.data or ""):
        raise ValidationError(problem)


def _title_field() -> StringField:
    return StringField(
        _l("Title"),
        validators=[DataRequired(_l("Enter a title.")), Length(max=MAX_TITLE_LENGTH)],
    )


def _folder_slug_field() -> StringField:
    """A module's or item's name in an exported course's folders."""
    return StringField(
        _l("Name in the exported folder"),
        validators=[Optional(), Length(max=MAX_SLUG_LENGTH), SlugFormat()],
        description=_l("Lowercase Latin letters, digits and hyphens. Empty: made from the title."),
    )


def _markdown_field(label) -> TextAreaField:
    return TextAreaField(
        label, validators=[Optional(), _text_size, markdown_text], description=MARKDOWN_HINT
    )


class CourseForm(SchoolForm):
    title = _title_field()
    slug = StringField(
        _l("Address"),
        validators=[Optional(), Length(max=MAX_SLUG_LENGTH), SlugFormat()],
        description=_l(
            "The course's part of the web address: lowercase Latin letters, digits and hyphens. "
            "Leave empty to make it from the title."
        ),
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=MAX_SUMMARY_LENGTH)],
        description=_l("One or two sentences for the catalogue."),
    )
    description = _markdown_field(_l("Description"))
    language = SelectField(
        _l("Language of the course"),
        choices=choices(CONTENT_LANGUAGES),
        description=_l("Used for hyphenation and dates in the printed workbook."),
    )


class ModuleForm(SchoolForm):
    title = _title_field()
    slug = _folder_slug_field()
    body = _markdown_field(_l("Introduction (optional)"))


class ItemForm(SchoolForm):
    title = _title_field()
    slug = _folder_slug_field()
    body = _markdown_field(_l("Text"))
    required = BooleanField(
        _l("Required to complete the course"),
        default=True,
        description=_l("Optional items show progress too, but are not needed for the certificate."),
    )


class InstructorForm(SchoolForm):
    username = StringField(
        _l("Username of an instructor"),
        validators=[DataRequired(_l("Enter a username.")), Length(max=40)],
    )


class ImportForm(SchoolForm):
    file = FileField(
        _l("Course archive (.zip)"),
        description=_l(
            "A zip of one course folder, as made by Export: course.md and numbered module "
            "folders with Markdown lessons. At most 20 MB."
        ),
    )
    slug = StringField(
        _l("Import under another address (optional)"),
        validators=[Optional(), Length(max=MAX_SLUG_LENGTH), SlugFormat()],
        description=_l("Makes a copy when a course with the archive's address already exists."),
    )
    replace = BooleanField(
        _l("Replace the existing course with the same address"),
        description=_l(
            "Only for courses you teach. Its lessons are updated; students keep their progress "
            "on lessons whose module and name did not change."
        ),
    )


class LeaveForm(SchoolForm):
    forget = BooleanField(
        _l("Also delete my progress in this course"),
        description=_l("Without this, your progress is kept in case you come back."),
    )


class DeleteCourseForm(SchoolForm):
    confirm = StringField(
        _l("Type the course address to confirm"),
        validators=[DataRequired(_l("Type the course address to confirm."))],
    )
