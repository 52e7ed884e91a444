"""Question text to safe HTML, for the web pages and the printed quizzes.

Markdown goes through :func:`school.markdown.render_markdown`; text imported as HTML (GIFT's
``[html]``) through the same allowlist sanitiser; plain text is escaped. Moodle's auto-format
(unprefixed GIFT) is plain text too, with its line breaks kept and blank lines between
paragraphs: never raw HTML. No Flask here.
"""

from __future__ import annotations

import html as html_lib
import re

import nh3
from markupsafe import Markup, escape

from quizzes.questions import BaseQuestion, TextFormat
from school.markdown import markdown_to_text, render_markdown, sanitize_html

__all__ = ["BLANK_TOKEN", "plain_text", "question_html", "render_text"]

# Stands for the answer blank of a missing-word question until the text is rendered; letters
# only, so neither Markdown nor the sanitiser touch it.
BLANK_TOKEN = "QZBLANKQZ"  # noqa: S105 - not a secret
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_SINGLE_PARAGRAPH = re.compile(r"\A<p>((?:(?!<p[ >]).)*)</p>\Z", re.DOTALL)


def render_text(text: str, text_format: TextFormat | str = TextFormat.MARKDOWN, *,
                inline: bool = False) -> Markup:  # fmt: skip
    """Safe HTML of a question's text, answer or feedback in its format.

    ``inline`` drops the paragraph around a one-paragraph text (for labels of choices).
    """
    if not text:
        return Markup("")
    fmt = TextFormat(text_format) if text_format in set(TextFormat) else TextFormat.MARKDOWN
    if fmt is TextFormat.PLAIN or (fmt is TextFormat.MOODLE and inline):
        html = escape(text).replace("\n", Markup("<br>"))
        return html if inline else Markup("<p>") + html + Markup("</p>")
    if fmt is TextFormat.MOODLE:
        paragraphs = [part.strip() for part in _PARAGRAPH_BREAK.split(text) if part.strip()]
        return Markup("").join(
            Markup("<p>") + escape(part).replace("\n", Markup("<br>")) + Markup("</p>")
            for part in paragraphs
        )
    # Imported HTML goes through the same allowlist sanitiser as rendered Markdown.
    sanitized = Markup(sanitize_html(text)) if fmt is TextFormat.HTML else None  # noqa: S704
    html = sanitized if sanitized is not None else render_markdown(text)
    if inline:
        match = _SINGLE_PARAGRAPH.match(str(html).strip())
        if match:
            return Markup(match.group(1))  # noqa: S704 - a part of sanitised HTML
    return html


def question_html(question: BaseQuestion, blank: Markup | str = "_____") -> Markup:
    """The question's text with ``blank`` (safe HTML or plain text) where the answer goes."""
    if not question.is_missing_word:
        return render_text(question.text, question.text_format)
    html = render_text(question.display_text(BLANK_TOKEN), question.text_format)
    return Markup(str(html).replace(BLANK_TOKEN, str(escape(blank))))  # noqa: S704


def plain_text(text: str, text_format: TextFormat | str = TextFormat.MARKDOWN) -> str:
    """The words of a text without markup (for ``<option>`` labels and CSV cells)."""
    if not text:
        return ""
    if text_format in (TextFormat.PLAIN, TextFormat.MOODLE):
        return text
    if text_format == TextFormat.HTML:
        return html_lib.unescape(nh3.clean(sanitize_html(text), tags=set())).strip()
    return markdown_to_text(text)
