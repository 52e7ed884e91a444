"""Forms of the knowledge base: topics, entries, review, import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from finance import bundle
from school.forms import (
    CONTENT_LANGUAGES,
    MultiCheckboxField,
    SchoolForm,
    SlugFormat,
    choices,
    markdown_text,
)

#: The knowledge base's and brochures' wording for a bad address.
SLUG_MESSAGE = _l("Use lower-case Latin letters, digits and hyphens.")


def address_field(max_length: int, description) -> StringField:
    """The required address (slug) of a topic, an entry or a brochure: part of its link."""
    return StringField(
        _l("Address"),
        validators=[DataRequired(), Length(max=max_length), SlugFormat(max_length, SLUG_MESSAGE)],
        description=description,
    )


class TopicForm(SchoolForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = address_field(80, _l("Part of the link, e.g. housing-and-rent."))
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=2000), markdown_text]
    )


class EntryForm(SchoolForm):
    question = StringField(
        _l("Question"), validators=[DataRequired(), Length(max=bundle.LIMITS["question"])]
    )
    short_answer = TextAreaField(
        _l("Short answer"),
        validators=[DataRequired(), Length(max=bundle.LIMITS["short_answer"]), markdown_text],
        description=_l("One or two sentences. Memos print only this."),
    )
    full_answer = TextAreaField(
        _l("Full answer"),
        validators=[Optional(), Length(max=bundle.LIMITS["full_answer"]), markdown_text],
        description=_l("Markdown: **bold**, *italics*, lists with “-”, headings with “##”."),
    )
    legal_references = TextAreaField(
        _l("Laws and regulations"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("One reference per line, e.g. “Art. 99 of Federal Law No. 229-FZ”."),
    )
    topic_ids = MultiCheckboxField(_l("Topics"), coerce=int, validate_choice=False)
    language = SelectField(_l("Language"), choices=choices(CONTENT_LANGUAGES))
    slug = address_field(120, _l("Part of the link, e.g. pension-in-prison."))
    demo = BooleanField(_l("Demonstration content (not legal advice)"))
    note = StringField(_l("What changed (optional)"), validators=[Optional(), Length(max=300)])

    def set_topics(self, topics) -> None:
        self.topic_ids.choices = choices((t.id, t.title) for t in topics)


class ApproveForm(SchoolForm):
    valid_as_of = DateField(
        _l("Valid as of"),
        validators=[DataRequired(message=_l("Give the date the answer is valid as of."))],
        description=_l("The date of the law the answer describes."),
    )
    review_due = DateField(
        _l("Review by"),
        validators=[Optional()],
        description=_l("Leave empty for twelve months after the valid-as-of date."),
    )


class ReviewDueForm(SchoolForm):
    review_due = DateField(_l("Review by"), validators=[DataRequired(message=_l("Give a date."))])


class ImportForm(SchoolForm):
    archive = FileField(
        _l("Zip archive"),
        validators=[FileRequired(message=_l("Choose a zip file."))],
        description=_l(
            "Markdown files with YAML front matter (entries/*.md) and topics.yaml, as exported."
        ),
    )


class SynonymsForm(SchoolForm):
    groups = TextAreaField(
        _l("Synonym groups"),
        validators=[Optional(), Length(max=50_000)],
        description=_l(
            "One group per line, its words and phrases separated by “=”, e.g. "
            "“коммуналка = ЖКХ = коммунальные платежи”. A search for any of them finds the others."
        ),
    )
