"""Courses, their modules and items, enrolments, completions and certificates.

An item is a lesson or any other kind plugged in through :mod:`courses.registry` (quizzes keep
their own ``Quiz`` row pointing at ``course_items.id``). Personal records (enrolments,
completions, certificates) cascade with the user and are also deleted by the eraser hook.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.extensions import db
from school.models import User
from school.timeutil import UTCDateTime, now_utc

LANGUAGES = ("ru", "en")
LESSON = "lesson"
QUIZ = "quiz"

course_instructors = Table(
    "course_instructors",
    db.metadata,
    Column("course_id", Integer, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # Markdown: the body of course.md in the folder format.
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="ru")
    published: Mapped[bool] = mapped_column(default=False)
    # Demonstration material: shown with a notice.
    demo: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    modules: Mapped[list[Module]] = relationship(
        back_populates="course",
        cascade="all, delete-orphan",
        order_by="(Module.position, Module.id)",
        passive_deletes=True,
    )
    instructors: Mapped[list[User]] = relationship(
        secondary=course_instructors, order_by=User.username_key, passive_deletes=True
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def items(self) -> list[Item]:
        """Every item of the course in reading order."""
        return [item for module in self.modules for item in module.items]

    def is_instructor(self, user) -> bool:
        user_id = getattr(user, "id", None)
        return user_id is not None and any(u.id == user_id for u in self.instructors)

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Module(db.Model):
    __tablename__ = "course_modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    # Optional Markdown introduction (the body of module.md).
    body: Mapped[str] = mapped_column(Text, default="")

    course: Mapped[Course] = relationship(back_populates="modules")
    items: Mapped[list[Item]] = relationship(
        back_populates="module",
        cascade="all, delete-orphan",
        order_by="(Item.position, Item.id)",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Module {self.id} {self.slug}>"


class Item(db.Model):
    """One step of a module: a lesson, a quiz or another registered kind.

    ``body`` is Markdown: the lesson text, or a quiz's introduction. Only required items count
    towards completing the course.
    """

    __tablename__ = "course_items"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("course_modules.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default=LESSON)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    module: Mapped[Module] = relationship(back_populates="items")

    @property
    def course(self) -> Course:
        return self.module.course

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.kind} {self.slug}>"


class Enrolment(db.Model):
    __tablename__ = "course_enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # The last item the student opened: "continue where you left off".
    last_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_items.id", ondelete="SET NULL")
    )
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    last_item: Mapped[Item | None] = relationship()


class Completion(db.Model):
    """An item a student has done (a lesson marked done, a quiz passed)."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("course_items.id", ondelete="CASCADE"), index=True
    )
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    item: Mapped[Item] = relationship()


class Certificate(db.Model):
    """Proof of a completed course. What it shows is frozen when it is issued.

    The course link is kept only for the owner's download; the verification page needs
    nothing but the frozen fields, so it still works after the course is renamed or deleted.
    """

    __tablename__ = "course_certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(14), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    name_shown: Mapped[str] = mapped_column(String(100))
    course_title: Mapped[str] = mapped_column(String(200))
    course_language: Mapped[str] = mapped_column(String(8), default="ru")
    # One name per line, as they were when the certificate was issued.
    instructor_names: Mapped[str] = mapped_column(Text, default="")

    course: Mapped[Course | None] = relationship()

    @property
    def instructors(self) -> list[str]:
        return [name for name in self.instructor_names.splitlines() if name.strip()]
