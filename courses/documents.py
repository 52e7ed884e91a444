"""Printed documents of a course: the workbook and certificates, through the shared print engine.

The HTML is rendered in the course's language (not the reader's), so every reader gets the same
file and the engine's cache serves it without rendering again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from courses.models import LESSON, Certificate, Course, Item, Module
from courses.registry import get_handler
from school import pdfjobs, printing
from school.extensions import db
from school.markdown import render_markdown
from school.urls import public_url

# Headings in sanitised Markdown output: nh3 leaves them without attributes, and any "<h2>"
# typed as text is escaped, so only real heading tags match.
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


@dataclass
class Entry:
    item: Item
    kind: str  # "lesson" or "worksheet"
    html: Markup | None = None
    body: Markup | None = None  # the item's text, its headings nested under the item's title


@dataclass
class Chapter:
    number: int
    module: Module
    entries: list[Entry]


def _local_date(value, language: str) -> str:
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    return format_date(value.astimezone(zone).date(), "long", locale=language)


def nest_headings(html: Markup, top: int) -> Markup:
    """Rendered Markdown with every heading moved by the same step so the highest is ``h{top}``.

    On its web page a lesson sits under the page's h1, so its headings start at ``##``; in the
    workbook it sits under its own h2 title, so they print from h3 and the PDF outline nests them
    under their lesson (text written from ``###`` prints the same). Levels past h6 stay h6.
    """
    levels = [int(match[2]) for match in _HEADING_TAG.finditer(html) if not match[1]]
    if not levels or min(levels) == top:
        return html
    step = top - min(levels)

    def move(match: re.Match[str]) -> str:
        return f"<{match[1]}h{min(int(match[2]) + step, 6)}>"

    return Markup(_HEADING_TAG.sub(move, str(html)))  # noqa: S704 - tags renamed, text untouched


def _item_body(item: Item) -> Markup:
    # The workbook prints an item under its h2 title (inside its module's h1).
    return nest_headings(render_markdown(item.body, item.module.course.language), 3)


def workbook_parts(course: Course) -> tuple[list[Chapter], list[tuple[Item, Markup]]]:
    """The workbook's chapters (lessons and worksheets in order) and its answer key.

    Items of kinds that print nothing (or are not installed) are left out.
    """
    chapters, answers = [], []
    for number, module in enumerate(course.modules, start=1):
        entries = []
        for item in module.items:
            if item.kind == LESSON:
                entries.append(Entry(item, "lesson", body=_item_body(item)))
                continue
            handler = get_handler(item.kind)
            if handler is None:
                continue
            # Handlers return safe HTML by contract (their own templates, escaped content).
            worksheet = handler.workbook_html(item)
            if worksheet:
                entries.append(
                    Entry(item, "worksheet", Markup(worksheet), _item_body(item))  # noqa: S704
                )
            key = handler.answer_key_html(item)
            if key:
                answers.append((item, Markup(key)))  # noqa: S704
        chapters.append(Chapter(number, module, entries))
    return chapters, answers


def instructor_names(course: Course) -> list[str]:
    return [user.shown_name for user in course.instructors]


def workbook_html(course: Course) -> str:
    with force_locale(course.language):
        chapters, answers = workbook_parts(course)
        return render_template(
            "courses/print/workbook.html",
            course=course,
            chapters=chapters,
            answers=answers,
            # The description's headings go under the h1 "About the course".
            about=nest_headings(render_markdown(course.description, course.language), 2),
            instructors=instructor_names(course),
            edition=_local_date(course.updated_at, course.language),
            course_url=public_url("courses.course", slug=course.slug),
            lang=course.language,
        )


def workbook_metadata(course: Course) -> printing.PdfMetadata:
    names = instructor_names(course)
    return printing.PdfMetadata(
        title=course.title,
        author=", ".join(names) or current_app.config["ORG_NAME"],
        lang=course.language,
        subject=course.summary or None,
        keywords=(current_app.config["SITE_NAME"],),
        created=course.updated_at,
    )


def workbook_build(course: Course) -> pdfjobs.Render:
    """The course workbook's build: a new PDF only when the course has changed."""
    return pdfjobs.render(workbook_html(course), workbook_metadata(course))


def warm() -> int:
    """The ``pdf_warmers`` hook: the workbook of every published course."""
    courses = db.session.scalars(
        select(Course)
        .where(Course.published.is_(True))
        .options(selectinload(Course.modules).selectinload(Module.items))
        .order_by(Course.id)
    )
    return pdfjobs.submit_missing(workbook_build(course) for course in courses)


def certificate_html(certificate: Certificate) -> str:
    language = certificate.course_language
    with force_locale(language):
        return render_template(
            "courses/print/certificate.html",
            certificate=certificate,
            issued=_local_date(certificate.issued_at, language),
            verify_url=public_url("courses.verify", code=certificate.code),
            lang=language,
            page_format="format-a4-landscape",
        )


def certificate_metadata(certificate: Certificate) -> printing.PdfMetadata:
    with force_locale(certificate.course_language):
        title = _("Certificate: %(course)s", course=certificate.course_title)
    return printing.PdfMetadata(
        title=title,
        author=current_app.config["ORG_NAME"],
        lang=certificate.course_language,
        subject=certificate.code,
        created=certificate.issued_at,
    )


def certificate_build(certificate: Certificate) -> pdfjobs.Render:
    return pdfjobs.render(
        certificate_html(certificate),
        certificate_metadata(certificate),
        name=f"certificate {certificate.code}",
    )
