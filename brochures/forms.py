"""Forms of the brochures and memos."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from brochures.layout import Imprint
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
    print_run = IntegerField(
        _l("Print run (copies)"),
        validators=[Optional(), NumberRange(min=1, max=10_000_000)],
    )
    printing_house = StringField(_l("Printing house"), validators=[Optional(), Length(max=200)])
    order_number = StringField(_l("Order number"), validators=[Optional(), Length(max=40)])
    print_format = StringField(
        _l("Format"),
        validators=[Optional(), Length(max=40)],
        description=_l("As the print house writes it, e.g. 60×84/16."),
    )
    paper = StringField(
        _l("Paper"),
        validators=[Optional(), Length(max=80)],
        description=_l("E.g. offset, 80 g/m²."),
    )
    signed_on = DateField(_l("Signed for printing on"), validators=[Optional()])
    partner = StringField(
        _l("Partner organisation"),
        validators=[Optional(), Length(max=200)],
        description=_l("Printed as the publisher instead of ours."),
    )
    neutral = BooleanField(
        _l("Neutral edition"),
        description=_l(
            "No organisation, no check address, neutral file names and PDF properties: for "
            "readers whom branded paper could put at risk."
        ),
    )

    def imprint(self) -> Imprint | None:
        """The imprint as typed, or None when nothing of it was."""
        imprint = Imprint(
            print_run=self.print_run.data,
            printing_house=(self.printing_house.data or "").strip(),
            order_number=(self.order_number.data or "").strip(),
            format=(self.print_format.data or "").strip(),
            paper=(self.paper.data or "").strip(),
            signed_on=self.signed_on.data,
            partner="" if self.neutral.data else (self.partner.data or "").strip(),
            neutral=bool(self.neutral.data),
        )
        return None if imprint == Imprint() else imprint


class PrintRunForm(SchoolForm):
    printed_on = DateField(_l("Printed on"), validators=[DataRequired(message=_l("Give a date."))])
    copies = IntegerField(
        _l("Copies"),
        validators=[
            DataRequired(message=_l("Give the number of copies.")),
            NumberRange(min=1, max=10_000_000),
        ],
    )
    printing_house = StringField(_l("Printing house"), validators=[Optional(), Length(max=200)])
    sent = TextAreaField(
        _l("Sent, per region"),
        validators=[Optional(), Length(max=10_000)],
        description=_l(
            "One region a line, as “Region: copies”. Totals only: never names or addresses."
        ),
    )
