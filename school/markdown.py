"""The one safe Markdown renderer for everything users write.

Python-Markdown with raw HTML switched off turns text into HTML; nh3 (ammonia) then keeps only an
allowlist of tags, attributes and URL schemes. Images may only come from this site, so no text can
make a reader's browser (or the PDF renderer) contact another host.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from urllib.parse import urlsplit

import markdown as md
import nh3
from markupsafe import Markup

MAX_SOURCE_LENGTH = 200_000

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_EXTENSIONS = ["extra", "sane_lists", "smarty"]
_EXTENSION_CONFIGS = {
    "smarty": {
        # Russian quotation marks and dashes.
        "substitutions": {
            "left-double-quote": "«",
            "right-double-quote": "»",
            "left-single-quote": "„",
            "right-single-quote": "“",
            "ndash": "–",
            "mdash": "—",
            "ellipsis": "…",
        },
        "smart_angled_quotes": False,
    }
}


def _is_local(url: str) -> bool:
    """True for a path on this site: no scheme, no host, not protocol-relative."""
    # Browsers (and feed readers) read a backslash as a slash: "/\host/x.png" is on another host.
    url = url.strip().replace("\\", "/")
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if _is_local(value) and value.strip().startswith("/") else None
    if tag == "a" and attribute == "href":
        lowered = value.strip().lower()
        if lowered.startswith(("javascript:", "data:", "vbscript:", "file:")):
            return None
    return value


def _converter() -> md.Markdown:
    converter = md.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    # Raw HTML is shown as text, never passed through.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return converter


def sanitize_html(html: str) -> str:
    """Clean HTML with the allowlist (used after Markdown, and for any stored HTML)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Render user-written Markdown to safe HTML, ready to mark ``|safe`` in templates.

    Pages show the same lessons and answers again and again, and rendering costs far more than
    the rest of such a page, so recent results are kept, keyed by a digest of the text: the
    cache holds no text, and a changed text is a new key.
    """
    if not text:
        return Markup("")
    key = hashlib.blake2b(text.encode(), digest_size=20).digest()
    with _rendered_lock:
        html = _rendered.get(key)
        if html is not None:
            _rendered.move_to_end(key)
    if html is None:
        html = sanitize_html(_converter().convert(text))
        with _rendered_lock:
            _rendered[key] = html
            if len(_rendered) > RENDER_CACHE_SIZE:
                _rendered.popitem(last=False)
    return Markup(html)  # noqa: S704 - sanitised by nh3


#: Rendered texts kept per process (least recently used go first).
RENDER_CACHE_SIZE = 256
_rendered: OrderedDict[bytes, str] = OrderedDict()
_rendered_lock = threading.Lock()


def markdown_to_text(text: str | None) -> str:
    """Plain text of rendered Markdown, for search indexing and summaries."""
    if not text:
        return ""
    return nh3.clean(_converter().convert(text), tags=set()).strip()
