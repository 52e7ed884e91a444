"""Authoring: courses, their instructors, modules and items, publishing and deleting.

Every edit holds the course's row, so two editors' changes to one course run in turn.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from courses import bundle
from courses.models import LANGUAGES, LESSON, Course, Item, Module
from courses.registry import get_handler
from courses.services._common import (
    MAX_SUMMARY_LENGTH,
    RESERVED_SLUGS,
    CourseError,
    before_item_delete,
    check_slug,
    clean_text,
    clean_title,
    course_slug_problem,
    lock_course,
    touch,
)
from school.extensions import db
from school.models import Role, User
from school.reorder import reorder
from school.services import find_user
from school.slugs import slugify, unique_slug
from school.timeutil import now_utc


def create_course(
    actor: User,
    *,
    title: str,
    slug: str = "",
    summary: str = "",
    description: str = "",
    language: str = "ru",
) -> Course:
    """Create a draft course taught by ``actor``."""
    title = clean_title(title)
    slug = (slug or "").strip() or _free_course_slug(slugify(title, "course"))
    if problem := course_slug_problem(slug):
        raise CourseError(problem, "slug")
    course = Course(
        title=title,
        slug=slug,
        summary=_clean_summary(summary),
        description=clean_text(description, "description"),
        language=_clean_language(language),
        created_by_id=actor.id,
    )
    course.instructors.append(db.session.get(User, actor.id))
    db.session.add(course)
    _commit_or_slug_error()
    return course


def _free_course_slug(base: str) -> str:
    taken = set(db.session.scalars(select(Course.slug).where(Course.slug.like(f"{base}%"))))
    return unique_slug(base, taken | RESERVED_SLUGS)


def _clean_summary(summary: str | None) -> str:
    summary = bundle.normalize_text(summary)
    if len(summary) > MAX_SUMMARY_LENGTH:
        raise CourseError(
            ngettext(
                "Use at most %(num)d character.",
                "Use at most %(num)d characters.",
                MAX_SUMMARY_LENGTH,
            ),
            "summary",
        )
    return summary


def _clean_language(language: str) -> str:
    if language not in LANGUAGES:
        raise CourseError(_l("Choose one of the listed languages."), "language")
    return language


def _commit_or_slug_error() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CourseError(
            _l("Another course already uses this address. Choose another."), "slug"
        ) from None


def update_course(
    course: Course,
    *,
    title: str,
    slug: str,
    summary: str,
    description: str,
    language: str,
) -> None:
    title = clean_title(title)
    slug = (slug or "").strip()
    if problem := course_slug_problem(slug, course):
        raise CourseError(problem, "slug")
    summary = _clean_summary(summary)
    description = clean_text(description, "description")
    language = _clean_language(language)
    course.title, course.slug, course.summary = title, slug, summary
    course.description, course.language = description, language
    touch(course)
    _commit_or_slug_error()


def set_published(course: Course, published: bool) -> None:
    if published and not course.published:
        course.published_at = now_utc()
    course.published = published
    db.session.commit()


def delete_course(course: Course) -> None:
    """Delete a course and its content; issued certificates stay valid (their text is frozen)."""
    course = lock_course(course.id)
    for item in course.items():
        before_item_delete(item)
    db.session.delete(course)
    db.session.commit()


def add_instructor(course: Course, username: str) -> User:
    user = find_user((username or "").strip()) if username else None
    if user is None:
        raise CourseError(_l("There is no user with this username."), "username")
    if not user.has_role(Role.INSTRUCTOR):
        raise CourseError(
            _l("Only instructors can teach a course. Ask an administrator to change the role."),
            "username",
        )
    course = lock_course(course.id)
    if not course.is_instructor(user):
        course.instructors.append(user)
    db.session.commit()
    return user


def remove_instructor(course: Course, user_id: int) -> None:
    course = lock_course(course.id)
    remaining = [u for u in course.instructors if u.id != user_id]
    if len(remaining) == len(course.instructors):
        db.session.rollback()
        return
    if not remaining:
        db.session.rollback()
        raise CourseError(_l("A course needs at least one instructor."))
    course.instructors = remaining
    db.session.commit()


_MODULE_SLUG_TAKEN = _l("Another module of this course uses this name.")
_ITEM_SLUG_TAKEN = _l("Another item of this module uses this name.")


def _free_slug(siblings, own, slug: str, title: str, fallback: str, taken_message) -> str:
    """The slug of a module or item (``own``, None when new) among its ``siblings``: the one
    asked for, checked and not taken, or one made from the title when none is asked for.
    A refusal rolls the transaction back."""
    taken = {s.slug for s in siblings if own is None or s.id != own.id}
    if not (slug or "").strip():
        return unique_slug(slugify(title, fallback), taken)
    try:
        slug = check_slug(slug)
        if slug in taken:
            raise CourseError(taken_message, "slug")
    except CourseError:
        # The caller holds the course's lock: let it go with the refusal.
        db.session.rollback()
        raise
    return slug


def _module_slug(course: Course, slug: str, title: str, module: Module | None = None) -> str:
    return _free_slug(course.modules, module, slug, title, "module", _MODULE_SLUG_TAKEN)


def create_module(course: Course, *, title: str, slug: str = "", body: str = "") -> Module:
    title = clean_title(title)
    body = clean_text(body)
    course = lock_course(course.id)
    module = Module(
        course=course,
        title=title,
        slug=_module_slug(course, slug, title),
        body=body,
        position=len(course.modules),
    )
    db.session.add(module)
    touch(course)
    db.session.commit()
    return module


def update_module(module: Module, *, title: str, slug: str, body: str) -> None:
    title = clean_title(title)
    body = clean_text(body)
    course = lock_course(module.course_id)
    module = db.session.get(Module, module.id)
    module.slug = _module_slug(course, slug, title, module)
    module.title, module.body = title, body
    touch(course)
    db.session.commit()


def delete_module(module: Module) -> None:
    course = lock_course(module.course_id)
    module = db.session.get(Module, module.id)
    for item in module.items:
        before_item_delete(item)
    course.modules.remove(module)
    _renumber(course.modules)
    touch(course)
    db.session.commit()


def _renumber(rows: Iterable[Module | Item]) -> None:
    for position, row in enumerate(rows):
        row.position = position


def move_module(module: Module, offset: int) -> bool:
    """Move a module one place up (-1) or down (+1); False if it is already at that end."""
    course = lock_course(module.course_id)
    modules = list(course.modules)
    order = reorder([m.id for m in modules], module.id, offset)
    if order is None:
        db.session.rollback()
        return False
    by_id = {m.id: m for m in modules}
    _renumber(by_id[i] for i in order)
    touch(course)
    db.session.commit()
    return True


def _item_slug(module: Module, slug: str, title: str, item: Item | None = None) -> str:
    return _free_slug(module.items, item, slug, title, "lesson", _ITEM_SLUG_TAKEN)


def create_item(
    module: Module,
    *,
    title: str,
    kind: str = LESSON,
    slug: str = "",
    body: str = "",
    required: bool = True,
) -> Item:
    title = clean_title(title)
    body = clean_text(body)
    handler = get_handler(kind)
    if handler is None or not handler.creatable:
        raise CourseError(_l("Items of this kind cannot be added here."))
    course = lock_course(module.course_id)
    module = db.session.get(Module, module.id)
    item = Item(
        module=module,
        kind=kind,
        title=title,
        slug=_item_slug(module, slug, title),
        body=body,
        required=required,
        position=len(module.items),
    )
    db.session.add(item)
    db.session.flush()
    handler.on_create(item)
    touch(course)
    db.session.commit()
    return item


def update_item(item: Item, *, title: str, slug: str, body: str, required: bool) -> None:
    title = clean_title(title)
    body = clean_text(body)
    course = lock_course(item.module.course_id)
    item = db.session.get(Item, item.id)
    item.slug = _item_slug(item.module, slug, title, item)
    item.title, item.body, item.required = title, body, required
    item.updated_at = now_utc()
    touch(course)
    db.session.commit()


def copy_item(item: Item) -> Item:
    """Duplicate an item right after itself, with the kind's own data (``on_copy``)."""
    course = lock_course(item.module.course_id)
    source = db.session.get(Item, item.id)
    module = source.module
    taken = {i.slug for i in module.items}
    copy = Item(
        module=module,
        kind=source.kind,
        slug=unique_slug(source.slug, taken),
        title=source.title,
        body=source.body,
        required=source.required,
    )
    db.session.add(copy)
    items = [i for i in module.items if i is not copy]
    items.insert(items.index(source) + 1, copy)
    module.items[:] = items
    _renumber(module.items)
    db.session.flush()
    handler = get_handler(source.kind)
    if handler is not None:
        handler.on_copy(source, copy)
    touch(course)
    db.session.commit()
    return copy


