"""The site's Markdown dialect as Python-Markdown sees it: the extensions and their settings.

GitHub-like: tables, ``~~strike~~``, task lists, bare URLs and e-mail addresses as links
(pymdownx.magiclink, which never fetches anything), footnotes, fenced code anywhere including
list items (pymdownx.superfences), and a backslash at the end of a line as a line break. The
block structure GitHub reads differently is rewritten first by :mod:`school.markdown_dialect`.

Deliberately different from GitHub: headings are moved so that the highest becomes ``h2``, under
the page's own title (never past ``h6``); task-list boxes are the characters ☐ and ☑, since no
``<input>`` survives the sanitiser; footnote ids carry a prefix made from the text's digest, so
that two texts on one page never share an id; quotes and dashes are left to
:mod:`school.typography`. Raw HTML and the sanitising are :mod:`school.markdown`'s.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown as md
from markdown.extensions import Extension
from markdown.inlinepatterns import SubstituteTagInlineProcessor
from markdown.treeprocessors import Treeprocessor

#: The level the highest heading of a text takes: the page's own title is the h1.
TOP_HEADING = 2
BOXES = {" ": "☐", "x": "☑", "X": "☑"}
#: The footnote back-link's title, in the text's language.
_BACKLINK_TITLES = {"ru": "Вернуться к тексту", "en": "Back to the text"}

_HEADING = re.compile(r"h([1-6])")
_CHECKBOX = re.compile(r'<input type="checkbox" disabled( checked)?/> ')
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")
#: An id this renderer gives, and the only kind the sanitiser keeps.
FOOTNOTE_ID = re.compile(r"fn(?:ref\d*)?-[0-9a-f]{8}-[A-Za-z0-9_-]{1,200}")


def footnote_id(prefix: str, value: str) -> str:
    """A footnote's id ("fn-1", "fnref2-1") with the text's prefix, in safe characters only."""
    kind, _, label = value.partition("-")
    label = _UNSAFE_ID.sub(lambda char: f"_{ord(char.group()):x}", label)
    return f"{kind}-{prefix}-{label}"


class _Headings(Treeprocessor):
    """Every heading moved by one step, so that the highest is :data:`TOP_HEADING`."""

    def run(self, root: etree.Element) -> None:
        headings = [el for el in root.iter() if _HEADING.fullmatch(el.tag)]
        if not headings:
            return
        step = TOP_HEADING - min(int(el.tag[1]) for el in headings)
        for heading in headings:
            heading.tag = f"h{min(int(heading.tag[1]) + step, 6)}"


class _FootnoteIds(Treeprocessor):
    """Footnotes' ids and the links to them, prefixed with the text's own prefix."""

    def __init__(self, markdown: md.Markdown, extension: SiteDialect) -> None:
        super().__init__(markdown)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        prefix = self.extension.getConfig("id_prefix")
        for element in root.iter():
            if element.get("id", "").startswith("fn"):
                element.set("id", footnote_id(prefix, element.get("id")))
            href = element.get("href", "") if element.tag == "a" else ""
            if href.startswith("#fn") and element.get("class", "").startswith("footnote-"):
                element.set("href", "#" + footnote_id(prefix, href[1:]))


class _TaskBoxes(Treeprocessor):
    """pymdownx.tasklist's ``<input>`` boxes (kept aside until the end) as ☐ and ☑."""

    def run(self, root: etree.Element) -> None:
        blocks = self.md.htmlStash.rawHtmlBlocks
        for index, block in enumerate(blocks):
            found = _CHECKBOX.fullmatch(block) if isinstance(block, str) else None
            if found:
                blocks[index] = (BOXES["x"] if found.group(1) else BOXES[" "]) + " "


class SiteDialect(Extension):
    """The pieces of the dialect no well-kept extension provides."""

    def __init__(self, **kwargs) -> None:
        self.config = {"id_prefix": ["00000000", "hex digits that make footnote ids unique"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, markdown: md.Markdown) -> None:
        # A backslash at the end of a line breaks it (before escapes, after code spans).
        markdown.inlinePatterns.register(
            SubstituteTagInlineProcessor(r"\\\n", "br"), "backslash_break", 185
        )
        markdown.treeprocessors.register(_TaskBoxes(markdown), "task_boxes", 24)
        markdown.treeprocessors.register(_Headings(markdown), "site_headings", 5)
        markdown.treeprocessors.register(_FootnoteIds(markdown, self), "footnote_ids", 4)


def converter(language: str, id_prefix: str) -> md.Markdown:
    """A fresh Python-Markdown converter for one text (it keeps per-text state)."""
    backlink = _BACKLINK_TITLES.get(language, _BACKLINK_TITLES["en"])
    return md.Markdown(
        extensions=[
            "abbr",
            "def_list",
            "footnotes",
            "tables",
            "sane_lists",
            "pymdownx.highlight",
            "pymdownx.superfences",
            "pymdownx.tilde",
            "pymdownx.tasklist",
            "pymdownx.magiclink",
            SiteDialect(id_prefix=id_prefix),
        ],
        extension_configs={
            "footnotes": {"SEPARATOR": "-", "BACKLINK_TITLE": backlink},
            "tables": {"use_align_attribute": True},
            "pymdownx.highlight": {"use_pygments": False},
            "pymdownx.tilde": {"subscript": False},
            "pymdownx.magiclink": {
                "hide_protocol": False,
                "repo_url_shortener": False,
                "social_url_shortener": False,
            },
        },
    )
