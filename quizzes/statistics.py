"""Item analysis of quiz attempts. Pure functions: no Flask, no database.

For every question it computes:

- **facility index**: the mean score fraction (0..1), the share of the marks students got;
- **discrimination index**: Kelley's upper-lower index ``D = p_upper - p_lower``, the mean
  score fraction of the question in the 27% of attempts with the highest quiz totals minus
  that in the 27% with the lowest (group size ``round(0.27 * n)``, at least 1). Attempts tied
  at a group's boundary share the remaining places equally, so the result does not depend on
  the order of the attempts. ``D`` ranges from -1 to 1; it is ``None`` with fewer than two
  attempts, and 0 when every attempt has the same total;
- **option frequencies**: how many attempts chose each option, and how many chose none.

Weak questions are flagged with reason codes (:class:`Flag`): too hard, too easy, low or
negative discrimination — only when at least ``Thresholds.min_attempts`` attempts answered.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "AttemptData",
    "Flag",
    "ItemResponse",
    "QuestionStats",
    "QuizStats",
    "Thresholds",
    "discrimination_index",
    "item_analysis",
]

GROUP_SHARE = 0.27


class Flag(StrEnum):
    TOO_HARD = "too_hard"
    TOO_EASY = "too_easy"
    LOW_DISCRIMINATION = "low_discrimination"
    NEGATIVE_DISCRIMINATION = "negative_discrimination"


@dataclass(frozen=True)
class ItemResponse:
    """One question in one attempt: the score fraction (0..1) and the option(s) chosen.

    Options are any hashable keys: choice indexes, ``True``/``False``, ``(left, right)``
    pairs for matching, normalised text for short answers. An empty ``chosen`` means the
    question was left unanswered.
    """

    fraction: float
    chosen: frozenset[Hashable] = frozenset()

    def __post_init__(self) -> None:
        _check_fraction(self.fraction, "fraction")
        if not isinstance(self.chosen, frozenset):
            object.__setattr__(self, "chosen", frozenset(self.chosen))


@dataclass(frozen=True)
class AttemptData:
    """One finished attempt: the quiz total as a fraction of its maximum (0..1) and its
    questions by key. A question missing from ``items`` was not in this attempt (random
    selection); an unanswered question should be present with fraction 0 and no choice."""

    total: float
    items: Mapping[Hashable, ItemResponse]

    def __post_init__(self) -> None:
        _check_fraction(self.total, "total")


@dataclass(frozen=True)
class Thresholds:
    """Limits for flagging weak questions."""

    min_facility: float = 0.2
    max_facility: float = 0.95
    min_discrimination: float = 0.2
    min_attempts: int = 5


@dataclass(frozen=True)
class QuestionStats:
    key: Hashable
    attempts: int
    facility: float | None
    discrimination: float | None
    option_counts: dict[Hashable, int] = field(default_factory=dict)
    unanswered: int = 0
    flags: tuple[Flag, ...] = ()

    def option_share(self, option: Hashable) -> float:
        """Share of this question's attempts that chose ``option`` (0 with no attempts)."""
        if not self.attempts:
            return 0.0
        return self.option_counts.get(option, 0) / self.attempts


@dataclass(frozen=True)
class QuizStats:
    attempts: int
    mean_total: float | None
    questions: tuple[QuestionStats, ...]

    def question(self, key: Hashable) -> QuestionStats:
        """The statistics of one question; ``KeyError`` if it never appeared."""
        for stats in self.questions:
            if stats.key == key:
                return stats
        raise KeyError(key)


def _check_fraction(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")


def _group_size(n: int) -> int:
    return max(1, math.floor(GROUP_SHARE * n + 0.5))


def _top_mean(pairs: list[tuple[float, float]], size: int) -> float:
    """Mean item score of the ``size`` attempts with the highest totals; attempts tied at
    the boundary contribute their mean to the places left."""
    ordered = sorted(pairs, key=lambda pair: pair[0], reverse=True)
    cut = ordered[size - 1][0]
    above = [score for total, score in pairs if total > cut]
    tied = [score for total, score in pairs if total == cut]
    places = size - len(above)
    return (math.fsum(above) + places * math.fsum(tied) / len(tied)) / size


def discrimination_index(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Upper-lower 27% index from ``(quiz total, item fraction)`` pairs; ``None`` if n < 2."""
    # Rounding merges totals that differ only by floating-point noise into ties.
    data = [(round(total, 9), score) for total, score in pairs]
    if len(data) < 2:
        return None
    size = _group_size(len(data))
    upper = _top_mean(data, size)
    lower = _top_mean([(-total, score) for total, score in data], size)
    return upper - lower


def _flags(facility: float, discrimination: float | None, limits: Thresholds) -> tuple[Flag, ...]:
    flags = []
    if facility < limits.min_facility:
        flags.append(Flag.TOO_HARD)
    if facility > limits.max_facility:
        flags.append(Flag.TOO_EASY)
    if discrimination is not None:
        if discrimination < 0:
            flags.append(Flag.NEGATIVE_DISCRIMINATION)
        elif discrimination < limits.min_discrimination:
            flags.append(Flag.LOW_DISCRIMINATION)
    return tuple(flags)


def item_analysis(
    attempts: Iterable[AttemptData],
    *,
    options: Mapping[Hashable, Iterable[Hashable]] | None = None,
    thresholds: Thresholds | None = None,
) -> QuizStats:
    """Analyse finished attempts question by question.

    ``options`` may list each question's options so that never-chosen ones appear with a
    count of 0; questions are reported in the order of ``options``, then of first appearance.
    """
    limits = thresholds or Thresholds()
    attempts = list(attempts)
    keys: dict[Hashable, None] = dict.fromkeys(options or {})
    for attempt in attempts:
        keys.update(dict.fromkeys(attempt.items))

    results = []
    for key in keys:
        answered = [(a.total, a.items[key]) for a in attempts if key in a.items]
        counts: Counter[Hashable] = Counter(dict.fromkeys((options or {}).get(key, ()), 0))
        unanswered = 0
        for _, item in answered:
            counts.update(item.chosen)
            unanswered += not item.chosen
        n = len(answered)
        facility = math.fsum(item.fraction for _, item in answered) / n if n else None
        discrimination = discrimination_index((total, item.fraction) for total, item in answered)
        flags: tuple[Flag, ...] = ()
        if facility is not None and n >= limits.min_attempts:
            flags = _flags(facility, discrimination, limits)
        results.append(
            QuestionStats(
                key=key,
                attempts=n,
                facility=facility,
                discrimination=discrimination,
                option_counts=dict(counts),
                unanswered=unanswered,
                flags=flags,
            )
        )
    mean_total = math.fsum(a.total for a in attempts) / len(attempts) if attempts else None
    return QuizStats(attempts=len(attempts), mean_total=mean_total, questions=tuple(results))
