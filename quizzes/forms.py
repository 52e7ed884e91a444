"""Forms of the quizzes: settings, one question form per type, GIFT import."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from quizzes.grading import format_number, parse_number
from quizzes.messages import question_error_message
from quizzes.models import (
    GRADING_HIGHEST,
    GRADING_LAST,
    REVIEW_AFTER_CLOSE,
    REVIEW_ANSWERS,
    REVIEW_IMMEDIATELY,
    REVIEW_SCORE,
)
from quizzes.questions import (
    QUESTION_TYPES,
    Question,
    QuestionError,
    TextFormat,
    question_from_dict,
)
from school.forms import SchoolForm, choices, markdown_text

MAX_TEXT = 20_000
MAX_ANSWER = 2_000

TYPE_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "truefalse": _l("True or false"),
    "short": _l("Short answer"),
    "numeric": _l("Numeric"),
    "matching": _l("Matching"),
    "essay": _l("Essay"),
    "description": _l("Description"),
}
TYPE_HINTS = {
    "single": _l("One right choice among several; other choices may give partial credit."),
    "multiple": _l("Several right choices; each weighs part of the marks, wrong ones take marks."),
    "truefalse": _l("A statement that is true or false."),
    "short": _l("A word or a few words, compared ignoring case, extra spaces and ё/е."),
    "numeric": _l("A number, within a tolerance or a range."),
    "matching": _l("Pairs: each item on the left is matched with one on the right."),
    "essay": _l("A written answer that an instructor grades by hand."),
    "description": _l("Text shown between questions; nothing to answer, not graded."),
}
FORMAT_LABELS = {
    TextFormat.MARKDOWN.value: _l("Markdown"),
    TextFormat.PLAIN.value: _l("Plain text"),
    TextFormat.HTML.value: _l("HTML (imported)"),
    TextFormat.MOODLE.value: _l("Moodle auto-format (imported): plain text, line breaks kept"),
}

# The choices of a quiz's settings.
GRADING_LABELS = {
    GRADING_HIGHEST: _l("The highest attempt"),
    GRADING_LAST: _l("The last attempt"),
}
REVIEW_LABELS = {
    REVIEW_SCORE: _l("Their score only"),
    REVIEW_ANSWERS: _l("Their score, the correct answers and the explanations"),
}
REVIEW_WHEN_LABELS = {
    REVIEW_IMMEDIATELY: _l("Right after each attempt"),
    REVIEW_AFTER_CLOSE: _l("After the quiz closes"),
}


class SettingsForm(SchoolForm):
    pass_mark = IntegerField(
        _l("Pass mark, %"), validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"),
        validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("Leave empty for unlimited attempts."),
    )
    grading = SelectField(_l("Grade that counts"), choices=choices(GRADING_LABELS.items()))
    time_limit_minutes = IntegerField(
        _l("Time limit, minutes"),
        validators=[Optional(), NumberRange(min=1, max=24 * 60)],
        description=_l("Leave empty for no time limit."),
    )
    shuffle_questions = BooleanField(_l("Shuffle the questions in each attempt"))
    shuffle_answers = BooleanField(_l("Shuffle the choices within questions"))
    review = SelectField(
        _l("After an attempt, students see"), choices=choices(REVIEW_LABELS.items())
    )
    review_when = SelectField(
        _l("Correct answers are shown"), choices=choices(REVIEW_WHEN_LABELS.items())
    )
    closes_at = DateTimeLocalField(
        _l("Closes at (optional)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l(
            "In your time zone. After this moment no attempt can be started, and attempts "
            "in progress end."
        ),
    )


class OverrideForm(SchoolForm):
    """A student's own limits; an empty field keeps the quiz's setting."""

    time_limit_minutes = IntegerField(
        _l("Time limit for this student, minutes"),
        validators=[Optional(), NumberRange(min=1, max=24 * 60 * 7)],
        description=_l("Leave empty to keep the quiz's time limit."),
    )
    max_attempts = IntegerField(
        _l("Attempts allowed to this student"),
        validators=[Optional(), NumberRange(min=1, max=100)],
        description=_l("Leave empty to keep the quiz's number of attempts."),
    )
    closes_at = DateTimeLocalField(
        _l("Closes for this student at"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description=_l("In your time zone. Leave empty to keep the quiz's closing time."),
    )


# --- question forms ------------------------------------------------------------------------


def _weighted_row(text_label) -> type[Form]:
    """A row of a text (labelled ``text_label``), its weight and its feedback."""

    class WeightedRow(Form):
        text = StringField(text_label, validators=[Length(max=MAX_ANSWER)])
        weight = StringField(_l("Weight, %"), validators=[Length(max=20)])
        feedback = StringField(_l("Feedback"), validators=[Length(max=MAX_ANSWER)])

    return WeightedRow


ChoiceRow = _weighted_row(_l("Choice"))
AnswerRow = _weighted_row(_l("Accepted answer"))


class NumericRow(Form):
    value = StringField(_l("Value"), validators=[Length(max=40)])
    tolerance = StringField(_l("± tolerance"), validators=[Length(max=40)])
    minimum = StringField(_l("or from"), validators=[Length(max=40)])
    maximum = StringField(_l("to"), validators=[Length(max=40)])
    weight = StringField(_l("Weight, %"), validators=[Length(max=20)])
    feedback = StringField(_l("Feedback"), validators=[Length(max=MAX_ANSWER)])


class PairRow(Form):
    left = StringField(_l("Item"), validators=[Length(max=MAX_ANSWER)])
    right = StringField(_l("Its match"), validators=[Length(max=MAX_ANSWER)])


# The form of each question type, in the order the types are offered.
QUESTION_FORMS: dict[str, type[QuestionForm]] = {}


class QuestionForm(SchoolForm):
    """Fields every question type has; each subclass is the form of its ``question_type``."""

    question_type = ""
    # Problems of the question as a whole (too few choices, weights not adding up).
    question_errors: list = []

    title = StringField(
        _l("Title (optional)"),
        validators=[Length(max=200)],
        description=_l("A short name for the question list and statistics."),
    )
    text = TextAreaField(_l("Question"), validators=[Length(max=MAX_TEXT), markdown_text])
    text_after = TextAreaField(
        _l("Text after the blank (optional)"),
        validators=[Length(max=MAX_TEXT), markdown_text],
        description=_l(
            "Makes a missing-word question: the answer goes between the question and this text."
        ),
    )
    text_format = SelectField(_l("Text format"), choices=choices(FORMAT_LABELS.items()))
    general_feedback = TextAreaField(
        _l("Explanation (optional)"),
        validators=[Length(max=MAX_TEXT), markdown_text],
        description=_l("Shown with the correct answer when students may see it."),
    )
    default_mark = StringField(_l("Marks"), default="1", validators=[Length(max=20)])
    category = StringField(
        _l("Category (optional)"),
        validators=[Length(max=255)],
        description=_l("Kept in GIFT exports as $CATEGORY."),
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        QUESTION_FORMS[cls.question_type] = cls

    @property
    def rows(self) -> FieldList | None:
        """The list of rows (choices, answers, pairs), None for a type without one."""
        return next((field for field in self if isinstance(field, FieldList)), None)

    @property
    def rows_name(self) -> str:
        """The name of the list of rows, "" for a type without one."""
        return self.rows.name if self.rows is not None else ""

    def add_rows(self, count: int) -> None:
        """Up to ``count`` more empty rows, as many as the list allows."""
        if self.rows is not None:
            for _extra in range(count):
                if len(self.rows.entries) < self.rows.max_entries:
                    self.rows.append_entry()


class SingleChoiceForm(QuestionForm):
    question_type = "single"
    choices = FieldList(FormField(ChoiceRow), min_entries=5, max_entries=30)


class MultipleChoiceForm(SingleChoiceForm):
    question_type = "multiple"


class TrueFalseForm(QuestionForm):
    question_type = "truefalse"
    answer = RadioField(
        _l("The statement is"),
        choices=choices([("true", _l("True")), ("false", _l("False"))]),
        validators=[InputRequired(message=_l("Choose true or false."))],
    )
    right_feedback = StringField(
        _l("Feedback for a right answer"), validators=[Length(max=MAX_ANSWER)]
    )
    wrong_feedback = StringField(
        _l("Feedback for a wrong answer"), validators=[Length(max=MAX_ANSWER)]
    )


class ShortAnswerForm(QuestionForm):
    question_type = "short"
    answers = FieldList(FormField(AnswerRow), min_entries=4, max_entries=30)


class NumericForm(QuestionForm):
    question_type = "numeric"
    answers = FieldList(FormField(NumericRow), min_entries=3, max_entries=30)
    other_feedback = StringField(
        _l("Feedback for any other number"), validators=[Length(max=MAX_ANSWER)]
    )


class MatchingForm(QuestionForm):
    question_type = "matching"
    pairs = FieldList(FormField(PairRow), min_entries=5, max_entries=30)
    distractors = TextAreaField(
        _l("Extra wrong matches (optional)"),
        validators=[Length(max=MAX_TEXT)],
        description=_l("One per line: offered on the right, matching nothing."),
    )


class EssayForm(QuestionForm):
    question_type = "essay"


class DescriptionForm(QuestionForm):
    question_type = "description"


assert set(QUESTION_FORMS) == set(QUESTION_TYPES)

ROWS_TO_ADD = 3


def _number(value: float | None) -> str:
    return "" if value is None else format_number(value)


def _weighted_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Form rows of choices or short answers: text, weight and feedback."""
    return [
        {"text": r["text"], "weight": _number(r["weight"]), "feedback": r["feedback"]} for r in rows
    ]


