"""Brochure and memo HTML for the print engine, from a :class:`~brochures.layout.Document`.

Runs in an app context (Jinja templates, translations); no database. The HTML is what the
engine's cache key covers, so it must depend only on the document: no "now", no request data.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

import nh3
from babel.dates import format_date, format_skeleton
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from brochures import press
from brochures.layout import FORMATS, MEMO_FIT_STEPS, Document
from school import printing
from school.markdown import ALLOWED_ATTRIBUTES, ALLOWED_CLASSES, ALLOWED_TAGS, render_markdown

STYLESHEETS = ("css/print.css", "css/print-brochure.css")
PRESS_PARTS = ("interior", "cover")

# A printed page cannot follow a link: links keep their text. Pictures from the site stay, and
# the engine prints them with their alt text as the caption (school.printimages).
_PRINT_TAGS = ALLOWED_TAGS - {"a"}
_PRINT_ATTRIBUTES = {tag: attrs for tag, attrs in ALLOWED_ATTRIBUTES.items() if tag in _PRINT_TAGS}
_BACKLINK = re.compile(r'<a [^>]*class="footnote-backref"[^>]*>[^<]*</a>')


def print_markdown(text: str | None, language: str | None = None) -> Markup:
    """User-written Markdown as HTML for print: the site's safe renderer, minus links.

    A footnote's way back to its reference (↩) means nothing on paper and goes.
    """
    html = _BACKLINK.sub("", str(render_markdown(text, language)))
    if not html:
        return Markup("")
    cleaned = nh3.clean(
        html,
        tags=_PRINT_TAGS,
        attributes=_PRINT_ATTRIBUTES,
        allowed_classes={tag: names for tag, names in ALLOWED_CLASSES.items() if tag != "a"},
        url_schemes=set(),
    )
    return Markup(cleaned)  # noqa: S704 - sanitised twice: render_markdown, then nh3 above


def long_date(value: date | None, language: str) -> str:
    """A date as printed: "1 марта 2025 г." / "March 1, 2025"."""
    if value is None:
        return ""
    return format_date(value, "long", locale=language)


def checked_text(start: date | None, end: date | None, language: str) -> str:
    """What a document claims about its currency: "Актуально на 2 февраля 2026 г." when every
    answer was checked on one day, else "Проверено с 2 февраля по 19 октября 2026 г."."""
    if start is None:
        return ""
    if end is None or end == start:
        return _("Valid as of %(date)s", date=long_date(start, language))
    first = (
        format_skeleton("MMMMd", start, locale=language)
        if start.year == end.year
        else long_date(start, language)
    )
    return _("Checked from %(start)s to %(end)s", start=first, end=long_date(end, language))


def _labels() -> dict[str, str]:
    # Print templates belong to no catalog of their own: every printed word is passed in here.
    return {
        "contents": _("Contents"),
        "introduction": _("Introduction"),
        "in_short": _("In short:"),
        "legal_references": _("Laws and regulations"),
        "valid_as_of": _("Valid as of"),
        "laws_change": _(
            "Laws change: before you act, check whether the rules are still the same, or ask "
            "for help."
        ),
        "demo_note": _("Demonstration content. Not legal advice."),
        "demo_long": _(
            "The texts are written to demonstrate the platform. They are not legal advice and "
            "may be out of date or wrong."
        ),
        "demo_short": _("demonstration content, not legal advice"),
        "self_reviewed": _("self-review: approved by its author, without a second reader"),
        "about_title": _("About this brochure"),
        "about": _(
            "Each chapter answers questions on one subject. Every answer begins with a short "
            "answer in a frame, then explains the details and lists the laws it relies on. The "
            "date under an answer tells when it was last checked."
        ),
        "free": _("Distributed free of charge. Not for sale."),
        "edition": _("Edition"),
        "memo": _("Memo"),
        "publisher": _("Publisher:"),
        "check": _("Check that this copy is genuine:"),
        "check_code": _("code"),
    }


def output_details(doc: Document) -> list[str]:
    """The output details of the imprint page, in the order of ГОСТ Р 7.0.4: sign-off date,
    format, paper, print run, order, printing house."""
    imprint = doc.imprint
    if imprint is None:
        return []
    lines = []
    if imprint.signed_on:
        day = format_date(imprint.signed_on, "dd.MM.yyyy", locale=doc.language)
        lines.append(_("Signed for printing on %(date)s.", date=day))
    if imprint.format:
        lines.append(_("Format %(format)s.", format=imprint.format))
    if imprint.paper:
        lines.append(_("Paper: %(paper)s.", paper=imprint.paper))
    if imprint.print_run:
        lines.append(_("Print run %(copies)s copies.", copies=imprint.print_run))
    if imprint.order_number:
        lines.append(_("Order No. %(number)s.", number=imprint.order_number))
    if imprint.printing_house:
        lines.append(_("Printed by %(house)s.", house=imprint.printing_house))
    return lines


def render_html(doc: Document, fmt: str, *, fit: int = 0, part: str | None = None) -> str:
    """The HTML of ``doc`` in format ``fmt`` (a key of ``FORMATS``); ``fit`` shrinks a memo;
    ``part`` is a press part (``"interior"`` or ``"cover"``), None for the office PDF."""
    spec = FORMATS[fmt]
    if doc.kind not in spec.kinds:
        raise ValueError(f"a {doc.kind} cannot be printed in the {fmt} format")
    classes = []
    if spec.booklet:
        classes.append("booklet")
    if fmt == "memo":
        classes.append(f"memo-{doc.paper}")
        classes.append(f"fit-{fit}")
    with force_locale(doc.language):
        as_of = checked_text(*doc.checked, doc.language)
        context = {
            "doc": doc,
            "lang": doc.language,
            "page_format": spec.page_format,
            "html_class": " ".join(classes),
            "booklet": spec.booklet,
            "part": part,
            "labels": _labels(),
            "checked": as_of,
            "output": output_details(doc),
            "long_date": lambda value: long_date(value, doc.language),
            "introduction": print_markdown(doc.introduction, doc.language),
            "answers": {
                entry.slug: print_markdown(entry.full_answer, doc.language) for entry in doc.entries
            },
        }
        template = "print/memo.html" if fmt == "memo" else "print/brochure.html"
        return render_template(template, **context)


def html_candidates(doc: Document, fmt: str) -> list[str]:
    """HTML to try in order: one for brochures; a memo gets smaller steps until it fits a page."""
    if fmt == "memo":
        return [render_html(doc, fmt, fit=step) for step in range(MEMO_FIT_STEPS)]
    return [render_html(doc, fmt)]


def press_html(doc: Document, fmt: str) -> dict[str, str]:
    """The press interior and cover of a brochure: stylesheets inlined, colours in CMYK."""
    return {
        part: press.cmyk_html(freeze_styles(render_html(doc, fmt, part=part)))
        for part in PRESS_PARTS
    }


def max_pages(fmt: str) -> int | None:
    return 1 if fmt == "memo" else None


def metadata(doc: Document, created: datetime | None = None) -> printing.PdfMetadata:
    """PDF metadata: title, author (the organisation), language, subject and keywords."""
    return printing.PdfMetadata(
        title=doc.title,
        author=doc.org_name,
        lang=doc.language,
        subject=doc.subtitle or None,
        keywords=tuple(doc.keywords),
        created=created,
    )


def neutral_metadata(meta: printing.PdfMetadata, language: str) -> printing.PdfMetadata:
    """Metadata that tell nothing of the subject or the publisher: a neutral edition's."""
    with force_locale(language):
        title = _("Booklet")
    return replace(meta, title=title, author="", subject=None, keywords=())


_LINK_RE = re.compile(r'<link rel="stylesheet" href="static:([a-z0-9/_.-]+\.css)">')


def freeze_styles(html: str) -> str:
    """Inline the linked print stylesheets, so a frozen edition no longer depends on them."""

    def inline(match: re.Match[str]) -> str:
        path = printing.BundledFiles().resolve(printing.static_url(match[1]))
        if path is None:
            return match[0]
        css = path.read_text(encoding="utf-8")
        return f"<style>\n{css}\n</style>"

    return _LINK_RE.sub(inline, html)
