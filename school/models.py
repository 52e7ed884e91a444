"""Users, roles, login sessions, reset links and account events, notifications, the people
staff serve by post without an account, and uploaded images."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.extensions import db
from school.timeutil import UTCDateTime, now_utc


class Role(enum.StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    STAFF = "staff"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    # Case- and width-folded username, unique: "Anna" and "anna" are the same account.
    username_key: Mapped[str] = mapped_column(String(40), unique=True)
    # Its Unicode TR39 skeleton (school.usernames): a new name that looks like one taken is refused.
    username_skeleton: Mapped[str | None] = mapped_column(String(160), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), default=Role.STUDENT.value)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # The TOTP second factor (school.credentials): its secret once confirmed, and the last time
    # step accepted, so one code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column()

    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    # Set by the user loader: the login session this request belongs to.
    current_session_token = None

    def get_id(self) -> str | None:
        return self.current_session_token

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    def has_role(self, *roles: Role | str) -> bool:
        if self.role == Role.ADMIN:
            return True
        return self.role in {str(r) for r in roles}

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(db.Model):
    """A server-side login session: logging out or changing the password deletes it.

    No address or user agent is kept, only when it began and was last used.
    """

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    user: Mapped[User] = relationship(back_populates="sessions")

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class RecoveryCode(db.Model):
    """One of a person's single-use recovery codes, kept only as a hash (school.credentials).

    A code logs its owner in when the password is forgotten, or when a flood of wrong passwords
    from others has throttled the account, and then asks for a new password. Using one deletes it.
    """

    __tablename__ = "recovery_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class PasswordReset(db.Model):
    """A one-time link an administrator (or the command line) made for a forgotten password.

    Only the hash of its token is kept, so the link is shown once, when it is made. Following
    it lets the person choose a new password, once, before ``expires_at`` (school.resets).
    """

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The administrator who made it; None for the command line (or an account since deleted).
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccountEvent(db.Model):
    """Something that changed how an account is reached: a reset link made or used, a recovery
    code used. When, what and by whom; never an address or a browser."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Who did it when not the person: an administrator; None for the person or the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Where it was done: "web" or "cli".
    channel: Mapped[str] = mapped_column(String(8), default="web")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], passive_deletes=True)


class Notification(db.Model):
    """Something a person is told on their next visit (:mod:`school.notify`).

    ``kind`` says what happened and ``data`` holds the facts to say it with (a title, a reason,
    the page to link to); the words are chosen when it is shown, in the reader's language. Kept
    for ``NOTIFICATIONS_KEEP_DAYS`` and then deleted.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        # The header's count of unread ones, and the person's list newest first.
        Index("ix_notifications_user_unread", "user_id", "read_at", "created_at"),
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationMute(db.Model):
    """A kind of notification a person chose not to get (every kind is on until then)."""

    __tablename__ = "notification_mutes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)


class PostalReader(db.Model):
    """Someone the organisation serves by post, with no account on the site.

    Readers in prison have only paper: they take quizzes on paper and ask questions by letter.
    Staff know them by a name, as they write it, and a reference number that goes on every
    envelope and sheet, so their papers can be matched without keeping an address here.
    """

    __tablename__ = "postal_readers"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))
    # The reference as compared (case-folded, NFKC): "ab-1" and "AB-1" are one reader.
    reference_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name as found and sorted (case-folded), the same on SQLite and PostgreSQL in any script.
    name_key: Mapped[str] = mapped_column(String(600), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)


class StoredImage(db.Model):
    """An image uploaded by an instructor or staff, cleaned (:mod:`school.images`), kept once.

    Keyed by the SHA-256 of its cleaned bytes: the name it is served and printed under never
    changes its content. Kept in the database, so backups and mirrors hold it with the lessons
    and entries that show it. Deleting the uploader's account keeps the image (texts use it)
    and forgets who uploaded it.
    """

    __tablename__ = "stored_images"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    format: Mapped[str] = mapped_column(String(8))  # "jpeg" or "png"
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    # What the image shows, for readers who cannot see it: the alt text of its Markdown snippet.
    alt: Mapped[str] = mapped_column(String(300), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    uploaded_by: Mapped[User | None] = relationship(passive_deletes=True)
