"""Certificates: issued once when a course is complete, found by their code, listed for their
holder. Their text is frozen when issued, so they stay valid whatever happens to the course."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from courses import codes
from courses.models import Certificate, Course
from school import notify
from school.extensions import db
from school.models import User
from school.notifications import Kind


def certificate_for(user: User | None, course: Course) -> Certificate | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Certificate).filter_by(user_id=user.id, course_id=course.id))


def find_certificate(code: str) -> Certificate | None:
    """The certificate with this code as typed (any case, hyphens optional), or None."""
    normalized = codes.normalize_code(code)
    if normalized is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == normalized))


def my_certificates(user: User) -> list[Certificate]:
    stmt = select(Certificate).filter_by(user_id=user.id)
    return list(db.session.scalars(stmt.order_by(Certificate.issued_at.desc())))


def issue_certificate(user: User, course: Course, now: datetime) -> Certificate:
    """The user's certificate for the course, issued now unless they already have one
    (inside the caller's transaction); a new one is notified to its holder."""
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
    notify.send(
        Kind.CERTIFICATE_ISSUED,
        [user.id],
        link=("courses.course", {"slug": course.slug}),
        now=now,
        title=course.title,
    )
    return certificate
