"""Bulk data for the scale figures: students, quiz attempts, webinar registrations and courses.

Rows go in with SQLAlchemy core inserts, a few thousand per statement batch, not through the
services (which would take hours at these sizes); each row has the shape the services write.
Each function inserts, then returns the pages to measure as ``{name: Page}``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

BATCH = 2000
PREFIX = "scale-"
#: The demo administrator (school/demo.py): every staff page is measured logged in as them.
ADMIN = ("admin", "demo-admin-2026")
#: Distinct answer sets (layout, responses, grade) the generated attempts cycle through.
VARIANTS = 256
_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Page:
    path: str
    data: str  # what the page is measured on, for the note
    login: tuple[str, str] | None = ADMIN  # None: an anonymous reader


def _count(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _insert(table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` into ``table`` in batches, one commit per batch; the number inserted."""
    from school.extensions import db

    done = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            db.session.execute(insert(table), batch)
            db.session.commit()
            done += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
        db.session.commit()
        done += len(batch)
    return done


def students(app, n: int) -> list[int]:
    """The ids of ``n`` generated students, inserting those missing (one shared password hash)."""
    from school.extensions import db
    from school.models import Role, User
    from school.passwords import hash_password
    from school.usernames import skeleton, username_key

    with app.app_context():
        have = db.session.scalar(
            select(func.count()).select_from(User).where(User.username.startswith(PREFIX))
        )
        if have < n:
            password_hash = hash_password("bench-scale-password")

            def rows():
                for i in range(have, n):
                    name = f"{PREFIX}student-{i:06d}"
                    yield {
                        "username": name,
                        "username_key": username_key(name),
                        "username_skeleton": skeleton(name),
                        "password_hash": password_hash,
                        "display_name": f"Студент {i:06d}",
                        "role": Role.STUDENT.value,
                        "is_active_account": True,
                        "created_at": _START + timedelta(minutes=i),
                        "password_changed_at": _START + timedelta(minutes=i),
                    }

            _insert(User.__table__, rows())
        ids = list(
            db.session.scalars(
                select(User.id).where(User.username.startswith(PREFIX)).order_by(User.id).limit(n)
            )
        )
        db.session.remove()
    return ids


def users(app, n: int) -> dict[str, Page]:
    """``n`` generated students: the administrators' list of accounts."""
    from school.extensions import db
    from school.models import User

    students(app, n)
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(User))
        db.session.remove()
    return {"Admin users page `/admin/users`": Page("/admin/users", f"{_count(total)} users")}


# --------------------------------------------------------------------------- quiz attempts


def _response(question, rng: random.Random) -> Any:
    """A plausible response to ``question`` (right or wrong, sometimes none), as stored."""
    from quizzes import questions as q

    if rng.random() < 0.05:
        return None
    if isinstance(question, q.SingleChoiceQuestion):
        return rng.randrange(len(question.choices))
    if isinstance(question, q.MultipleChoiceQuestion):
        n = len(question.choices)
        return sorted(rng.sample(range(n), rng.randint(1, n)))
    if isinstance(question, q.TrueFalseQuestion):
        return rng.random() < 0.7
    if isinstance(question, q.ShortAnswerQuestion):
        texts = [a.text for a in question.answers] + ["не знаю", "другое"]
        return rng.choice(texts)
    if isinstance(question, q.NumericQuestion):
        return str(rng.choice([question.answers[0].value, 0, 1, 100, 12.5]))
    if isinstance(question, q.MatchingQuestion):
        rights = len(question.right_options)
        return {str(row): rng.randrange(rights) for row in range(len(question.pairs))}
    return None


def _largest_quiz():
    from quizzes.models import Question, Quiz
    from school.extensions import db

    return db.session.scalars(
        select(Quiz)
        .join(Question, Question.quiz_id == Quiz.id)
        .group_by(Quiz.id)
        .order_by(func.count(Question.id).desc(), Quiz.id)
        .limit(1)
    ).one()


def _variants(quiz, count: int) -> list[dict[str, Any]]:
    """``count`` finished attempts' frozen parts: a layout as start_attempt builds it (the same
    ``build_layout`` call, other seeds), responses, and the grade as submit_attempt gives it."""
    from quizzes import grading
    from quizzes.questions import question_from_dict
    from quizzes.responses import build_layout

    rng = random.Random(20261121)
    questions = [(row.id, row.data) for row in quiz.questions]
    out = []
    for _ in range(count):
        seed = rng.randrange(2**31 - 1)
        layout = build_layout(
            questions,
            seed,
            shuffle_questions=quiz.shuffle_questions,
            shuffle_answers=quiz.shuffle_answers,
        )
        typed = [question_from_dict(entry["data"]) for entry in layout]
        given = [_response(question, rng) for question in typed]
        responses = {
            str(entry["id"]): r for entry, r in zip(layout, given, strict=True) if r is not None
        }
        result = grading.grade_quiz(typed, given)
        out.append(
            {
                "seed": seed,
                "layout": layout,
                "responses": responses,
                "score": result.total,
                "max_score": result.max_score,
                "percent": result.percent,
                "passed": result.percent >= quiz.pass_mark - 1e-9,
            }
        )
    return out


