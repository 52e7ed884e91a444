"""Item analysis of a quiz's finished attempts, for the statistics page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from quizzes import grading, statistics
from quizzes.models import SUBMITTED, Attempt, Quiz
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
from school.extensions import db


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


def statistics_report(quiz: Quiz) -> StatisticsReport:
    """Item analysis of every finished attempt (editors' previews left out)."""
    attempts = list(
        db.session.scalars(
            select(Attempt)
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.state == SUBMITTED,
                Attempt.preview.is_(False),
            )
            .order_by(Attempt.id)
        )
    )
    current = {row.id: row.question for row in quiz.questions}
    snapshots: dict[int, QuestionData] = {}
    data = []
    for attempt in attempts:
        items = {}
        responses = attempt.responses or {}
        for entry in attempt.layout:
            question_id = entry["id"]
            question = question_from_dict(entry["data"])
            snapshots.setdefault(question_id, question)
            response = responses.get(str(question_id))
            items[question_id] = statistics.ItemResponse(
                grading.grade(question, response).fraction, chosen_options(question, response)
            )
        total = (attempt.percent or 0.0) / 100
        data.append(statistics.AttemptData(min(1.0, max(0.0, total)), items))
    options = {qid: _option_keys(question) for qid, question in current.items()}
    stats = statistics.item_analysis(data, options=options)
    reports = []
    for number, item in enumerate(stats.questions, start=1):
        question = current.get(item.key) or snapshots[item.key]
        reports.append(
            QuestionReport(
                number=number,
                question_id=item.key,
                question=question,
                deleted=item.key not in current,
                stats=item,
                options=_option_rows(question, item),
            )
        )
    mean = stats.mean_total * 100 if stats.mean_total is not None else None
    return StatisticsReport(attempts=stats.attempts, mean_percent=mean, questions=reports)
