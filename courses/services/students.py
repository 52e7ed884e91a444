"""Students in a course: where they stand, enrolling and leaving, and the progress they make
item by item up to the course's completion and its certificate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from courses import progress
from courses.models import Certificate, Completion, Course, Enrolment, Item, Module
from courses.registry import get_handler
from courses.services._common import CourseError, lock_user
from courses.services.certificates import certificate_for, issue_certificate
from school.extensions import db
from school.models import User
from school.timeutil import now_utc


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


def my_enrolments(user: User) -> list[Enrolment]:
    stmt = select(Enrolment).filter_by(user_id=user.id)
    return list(db.session.scalars(stmt.order_by(Enrolment.last_activity_at.desc())))


def enrolled_count(course: Course) -> int:
    return (
        db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.course_id == course.id))
        or 0
    )


def enrol(user: User, course: Course) -> Enrolment:
    """Enrol ``user`` (nothing happens if they already are)."""
    lock_user(user)
    enrolment = enrolment_for(user, course)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course.id)
        db.session.add(enrolment)
    db.session.commit()
    return enrolment


def leave(user: User, course: Course, *, forget: bool = False) -> None:
    """End the enrolment. Progress is kept for a later return unless ``forget`` is set;
    certificates already issued stay either way."""
    lock_user(user)
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
    lock_user(user)
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
        issue_certificate(db.session.get(User, user_id), course, now)
    db.session.commit()
    return complete


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
    lock_user(user)
    db.session.execute(
        delete(Completion).where(Completion.user_id == user.id, Completion.item_id == item.id)
    )
    db.session.commit()
