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

import json
import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "NANO",
    "AttemptData",
    "Contribution",
    "Flag",
    "Histograms",
    "ItemResponse",
    "QuestionStats",
    "QuizStats",
    "Thresholds",
    "decode_option",
    "discrimination_index",
    "encode_option",
    "item_analysis",
    "nano",
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
    # Sums taken in another order differ in the last bits: a value on a threshold, or a zero,
    # must read the same however it was summed.
    facility = round(facility, 9)
    flags = []
    if facility < limits.min_facility:
        flags.append(Flag.TOO_HARD)
    if facility > limits.max_facility:
        flags.append(Flag.TOO_EASY)
    if discrimination is not None:
        discrimination = round(discrimination, 9)
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


# ------------------------------------------------------------------------------ stored figures
#
# The statistics page does not re-grade every attempt: each finished attempt adds its part
# (:class:`Contribution`) to per-question histograms keyed by the attempt's total
# (:class:`Histograms`), and a deleted attempt takes it away again. The upper and lower 27% are
# read off the histogram, ties at a boundary shared as above, so the figures are those of
# :func:`item_analysis` over the same attempts. Totals and fractions are kept in billionths as
# integers: sums are exact, whatever order attempts came in.

NANO = 10**9


def nano(value: float) -> int:
    return round(value * NANO)


def encode_option(key: Hashable) -> str:
    """An option key as JSON text, its type kept (choice index, true/false, pair, text, number)."""
    if isinstance(key, bool):
        return json.dumps(["b", key])
    if isinstance(key, int):
        return json.dumps(["i", key])
    if isinstance(key, float):
        return json.dumps(["f", key])
    if isinstance(key, tuple):
        return json.dumps(["t", list(key)])
    return json.dumps(["s", str(key)], ensure_ascii=False)


def decode_option(text: str) -> Hashable:
    kind, value = json.loads(text)
    return tuple(value) if kind == "t" else value


@dataclass(frozen=True)
class Contribution:
    """What one finished attempt adds: its total and, per question in its layout order, the
    score fraction and the options chosen (encoded), all in billionths where numbers."""

    attempt_id: int
    total: int
    items: tuple[tuple[int, int, tuple[str, ...]], ...]

    @classmethod
    def of(cls, attempt_id: int, data: AttemptData) -> Contribution:
        items = tuple(
            (int(key), nano(item.fraction), tuple(sorted(encode_option(o) for o in item.chosen)))
            for key, item in data.items.items()
        )
        return cls(attempt_id, nano(data.total), items)

    def to_dict(self) -> dict[str, Any]:
        return {"attempt": self.attempt_id, "total": self.total,
                "items": [[q, f, list(o)] for q, f, o in self.items]}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Contribution:
        items = tuple((int(q), int(f), tuple(o)) for q, f, o in data["items"])
        return cls(int(data["attempt"]), int(data["total"]), items)


class Histograms:
    """Per-question histograms of a quiz's finished attempts, kept as JSON-ready data.

    ``{"attempts": n, "totals": {total: n}, "questions": {id: {"first": [attempt, position],
    "data": question, "attempts": n, "unanswered": n, "bins": {total: [n, fraction sum]},
    "options": {option: n}}}}``; keys are text (JSON objects have text keys).
    """

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        data = data or {}
        self.attempts: int = int(data.get("attempts", 0))
        self.totals: dict[str, int] = dict(data.get("totals", {}))
        self.questions: dict[str, dict[str, Any]] = {
            key: {**value, "bins": dict(value["bins"]), "options": dict(value["options"])}
            for key, value in data.get("questions", {}).items()
        }

    def to_dict(self) -> dict[str, Any]:
        return {"attempts": self.attempts, "totals": self.totals, "questions": self.questions}

    def add(
        self, part: Contribution, snapshots: Mapping[int, Any] | None = None, sign: int = 1
    ) -> None:
        """Count an attempt in (``sign=1``, with its questions' data) or out (``sign=-1``)."""
        self.attempts += sign
        _bump(self.totals, str(part.total), sign)
        for position, (question_id, fraction, chosen) in enumerate(part.items):
            key = str(question_id)
            entry = self.questions.get(key)
            if entry is None:
                if sign < 0:
                    continue
                entry = self.questions[key] = {
                    "first": [part.attempt_id, position],
                    "data": (snapshots or {}).get(question_id),
                    "attempts": 0, "unanswered": 0, "bins": {}, "options": {},
                }  # fmt: skip
            elif sign > 0 and [part.attempt_id, position] < entry["first"]:
                entry["first"] = [part.attempt_id, position]
                entry["data"] = (snapshots or {}).get(question_id, entry["data"])
            entry["attempts"] += sign
            entry["unanswered"] += sign * (not chosen)
            counts = entry["bins"].setdefault(str(part.total), [0, 0])
            counts[0] += sign
            counts[1] += sign * fraction
            if not counts[0]:
                del entry["bins"][str(part.total)]
            for option in chosen:
                _bump(entry["options"], option, sign)
            if entry["attempts"] <= 0:
                del self.questions[key]

    def analysis(
        self,
        *,
        options: Mapping[Hashable, Iterable[Hashable]] | None = None,
        thresholds: Thresholds | None = None,
    ) -> QuizStats:
        """The figures of :func:`item_analysis` over the attempts counted in."""
        limits = thresholds or Thresholds()
        keys: dict[Hashable, None] = dict.fromkeys(options or {})
        by_first = sorted(self.questions.items(), key=lambda kv: kv[1]["first"])
        keys.update(dict.fromkeys(int(key) for key, _ in by_first))
        results = []
        for key in keys:
            entry = self.questions.get(str(key))
            counts: Counter[Hashable] = Counter(dict.fromkeys((options or {}).get(key, ()), 0))
            if entry is None:
                results.append(QuestionStats(key, 0, None, None, dict(counts), 0, ()))
                continue
            for option, count in entry["options"].items():
                counts[decode_option(option)] += count
            n = entry["attempts"]
            bins = [(int(total), c[0], c[1]) for total, c in entry["bins"].items()]
            facility = sum(c[2] for c in bins) / NANO / n
            discrimination = _binned_discrimination(bins)
            flags = _flags(facility, discrimination, limits) if n >= limits.min_attempts else ()
            results.append(
                QuestionStats(
                    key, n, facility, discrimination, dict(counts), entry["unanswered"], flags
                )
            )
        mean_total = None
        if self.attempts:
            mean_total = sum(int(t) * n for t, n in self.totals.items()) / NANO / self.attempts
        return QuizStats(attempts=self.attempts, mean_total=mean_total, questions=tuple(results))


def _bump(counts: dict[str, int], key: str, by: int) -> None:
    counts[key] = counts.get(key, 0) + by
    if not counts[key]:
        del counts[key]


def _binned_top_mean(bins: list[tuple[int, int, int]], size: int) -> float:
    """:func:`_top_mean` over ``(total, attempts, fraction sum)`` bins, highest totals first."""
    taken = above = 0
    for _total, count, fractions in bins:
        if taken + count >= size:
            places = size - taken
            return (above / NANO + places * (fractions / NANO) / count) / size
        taken += count
        above += fractions
    raise ValueError("fewer attempts than the group")


def _binned_discrimination(bins: list[tuple[int, int, int]]) -> float | None:
    n = sum(count for _total, count, _f in bins)
    if n < 2:
        return None
    size = _group_size(n)
    ordered = sorted(bins, reverse=True)
    return _binned_top_mean(ordered, size) - _binned_top_mean(ordered[::-1], size)
