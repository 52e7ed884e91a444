"""Finding courses: by address, the published catalogue, the ones an editor may change, and
where a student does an item."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from courses.models import Course, Item, Module, course_instructors
from courses.registry import get_handler
from school.extensions import db
from school.models import User

CATALOGUE_PAGE_SIZE = 20


def course_by_slug(slug: str, *, outline: bool = False) -> Course | None:
    """The course with this address; ``outline`` loads its modules, items and instructors
    in three queries instead of one per module."""
    stmt = select(Course).where(Course.slug == slug)
    if outline:
        stmt = stmt.options(
            selectinload(Course.modules).selectinload(Module.items),
            selectinload(Course.instructors),
        )
    return db.session.scalar(stmt)


def catalogue(page: int):
    """Published courses, newest first, one page at a time."""
    stmt = (
        select(Course)
        .where(Course.published.is_(True))
        .order_by(Course.published_at.desc(), Course.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=CATALOGUE_PAGE_SIZE, error_out=False)


#: Courses per page of the editors' list.
EDITOR_COURSES_PER_PAGE = 50


def courses_for_editor(user: User, page: int = 1, per_page: int = EDITOR_COURSES_PER_PAGE):
    """One page of the courses ``user`` may edit (all for admins, the ones they teach for
    instructors), by title."""
    stmt = select(Course).order_by(Course.title, Course.id)
    if not user.is_admin:
        stmt = stmt.join(course_instructors).where(course_instructors.c.user_id == user.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def item_counts(courses: Sequence[Course]) -> dict[int, int]:
    """Number of items of each course, in one query (for the catalogue)."""
    if not courses:
        return {}
    rows = db.session.execute(
        select(Module.course_id, func.count(Item.id))
        .join(Item, Item.module_id == Module.id)
        .where(Module.course_id.in_([c.id for c in courses]))
        .group_by(Module.course_id)
    )
    return {row[0]: row[1] for row in rows}


def item_url(item: Item) -> str:
    """Where a student does ``item``: its kind's page, or the course's own item page."""
    handler = get_handler(item.kind)
    if handler is not None:
        return handler.student_url(item)
    return url_for("courses.item", slug=item.module.course.slug, item_id=item.id)
