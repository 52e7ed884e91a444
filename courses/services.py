"""Course use cases: authoring, enrolment, progress, certificates, import and export.

Every function that changes data owns its transaction: it commits on success and leaves the
database as it was on a refusal (:class:`CourseError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from courses import bundle, codes, progress
from courses.bundle import BundleError, CourseData, ItemData, ModuleData, Problem
from courses.models import (
    LANGUAGES,
    LESSON,
    Certificate,
    Completion,
    Course,
    Enrolment,
    Item,
    Module,
    course_instructors,
)
from courses.registry import ItemImportError, get_handler
from courses.slugs import is_valid_slug, slugify, unique_slug
from school.database import begin_write
from school.extensions import db
from school.models import Role, User
from school.permissions import can_edit
from school.services import find_user
from school.timeutil import now_utc

MAX_BODY_BYTES = bundle.MAX_TEXT_BYTES
MAX_TITLE_LENGTH = bundle.MAX_TITLE_LENGTH
MAX_SUMMARY_LENGTH = bundle.MAX_SUMMARY_LENGTH
# Course addresses that would clash with the pages under /courses/.
RESERVED_SLUGS = frozenset({"manage", "new", "import", "mine", "static"})
DEMO_DIR = Path(__file__).resolve().parent / "demo" / "public-defender-basics"
CATALOGUE_PAGE_SIZE = 20


class CourseError(ValueError):
    """A refused course action; ``field`` names the form field the message belongs to."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


# --------------------------------------------------------------------------- checks


def clean_text(text: str | None, field_name: str = "body") -> str:
    """Normalise Markdown as stored and exported; refuse text over the size limit."""
    text = bundle.normalize_text(text)
    size = len(text.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise CourseError(
            _l(
                "The text is %(size)s KB; the limit is %(limit)s KB. Split it into two lessons.",
                size=-(-size // 1024),
                limit=MAX_BODY_BYTES // 1024,
            ),
            field_name,
        )
    return text


def clean_title(title: str | None) -> str:
    title = " ".join(bundle.normalize_text(title).split())
    if not title:
        raise CourseError(_l("Enter a title."), "title")
    if len(title) > MAX_TITLE_LENGTH:
        raise CourseError(_l("Use at most %(limit)s characters.", limit=MAX_TITLE_LENGTH), "title")
    return title


def _check_slug(slug: str) -> str:
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


def _touch(course: Course) -> None:
    course.updated_at = now_utc()


def _lock_course(course_id: int) -> Course:
    """Start a write transaction holding the course row (edits of one course run in turn)."""
    begin_write()
    course = db.session.scalar(select(Course).where(Course.id == course_id).with_for_update())
    if course is None:
        raise CourseError(_l("The course no longer exists."))
    return course


def _lock_user(user: User) -> User:
    """Start a write transaction holding the user's row (their progress changes in turn)."""
    begin_write()
    return db.session.scalar(select(User).where(User.id == user.id).with_for_update())


# --------------------------------------------------------------------------- queries


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


def courses_for_editor(user: User) -> list[Course]:
    """Courses ``user`` may edit: all for admins, the ones they teach for instructors."""
    stmt = select(Course).order_by(Course.title)
    if not user.is_admin:
        stmt = stmt.join(course_instructors).where(course_instructors.c.user_id == user.id)
    return list(db.session.scalars(stmt))


def outline(course_id: int) -> list[progress.Entry]:
    """The course's items in reading order, as progress entries."""
    rows = db.session.execute(
        select(Item.id, Item.required)
        .join(Module)
        .where(Module.course_id == course_id)
        .order_by(Module.position, Module.id, Item.position, Item.id)
    )
    return [progress.Entry(row.id, row.required) for row in rows]


def done_item_ids(user: User | None, course_id: int) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    rows = db.session.scalars(
        select(Completion.item_id)
        .join(Item, Item.id == Completion.item_id)
        .join(Module)
        .where(Completion.user_id == user.id, Module.course_id == course_id)
    )
    return set(rows)


def enrolment_for(user: User | None, course: Course) -> Enrolment | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )


def certificate_for(user: User | None, course: Course) -> Certificate | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user.id, Certificate.course_id == course.id
        )
    )