def delete_item(item: Item) -> None:
    course = lock_course(item.module.course_id)
    item = db.session.get(Item, item.id)
    module = item.module
    before_item_delete(item)
    module.items.remove(item)
    _renumber(module.items)
    touch(course)
    db.session.commit()


def move_item(item: Item, offset: int) -> bool:
    """Move an item up (-1) or down (+1); past either end of its module it moves into the
    neighbouring module. False when there is nowhere to go."""
    course = lock_course(item.module.course_id)
    item = db.session.get(Item, item.id)
    module = item.module
    items = list(module.items)
    order = reorder([i.id for i in items], item.id, offset)
    if order is not None:
        by_id = {i.id: i for i in items}
        _renumber(by_id[i] for i in order)
    else:
        modules = list(course.modules)
        index = modules.index(module) + offset
        if not 0 <= index < len(modules):
            db.session.rollback()
            return False
        target = modules[index]
        if any(other.slug == item.slug for other in target.items):
            db.session.rollback()
            raise CourseError(
                _l(
                    "The module «%(module)s» already has an item named %(slug)s. Rename it first.",
                    module=target.title,
                    slug=item.slug,
                )
            )
        module.items.remove(item)
        rest = list(target.items)
        target.items[:] = [item, *rest] if offset > 0 else [*rest, item]
        _renumber(module.items)
        _renumber(target.items)
    touch(course)
    db.session.commit()
    return True
