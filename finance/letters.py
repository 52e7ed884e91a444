"""The reply letter to a reader's question: the question, the linked answers in full, and the
date each is valid as of. Printed in Russian (readers in prison read Russian), in the normal or
the large-print layout, through the job queue like every PDF (``school.pdfjobs``)."""

from __future__ import annotations

from babel.dates import format_date
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from finance.models import ReaderQuestion
from school import pdfjobs, printing
from school.markdown import render_markdown

LANGUAGE = "ru"


def reply_letter_html(question: ReaderQuestion, large_print: bool = False) -> str:
    with force_locale(LANGUAGE):
        answers = [
            {
                "revision": entry.published_revision,
                "full_answer": render_markdown(entry.published_revision.full_answer, LANGUAGE),
                "valid_as_of": format_date(
                    entry.published_revision.valid_as_of, "long", locale=LANGUAGE
                )
                if entry.published_revision.valid_as_of
                else "",
            }
            for entry in question.entries
            if entry.published_revision is not None
        ]
        return render_template(
            "finance/print/reply_letter.html",
            question=question,
            answers=answers,
            org_name=current_app.config["ORG_NAME"],
            page_format="format-large-print" if large_print else "format-a4",
            lang=LANGUAGE,
        )


def reply_letter_build(question: ReaderQuestion, large_print: bool = False) -> pdfjobs.Render:
    """The letter's build: a new PDF only when the question or its answers have changed."""
    with force_locale(LANGUAGE):
        title = _("Reply to question %(number)s", number=question.id)
    metadata = printing.PdfMetadata(
        title=title, author=current_app.config["ORG_NAME"], lang=LANGUAGE
    )
    return pdfjobs.render(
        reply_letter_html(question, large_print), metadata, name=f"reply letter {question.id}"
    )