def find_certificate(code: str) -> Certificate | None:
    """The certificate with this code as typed (any case, hyphens optional), or None."""
    normalized = codes.normalize_code(code)
    if normalized is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == normalized))


@dataclass
class Standing:
    """Where a user stands in a course."""

    enrolment: Enrolment | None
    done: set[int]
    progress: progress.Progress
    next_item: Item | None
    certificate: Certificate | None
    outline: list[progress.Entry] = field(default_factory=list)

    @property
    def enrolled(self) -> bool:
        return self.enrolment is not None


def standing(user: User | None, course: Course) -> Standing:
    entries = outline(course.id)
    enrolment = enrolment_for(user, course)
    done = done_item_ids(user, course.id) if enrolment is not None else set()
    next_id = None
    if enrolment is not None:
        next_id = progress.next_item(entries, done, enrolment.last_item_id)
    return Standing(
        enrolment=enrolment,
        done=done,
        progress=progress.compute(entries, done),
        next_item=db.session.get(Item, next_id) if next_id is not None else None,
        certificate=certificate_for(user, course),
        outline=entries,
    )


def neighbours(item: Item) -> tuple[Item | None, Item | None]:
    previous_id, next_id = progress.neighbours(outline(item.module.course_id), item.id)
    return (
        db.session.get(Item, previous_id) if previous_id else None,
        db.session.get(Item, next_id) if next_id else None,
    )


def progress_by_course(
    user: User | None, courses: Sequence[Course]
) -> dict[int, progress.Progress]:
    """Progress of ``user`` in each of ``courses`` they are enrolled in (two queries)."""
    if user is None or not getattr(user, "is_authenticated", False) or not courses:
        return {}
    ids = [c.id for c in courses]
    enrolled = set(
        db.session.scalars(
            select(Enrolment.course_id).where(
                Enrolment.user_id == user.id, Enrolment.course_id.in_(ids)
            )
        )
    )
    if not enrolled:
        return {}
    rows = db.session.execute(
        select(Module.course_id, Item.id, Item.required, Completion.id)
        .join(Item, Item.module_id == Module.id)
        .outerjoin(Completion, (Completion.item_id == Item.id) & (Completion.user_id == user.id))
        .where(Module.course_id.in_(enrolled))
    ).all()
    result = {}
    for course_id in enrolled:
        entries = [progress.Entry(r[1], r[2]) for r in rows if r[0] == course_id]
        done = {r[1] for r in rows if r[0] == course_id and r[3] is not None}
        result[course_id] = progress.compute(entries, done)
    return result


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


def my_enrolments(user: User) -> list[Enrolment]:
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id)
            .order_by(Enrolment.last_activity_at.desc())
        )
    )


def my_certificates(user: User) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc())
        )
    )


def item_url(item: Item) -> str:
    """Where a student does ``item``: its kind's page, or the course's own item page."""
    handler = get_handler(item.kind)
    if handler is not None:
        return handler.student_url(item)
    return url_for("courses.item", slug=item.module.course.slug, item_id=item.id)


# --------------------------------------------------------------------------- authoring


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
            _l("Use at most %(limit)s characters.", limit=MAX_SUMMARY_LENGTH), "summary"
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
    _touch(course)
    _commit_or_slug_error()


def set_published(course: Course, published: bool) -> None:
    if published and not course.published:
        course.published_at = now_utc()
    course.published = published
    db.session.commit()


def delete_course(course: Course) -> None:
    """Delete a course and its content; issued certificates stay valid (their text is frozen)."""
    course = _lock_course(course.id)
    for item in course.items():
        _before_item_delete(item)
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
    course = _lock_course(course.id)
    if not course.is_instructor(user):
        course.instructors.append(user)
    db.session.commit()
    return user


def remove_instructor(course: Course, user_id: int) -> None:
    course = _lock_course(course.id)
    remaining = [u for u in course.instructors if u.id != user_id]
    if len(remaining) == len(course.instructors):
        db.session.rollback()
        return
    if not remaining:
        db.session.rollback()
        raise CourseError(_l("A course needs at least one instructor."))
    course.instructors = remaining
    db.session.commit()


def _module_slug(course: Course, slug: str, title: str, module: Module | None = None) -> str:
    taken = {m.slug for m in course.modules if module is None or m.id != module.id}
    if not (slug or "").strip():
        return unique_slug(slugify(title, "module"), taken)
    slug = _check_slug(slug)
    if slug in taken:
        raise CourseError(_l("Another module of this course uses this name."), "slug")
    return slug