def question_form_data(data: dict[str, Any]) -> dict[str, Any]:
    """Form data for an existing question (its ``to_dict()``)."""
    kind = data["type"]
    form: dict[str, Any] = {
        "title": data.get("title", ""),
        "text": data.get("text", ""),
        "text_after": data.get("text_after", ""),
        "text_format": data.get("text_format", TextFormat.MARKDOWN.value),
        "general_feedback": data.get("general_feedback", ""),
        "default_mark": _number(data.get("default_mark", 1.0)),
        "category": data.get("category", ""),
    }
    if kind in ("single", "multiple"):
        form["choices"] = _weighted_rows(data["choices"])
    elif kind == "truefalse":
        form["answer"] = "true" if data["answer"] else "false"
        form["right_feedback"] = data.get("right_feedback", "")
        form["wrong_feedback"] = data.get("wrong_feedback", "")
    elif kind == "short":
        form["answers"] = _weighted_rows(data["answers"])
    elif kind == "numeric":
        form["answers"] = [
            {
                "value": "" if "minimum" in a else _number(a.get("value")),
                "tolerance": "" if "minimum" in a else _number(a.get("tolerance")),
                "minimum": _number(a.get("minimum")),
                "maximum": _number(a.get("maximum")),
                "weight": _number(a["weight"]),
                "feedback": a["feedback"],
            }
            for a in data["answers"]
        ]
        form["other_feedback"] = data.get("other_feedback", "")
    elif kind == "matching":
        form["pairs"] = [{"left": p["left"], "right": p["right"]} for p in data["pairs"]]
        form["distractors"] = "\n".join(data.get("distractors", []))
    return form


