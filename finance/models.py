"""The knowledge base: topics, entries, their revisions, and the search index."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.extensions import db
from school.models import PostalReader, User
from school.timeutil import UTCDateTime, now_utc


class Status(enum.StrEnum):
    """States of an entry revision."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    # An approved revision replaced by a later approval: kept for history and restore.
    SUPERSEDED = "superseded"
    # A draft set aside, e.g. when an older revision was restored: kept for history.
    DISCARDED = "discarded"


OPEN_STATUSES = (Status.DRAFT.value, Status.IN_REVIEW.value)


entry_topics = Table(
    "finance_entry_topics",
    db.metadata,
    Column("entry_id", ForeignKey("finance_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("finance_topics.id", ondelete="CASCADE"), primary_key=True),
    # A topic's entries in order (the index's first few of each topic, its pages).
    Index("ix_finance_entry_topics_topic_entry", "topic_id", "entry_id"),
)


class Topic(db.Model):
    __tablename__ = "finance_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    entries: Mapped[list[Entry]] = relationship(
        secondary=entry_topics, back_populates="topics", order_by="Entry.id"
    )

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class Entry(db.Model):
    """A question and its answer; the text lives in revisions, one of them published."""

    __tablename__ = "finance_entries"
    __table_args__ = (Index("ix_finance_entries_sort_key_id", "sort_key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="ru")
    # Demonstration content, not legal advice: said on the page and in print.
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey(
            "finance_entry_revisions.id",
            ondelete="SET NULL",
            use_alter=True,
            name="fk_finance_entries_published_revision_id",
        )
    )

    # The published question's place in the A to Z list (school.collation); none when unpublished.
    sort_key: Mapped[bytes | None] = mapped_column(LargeBinary)

    topics: Mapped[list[Topic]] = relationship(
        secondary=entry_topics, back_populates="entries", order_by="Topic.position, Topic.id"
    )
    revisions: Mapped[list[EntryRevision]] = relationship(
        back_populates="entry",
        foreign_keys="EntryRevision.entry_id",
        order_by="EntryRevision.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    published_revision: Mapped[EntryRevision | None] = relationship(
        foreign_keys=[published_revision_id], post_update=True
    )

    @property
    def open_revision(self) -> EntryRevision | None:
        """The revision being worked on (draft or in review), if any."""
        for revision in reversed(self.revisions):
            if revision.status in OPEN_STATUSES:
                return revision
        return None

    @property
    def latest_revision(self) -> EntryRevision | None:
        return self.revisions[-1] if self.revisions else None

    @property
    def head(self) -> EntryRevision | None:
        """What staff see first: the open revision, else the published one, else the latest."""
        return self.open_revision or self.published_revision or self.latest_revision

    def __repr__(self) -> str:
        return f"<Entry {self.slug}>"


class EntryRevision(db.Model):
    __tablename__ = "finance_entry_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("finance_entries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT.value, index=True)
    question: Mapped[str] = mapped_column(String(300))
    short_answer: Mapped[str] = mapped_column(Text, default="")
    full_answer: Mapped[str] = mapped_column(Text, default="")
    # A list of strings, one reference each ("ст. 99 Федерального закона № 229-ФЗ").
    legal_references: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(300), default="")
    restored_from: Mapped[int | None] = mapped_column(Integer)

    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_as_of: Mapped[date | None] = mapped_column(Date)
    review_due: Mapped[date | None] = mapped_column(Date, index=True)

    entry: Mapped[Entry] = relationship(back_populates="revisions", foreign_keys=[entry_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], passive_deletes=True)
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id], passive_deletes=True)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def self_reviewed(self) -> bool:
        """Approved by its own author (allowed only by ``ALLOW_SELF_REVIEW``): said publicly."""
        return self.reviewer_id is not None and self.reviewer_id == self.author_id

    def content(self) -> dict[str, Any]:
        """The revision's text fields, for comparing, copying and exporting."""
        return {
            "question": self.question,
            "short_answer": self.short_answer,
            "full_answer": self.full_answer,
            "legal_references": list(self.legal_references or []),
        }

    def __repr__(self) -> str:
        return f"<EntryRevision {self.entry_id}#{self.number} {self.status}>"


class EntryTerm(db.Model):
    """Search index: one row per stem of an entry's published revision.

    ``weight`` is the weight from ``finance.search.index_document`` in units of
    ``WEIGHT_QUANTUM`` (an integer), so sums are exact on every database.
    """

    __tablename__ = "finance_entry_terms"
    # A search reads (term -> entry, weight) for a few terms: this index answers it alone,
    # without visiting the table's rows.
    __table_args__ = (
        Index("ix_finance_entry_terms_term_entry_weight", "term", "entry_id", "weight"),
    )

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("finance_entries.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(80), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer)


class EntryWord(db.Model):
    """Words of an entry's published revision as written (folded), for spelling corrections.

    The index of stems answers searches; this table answers "did you mean": a misspelt word
    is compared with real words, and a real word is what the reader is offered.
    """

    __tablename__ = "finance_entry_words"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("finance_entries.id", ondelete="CASCADE"), primary_key=True
    )
    word: Mapped[str] = mapped_column(String(80), primary_key=True)


class SynonymGroup(db.Model):
    """Words and phrases staff treat as one in searches ("коммуналка = ЖКХ = квартплата")."""

    __tablename__ = "finance_synonym_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The phrases in the order staff wrote them.
    phrases: Mapped[list[str]] = mapped_column(JSON, default=list)


class SearchMiss(db.Model):
    """How often a query found nothing, per ISO week; nothing else about who asked, or when.

    ``query`` is the folded query (lower case, words separated by one space); ``week`` is
    ``YYYY-Www``.
    """

    __tablename__ = "finance_search_misses"

    query: Mapped[str] = mapped_column(String(200), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class QuestionStatus(enum.StrEnum):
    """Where a reader's question stands in the staff's queue."""

    NEW = "new"
    ANSWERED = "answered"
    CLOSED = "closed"
    SPAM = "spam"


question_entries = Table(
    "finance_question_entries",
    db.metadata,
    Column("question_id", ForeignKey("finance_questions.id", ondelete="CASCADE"), primary_key=True),
    Column("entry_id", ForeignKey("finance_entries.id", ondelete="CASCADE"), primary_key=True),
)


class ReaderQuestion(db.Model):
    """A reader's question: asked on the site (anonymously, with a code to check back) or by
    letter (entered by staff, for a postal reader). Kept by day, never by time or address.

    ``contact``, ``full_name``, ``institution`` and the link to the postal reader are personal:
    :func:`finance.services.questions.purge` empties them after ``QUESTIONS_KEEP_DAYS``.
    """

    __tablename__ = "finance_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the reader's code: the code itself is shown once and never stored.
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(8), default="web")
    status: Mapped[str] = mapped_column(String(12), default=QuestionStatus.NEW.value, index=True)
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200), default="")
    reader_id: Mapped[int | None] = mapped_column(
        ForeignKey("postal_readers.id", ondelete="SET NULL"), index=True
    )
    reference: Mapped[str] = mapped_column(String(32), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    full_name: Mapped[str] = mapped_column(String(200), default="")
    institution: Mapped[str] = mapped_column(String(200), default="")
    reply: Mapped[str] = mapped_column(Text, default="")
    created_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    personal_purged: Mapped[bool] = mapped_column(Boolean, default=False)

    entries: Mapped[list[Entry]] = relationship(secondary=question_entries, order_by="Entry.id")
    reader: Mapped[PostalReader | None] = relationship(passive_deletes=True)