def create_module(course: Course, *, title: str, slug: str = "", body: str = "") -> Module:
    title = clean_title(title)
    body = clean_text(body)
    course = _lock_course(course.id)
    try:
        module = Module(
            course=course,
            title=title,
            slug=_module_slug(course, slug, title),
            body=body,
            position=len(course.modules),
        )
    except CourseError:
        db.session.rollback()
        raise
    db.session.add(module)
    _touch(course)
    db.session.commit()
    return module


def update_module(module: Module, *, title: str, slug: str, body: str) -> None:
    title = clean_title(title)
    body = clean_text(body)
    course = _lock_course(module.course_id)
    module = db.session.get(Module, module.id)
    try:
        module.slug = _module_slug(course, slug, title, module)
    except CourseError:
        db.session.rollback()
        raise
    module.title, module.body = title, body
    _touch(course)
    db.session.commit()


def delete_module(module: Module) -> None:
    course = _lock_course(module.course_id)
    module = db.session.get(Module, module.id)
    for item in module.items:
        _before_item_delete(item)
    course.modules.remove(module)
    _renumber(course.modules)
    _touch(course)
    db.session.commit()


def _renumber(rows: Iterable[Module | Item]) -> None:
    for position, row in enumerate(rows):
        row.position = position


def move_module(module: Module, offset: int) -> bool:
    """Move a module one place up (-1) or down (+1); False if it is already at that end."""
    course = _lock_course(module.course_id)
    modules = list(course.modules)
    order = progress.reorder([m.id for m in modules], module.id, offset)
    if order is None:
        db.session.rollback()
        return False
    by_id = {m.id: m for m in modules}
    _renumber(by_id[i] for i in order)
    _touch(course)
    db.session.commit()
    return True


def _item_slug(module: Module, slug: str, title: str, item: Item | None = None) -> str:
    taken = {i.slug for i in module.items if item is None or i.id != item.id}
    if not (slug or "").strip():
        return unique_slug(slugify(title, "lesson"), taken)
    slug = _check_slug(slug)
    if slug in taken:
        raise CourseError(_l("Another item of this module uses this name."), "slug")
    return slug


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
    course = _lock_course(module.course_id)
    module = db.session.get(Module, module.id)
    try:
        item = Item(
            module=module,
            kind=kind,
            title=title,
            slug=_item_slug(module, slug, title),
            body=body,
            required=required,
            position=len(module.items),
        )
    except CourseError:
        db.session.rollback()
        raise
    db.session.add(item)
    db.session.flush()
    handler.on_create(item)
    _touch(course)
    db.session.commit()
    return item


def update_item(item: Item, *, title: str, slug: str, body: str, required: bool) -> None:
    title = clean_title(title)
    body = clean_text(body)
    course = _lock_course(item.module.course_id)
    item = db.session.get(Item, item.id)
    try:
        item.slug = _item_slug(item.module, slug, title, item)
    except CourseError:
        db.session.rollback()
        raise
    item.title, item.body, item.required = title, body, required
    item.updated_at = now_utc()
    _touch(course)
    db.session.commit()


def copy_item(item: Item) -> Item:
    """Duplicate an item right after itself, with the kind's own data (``on_copy``)."""
    course = _lock_course(item.module.course_id)
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
    _touch(course)
    db.session.commit()
    return copy


def _before_item_delete(item: Item) -> None:
    handler = get_handler(item.kind)
    if handler is not None:
        handler.on_delete(item)


def delete_item(item: Item) -> None:
    course = _lock_course(item.module.course_id)
    item = db.session.get(Item, item.id)
    module = item.module
    _before_item_delete(item)
    module.items.remove(item)
    _renumber(module.items)
    _touch(course)
    db.session.commit()


def move_item(item: Item, offset: int) -> bool:
    """Move an item up (-1) or down (+1); past either end of its module it moves into the
    neighbouring module. False when there is nowhere to go."""
    course = _lock_course(item.module.course_id)
    item = db.session.get(Item, item.id)
    module = item.module
    items = list(module.items)
    order = progress.reorder([i.id for i in items], item.id, offset)
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
    _touch(course)
    db.session.commit()
    return True


