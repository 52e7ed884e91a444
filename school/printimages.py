"""Pictures of written content as the print engine prints them: sized to the page, captioned.

Pure module (no Flask, no print engine). :func:`print_images` is applied by
:func:`school.printing.render_pdf` and by the cache key to every printed document, so that
every lesson, answer and quiz that shows a picture on the site prints it too, with its alt
text under it as the caption; print.css sizes it to the text width at most and keeps it on
one page.

Markdown gives pictures as ``<img src="/images/<sha256>.jpg" alt="...">`` (uploads) or, from
stored HTML, ``/static/...`` paths; the renderer has already removed the address of a picture
on another host, and such a picture keeps its caption, so that no word is lost. Pictures a
print template placed itself have an engine URL (``static:img/logo.svg``) and stay as they are.
"""

from __future__ import annotations

import html as htmllib
import re

__all__ = ["SITE_IMAGE_PATHS", "print_images"]

#: Site paths of pictures that are printed from another engine URL. Other site paths (the
#: uploads under ``/images/``) stay as they are: :mod:`school.render` reads those itself.
SITE_IMAGE_PATHS = {"/static/": "static:"}

_MARK = "print-image"
_ATTRIBUTE = r"""[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?"""
_IMG = re.compile(rf"<img\b((?:\s+{_ATTRIBUTE})*)\s*/?>", re.IGNORECASE)
_ALONE = re.compile(rf"<p>\s*(<img\b(?:\s+{_ATTRIBUTE})*\s*/?>)\s*</p>", re.IGNORECASE)
_ATTRIBUTES = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _attributes(tag: str) -> dict[str, str]:
    inner = _IMG.fullmatch(tag)
    found = _ATTRIBUTES.findall(inner[1]) if inner else []
    return {name.lower(): htmllib.unescape(a or b or c) for name, a, b, c in found}


def _printed(tag: str, *, block: bool) -> str:
    attributes = _attributes(tag)
    src = attributes.get("src", "").strip()
    if attributes.get("class") == _MARK or _SCHEME.match(src) or src.startswith("//"):
        return tag  # printed already, or placed by the template
    for site, engine in SITE_IMAGE_PATHS.items():
        if src.startswith(site):
            src = engine + src[len(site) :]
            break
    alt = " ".join(attributes.get("alt", "").split())
    image = ""
    if src:
        image = f'<img class="{_MARK}" src="{htmllib.escape(src)}" alt="{htmllib.escape(alt)}">'
    if not image and not alt:
        return ""
    if block:
        caption = f"<figcaption>{htmllib.escape(alt)}</figcaption>" if alt else ""
        return f'<figure class="print-figure">{image}{caption}</figure>'
    caption = f'<span class="figcaption">{htmllib.escape(alt)}</span>' if alt else ""
    return f'<span class="figure">{image}{caption}</span>'


def _alone(match: re.Match[str]) -> str:
    printed = _printed(match[1], block=True)
    return match[0] if printed == match[1] else printed


def print_images(html: str) -> str:
    """The document with each picture of written content printed with its caption.

    A picture alone in a paragraph becomes a ``<figure>`` with a ``<figcaption>``; one inside
    a line of text, an inline block of the same kind. The alt text is the caption; a picture
    with neither an address nor an alt text is left out. Applying it twice changes nothing.
    """
    if "<img" not in html.lower():
        return html
    html = _ALONE.sub(_alone, html)
    return _IMG.sub(lambda match: _printed(match[0], block=False), html)
