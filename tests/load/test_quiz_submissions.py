"""200 students hand in the demo quiz at the same moment; some send a second form with it."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from courses import services as course_services
from courses.models import Completion
from quizzes.models import SUBMITTED, Attempt, Quiz
from school.extensions import db
from school.models import User
from tests.load.web import all_at_once
from tests.quizzes.conftest import SUBMIT_ANYWAY

# For one student in ten the answers arrive twice at once (a double click), and for another
# one in ten a blank form arrives with them (a second tab).
TWICE_EVERY = 10
_ATTEMPT_PATH = re.compile(r"^/quizzes/attempts/(\d+)$")


def _demo_quiz(site) -> tuple[int, str]:
    """The demo course's quiz with the most questions, and the course's address."""
    with site.context():
        quizzes = list(db.session.scalars(select(Quiz).order_by(Quiz.id)))
        quiz = max(quizzes, key=lambda q: (len(q.questions), -q.id))
        found = quiz.id, quiz.course.slug
        db.session.remove()
    return found


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def answer(entry: dict[str, Any], right: bool) -> tuple[dict[str, str], bool]:
    """Form fields answering one question of an attempt's layout rightly or wrongly, and
    whether it scores. Multiple-choice and matching questions are left unanswered (no score)."""
    data, name = entry["data"], f"q{entry['id']}"
    kind = data["type"]
    if kind == "single":
        weights = [choice["weight"] for choice in data["choices"]]
        index = weights.index(100.0) if right else weights.index(min(weights))
        shown = entry.get("order") or list(range(len(weights)))
        return {name: str(shown.index(index))}, right
    if kind == "truefalse":
        return {name: "true" if data["answer"] == right else "false"}, right
    if kind == "short":
        return {name: data["answers"][0]["text"] if right else "не знаю"}, right
    if kind == "numeric":
        best = data["answers"][0]
        value = best.get("value", best.get("minimum"))
        return {name: _number(value) if right else "-12345"}, right
    return {}, False


def answers_for(layout: list[dict[str, Any]], pattern: int) -> tuple[dict[str, str], float, float]:
    """The form of a student whose answers follow the bits of ``pattern``; the score and the
    maximum the grader should give for it."""
    form: dict[str, str] = {}
    score = 0.0
    answerable = 0
    for entry in layout:
        right = bool(pattern >> answerable & 1)
        fields, scores = answer(entry, right)
        if fields:
            answerable += 1
        form.update(fields)
        score += entry["data"]["default_mark"] if scores else 0.0
    maximum = sum(entry["data"]["default_mark"] for entry in layout)
    return form, score, maximum


def _enrol(site, students, slug: str) -> None:
    with site.context():
        course = course_services.course_by_slug(slug)
        for student in students:
            course_services.enrol(db.session.get(User, student.id), course)
        db.session.remove()


def test_two_hundred_submissions_at_once(site, students):
    quiz_id, course = _demo_quiz(site)
    _enrol(site, students, course)

    def start(student) -> int:
        started = student.client.post(f"/quizzes/{quiz_id}/start")
        match = _ATTEMPT_PATH.match(started.path)
        assert started.status == 302 and match, (started.status, started.location)
        return int(match.group(1))

    with ThreadPoolExecutor(max_workers=4) as pool:
        attempt_ids = list(pool.map(start, students))
    assert len(set(attempt_ids)) == len(students)

    with site.context():
        rows = db.session.scalars(select(Attempt).where(Attempt.id.in_(attempt_ids)))
        layouts = {row.id: row.layout for row in rows}
        pass_mark = db.session.get(Quiz, quiz_id).pass_mark
        db.session.remove()

    expected: dict[int, tuple[float, float]] = {}
    # Attempts that also got a blank form at the same moment (a second tab): graded with either.
    blank_too: set[int] = set()
    calls = []
    for number, (student, attempt_id) in enumerate(zip(students, attempt_ids, strict=True)):
        form, score, maximum = answers_for(layouts[attempt_id], number)
        expected[attempt_id] = (score, maximum)
        url = f"/quizzes/attempts/{attempt_id}/submit"
        # Submitted as after the check page: questions left blank do not stop it.
        form = {**form, **SUBMIT_ANYWAY}
        forms = [form]
        if number % TWICE_EVERY == 0:
            forms.append(form)
        elif number % TWICE_EVERY == TWICE_EVERY // 2:
            forms.append(dict(SUBMIT_ANYWAY))
            blank_too.add(attempt_id)
        calls += [lambda c=student.client, u=url, f=f: (u, c.post(u, f)) for f in forms]
    assert {score for score, _ in expected.values()} >= {0.0, 4.0}, "answers should differ"

    mark = site.log_mark()
    replies = all_at_once(calls)
    wrong = [(url, r.status, r.body[:300]) for url, r in replies if r.status != 302]
    assert not wrong, wrong[:5]
    assert all(r.path == url.removesuffix("/submit") for url, r in replies)
    assert not site.log_problems(mark)

    user_ids = [s.id for s in students]
    with site.context():
        attempts = list(
            db.session.scalars(
                select(Attempt).where(Attempt.quiz_id == quiz_id, Attempt.user_id.in_(user_ids))
            )
        )
        # One attempt each: none lost, none made twice, each graded once with its answers.
        assert sorted(a.id for a in attempts) == sorted(attempt_ids)
        assert Counter(a.user_id for a in attempts) == Counter(user_ids)
        passed = set()
        for attempt in attempts:
            score, maximum = expected[attempt.id]
            if attempt.id in blank_too and not attempt.responses:
                score = 0.0  # the blank form came first; the answers after it changed nothing
            else:
                assert attempt.responses, attempt.id
            assert attempt.state == SUBMITTED
            assert attempt.number == 1
            assert attempt.submitted_at is not None and not attempt.overdue
            assert attempt.score == pytest.approx(score), attempt.id
            assert attempt.max_score == pytest.approx(maximum)
            assert attempt.percent == pytest.approx(100 * score / maximum)
            assert attempt.passed == (100 * score / maximum >= pass_mark)
            if attempt.passed:
                passed.add(attempt.user_id)
        item_id = db.session.get(Quiz, quiz_id).item_id
        completions = list(
            db.session.scalars(
                select(Completion.user_id).where(
                    Completion.item_id == item_id, Completion.user_id.in_(user_ids)
                )
            )
        )
        assert sorted(completions) == sorted(passed)
        db.session.remove()

    # The result page of an attempt handed in twice shows it, once.
    student = students[0]
    page = student.client.get(f"/quizzes/attempts/{attempt_ids[0]}")
    assert page.status == 200