# --------------------------------------------------------------------------- students


def enrol(user: User, course: Course) -> Enrolment:
    """Enrol ``user`` (nothing happens if they already are)."""
    _lock_user(user)
    enrolment = enrolment_for(user, course)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course.id)
        db.session.add(enrolment)
    db.session.commit()
    return enrolment


def leave(user: User, course: Course, *, forget: bool = False) -> None:
    """End the enrolment. Progress is kept for a later return unless ``forget`` is set;
    certificates already issued stay either way."""
    _lock_user(user)
    db.session.execute(
        delete(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    if forget:
        items = list(
            db.session.scalars(select(Item).join(Module).where(Module.course_id == course.id))
        )
        for item in items:
            handler = get_handler(item.kind)
            if handler is not None:
                handler.forget_user(item, user)
        if items:
            db.session.execute(
                delete(Completion).where(
                    Completion.user_id == user.id,
                    Completion.item_id.in_([i.id for i in items]),
                )
            )
    db.session.commit()


def record_visit(user: User, item: Item) -> None:
    """Remember the item a student opened, for "continue where you left off"."""
    enrolment = enrolment_for(user, item.module.course)
    if enrolment is None or enrolment.last_item_id == item.id:
        return
    enrolment.last_item_id = item.id
    enrolment.last_activity_at = now_utc()
    db.session.commit()


def complete_item(user: User, item: Item) -> bool:
    """Record that ``user`` has done ``item``; return whether the course is now complete.

    Idempotent. Enrols the user if needed, so no progress is ever lost. When the last required
    item is done, the course's completion is recorded and the certificate issued (once).
    Quizzes call this when an attempt passes.
    """
    item_id, user_id = item.id, user.id
    _lock_user(user)
    item = db.session.get(Item, item_id)
    course = item.module.course
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course.id)
    )
    now = now_utc()
    if enrolment is None:
        enrolment = Enrolment(user_id=user_id, course_id=course.id, enrolled_at=now)
        db.session.add(enrolment)
    exists = db.session.scalar(
        select(Completion.id).where(Completion.user_id == user_id, Completion.item_id == item_id)
    )
    if exists is None:
        db.session.add(Completion(user_id=user_id, item_id=item_id, completed_at=now))
        db.session.flush()
    enrolment.last_activity_at = now
    complete = progress.is_complete(outline(course.id), done_item_ids(user, course.id))
    if complete:
        if enrolment.completed_at is None:
            enrolment.completed_at = now
        _issue_certificate(db.session.get(User, user_id), course, now)
    db.session.commit()
    return complete


def _issue_certificate(user: User, course: Course, now) -> Certificate:
    existing = db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user.id, Certificate.course_id == course.id
        )
    )
    if existing is not None:
        return existing
    code = codes.new_code()
    while db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is not None:
        code = codes.new_code()
    certificate = Certificate(
        code=code,
        user_id=user.id,
        course_id=course.id,
        issued_at=now,
        name_shown=user.shown_name[:100],
        course_title=course.title,
        course_language=course.language,
        instructor_names="\n".join(u.shown_name for u in course.instructors),
    )
    db.session.add(certificate)
    return certificate


def mark_done(user: User, item: Item) -> bool:
    """A student marks a lesson as done; returns whether the course is now complete."""
    handler = get_handler(item.kind)
    if handler is None or not handler.completable_by_hand:
        raise CourseError(_l("This item is completed by doing it, not by hand."))
    if enrolment_for(user, item.module.course) is None:
        raise CourseError(_l("Enrol in the course to keep track of your progress."))
    return complete_item(user, item)


def mark_not_done(user: User, item: Item) -> None:
    """Undo "mark as done" (an issued certificate stays)."""
    handler = get_handler(item.kind)
    if handler is None or not handler.completable_by_hand:
        raise CourseError(_l("This item is completed by doing it, not by hand."))
    _lock_user(user)
    db.session.execute(
        delete(Completion).where(Completion.user_id == user.id, Completion.item_id == item.id)
    )
    db.session.commit()


# --------------------------------------------------------------------------- export / import