def new_question_data(kind: str) -> dict[str, Any]:
    """Starting values of a new question's form."""
    if kind == "single":
        return {"choices": [{"weight": "100"}] + [{"weight": "0"}] * 4}
    if kind == "short":
        return {"answers": [{"weight": "100"}] + [{"weight": ""}] * 3}
    if kind == "numeric":
        return {"answers": [{"weight": "100"}]}
    return {}


class ImportForm(SchoolForm):
    file = FileField(_l("GIFT file"), description=_l("A .gift or .txt file in UTF-8."))
    text = TextAreaField(_l("…or paste GIFT text"), validators=[Length(max=1024 * 1024)])
    replace = BooleanField(_l("Replace the quiz's current questions"))


class ConfirmImportForm(SchoolForm):
    gift_text = HiddenField()
    replace = HiddenField()


# --- reading a question form ---------------------------------------------------------------

_ROW_FIELD = re.compile(r"^(choices|answers|pairs|distractors)\[(\d+)\](?:\.(\w+))?$")


def _text(field) -> str:
    return (field.data or "").replace("\r\n", "\n").strip()


def _parse(field, default: float | None = None) -> float | None:
    """The number typed in a field (decimal comma allowed), ``default`` when it is empty;
    None with an error on the field when it is not a number."""
    text = _text(field).rstrip("%").strip()
    if not text:
        if default is None:
            field.errors = [*field.errors, _l("Enter a number.")]
        return default
    number = parse_number(text)
    if number is None:
        field.errors = [*field.errors, _l("Enter a number.")]
    return number


