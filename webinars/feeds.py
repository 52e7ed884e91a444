"""Atom 1.0 (RFC 4287) feed of announcements, built with ElementTree. Pure: no Flask, no db.

Any stored text gives valid XML (:mod:`school.textinput`): titles, names and categories on one
line, summaries and content with plain line breaks, and no character XML 1.0 cannot carry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from school.textinput import one_line, text_lines

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    url: str
    updated: datetime
    summary: str
    published: datetime | None = None
    content_html: str | None = None
    categories: tuple[str, ...] = ()


def atom_id(name: str) -> str:
    """A permanent entry or feed id derived from a stable name (not from the page's address).

    The site may be reached under several hosts (for example an onion address); the id must not
    change with the host, or readers would see every announcement twice.
    """
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def build_atom(
    entries: Iterable[FeedEntry],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    html_url: str,
    author: str,
    updated: datetime,
    subtitle: str | None = None,
    lang: str | None = None,
) -> bytes:
    """The whole feed document as UTF-8 bytes. ``updated`` is used when there are no entries."""
    entries = list(entries)
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    if lang:
        feed.set(XML_LANG, lang)
    _sub(feed, "id", feed_id)
    _sub(feed, "title", one_line(title))
    if subtitle:
        _sub(feed, "subtitle", text_lines(subtitle))
    # Never older than an entry; the caller's ``updated`` keeps it from going back when an
    # entry leaves the feed.
    newest = max((e.updated for e in entries), default=updated)
    _sub(feed, "updated", _time(max(newest, updated)))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=html_url)
    _sub(_sub(feed, "author"), "name", one_line(author))
    for entry in entries:
        item = _sub(feed, "entry")
        _sub(item, "id", entry.id)
        _sub(item, "title", one_line(entry.title))
        _sub(item, "updated", _time(entry.updated))
        if entry.published:
            _sub(item, "published", _time(entry.published))
        _sub(item, "link", rel="alternate", type="text/html", href=entry.url)
        for term in entry.categories:
            _sub(item, "category", term=one_line(term))
        _sub(item, "summary", text_lines(entry.summary), type="text")
        if entry.content_html:
            _sub(item, "content", text_lines(entry.content_html), type="html")
    body = ET.tostring(feed, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode()