def export_data(course: Course) -> CourseData:
    """The course in the folder format's terms, with every kind's own settings and files."""
    modules = []
    for module in course.modules:
        items = []
        for item in module.items:
            handler = get_handler(item.kind)
            extra = dict(handler.front_matter(item)) if handler else {}
            files = dict(handler.export_files(item)) if handler else {}
            front_matter = {"title": item.title, "kind": item.kind, "required": item.required}
            front_matter.update(
                {k: v for k, v in extra.items() if k not in bundle.COMMON_ITEM_KEYS}
            )
            items.append(
                ItemData(
                    slug=item.slug,
                    title=item.title,
                    kind=item.kind,
                    required=item.required,
                    body=item.body,
                    front_matter=front_matter,
                    files=files,
                )
            )
        modules.append(ModuleData(module.slug, module.title, module.body, items))
    return CourseData(
        slug=course.slug,
        title=course.title,
        summary=course.summary,
        language=course.language,
        demo=course.demo,
        description=course.description,
        modules=modules,
    )


def export_zip(course: Course) -> bytes:
    return bundle.write_zip(export_data(course))


@dataclass
class ImportResult:
    course: Course
    created: bool
    warnings: list[str] = field(default_factory=list)


class DuplicateCourse(CourseError):
    """The slug is taken; ``course`` is the existing course (to offer replacing it)."""

    def __init__(self, course: Course) -> None:
        super().__init__(
            _l("A course with the address %(slug)s already exists.", slug=course.slug), "slug"
        )
        self.course = course


BUNDLE_MESSAGES = {
    "too_large": _l("The file is larger than %(limit_mb)s MB."),
    "too_large_unpacked": _l(
        "Unpacked, the archive would take more than %(limit_mb)s MB. It cannot be a course."
    ),
    "too_many_files": _l("The archive holds more than %(limit)s files."),
    "bad_zip": _l("The file is not a readable zip archive."),
    "bad_entry": _l("%(path)s cannot be unpacked; the archive is damaged."),
    "unsafe_path": _l(
        "%(path)s points outside the course folder (an absolute path or ../). "
        "The archive was refused."
    ),
    "symlink": _l("%(path)s is a link. Links are not allowed in a course archive."),
    "encrypted": _l("%(path)s is encrypted. Pack the course without a password."),
    "duplicate_entry": _l("%(path)s appears twice in the archive."),
    "file_too_large": _l("%(path)s is larger than %(limit_kb)s KB."),
    "no_course": _l(
        "No course.md found. The archive must hold one course folder with course.md in it."
    ),
    "outside_folder": _l(
        "%(path)s is outside the course folder. Put everything into the one course folder."
    ),
    "unexpected_file": _l(
        "%(path)s is not part of the course format (course.md, numbered module folders with "
        "module.md and numbered lessons)."
    ),
    "not_utf8": _l("%(path)s is not UTF-8 text. Save it as UTF-8."),
    "no_front_matter": _l(
        "%(path)s must begin with front matter: a line ---, lines such as title: ..., and "
        "another line ---."
    ),
    "bad_yaml": _l("%(path)s, line %(line)s: the front matter is not valid YAML (%(detail)s)."),
    "bad_front_matter": _l("%(path)s: the front matter must be lines of the form key: value."),
    "missing_title": _l("%(path)s has no title."),
    "bad_value": _l("%(path)s: the value of %(key)s is not valid."),
    "value_too_long": _l("%(path)s: %(key)s is longer than %(limit)s characters."),
    "bad_language": _l("%(path)s: language must be ru or en."),
    "bad_slug": _l(
        "%(path)s: «%(slug)s» is not a valid name (lowercase Latin letters, digits and hyphens)."
    ),
    "bad_name": _l(
        "%(path)s: the name must be a number, a hyphen and a name, e.g. 01-first-steps."
    ),
    "duplicate_number": _l("%(path)s: the number %(number)s is used twice in the same folder."),
    "duplicate_slug": _l("%(path)s: the name %(slug)s is used twice in the same folder."),
    "missing_module_file": _l("%(path)s is missing."),
    "orphan_file": _l("%(path)s belongs to no lesson or quiz: there is no .md file of that name."),
    "too_long": _l("%(path)s: the text is %(size_kb)s KB; the limit is %(limit_kb)s KB."),
}


def problem_message(problem: Problem) -> str:
    template = BUNDLE_MESSAGES.get(problem.code)
    if template is None:
        return str(problem)
    return str(template) % {"path": problem.path, **problem.params}


