"""Forms of the brochures and memos."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from finance.forms import address_field
from school.forms import CONTENT_LANGUAGES, SchoolForm, choices, markdown_text

FORMAT_LABELS = {
    "a5": _l("A5 booklet"),
    "a4": _l("A4"),
    "large": _l("Large print (A4)"),
    "memo": _l("Memo (one page)"),
}
PAPER_LABELS = {"a4": _l("A4"), "a5": _l("A5")}


class BrochureForm(SchoolForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    subtitle = StringField(_l("Subtitle"), validators=[Optional(), Length(max=300)])
    slug = address_field(120, _l("Part of the link and of the file names, e.g. money-in-prison."))
    edition_label = StringField(
        _l("Edition"),
        validators=[Optional(), Length(max=120)],
        description=_l("Printed on the cover, e.g. “First edition, 2026”."),
    )
    language = SelectField(_l("Language"), choices=choices(CONTENT_LANGUAGES))
    primary_format = SelectField(
        _l("Main format"),
        choices=choices((k, FORMAT_LABELS[k]) for k in ("a5", "a4", "large")),
    )
    topic_id = SelectField(_l("Topic"), coerce=int, validate_choice=False)
    paper = SelectField(_l("Paper"), choices=choices(PAPER_LABELS.items()))
    introduction = TextAreaField(
        _l("Introduction"),
        validators=[Optional(), Length(max=20_000), markdown_text],
        description=_l("Markdown. Printed before the first section."),
    )

    def set_topics(self, topics) -> None:
        self.topic_id.choices = choices([(0, "—"), *((t.id, t.title) for t in topics)])


class SectionForm(SchoolForm):
    title = StringField(_l("Section title"), validators=[DataRequired(), Length(max=200)])


class PublishForm(SchoolForm):
    label = StringField(
        _l("Edition"),
        validators=[Optional(), Length(max=120)],
        description=_l("Printed on the cover, e.g. “Second edition, 2026”."),
    )
