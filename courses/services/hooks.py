"""What the core's hooks ask of the courses: the demonstration course, the home page's panel,
and a user's data for the account export and erasure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from courses import bundle, progress
from courses.models import Certificate, Completion, Course, Enrolment, Item, course_instructors
from courses.services.certificates import my_certificates
from courses.services.import_export import import_course
from courses.services.lookup import course_by_slug, item_url
from courses.services.students import done_item_ids, my_enrolments, outline
from school.extensions import db
from school.models import Role, User
from school.permissions import can_edit

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo" / "public-defender-basics"


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