def bundle_messages(error: BundleError) -> list[str]:
    return [problem_message(p) for p in error.problems]


def read_upload(data: bytes) -> CourseData:
    """Read an uploaded archive; raises CourseError with every problem, one per line."""
    try:
        return bundle.read_zip(data)
    except BundleError as error:
        raise CourseError("\n".join(bundle_messages(error)), "file") from None


def import_course(
    data: CourseData,
    *,
    actor: User | None = None,
    instructors: Sequence[User] = (),
    replace: bool = False,
    slug: str | None = None,
    publish: bool = False,
) -> ImportResult:
    """Create a course from bundle data, or replace the content of the course with its slug.

    All or nothing: on any refusal nothing is saved. A new course is a draft (unless
    ``publish``) taught by ``actor`` and ``instructors``. Replacing keeps the course's
    enrolments and the progress on every item whose module and name are unchanged; only
    ``actor``s who may edit the existing course can replace it.
    """
    if slug:
        if problem := course_slug_problem(slug):
            raise CourseError(problem, "slug")
        data.slug = slug
    elif data.slug in RESERVED_SLUGS:
        raise CourseError(_l("This address is reserved. Choose another."), "slug")
    if problems := bundle.check_course(data):
        raise CourseError("\n".join(problem_message(p) for p in problems), "file")
    existing = course_by_slug(data.slug)
    if existing is not None and not replace:
        raise DuplicateCourse(existing)
    if existing is not None and actor is not None and not can_edit(actor, existing):
        raise CourseError(_l("You can replace only the courses you teach."), "replace")
    begin_write()
    warnings: list[str] = []
    try:
        if existing is None:
            course = Course(
                slug=data.slug, title=data.title, created_by_id=actor.id if actor else None
            )
            ids = list(dict.fromkeys(u.id for u in [actor, *instructors] if u is not None))
            course.instructors = [db.session.get(User, user_id) for user_id in ids]
            db.session.add(course)
        else:
            course = db.session.scalar(
                select(Course).where(Course.id == existing.id).with_for_update()
            )
        course.title = data.title
        course.summary = data.summary
        course.language = data.language
        course.demo = data.demo
        course.description = data.description
        if publish and not course.published:
            course.published = True
            course.published_at = now_utc()
        _touch(course)
        db.session.flush()
        _sync_modules(course, data, warnings)
        db.session.commit()
    except ItemImportError as error:
        db.session.rollback()
        raise CourseError(error.message, "file") from None
    except IntegrityError:
        db.session.rollback()
        raise CourseError(
            _l("Another course already uses this address. Choose another."), "slug"
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    return ImportResult(course, created=existing is None, warnings=warnings)


def _sync_modules(course: Course, data: CourseData, warnings: list[str]) -> None:
    wanted = {m.slug: m for m in data.modules}
    old_modules = {m.slug: m for m in course.modules}
    # Deletions go first: a new row may take the name a deleted one had.
    for module_slug, module in old_modules.items():
        if module_slug not in wanted:
            for item in module.items:
                _before_item_delete(item)
            course.modules.remove(module)
        else:
            new_items = {i.slug: i for i in wanted[module_slug].items}
            for item in list(module.items):
                if item.slug not in new_items or new_items[item.slug].kind != item.kind:
                    _before_item_delete(item)
                    module.items.remove(item)
    db.session.flush()
    modules = []
    for position, module_data in enumerate(data.modules):
        module = old_modules.get(module_data.slug)
        if module is None or module not in course.modules:
            module = Module(course=course, slug=module_data.slug)
            db.session.add(module)
        module.title, module.body, module.position = (
            module_data.title,
            module_data.body,
            position,
        )
        modules.append(module)
        db.session.flush()
        existing_items = {i.slug: i for i in module.items}
        for item_position, item_data in enumerate(module_data.items):
            item = existing_items.get(item_data.slug)
            if item is None:
                item = Item(module=module, slug=item_data.slug, kind=item_data.kind)
                db.session.add(item)
            item.title, item.body, item.required = (
                item_data.title,
                item_data.body,
                item_data.required,
            )
            item.position = item_position
            item.updated_at = now_utc()
            db.session.flush()
            _import_kind_data(module_data, item, item_data, warnings)


def _import_kind_data(module: ModuleData, item: Item, data: ItemData, warnings: list[str]) -> None:
    handler = get_handler(item.kind)
    where = f"{module.slug}/{data.slug}"
    if handler is None:
        extra = [k for k in data.front_matter if k not in bundle.COMMON_ITEM_KEYS]
        if extra or data.files:
            warnings.append(
                _(
                    "%(where)s: items of the kind %(kind)s cannot be used on this site yet; "
                    "only their title and text were imported.",
                    where=where,
                    kind=item.kind,
                )
            )
        return
    if data.files and item.kind == LESSON:
        warnings.append(
            _(
                "%(where)s: lessons have no extra files; %(files)s was not imported.",
                where=where,
                files=", ".join(data.slug + suffix for suffix in data.files),
            )
        )
    try:
        handler.import_item(item, dict(data.front_matter), dict(data.files))
    except ItemImportError as error:
        raise ItemImportError(f"{where}: {error.message}") from error


def import_folder_or_zip(path: Path) -> CourseData:
    """Read a course from a zip file or a folder on disk (the CLI)."""
    try:
        if path.is_dir():
            return bundle.read_folder(path)
        with path.open("rb") as fh:
            return bundle.read_zip(fh)
    except BundleError as error:
        raise CourseError("\n".join(bundle_messages(error))) from None


# --------------------------------------------------------------------------- hooks


def seed_demo(users: dict[str, User], log) -> None:
    """Load the demonstration course, published and taught by the demo instructor."""
    data = bundle.read_folder(DEMO_DIR)
    existing = course_by_slug(data.slug)
    if existing is not None:
        log(f"  course {data.slug} already exists")
        return
    instructor = users.get(Role.INSTRUCTOR.value)
    result = import_course(data, instructors=[instructor] if instructor else [], publish=True)
    for warning in result.warnings:
        log(f"  {warning}")
    log(f"  course {result.course.slug}: {len(result.course.items())} items")


def home_panel(user: User) -> list[tuple[str, str]]:
    """Courses in progress with the item to continue with, for the home page."""
    links = []
    for enrolment in my_enrolments(user):
        course = enrolment.course
        if not course.published and not can_edit(user, course):
            continue
        entries = outline(course.id)
        done = done_item_ids(user, course.id)
        next_id = progress.next_item(entries, done, enrolment.last_item_id)
        if next_id is None:
            continue
        item = db.session.get(Item, next_id)
        links.append((f"{course.title}: {item.title}", item_url(item)))
    return links


def export_user(user: User) -> dict[str, Any]:
    """The user's enrolments, completed items and certificates, for the account export."""
    enrolments = [
        {
            "course": e.course.slug,
            "course_title": e.course.title,
            "enrolled_at": e.enrolled_at.isoformat(),
            "last_activity_at": e.last_activity_at.isoformat(),
            "completed_at": e.completed_at.isoformat() if e.completed_at else None,
        }
        for e in my_enrolments(user)
    ]
    completions = [
        {
            "course": c.item.module.course.slug,
            "item": c.item.title,
            "completed_at": c.completed_at.isoformat(),
        }
        for c in db.session.scalars(
            select(Completion)
            .where(Completion.user_id == user.id)
            .order_by(Completion.completed_at)
        )
    ]
    certificates = [
        {
            "code": c.code,
            "course_title": c.course_title,
            "issued_at": c.issued_at.isoformat(),
            "name_shown": c.name_shown,
            "instructors": c.instructors,
        }
        for c in my_certificates(user)
    ]
    teaching = list(
        db.session.scalars(
            select(Course.slug)
            .join(course_instructors)
            .where(course_instructors.c.user_id == user.id)
            .order_by(Course.slug)
        )
    )
    return {
        "enrolments": enrolments,
        "completions": completions,
        "certificates": certificates,
        "teaching": teaching,
    }


def erase_user(user: User) -> None:
    """Delete the user's enrolments, progress and certificates, and their teaching links."""
    db.session.execute(delete(Completion).where(Completion.user_id == user.id))
    db.session.execute(delete(Enrolment).where(Enrolment.user_id == user.id))
    db.session.execute(delete(Certificate).where(Certificate.user_id == user.id))
    db.session.execute(delete(course_instructors).where(course_instructors.c.user_id == user.id))


def enrolled_count(course: Course) -> int:
    return (
        db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.course_id == course.id))
        or 0
    )
