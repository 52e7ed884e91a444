"""What several course use cases share: the refusal, the checks of titles, texts and addresses,
and the row locks that make edits of one course (or one user's progress) run in turn."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from courses import bundle
from courses.models import Course, Item
from courses.registry import get_handler
from courses.services.lookup import course_by_slug
from school.database import begin_write
from school.extensions import db
from school.models import User
from school.refusal import Refusal
from school.slugs import is_valid_slug
from school.timeutil import now_utc

MAX_BODY_BYTES = bundle.MAX_TEXT_BYTES
MAX_TITLE_LENGTH = bundle.MAX_TITLE_LENGTH
MAX_SUMMARY_LENGTH = bundle.MAX_SUMMARY_LENGTH
# Course addresses that would clash with the pages under /courses/.
RESERVED_SLUGS = frozenset({"manage", "new", "import", "mine", "static"})


class CourseError(Refusal):
    """A refused course action (see :class:`school.refusal.Refusal`)."""


def text_too_long(text: str) -> Any | None:
    """What is wrong with a lesson's or introduction's text over the size limit, else None."""
    size = len(text.encode("utf-8"))
    if size <= MAX_BODY_BYTES:
        return None
    return _l(
        "The text is %(size)s KB; the limit is %(limit)s KB. Split it into two lessons.",
        size=-(-size // 1024),
        limit=MAX_BODY_BYTES // 1024,
    )


def clean_text(text: str | None, field_name: str = "body") -> str:
    """Normalise Markdown as stored and exported; refuse text over the size limit."""
    text = bundle.normalize_text(text)
    if problem := text_too_long(text):
        raise CourseError(problem, field_name)
    return text


def clean_title(title: str | None) -> str:
    title = " ".join(bundle.normalize_text(title).split())
    if not title:
        raise CourseError(_l("Enter a title."), "title")
    if len(title) > MAX_TITLE_LENGTH:
        raise CourseError(
            ngettext(
                "Use at most %(num)d character.",
                "Use at most %(num)d characters.",
                MAX_TITLE_LENGTH,
            ),
            "title",
        )
    return title


def check_slug(slug: str) -> str:
    slug = (slug or "").strip()
    if not is_valid_slug(slug):
        raise CourseError(
            _l("Use lowercase Latin letters, digits and single hyphens, e.g. first-steps."),
            "slug",
        )
    return slug


def course_slug_problem(slug: str, course: Course | None = None) -> Any:
    """Why ``slug`` cannot be this course's address, or None."""
    if not is_valid_slug(slug):
        return _l("Use lowercase Latin letters, digits and single hyphens, e.g. first-steps.")
    if slug in RESERVED_SLUGS:
        return _l("This address is reserved. Choose another.")
    other = course_by_slug(slug)
    if other is not None and (course is None or other.id != course.id):
        return _l("Another course already uses this address. Choose another.")
    return None


def touch(course: Course) -> None:
    course.updated_at = now_utc()


def lock_course(course_id: int) -> Course:
    """Start a write transaction holding the course row (edits of one course run in turn)."""
    begin_write()
    course = db.session.scalar(select(Course).where(Course.id == course_id).with_for_update())
    if course is None:
        raise CourseError(_l("The course no longer exists."))
    return course


def lock_user(user: User) -> User:
    """Start a write transaction holding the user's row (their progress changes in turn)."""
    begin_write()
    return db.session.scalar(select(User).where(User.id == user.id).with_for_update())


def before_item_delete(item: Item) -> None:
    """Let the item's kind remove its own data before the item goes."""
    handler = get_handler(item.kind)
    if handler is not None:
        handler.on_delete(item)
