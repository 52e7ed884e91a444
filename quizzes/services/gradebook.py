"""The results of a quiz for its editors: one row per student, as a table and as CSV, with each
student's attempts."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import distinct, func, select, true

from quizzes.models import GRADING_LAST, SUBMITTED, Attempt, Quiz
from quizzes.services.attempts import passes
from school.extensions import db
from school.models import User


@dataclass
class ResultRow:
    user_id: int
    name: str
    username: str
    attempts: int
    in_progress: int
    best: float | None
    last: float | None
    grade: float | None
    passed: bool
    last_submitted_at: datetime | None


#: Students per page of the results table.
RESULTS_PER_PAGE = 50


def _students(quiz: Quiz):
    return select(Attempt.user_id).where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False))


class StudentsPagination(Pagination):
    """A page of the students who attempted a quiz, by name, and how many there are.

    One query answers both: the students are read once, from the ``(quiz_id, preview,
    user_id)`` index, and a window count over them gives the number of all of them. Only a page
    past the last one asks for the number separately.
    """

    def _query_items(self) -> list[int]:
        quiz = self._query_args["quiz"]
        shown_name = func.lower(func.coalesce(User.display_name, User.username))
        rows = db.session.execute(
            select(User.id, func.count().over())
            .where(User.id.in_(_students(quiz)))
            .order_by(shown_name, User.id)
            .limit(self.per_page)
            .offset(self._query_offset)
        ).all()
        if rows:
            self._counted = rows[0][1]
        else:
            self._counted = None if self._query_offset else 0
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        if self._counted is not None:
            return self._counted
        quiz = self._query_args["quiz"]
        return db.session.scalar(
            select(func.count(distinct(Attempt.user_id))).where(
                Attempt.quiz_id == quiz.id, Attempt.preview.is_(False)
            )
        )


def results_page(quiz: Quiz, page: int = 1, per_page: int = RESULTS_PER_PAGE):
    """One page of the students who attempted the quiz, by name, and their result rows.

    Three queries, whatever the number of students and attempts: the page of students with
    their count, their attempts, and their attempts' ids for the review links.
    """
    pagination = StudentsPagination(page=page, per_page=per_page, error_out=False, quiz=quiz)
    ids = list(pagination.items)
    return pagination, results(quiz, user_ids=ids), attempts_by_user(quiz, user_ids=ids)


def results(quiz: Quiz, user_ids: Sequence[int] | None = None) -> list[ResultRow]:
    """One row per student who has attempted the quiz (editors' previews left out), or per
    student of ``user_ids``."""
    rows = db.session.execute(
        select(
            Attempt.user_id,
            Attempt.number,
            Attempt.state,
            Attempt.percent,
            Attempt.submitted_at,
            User.username,
            User.display_name,
        )
        .join(User, User.id == Attempt.user_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False))
        .where(Attempt.user_id.in_(user_ids) if user_ids is not None else true())
        .order_by(Attempt.user_id, Attempt.number)
    ).all()
    by_user: dict[int, list] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    table = []
    for user_id, attempts in by_user.items():
        finished = [a for a in attempts if a.state == SUBMITTED and a.percent is not None]
        best = max((a.percent for a in finished), default=None)
        last = max(finished, key=lambda a: a.number).percent if finished else None
        grade = last if quiz.grading == GRADING_LAST else best
        first = attempts[0]
        table.append(
            ResultRow(
                user_id=user_id,
                name=first.display_name or first.username,
                username=first.username,
                attempts=len(finished),
                in_progress=len(attempts) - len(finished),
                best=best,
                last=last,
                grade=grade,
                passed=passes(quiz, grade),
                last_submitted_at=max((a.submitted_at for a in finished), default=None),
            )
        )
    table.sort(key=lambda r: (r.name.casefold(), r.user_id))
    return table


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def csv_cell(value: Any) -> str:
    """A CSV cell that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return format_decimal(round(value, 2), "0.##")
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def results_csv(quiz: Quiz) -> bytes:
    """The results table as CSV: UTF-8 with a byte order mark, so spreadsheets read Cyrillic."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            _("Student"),
            _("Username"),
            _("Attempts"),
            _("Best, %"),
            _("Last, %"),
            _("Grade, %"),
            _("Passed"),
            _("Last submitted (UTC)"),
        ]
    )
    for row in results(quiz):
        writer.writerow(
            csv_cell(value)
            for value in (
                row.name,
                row.username,
                row.attempts,
                row.best,
                row.last,
                row.grade,
                row.passed,
                row.last_submitted_at.strftime("%Y-%m-%d %H:%M") if row.last_submitted_at else "",
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def attempts_by_user(quiz: Quiz, user_ids: Sequence[int] | None = None) -> dict[int, list[Any]]:
    """Id and number of every student's attempts at the quiz (previews left out), oldest
    first, by user id; only of ``user_ids`` when given."""
    by_user: dict[int, list[Any]] = {}
    for row in db.session.execute(
        select(Attempt.id, Attempt.number, Attempt.user_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False))
        .where(Attempt.user_id.in_(user_ids) if user_ids is not None else true())
        .order_by(Attempt.user_id, Attempt.number)
    ):
        by_user.setdefault(row.user_id, []).append(row)
    return by_user
