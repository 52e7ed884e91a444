"""Turn a page the site served into a page of the mirror: relative links, no forms, no scripts.

Pure: no Flask, no database. ``resolve(url)`` says which mirror file an address of the site
becomes (None: not part of the mirror); links to those become relative, links to anything else
keep their text and lose the link, so nothing points back at the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import lxml.html

from mirror.paths import relative

Resolve = Callable[[str], str | None]
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^)'\"]+)\1\s*\)")


def _link(url: str, source: str, resolve: Resolve) -> str | None:
    """The relative link for ``url`` seen from ``source``, or None when it leads outside."""
    if url.startswith("#"):
        return url
    parts = urlsplit(url)
    if parts.scheme in ("mailto", "tel"):
        return url
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    target = resolve(parts.path + (f"?{parts.query}" if parts.query else ""))
    if target is None:
        return None
    return relative(target, source) + (f"#{parts.fragment}" if parts.fragment else "")


def rewrite_page(
    html: str,
    source: str,
    resolve: Resolve,
    *,
    search: str | None = None,
    other_language: tuple[str, str, str] | None = None,
) -> bytes:
    """The mirror's bytes of one page.

    ``search`` is the mirror file of the search page (search forms are sent there);
    ``other_language`` is (file, code, label) of the same page in the other language.
    """
    doc = lxml.html.document_fromstring(html)
    for element in doc.xpath("//script | //noscript"):
        element.drop_tree()
    for element in doc.xpath("//*[contains(concat(' ', @class, ' '), ' account-nav ')]"):
        element.drop_tree()
    made = []
    for form in doc.xpath("//form"):
        made.extend(_rewrite_form(form, source, search, other_language))
    for element in doc.xpath("//a[@href]"):
        if element in made:
            continue
        target = _link(element.get("href"), source, resolve)
        if target is not None:
            element.set("href", target)
            continue
        href = element.get("href")
        if urlsplit(href).scheme in ("http", "https") and element.text_content().strip() != href:
            element.tail = f" ({href.split('://', 1)[1]})" + (element.tail or "")
        element.drop_tag()
    for element in doc.xpath("//link[@href] | //img[@src] | //source[@src]"):
        attribute = "href" if element.tag == "link" else "src"
        target = _link(element.get(attribute), source, resolve)
        if target is None:
            element.drop_tree()
        else:
            element.set(attribute, target)
    for element in doc.xpath("//*[@srcset]"):
        del element.attrib["srcset"]
    out = lxml.html.tostring(doc, encoding="unicode", doctype="<!doctype html>")
    return (out.rstrip("\n") + "\n").encode("utf-8")


def _rewrite_form(form, source: str, search: str | None, other_language) -> list:
    """Search forms go to the mirror's search page; the language switch becomes a link;
    every other form (log in, register, sign up) needs the server and is left out."""
    action = urlsplit(form.get("action") or "").path
    classes = (form.get("class") or "").split()
    if "lang-switch" in classes and other_language:
        target, code, label = other_language
        link = lxml.html.Element("a", href=relative(target, source), lang=code, hreflang=code)
        link.set("class", "lang-link")
        link.text = label
        form.addprevious(link)
        link.tail = form.tail
        form.drop_tree()
        return [link]
    if (
        search
        and action.rstrip("/").endswith("/finance/search")
        and form.get("method", "get").lower() == "get"
    ):
        form.set("action", relative(search, source))
        for hidden in form.xpath(".//input[@name='csrf_token']"):
            hidden.drop_tree()
        return []
    form.drop_tree()
    return []


def rewrite_css(css: str, source: str, resolve: Resolve) -> bytes:
    """A style sheet with its ``url(...)`` references made relative (data: URLs kept)."""

    def replace(match: re.Match) -> str:
        url = match.group(2)
        if url.startswith(("data:", "#")):
            return match.group(0)
        target = _link(url, source, resolve)
        return f'url("{target}")' if target else "url()"

    return _CSS_URL.sub(replace, css).encode("utf-8")


def normalize_calendar(data: bytes) -> bytes:
    """An iCalendar file with its time zone definitions sorted by name.

    The calendar library adds them in no fixed order; sorted, the same schedule gives the
    same file.
    """
    lines = data.split(b"\r\n")
    blocks: list[list[bytes]] = []
    rest: list[bytes] = []
    first = None
    current: list[bytes] | None = None
    for line in lines:
        if line == b"BEGIN:VTIMEZONE":
            current = [line]
            first = len(rest) if first is None else first
        elif current is not None:
            current.append(line)
            if line == b"END:VTIMEZONE":
                blocks.append(current)
                current = None
        else:
            rest.append(line)
    if first is None:
        return data
    blocks.sort()
    rest[first:first] = [line for block in blocks for line in block]
    return b"\r\n".join(rest)
