"""Courses in and out as archives of the folder format: export, and import as a new course or
over the course with the same address, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from courses import bundle
from courses.bundle import BundleError, CourseData, ItemData, ModuleData, Problem
from courses.models import LESSON, Course, Item, Module
from courses.registry import ItemImportError, get_handler
from courses.services._common import (
    RESERVED_SLUGS,
    CourseError,
    before_item_delete,
    course_slug_problem,
    touch,
)
from courses.services.lookup import course_by_slug
from school import archive
from school.database import begin_write
from school.extensions import db
from school.i18n import Plural
from school.models import User
from school.permissions import can_edit
from school.timeutil import now_utc


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
    # What a course bundle says in its own words; the rest is the archive reader's
    # (school.archive.MESSAGES).
    "too_large_unpacked": _l(
        "Unpacked, the archive would take more than %(limit_mb)s MB. It cannot be a course."
    ),
    "unsafe_path": _l(
        "%(path)s points outside the course folder (an absolute path or ../). "
        "The archive was refused."
    ),
    "symlink": _l("%(path)s is a link. Links are not allowed in a course archive."),
    "encrypted": _l("%(path)s is encrypted. Pack the course without a password."),
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
    "no_front_matter": _l(
        "%(path)s must begin with front matter: a line ---, lines such as title: ..., and "
        "another line ---."
    ),
    "bad_front_matter": _l("%(path)s: the front matter must be lines of the form key: value."),
    "missing_title": _l("%(path)s has no title."),
    "bad_value": _l("%(path)s: the value of %(key)s is not valid."),
    "value_too_long": Plural(
        "%(path)s: %(key)s is longer than %(num)s character.",
        "%(path)s: %(key)s is longer than %(num)s characters.",
        "limit",
    ),
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
    """The problem in words: the course format's own wording, else the archive reader's."""
    return archive.message(problem, BUNDLE_MESSAGES)


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
        touch(course)
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
                before_item_delete(item)
            course.modules.remove(module)
        else:
            new_items = {i.slug: i for i in wanted[module_slug].items}
            for item in list(module.items):
                if item.slug not in new_items or new_items[item.slug].kind != item.kind:
                    before_item_delete(item)
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
