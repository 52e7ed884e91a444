"""Forms of the knowledge base: topics, entries, review, import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
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


class AskForm(SchoolForm):
    text = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(message=_l("Write your question.")), Length(max=4000)],
        description=_l("Do not write names, dates of birth or where someone is held."),
    )
    contact = StringField(
        _l("How to reply (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "An e-mail address or a telephone number, if you want a reply. Without it, check "
            "back with the code you get."
        ),
    )
    check = StringField(_l("Check question"), validators=[Optional(), Length(max=40)])
    # Hidden from people (see the template); bots fill in every field.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])
    token = HiddenField()


class CodeForm(SchoolForm):
    code = StringField(
        _l("Your code"), validators=[DataRequired(message=_l("Write your code.")), Length(max=40)]
    )


class LetterForm(SchoolForm):
    reader_reference = StringField(
        _l("Reader's reference number"),
        validators=[Optional(), Length(max=32)],
        description=_l("From the register of postal readers; leave empty if the reader has none."),
    )
    reference = StringField(
        _l("Letter's reference number"), validators=[Optional(), Length(max=32)]
    )
    region = StringField(_l("Region"), validators=[Optional(), Length(max=100)])
    text = TextAreaField(
        _l("The question"),
        validators=[DataRequired(message=_l("Write the question.")), Length(max=4000)],
    )
    full_name = StringField(
        _l("Full name (not recommended)"), validators=[Optional(), Length(max=200)]
    )
    institution = StringField(
        _l("Institution (not recommended)"), validators=[Optional(), Length(max=200)]
    )
    keep_personal = BooleanField(
        _l("I mean to keep the full name or institution, although they identify a prisoner")
    )


class LinkForm(SchoolForm):
    slug = StringField(
        _l("Address of the answer"),
        validators=[DataRequired(message=_l("Give the answer's address.")), Length(max=120)],
        description=_l("The last part of its link, e.g. get-pension-in-prison."),
    )


class ReplyForm(SchoolForm):
    reply = TextAreaField(_l("A note to the reader"), validators=[Optional(), Length(max=4000)])
