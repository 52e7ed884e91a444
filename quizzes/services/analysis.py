"""Item analysis of a quiz's finished attempts, for the statistics page.

The figures are stored (``QuizStatistics``): each attempt adds its part when it finishes
(:func:`count_in`) and takes it away when it is deleted (:func:`count_out`), so the page reads
one row however many attempts there are, instead of grading them all again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from quizzes import grading, statistics
from quizzes.models import SUBMITTED, Attempt, Quiz, QuizStatistics
from quizzes.questions import (
    MatchingQuestion,
    MultipleChoiceQuestion,
    NumericQuestion,
    ShortAnswerQuestion,
    SingleChoiceQuestion,
    TrueFalseQuestion,
    question_from_dict,
)
from quizzes.questions import Question as QuestionData
from quizzes.responses import chosen_options
from quizzes.services._common import locale_uses_comma
from school import jobs
from school.database import begin_write
from school.extensions import db
from school.timeutil import now_utc


@dataclass
class OptionRow:
    label: str
    count: int
    share: float
    correct: bool = False


@dataclass
class QuestionReport:
    number: int
    question_id: int
    question: QuestionData
    deleted: bool
    stats: statistics.QuestionStats
    options: list[OptionRow] = field(default_factory=list)


@dataclass
class StatisticsReport:
    attempts: int
    mean_percent: float | None
    questions: list[QuestionReport]
    # The stored figures are out of step and being recounted by the job queue.
    stale: bool = False


_TOP_TEXT_ANSWERS = 10


def _option_keys(question: QuestionData) -> list[Any]:
    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        return list(range(len(question.choices)))
    if isinstance(question, TrueFalseQuestion):
        return [True, False]
    if isinstance(question, MatchingQuestion):
        return sorted(question.correct_matches.items())
    return []


def _option_rows(question: QuestionData, stats: statistics.QuestionStats) -> list[OptionRow]:
    counts = stats.option_counts
    n = stats.attempts

    def row(label: str, key: Any, correct: bool) -> OptionRow:
        count = counts.get(key, 0)
        return OptionRow(label, count, count / n if n else 0.0, correct)

    if isinstance(question, SingleChoiceQuestion | MultipleChoiceQuestion):
        return [row(choice.text, i, choice.weight > 0) for i, choice in enumerate(question.choices)]
    if isinstance(question, TrueFalseQuestion):
        return [row(_("True"), True, question.answer), row(_("False"), False, not question.answer)]
    if isinstance(question, MatchingQuestion):
        options = question.right_options
        rows = []
        for (left, right), count in sorted(counts.items(), key=lambda kv: (kv[0], -kv[1])):
            if not (0 <= left < len(question.pairs) and 0 <= right < len(options)):
                continue
            label = f"{question.pairs[left].left} → {options[right]}"
            correct = question.correct_matches.get(left) == right
            rows.append(OptionRow(label, count, count / n if n else 0.0, correct))
        return rows
    # Short and numeric answers: the most frequent ones typed.
    accepted: set[Any] = set()
    if isinstance(question, ShortAnswerQuestion):
        accepted = {grading.normalize_answer(a.text) for a in question.answers if a.weight == 100}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    rows = []
    for key, count in ranked[:_TOP_TEXT_ANSWERS]:
        if isinstance(question, NumericQuestion) and isinstance(key, float):
            label = grading.format_number(key, "," if locale_uses_comma() else ".")
            correct = grading.grade(question, key).correct
        else:
            label = str(key)
            correct = key in accepted
        rows.append(OptionRow(label, count, count / n if n else 0.0, correct))
    return rows


#: A quiz with at most this many finished attempts whose stored figures are out of step (attempts
#: from before figures were stored) is recounted within the request; a bigger one by the queue.
INLINE_REBUILD = 200
#: Attempts graded at a time when a quiz's figures are rebuilt.
REBUILD_BATCH = 500


def _finished(quiz_id: int):
    return (
        Attempt.quiz_id == quiz_id,
        Attempt.state == SUBMITTED,
        Attempt.preview.is_(False),
        # Counted once its essays are graded.
        Attempt.awaiting_grading.is_(False),
    )


def _contribution(attempt: Attempt) -> statistics.Contribution:
    """Grade each question of the attempt as it was shown; its part in the statistics."""
    items = {}
    responses = attempt.responses or {}
    marks = attempt.manual_grades or {}
    for entry in attempt.layout:
        question = question_from_dict(entry["data"])
        if question.type == "description":
            continue
        response = responses.get(str(entry["id"]))
        mark = marks.get(str(entry["id"]), {}).get("mark")
        items[entry["id"]] = statistics.ItemResponse(
            grading.grade(question, response, mark).fraction, chosen_options(question, response)
        )
    total = min(1.0, max(0.0, (attempt.percent or 0.0) / 100))
    return statistics.Contribution.of(attempt.id, statistics.AttemptData(total, items))


class _Layout:
    """The questions of one attempt as it was shown, read only if asked for."""

    def __init__(self, attempt_id: int) -> None:
        self.attempt_id = attempt_id
        self._questions: dict[int, Any] | None = None

    def get(self, question_id: int, default: Any = None) -> Any:
        if self._questions is None:
            layout = db.session.scalar(select(Attempt.layout).where(Attempt.id == self.attempt_id))
            self._questions = {entry["id"]: entry["data"] for entry in layout or []}
        return self._questions.get(question_id, default)


def _locked_statistics(quiz_id: int) -> QuizStatistics:
    """The quiz's stored figures, locked until the transaction ends (made if missing)."""

    def locked() -> QuizStatistics | None:
        return db.session.scalar(
            select(QuizStatistics)
            .where(QuizStatistics.quiz_id == quiz_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    row = locked()
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(QuizStatistics(quiz_id=quiz_id, attempts=0, data={}))
        except IntegrityError:
            pass  # made by another worker at the same time
        row = locked()
    return row


def _store(row: QuizStatistics, histograms: statistics.Histograms) -> None:
    row.data = histograms.to_dict()
    row.attempts = histograms.attempts
    row.updated_at = now_utc()


def count_in(attempt: Attempt) -> None:
    """Add a just-finished attempt to its quiz's figures (inside its write transaction)."""
    if attempt.preview:
        return
    part = _contribution(attempt)
    attempt.analysis = part.to_dict()
    row = _locked_statistics(attempt.quiz_id)
    histograms = statistics.Histograms(row.data)
    histograms.add(part, {entry["id"]: entry["data"] for entry in attempt.layout})
    _store(row, histograms)


def count_out(where) -> None:
    """Take the finished attempts matching ``where`` out of their quizzes' figures, before they
    are deleted (inside the caller's transaction). An attempt from before figures were stored
    adds nothing to take away: its quiz's figures are rebuilt when next shown."""
    rows = db.session.execute(
        select(Attempt.quiz_id, Attempt.analysis)
        .where(where, Attempt.state == SUBMITTED, Attempt.preview.is_(False))
        .order_by(Attempt.quiz_id)
    ).all()
    by_quiz: dict[int, list[dict[str, Any]]] = {}
    for quiz_id, analysis in rows:
        if analysis:
            by_quiz.setdefault(quiz_id, []).append(analysis)
    for quiz_id, parts in by_quiz.items():
        row = _locked_statistics(quiz_id)
        histograms = statistics.Histograms(row.data)
        for part in parts:
            histograms.add(statistics.Contribution.from_dict(part), sign=-1)
        _store(row, histograms)


def rebuild_statistics(quiz_id: int) -> None:
    """Recount a quiz's figures from its finished attempts (a job, or inline for small ones).

    Attempts that never stored their part are graded first, a batch at a time; the figures are
    then summed from the stored parts while the quiz's row is locked.
    """
    missing = list(
        db.session.scalars(
            select(Attempt.id).where(*_finished(quiz_id), Attempt.analysis.is_(None))
        )
    )
    for start in range(0, len(missing), REBUILD_BATCH):
        batch = missing[start : start + REBUILD_BATCH]
        for attempt in db.session.scalars(select(Attempt).where(Attempt.id.in_(batch))):
            attempt.analysis = _contribution(attempt).to_dict()
        db.session.commit()
    begin_write()
    row = _locked_statistics(quiz_id)
    histograms = statistics.Histograms()
    parts = db.session.execute(
        select(Attempt.id, Attempt.analysis).where(*_finished(quiz_id)).order_by(Attempt.id)
    )
    for attempt_id, analysis in parts:
        if analysis:
            histograms.add(statistics.Contribution.from_dict(analysis), _Layout(attempt_id))
    _store(row, histograms)
    db.session.commit()


def statistics_report(quiz: Quiz) -> StatisticsReport:
    """Item analysis of every finished attempt (editors' previews left out), from the stored
    figures; ``stale`` when they are being recounted by the queue."""
    finished = db.session.scalar(
        select(func.count()).select_from(Attempt).where(*_finished(quiz.id))
    )
    row = db.session.scalar(select(QuizStatistics).where(QuizStatistics.quiz_id == quiz.id))
    stale = row is None or row.attempts != finished
    if stale and finished <= INLINE_REBUILD:
        rebuild_statistics(quiz.id)
        row = db.session.scalar(select(QuizStatistics).where(QuizStatistics.quiz_id == quiz.id))
        stale = False
    elif stale:
        jobs.queue().submit(
            rebuild_statistics,
            quiz.id,
            key=f"quiz-statistics-{quiz.id}",
            description=f"statistics of quiz {quiz.id}",
        )
    histograms = statistics.Histograms(row.data if row is not None else None)
    current = {question.id: question.question for question in quiz.questions}
    options = {qid: _option_keys(question) for qid, question in current.items()}
    stats = histograms.analysis(options=options)
    reports = []
    for item in stats.questions:
        question = current.get(item.key)
        if question is None:
            snapshot = histograms.questions.get(str(item.key), {}).get("data")
            if snapshot is None:
                continue
            question = question_from_dict(snapshot)
        if question.type == "description":
            continue
        reports.append(
            QuestionReport(
                number=len(reports) + 1,
                question_id=item.key,
                question=question,
                deleted=item.key not in current,
                stats=item,
                options=_option_rows(question, item),
            )
        )
    mean = stats.mean_total * 100 if stats.mean_total is not None else None
    return StatisticsReport(
        attempts=stats.attempts, mean_percent=mean, questions=reports, stale=stale
    )
