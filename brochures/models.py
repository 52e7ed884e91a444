"""Brochures and memos: sections of knowledge-base entries, and their published editions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from finance.models import Entry, Topic
from school.extensions import db
from school.models import User
from school.timeutil import UTCDateTime, now_utc


class Kind(enum.StrEnum):
    BROCHURE = "brochure"
    MEMO = "memo"


class Brochure(db.Model):
    """A brochure (sections of entries) or a memo (short answers on one topic)."""

    __tablename__ = "finance_brochures"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=Kind.BROCHURE.value)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    edition_label: Mapped[str] = mapped_column(String(120), default="")
    language: Mapped[str] = mapped_column(String(8), default="ru")
    introduction: Mapped[str] = mapped_column(Text, default="")
    # The format it is meant for: a5, a4 or large for brochures; memo for memos.
    primary_format: Mapped[str] = mapped_column(String(16), default="a5")
    # Paper of a memo: a4 or a5.
    paper: Mapped[str] = mapped_column(String(8), default="a4")
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("finance_topics.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    topic: Mapped[Topic | None] = relationship()
    created_by: Mapped[User | None] = relationship(passive_deletes=True)
    sections: Mapped[list[BrochureSection]] = relationship(
        back_populates="brochure",
        order_by="BrochureSection.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    editions: Mapped[list[Edition]] = relationship(
        back_populates="brochure",
        order_by="Edition.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_memo(self) -> bool:
        return self.kind == Kind.MEMO.value

    @property
    def latest_edition(self) -> Edition | None:
        return self.editions[-1] if self.editions else None

    def __repr__(self) -> str:
        return f"<Brochure {self.slug}>"


class BrochureSection(db.Model):
    __tablename__ = "finance_brochure_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    brochure_id: Mapped[int] = mapped_column(
        ForeignKey("finance_brochures.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))

    brochure: Mapped[Brochure] = relationship(back_populates="sections")
    items: Mapped[list[BrochureItem]] = relationship(
        back_populates="section",
        order_by="BrochureItem.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class BrochureItem(db.Model):
    __tablename__ = "finance_brochure_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("finance_brochure_sections.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("finance_entries.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    section: Mapped[BrochureSection] = relationship(back_populates="items")
    entry: Mapped[Entry] = relationship()


class Edition(db.Model):
    """A published edition: the document and the HTML of each format, frozen."""

    __tablename__ = "finance_editions"
    __table_args__ = (UniqueConstraint("brochure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brochure_id: Mapped[int] = mapped_column(
        ForeignKey("finance_brochures.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120), default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    valid_as_of: Mapped[date | None] = mapped_column(Date)
    # The short code printed in the edition, by which anyone can check it (none when neutral).
    check_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    # Printed with no organisation and no check address, for readers whom branded paper could
    # put at risk; its files and PDF metadata carry neutral names.
    neutral: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Both are large and loaded only when used: a list of editions or a download from the
    # cache reads neither.
    # layout.Document.to_dict(): texts and the entry revisions the edition used.
    document: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    # format -> {"candidates": [html, ...], "max_pages": int | None, "metadata": {...}}
    renders: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)

    brochure: Mapped[Brochure] = relationship(back_populates="editions")
    published_by: Mapped[User | None] = relationship(passive_deletes=True)
    files: Mapped[list[EditionFile]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", passive_deletes=True
    )
    print_runs: Mapped[list[PrintRun]] = relationship(
        back_populates="edition",
        order_by="PrintRun.printed_on",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def formats(self) -> list[str]:
        return list(self.renders)


class EditionFile(db.Model):
    """The PDF of an edition in one format, stored once when it is first built, never again.

    Its bytes are the edition: readers, the print house and the mirror all get these, whatever
    changes later in fonts, stylesheets or the print engine. Kept in the database (so backups
    hold them), apart from the evictable PDF cache.
    """

    __tablename__ = "finance_edition_files"
    __table_args__ = (UniqueConstraint("edition_id", "format"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("finance_editions.id", ondelete="CASCADE"), index=True
    )
    # A format of layout.FORMATS, "-booklet" added for the imposed A5 sheets.
    format: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    edition: Mapped[Edition] = relationship(back_populates="files")


class PrintRun(db.Model):
    """Copies of an edition printed at once, and how many went to each region.

    Totals only: who received a copy is never recorded here (nor anywhere else).
    """

    __tablename__ = "finance_print_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("finance_editions.id", ondelete="CASCADE"), index=True
    )
    printed_on: Mapped[date] = mapped_column(Date)
    copies: Mapped[int] = mapped_column(Integer)
    printing_house: Mapped[str] = mapped_column(String(200), default="")
    # region -> copies sent there: [[name, copies], ...] in the order staff gave them
    sent: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    edition: Mapped[Edition] = relationship(back_populates="print_runs")

    @property
    def sent_total(self) -> int:
        return sum(copies for _, copies in self.sent)
