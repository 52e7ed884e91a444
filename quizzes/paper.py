"""Paper quizzes: a printable worksheet and a separate answer key, through the print engine.

Printed in the course's language, so every reader gets the same file and the engine's cache
serves it again without rendering. The same partial templates make the worksheets and the
answer key of the course workbook.

On paper every reader gets the same sheet: questions keep the quiz's order; the choices are
shuffled (once, by the question's id) only if the quiz shuffles answers; the right-hand
column of a matching question is always shuffled so that it never lines up with the
left-hand one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from quizzes import grading
from quizzes import questions as q
from quizzes.models import Quiz
from school import pdfjobs, printing

PAGE_FORMATS = {"a4": "format-a4", "a5": "format-a5", "large": "format-large-print"}
DEFAULT_FORMAT = "a4"

_LOWER = {"ru": "абвгдежзиклмнопрстуфхцчшщэюя", "en": "abcdefghijklmnopqrstuvwxyz"}


def letters(language: str, count: int, *, upper: bool = False) -> list[str]:
    """Labels for ``count`` options: а, б, в… in Russian, a, b, c… in English."""
    alphabet = _LOWER.get(language, _LOWER["en"])
    labels = []
    for index in range(count):
        label = alphabet[index % len(alphabet)] * (index // len(alphabet) + 1)
        labels.append(label.upper() if upper else label)
    return labels


@dataclass
class PaperOption:
    letter: str
    text: str
    correct: bool = False
    weight: float = 0.0
    text_format: str = "markdown"


@dataclass
class PaperQuestion:
    number: int
    question: q.Question
    heading: str = ""
    options: list[PaperOption] = field(default_factory=list)
    lefts: list[str] = field(default_factory=list)
    rights: list[PaperOption] = field(default_factory=list)
    # For the key: left number -> letter of its right-hand match.
    matches: list[tuple[int, str]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.question.type


def _decimal(language: str) -> str:
    return "," if language == "ru" else "."


def paper_questions(quiz: Quiz) -> list[PaperQuestion]:
    """The quiz's questions laid out for paper, with what the answer key needs."""
    language = quiz.course.language
    shown = []
    number = 0
    for row in quiz.questions:
        question = row.question
        if isinstance(question, q.DescriptionQuestion):
            # Text between the questions: no number, nothing in the answer key.
            shown.append(PaperQuestion(0, question))
            continue
        number += 1
        paper = PaperQuestion(number, question, _("Question %(number)s", number=number))
        if isinstance(question, q.SingleChoiceQuestion | q.MultipleChoiceQuestion):
            order = list(range(len(question.choices)))
            if quiz.shuffle_answers:
                order = grading.shuffled_order(len(order), f"paper:{row.id}")
            labels = letters(language, len(order))
            for letter, index in zip(labels, order, strict=True):
                choice = question.choices[index]
                fmt = question.format_of(choice.text_format)
                paper.options.append(
                    PaperOption(letter, choice.text, choice.weight > 0, choice.weight, fmt)
                )
            single = isinstance(question, q.SingleChoiceQuestion)
            paper.answers = [
                f"{o.letter}) {o.text}"
                for o in paper.options
                if (o.weight == 100 if single else o.weight > 0)
            ]
            if single:
                paper.partial = [
                    f"{o.letter}) {o.text} ({grading.format_number(o.weight, _decimal(language))}%)"
                    for o in paper.options
                    if 0 < o.weight < 100
                ]
        elif isinstance(question, q.MatchingQuestion):
            options = question.right_options
            order = _right_column(question, f"paper:{row.id}")
            labels = letters(language, len(order), upper=True)
            letter_of = {index: labels[place] for place, index in enumerate(order)}
            fmt = question.text_format
            paper.rights = [PaperOption(letter_of[i], options[i], text_format=fmt) for i in order]
            paper.lefts = [pair.left for pair in question.pairs]
            paper.matches = [
                (left + 1, letter_of[right])
                for left, right in sorted(question.correct_matches.items())
            ]
            paper.answers = [
                f"{left} — {letter} ({question.pairs[left - 1].left} → "
                f"{options[question.correct_matches[left - 1]]})"
                for left, letter in paper.matches
            ]
        elif isinstance(question, q.TrueFalseQuestion):
            paper.answers = [_("True") if question.answer else _("False")]
        elif isinstance(question, q.EssayQuestion):
            paper.answers = [_("Graded by an instructor.")]
        elif isinstance(question, q.ShortAnswerQuestion):
            paper.answers = [a.text for a in question.answers if a.weight == 100]
            paper.partial = [
                f"{a.text} ({grading.format_number(a.weight, _decimal(language))}%)"
                for a in question.answers
                if 0 < a.weight < 100
            ]
        elif isinstance(question, q.NumericQuestion):
            separator = _decimal(language)
            paper.answers = [
                _numeric_text(a, separator) for a in question.answers if a.weight == 100
            ]
            paper.partial = [
                f"{_numeric_text(a, separator)} ({grading.format_number(a.weight, separator)}%)"
                for a in question.answers
                if 0 < a.weight < 100
            ]
        shown.append(paper)
    return shown