def _put_error(form: QuestionForm, error: QuestionError, rows: list[int]) -> None:
    message = question_error_message(error)
    path = error.field or ""
    match = _ROW_FIELD.match(path)
    if match:
        name, index, attribute = match.group(1), int(match.group(2)), match.group(3)
        if name == "distractors":
            form.distractors.errors = [*form.distractors.errors, message]
            return
        row_list = getattr(form, name)
        if index < len(rows) and attribute and hasattr(row_list[rows[index]], attribute):
            field = getattr(row_list[rows[index]], attribute)
            field.errors = [*field.errors, message]
            return
    elif path in form._fields and path not in ("choices", "answers", "pairs"):
        field = form[path]
        field.errors = [*field.errors, message]
        return
    form.question_errors.append(message)


def _read_rows(
    rows, parts: tuple[str, ...], read: Callable[[Any], dict[str, Any]], indexes: list[int]
) -> list[dict[str, Any]]:
    """The rows of the list field ``rows`` in which one of ``parts`` is filled in, each as
    ``read`` gives it; their indexes in the form are appended to ``indexes``."""
    items = []
    for index, row in enumerate(rows):
        if any(_text(getattr(row, part)) for part in parts):
            items.append(read(row))
            indexes.append(index)
    return items


def _weighted(default_weight: float) -> Callable[[Any], dict[str, Any]]:
    """How to read a row of text, weight and feedback (a choice, a short answer)."""

    def read(row) -> dict[str, Any]:
        weight = _parse(row.weight, default_weight)
        return {"text": _text(row.text), "weight": weight, "feedback": _text(row.feedback)}

    return read


def _numeric_answer(row) -> dict[str, Any]:
    """A numeric answer's row: a value and tolerance, or a range."""
    answer: dict[str, Any] = {"weight": _parse(row.weight, 100.0), "feedback": _text(row.feedback)}
    if _text(row.minimum) or _text(row.maximum):
        answer["minimum"] = _parse(row.minimum)
        answer["maximum"] = _parse(row.maximum)
    else:
        answer["value"] = _parse(row.value)
        answer["tolerance"] = _parse(row.tolerance, 0.0)
    return answer


def _pair(row) -> dict[str, Any]:
    return {"left": _text(row.left), "right": _text(row.right)}


def read_question(form: QuestionForm) -> Question | None:
    """The question a validated form describes, or None with the problems put on its fields.

    Rows left empty are skipped; numbers may be written with a decimal comma.
    """
    form.question_errors = []
    kind = form.question_type
    data: dict[str, Any] = {
        "type": kind,
        "title": _text(form.title),
        "text": _text(form.text),
        "text_after": _text(form.text_after),
        "text_format": form.text_format.data,
        "general_feedback": _text(form.general_feedback),
        "category": _text(form.category),
    }
    ok = True
    mark = 0.0 if kind == "description" else _parse(form.default_mark, 1.0)
    ok &= mark is not None
    data["default_mark"] = mark
    rows: list[int] = []
    if kind in ("single", "multiple"):
        data["choices"] = _read_rows(form.choices, ("text", "feedback"), _weighted(0.0), rows)
    elif kind == "truefalse":
        data["answer"] = form.answer.data == "true"
        data["right_feedback"] = _text(form.right_feedback)
        data["wrong_feedback"] = _text(form.wrong_feedback)
    elif kind == "short":
        data["answers"] = _read_rows(form.answers, ("text", "feedback"), _weighted(100.0), rows)
    elif kind == "numeric":
        parts = ("value", "tolerance", "minimum", "maximum", "feedback")
        data["answers"] = _read_rows(form.answers, parts, _numeric_answer, rows)
        data["other_feedback"] = _text(form.other_feedback)
    elif kind == "matching":
        data["pairs"] = _read_rows(form.pairs, ("left", "right"), _pair, rows)
        data["distractors"] = [
            line.strip() for line in _text(form.distractors).split("\n") if line.strip()
        ]
    # A number that could not be read is None (with an error on its field).
    ok &= all(
        value is not None
        for name in ("choices", "answers")
        for item in data.get(name, ())
        for value in item.values()
    )
    if not ok:
        return None
    try:
        return question_from_dict(data, strict=True)
    except QuestionError as error:
        _put_error(form, error, rows)
        return None
