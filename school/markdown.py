"""The one safe Markdown renderer for everything users write.

Python-Markdown with raw HTML switched off turns text into HTML; nh3 (ammonia) then keeps only an
allowlist of tags, attributes and URL schemes. Images may only be uploaded ones
(``/images/<sha256>.jpg``, :mod:`school.imagestore`), so no text can make a reader's browser (or
the PDF renderer) contact another host.

What reaches Python-Markdown is bounded first (:mod:`school.markdown_limits`): a text beyond the
limits is rendered within them, and a text that still fails to render is remembered by its
digest and shown as a short notice, never retried on the next request and never a 500.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import threading
import types
from collections import OrderedDict
from typing import NamedTuple
from urllib.parse import urlsplit

import markdown as md
import nh3
from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from school import markdown_extensions as dialect
from school import markdown_limits as limits
from school import typography
from school.archive import Problem
from school.i18n import Plural
from school.printing import IMAGE_PATH

log = logging.getLogger(__name__)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "li": {"id"},
    "ol": {"start"},
    "sup": {"id"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
}
#: The classes the renderer gives footnotes and task lists, for the site's and the print styles.
ALLOWED_CLASSES = {
    "a": {"footnote-ref", "footnote-backref"},
    "div": {"footnote"},
    "li": {"task-list-item"},
    "ul": {"task-list"},
}
URL_SCHEMES = {"http", "https", "mailto"}
#: The language of a text whose language nobody gave.
DEFAULT_LANGUAGE = "ru"


def _is_local(url: str) -> bool:
    """True for a path on this site: no scheme, no host, not protocol-relative."""
    # Browsers (and feed readers) read a backslash as a slash: "/\host/x.png" is on another host.
    url = url.strip().replace("\\", "/")
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if dialect.FOOTNOTE_ID.fullmatch(value) else None
    if tag == "img" and attribute == "src":
        return value.strip() if IMAGE_PATH.fullmatch(value.strip()) else None
    if tag == "a" and attribute == "href":
        lowered = value.strip().lower()
        if lowered.startswith(("javascript:", "data:", "vbscript:", "file:")):
            return None
    return value


_BRACKET = re.compile(r"[\[\]]")
#: The patterns that look for the bracket closing a link's, image's or reference's text.
_LINK_PATTERNS = (
    "reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref",
)  # fmt: skip


def _bounded_link_text(self, data: str, index: int) -> tuple[str, int, bool]:
    """Python-Markdown's ``getText``, looking at most a link text's length ahead.

    The original steps through the rest of the paragraph one character at a time for every
    unmatched ``[``; here a bracket that is not closed within ``MAX_LINK_TEXT`` characters (or
    ``MAX_LINK_BRACKETS`` brackets) starts no link.
    """
    end = min(len(data), index + limits.MAX_LINK_TEXT)
    depth = 1
    for seen, bracket in enumerate(_BRACKET.finditer(data, index, end)):
        if seen >= limits.MAX_LINK_BRACKETS:
            break
        depth += 1 if bracket.group() == "[" else -1
        if depth == 0:
            return data[index : bracket.start()], bracket.end(), True
    return "", index, False


def _converter(language: str, id_prefix: str) -> md.Markdown:
    converter = dialect.converter(language, id_prefix)
    # Raw HTML is shown as text, never passed through.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    for name in _LINK_PATTERNS:
        if name in converter.inlinePatterns:
            pattern = converter.inlinePatterns[name]
            pattern.getText = types.MethodType(_bounded_link_text, pattern)
    return converter


def sanitize_html(html: str) -> str:
    """Clean HTML with the allowlist (used after Markdown, and for any stored HTML)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


class _Rendered(NamedTuple):
    html: str
    cut: bool = False
    failure: str | None = None  # "recursion" or "error" when the text failed to render


_RECURSION_FAILED = _Rendered("", failure="recursion")
#: The cache's language for a failed render: it applies to every language of the text.
_FAILED = "failed"


def _failure_reason(code: str) -> str:
    if code == "recursion":
        return _("The text is nested too deeply to be shown.")
    return _("The text could not be shown.")


def _rendered_text(text: str, language: str | None) -> _Rendered:
    """Render (or look up) a text; failures are kept like results, keyed by the digest.

    ``language`` is the text's language, for its typography; None renders the plain HTML of
    search and feeds, with no typography at all.
    """
    digest = hashlib.blake2b(text.encode(), digest_size=20).digest()
    key = (digest, language)
    with _rendered_lock:
        for found in (key, (digest, _FAILED)):  # a text that failed once failed in any language
            rendered = _rendered.get(found)
            if rendered is not None:
                _rendered.move_to_end(found)
                return rendered
    try:
        prepared = limits.prepare(text)
        converted = _converter(language or DEFAULT_LANGUAGE, digest[:4].hex()).convert(
            prepared.text
        )
        if language is not None:
            converted = typography.typeset_html(converted, language)
        html = sanitize_html(converted)
        html = limits.restore(limits.flatten_html(html))
        rendered = _Rendered(html, prepared.cut)
    except RecursionError:
        rendered = _RECURSION_FAILED  # built ahead: no call may be left at this depth
    except Exception:  # Python-Markdown must never turn a stored text into a 500
        log.exception("Markdown rendering failed")
        rendered = _Rendered("", failure="error")
    with _rendered_lock:
        _rendered[(digest, _FAILED) if rendered.failure else key] = rendered
        if len(_rendered) > RENDER_CACHE_SIZE:
            _rendered.popitem(last=False)
    return rendered


#: What a form or an import says of each limit a text exceeds (school.markdown_limits' codes).
LIMIT_MESSAGES = {
    "length": Plural(
        "The text has %(num)s character; the limit is %(limit)s.",
        "The text has %(num)s characters; the limit is %(limit)s.",
        "found",
    ),
    "depth": Plural(
        "Lists and quotes are nested %(num)s level deep; the limit is %(limit)s levels.",
        "Lists and quotes are nested %(num)s levels deep; the limit is %(limit)s levels.",
        "found",
    ),
    "elements": Plural(
        "The text has %(num)s paragraph, list item or table cell; the limit is %(limit)s.",
        "The text has %(num)s paragraphs, list items and table cells; the limit is %(limit)s.",
        "found",
    ),
    "brackets": Plural(
        "The text has %(num)s square bracket «[»; the limit is %(limit)s.",
        "The text has %(num)s square brackets «[»; the limit is %(limit)s.",
        "found",
    ),
    "markers": Plural(
        "The text has %(num)s emphasis or code mark (*, _, `, ~); the limit is %(limit)s.",
        "The text has %(num)s emphasis and code marks (*, _, `, ~); the limit is %(limit)s.",
        "found",
    ),
    "run": Plural(
        "The text has a run of %(num)s backtick or tilde; the limit is %(limit)s.",
        "The text has a run of %(num)s backticks or tildes; the limit is %(limit)s.",
        "found",
    ),
    "abbreviations": Plural(
        "The text defines %(num)s abbreviation; the limit is %(limit)s.",
        "The text defines %(num)s abbreviations; the limit is %(limit)s.",
        "found",
    ),
    "abbreviation_uses": Plural(
        "Abbreviations are used %(num)s time in the text; the limit is %(limit)s.",
        "Abbreviations are used %(num)s times in the text; the limit is %(limit)s.",
        "found",
    ),
    "footnotes": Plural(
        "The text has %(num)s footnote reference; the limit is %(limit)s.",
        "The text has %(num)s footnote references; the limit is %(limit)s.",
        "found",
    ),
}


def limit_message(problem: limits.Problem) -> str:
    """One limit a text exceeds, in words that name the limit."""
    numbers = {"found": problem.found, "limit": format_decimal(problem.limit)}
    return LIMIT_MESSAGES[problem.code].format(numbers)


def limit_problems(text: str | None, path: str) -> list[Problem]:
    """An imported text's problems with the render limits, for the archive readers to report."""
    return [
        Problem("markdown_limit", path, {"detail": limit_message(problem)})
        for problem in limits.problems(text)
    ]


def render_problem(text: str | None) -> str | None:
    """Why a text cannot be rendered (translated), or None when it renders."""
    if not text:
        return None
    rendered = _rendered_text(text, None)
    return _failure_reason(rendered.failure) if rendered.failure else None


def render_markdown(text: str | None, language: str | None = None) -> Markup:
    """Render user-written Markdown to safe HTML, ready to mark ``|safe`` in templates.

    ``language`` is the text's own (an entry's, a course's), which sets its quotes and the rest
    of its typography (:mod:`school.typography`); Russian when not given.

    Pages show the same lessons and answers again and again, and rendering costs far more than
    the rest of such a page, so recent results are kept, keyed by a digest of the text: the
    cache holds no text, and a changed text is a new key. A text that fails to render is kept
    the same way and shows as a notice in the reader's language.
    """
    if not text:
        return Markup("")
    rendered = _rendered_text(text, language or DEFAULT_LANGUAGE)
    if rendered.failure:
        return Markup('<p class="markdown-notice">%s</p>') % _failure_reason(rendered.failure)
    html = Markup(rendered.html)  # noqa: S704 - sanitised by nh3
    if rendered.cut:
        notice = _("The rest of this text is beyond the site's limits and is not shown.")
        html += Markup('<p class="markdown-notice">%s</p>') % notice
    return html


#: Rendered texts kept per process (least recently used go first).
RENDER_CACHE_SIZE = 256
_rendered: OrderedDict[tuple[bytes, str | None], _Rendered] = OrderedDict()
_rendered_lock = threading.Lock()


def markdown_to_text(text: str | None) -> str:
    """The words of rendered Markdown without markup or entities: the one plain text of the
    site, for search indexing, search snippets, calendar descriptions and option labels."""
    if not text:
        return ""
    rendered = _rendered_text(text, None)
    return html.unescape(nh3.clean(rendered.html, tags=set())).strip()