def _right_column(question: q.MatchingQuestion, seed: str) -> list[int]:
    """A shuffled order of the right-hand options that never lines up with the items."""
    count = len(question.right_options)
    order = grading.shuffled_order(count, seed)
    correct = question.correct_matches
    if count > 1 and all(order[left] == right for left, right in correct.items()):
        order = order[1:] + order[:1]
    return order


def _numeric_text(answer: q.NumericAnswer, separator: str) -> str:
    def number(value: float) -> str:
        return grading.format_number(value, separator)

    if answer.minimum is not None and answer.maximum is not None:
        return f"{number(answer.minimum)} – {number(answer.maximum)}"
    if answer.tolerance:
        return f"{number(answer.value)} ± {number(answer.tolerance)}"
    return number(answer.value)


def _labels(quiz: Quiz) -> dict[str, str]:
    return {
        "name": _("Name"),
        "date": _("Date"),
        "instructions": _(
            "Round box: tick one answer. Square boxes: tick every right answer. Lines: write "
            "your answer. Matching: write the letter of the right match on the line before "
            "each item. Then check yourself with the answer key."
        ),
        "tick_one": _("Tick one answer."),
        "tick_all": _("Tick every right answer."),
        "true_false": _("Is this true or false? Tick one."),
        "true": _("True"),
        "false": _("False"),
        "missing_words": _("Write the missing words on the line."),
        "write_answer": _("Write your answer on the line."),
        "write_number": _("Write a number."),
        "write_essay": _("Write your answer in the space below."),
        "answer": _("Answer:"),
        "matching": _("Write the letter of the right match before each item."),
        "partly_right": _("Partly right:"),
        "demo": _("Demonstration material: not legal advice."),
        "answer_key_title": _("Answer key: %(quiz)s", quiz=quiz.title),
    }


def _context(quiz: Quiz) -> dict:
    """What the print templates need; call it inside ``force_locale`` of the course."""
    return {
        "quiz": quiz,
        "item": quiz.item,
        "course": quiz.course,
        "questions": paper_questions(quiz),
        "labels": _labels(quiz),
        "lang": quiz.course.language,
    }


def worksheet_fragment(quiz: Quiz) -> str:
    """The worksheet as an HTML fragment (for the course workbook)."""
    with force_locale(quiz.course.language):
        return render_template("print/quiz_sheet.html", **_context(quiz), standalone=False)


def answer_key_fragment(quiz: Quiz) -> str:
    """The answers as an HTML fragment (for the answer key of the course workbook)."""
    with force_locale(quiz.course.language):
        return render_template("print/quiz_key.html", **_context(quiz), standalone=False)


def withheld_key_fragment(quiz: Quiz) -> str:
    """In place of the answers of a quiz whose settings do not show them to students."""
    with force_locale(quiz.course.language):
        return render_template("print/quiz_key_withheld.html", quiz=quiz)


def paper_html(quiz: Quiz, *, answer_key: bool = False, page_format: str = DEFAULT_FORMAT) -> str:
    """The whole printable document: the worksheet, or the answer key."""
    with force_locale(quiz.course.language):
        return render_template(
            "print/quiz.html",
            **_context(quiz),
            answer_key=answer_key,
            standalone=True,
            page_format=PAGE_FORMATS.get(page_format, PAGE_FORMATS[DEFAULT_FORMAT]),
            org_name=current_app.config["ORG_NAME"],
            site_name=current_app.config["SITE_NAME"],
        )


def edition(quiz: Quiz):
    """The date the quiz last changed: the PDF's date, so a reprint gives the same bytes."""
    dates = [quiz.updated_at, quiz.item.updated_at]
    return max(d for d in dates if d is not None)


def paper_metadata(quiz: Quiz, *, answer_key: bool = False) -> printing.PdfMetadata:
    language = quiz.course.language
    with force_locale(language):
        title = _("Answer key: %(quiz)s", quiz=quiz.title) if answer_key else quiz.title
    return printing.PdfMetadata(
        title=title,
        author=current_app.config["ORG_NAME"],
        lang=language,
        subject=quiz.course.title,
        keywords=(current_app.config["SITE_NAME"],),
        created=edition(quiz),
    )


def paper_build(
    quiz: Quiz, *, answer_key: bool = False, page_format: str = DEFAULT_FORMAT
) -> pdfjobs.Render:
    """The worksheet's or answer key's build: a new PDF only when the quiz has changed."""
    return pdfjobs.render(
        paper_html(quiz, answer_key=answer_key, page_format=page_format),
        paper_metadata(quiz, answer_key=answer_key),
    )
