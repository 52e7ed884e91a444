"""Webinars of the School's schedule, their instructors, registrations and personal feed tokens."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.extensions import db
from school.models import User
from school.timeutil import UTCDateTime, now_utc


class WebinarStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


webinar_instructors = Table(
    "webinar_instructors",
    db.metadata,
    Column("webinar_id", Integer, ForeignKey("webinars.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Webinar(db.Model):
    """One webinar: ``starts_at``/``ends_at`` in UTC, ``timezone`` the zone it is planned in."""

    __tablename__ = "webinars"
    __table_args__ = (Index("ix_webinars_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # One presenter per line, as they wish to be named in public.
    presenters: Mapped[str] = mapped_column(Text, default="")
    series: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column()
    capacity: Mapped[int | None] = mapped_column()
    join_url: Mapped[str | None] = mapped_column(String(500))
    recording_url: Mapped[str | None] = mapped_column(String(500))
    materials: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=WebinarStatus.DRAFT.value)
    # RFC 5545 SEQUENCE: grows on every change a calendar should pick up.
    sequence: Mapped[int] = mapped_column(default=0)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The instructor's reason, told to registrants and shown where the webinar was.
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Registrations are deleted some time after the webinar (REGISTRATIONS_KEEP_DAYS); how many
    # there were of each kind stays here, with no names.
    registrations_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    kept_registered: Mapped[int | None] = mapped_column()
    kept_waitlisted: Mapped[int | None] = mapped_column()
    kept_cancelled: Mapped[int | None] = mapped_column()

    created_by: Mapped[User | None] = relationship(passive_deletes=True)
    instructors: Mapped[list[User]] = relationship(
        secondary=webinar_instructors, passive_deletes=True, order_by=User.username_key
    )
    registrations: Mapped[list[WebinarRegistration]] = relationship(
        back_populates="webinar", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def is_published(self) -> bool:
        return self.status == WebinarStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == WebinarStatus.CANCELLED

    @property
    def is_draft(self) -> bool:
        return self.status == WebinarStatus.DRAFT

    @property
    def is_withdrawn(self) -> bool:
        """Taken off the schedule after it was published."""
        return self.is_draft and self.published_at is not None

    def has_started(self, now: datetime | None = None) -> bool:
        return (now or now_utc()) >= self.starts_at

    def has_ended(self, now: datetime | None = None) -> bool:
        return (now or now_utc()) >= self.ends_at

    @property
    def presenter_list(self) -> list[str]:
        return [line.strip() for line in (self.presenters or "").splitlines() if line.strip()]

    def is_instructor(self, user: User | None) -> bool:
        return user is not None and any(i.id == user.id for i in self.instructors)

    def __repr__(self) -> str:
        return f"<Webinar {self.id} {self.status}>"


class WebinarRegistration(db.Model):
    """A student's place (or place in the queue) for a webinar; one row per person and webinar.

    ``registered_at`` is when the current registration was made: the waiting list is served in
    that order, and registering again after cancelling starts a new place at the end.
    """

    __tablename__ = "webinar_registrations"
    __table_args__ = (
        UniqueConstraint("webinar_id", "user_id", name="uq_webinar_registrations_webinar_user"),
        # Each status's registrations in their order (the waiting list's, the registrants').
        Index(
            "ix_webinar_registrations_queue_order", "webinar_id", "status", "registered_at", "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(ForeignKey("webinars.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    webinar: Mapped[Webinar] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship(passive_deletes=True)

    @property
    def is_active(self) -> bool:
        return self.status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)

    def __repr__(self) -> str:
        return f"<WebinarRegistration {self.webinar_id}/{self.user_id} {self.status}>"


class WebinarFeedToken(db.Model):
    """The secret of a person's calendar feed. Only its SHA-256 is kept, like login sessions."""

    __tablename__ = "webinar_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # The feed's reminders before each webinar ("1d,1h", "none"); None: the site's default.
    reminders: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(passive_deletes=True)


class WebinarFeedMark(db.Model):
    """When a feed last changed in a way its entries cannot show: one left it (taken off the
    schedule, cancelled, deleted) or was edited after it ended. The mark only moves forward, and
    the Atom feed's ``updated`` is never older than it, so the feed's time never goes back."""

    __tablename__ = "webinar_feed_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