def attempts(app, n: int, user_ids: Sequence[int]) -> tuple[int, dict[str, Page]]:
    """``n`` finished attempts at the demo quiz with the most questions, by ``user_ids`` in
    turn (numbers 1, 2, ... each), their ``analysis`` left empty, so that
    ``rebuild_statistics`` grades them all. Returns the quiz's id and its staff pages."""
    from quizzes.models import SUBMITTED, Attempt
    from school.extensions import db

    with app.app_context():
        quiz = _largest_quiz()
        quiz_id, questions = quiz.id, len(quiz.questions)
        variants = _variants(quiz, VARIANTS)
        db.session.remove()
    k = len(user_ids)

    def rows():
        for i in range(n):
            variant = variants[(i * 7919) % len(variants)]
            started = _START + timedelta(seconds=37 * i)
            yield {
                "quiz_id": quiz_id,
                "user_id": user_ids[i % k],
                "number": i // k + 1,
                "preview": False,
                "state": SUBMITTED,
                "started_at": started,
                "saved_at": started + timedelta(minutes=9),
                "submitted_at": started + timedelta(minutes=10),
                "overdue": False,
                **variant,
            }

    with app.app_context():
        _insert(Attempt.__table__, rows())
        db.session.remove()
    data = f"{_count(n)} attempts by {_count(k)} students, {questions} questions"
    return quiz_id, {
        "Quiz statistics": Page(f"/quizzes/{quiz_id}/statistics", data),
        "Quiz results": Page(f"/quizzes/{quiz_id}/results", data),
    }


def rebuild(app, quiz_id: int) -> None:
    """What the job queue runs when a quiz's stored figures are out of step."""
    from quizzes.services.analysis import rebuild_statistics
    from school.extensions import db

    with app.app_context():
        rebuild_statistics(quiz_id)
        db.session.remove()


# --------------------------------------------------------------------------- webinars


def registrations(app, n: int) -> dict[str, Page]:
    """``n`` students registered for one published demo webinar (past its capacity, if it has
    one, on the waiting list; every tenth cancelled): its registrants page."""
    from school.extensions import db
    from webinars.models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus

    user_ids = students(app, n)
    with app.app_context():
        webinar = db.session.scalars(
            select(Webinar)
            .where(Webinar.status == WebinarStatus.PUBLISHED.value)
            .order_by(Webinar.starts_at.desc(), Webinar.id)
            .limit(1)
        ).one()
        webinar_id, capacity = webinar.id, webinar.capacity
        db.session.remove()

    def rows():
        seats = 0
        for i, user_id in enumerate(user_ids):
            at = _START + timedelta(seconds=11 * i)
            if i % 10 == 9:
                status, cancelled = RegistrationStatus.CANCELLED.value, at + timedelta(days=1)
            elif capacity is None or seats < capacity:
                status, cancelled = RegistrationStatus.REGISTERED.value, None
                seats += 1
            else:
                status, cancelled = RegistrationStatus.WAITLISTED.value, None
            yield {
                "webinar_id": webinar_id,
                "user_id": user_id,
                "status": status,
                "registered_at": at,
                "cancelled_at": cancelled,
            }

    with app.app_context():
        _insert(WebinarRegistration.__table__, rows())
        db.session.remove()
    return {
        "Webinar registrants": Page(
            f"/webinars/{webinar_id}/registrants", f"{_count(n)} registrations of one webinar"
        )
    }


# --------------------------------------------------------------------------- courses


def courses(app, n: int) -> dict[str, Page]:
    """``n`` published courses of one module and three lessons each: the editors' list and the
    public catalogue."""
    from courses.models import Course, Item, Module
    from school.extensions import db

    with app.app_context():
        _insert(
            Course.__table__,
            (
                {
                    "slug": f"{PREFIX}course-{i:05d}",
                    "title": f"Курс {i:05d}: права и обязанности",
                    "summary": "Краткое описание курса для каталога, в одну-две строки.",
                    "description": "Описание курса.\n\nВторой абзац описания.",
                    "language": "ru",
                    "published": True,
                    "demo": False,
                    "created_at": _START + timedelta(hours=i),
                    "updated_at": _START + timedelta(hours=i),
                    "published_at": _START + timedelta(hours=i),
                }
                for i in range(n)
            ),
        )
        ids = list(db.session.scalars(select(Course.id).where(Course.slug.startswith(PREFIX))))
        _insert(
            Module.__table__,
            ({"course_id": c, "position": 0, "slug": "vvedenie", "title": "Введение"} for c in ids),
        )
        modules = list(
            db.session.scalars(select(Module.id).join(Course).where(Course.slug.startswith(PREFIX)))
        )
        _insert(
            Item.__table__,
            (
                {
                    "module_id": m,
                    "position": p,
                    "slug": f"urok-{p + 1}",
                    "title": f"Урок {p + 1}",
                    "body": "Текст урока.",
                }
                for m in modules
                for p in range(3)
            ),
        )
        total = db.session.scalar(select(func.count()).select_from(Course))
        db.session.remove()
    data = f"{_count(total)} courses"
    return {
        "Courses manage list `/courses/manage`": Page("/courses/manage", data),
        "Course catalogue `/courses/`": Page("/courses/", data + ", anonymous", login=None),
    }
