"""What a printed brochure or memo holds, and the print formats. Pure: no Flask, no database.

A :class:`Document` is everything the print templates need, as plain data. It is built from the
database for a live render and stored as JSON in an edition, so a reprint uses exactly the texts
(and entry revisions) the edition was published with.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# ------------------------------------------------------------------------------ formats


@dataclass(frozen=True)
class Format:
    """A print format: the page class of print.css and the document kinds it suits."""

    key: str
    page_format: str
    booklet: bool = False
    kinds: tuple[str, ...] = ("brochure",)


FORMATS: dict[str, Format] = {
    "a5": Format("a5", "format-a5", booklet=True),
    "a4": Format("a4", "format-a4"),
    "large": Format("large", "format-large-print"),
    "memo": Format("memo", "format-memo", kinds=("memo",)),
}
BROCHURE_FORMATS = ("a5", "a4", "large")
MEMO_PAPERS = ("a4", "a5")

# Memos must fit one page: each step prints smaller, down to a size still easy to read.
MEMO_FIT_STEPS = 4


def formats_for(kind: str) -> list[str]:
    """Format keys that a brochure or a memo can be printed in."""
    return [key for key, fmt in FORMATS.items() if kind in fmt.kinds]


# ------------------------------------------------------------------------------ document


@dataclass
class EntryData:
    entry_id: int
    revision_id: int
    slug: str
    question: str
    short_answer: str
    full_answer: str
    legal_references: list[str] = field(default_factory=list)
    valid_as_of: date | None = None
    demo: bool = False
    # Approved by its own author (an instance that allows it): printed under the answer.
    self_reviewed: bool = False

    @property
    def anchor(self) -> str:
        return anchor_for(self.slug)


@dataclass
class SectionData:
    title: str
    entries: list[EntryData] = field(default_factory=list)


@dataclass
class BrochureMeta:
    """What a brochure or memo says about itself, as staff write it."""

    kind: str
    slug: str
    title: str
    subtitle: str = ""
    edition_label: str = ""
    language: str = "ru"
    introduction: str = ""


@dataclass
class Imprint:
    """The output details of a printed edition (ГОСТ Р 7.0.4), filled by staff when publishing."""

    print_run: int | None = None
    printing_house: str = ""
    order_number: str = ""
    format: str = ""  # the print format as the print house writes it, e.g. 60×84/16
    paper: str = ""
    signed_on: date | None = None  # "подписано в печать"
    partner: str = ""  # printed as the publisher instead of the organisation
    neutral: bool = False  # no organisation, no check address, neutral metadata

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "signed_on": _iso(self.signed_on)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Imprint | None:
        if data is None:
            return None
        return cls(**{**data, "signed_on": _date(data.get("signed_on"))})


@dataclass
class Document(BrochureMeta):
    """A brochure or memo as the print templates see it."""

    org_name: str = ""
    paper: str = "a4"
    topic_title: str = ""
    keywords: list[str] = field(default_factory=list)
    # The edition's date: the "valid as of" date when no entry has one.
    edition_date: date | None = None
    sections: list[SectionData] = field(default_factory=list)
    imprint: Imprint | None = None
    # Where and by which code a reader checks a copy (none for a neutral edition).
    check_code: str = ""
    check_url: str = ""

    @property
    def entries(self) -> list[EntryData]:
        return [entry for section in self.sections for entry in section.entries]

    @property
    def checked(self) -> tuple[date | None, date | None]:
        """The oldest and the newest "valid as of" of the entries, else the edition's date twice.

        The oldest is what the whole document can claim: every answer in it was checked then
        or later. A cover that gave the newest would overstate the older answers.
        """
        dates = [e.valid_as_of for e in self.entries if e.valid_as_of is not None]
        if not dates:
            return self.edition_date, self.edition_date
        return min(dates), max(dates)

    @property
    def valid_as_of(self) -> date | None:
        """The date the whole document is valid as of: its oldest entry's."""
        return self.checked[0]

    @property
    def has_demo(self) -> bool:
        return any(entry.demo for entry in self.entries)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["edition_date"] = _iso(self.edition_date)
        data["imprint"] = self.imprint.to_dict() if self.imprint else None
        for section in data["sections"]:
            for entry in section["entries"]:
                entry["valid_as_of"] = _iso(entry["valid_as_of"])
                if not entry["self_reviewed"]:  # left out: documents from before it hash alike
                    del entry["self_reviewed"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        data = dict(data)
        sections = [
            SectionData(
                title=s["title"],
                entries=[
                    EntryData(**{**e, "valid_as_of": _date(e.get("valid_as_of"))})
                    for e in s["entries"]
                ],
            )
            for s in data.pop("sections", [])
        ]
        data["edition_date"] = _date(data.get("edition_date"))
        data["imprint"] = Imprint.from_dict(data.get("imprint"))
        return cls(**data, sections=sections)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


_ANCHOR_RE = re.compile(r"[^a-z0-9-]+")


def anchor_for(slug: str) -> str:
    """An HTML id for an entry, safe in a CSS ``target-counter(attr(href))``."""
    return "q-" + (_ANCHOR_RE.sub("-", slug.lower()).strip("-") or "x")
