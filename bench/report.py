"""Figures of a benchmark run, their targets, and the table they are printed as."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A bound a figure should stay on the right side of: ``value >= limit`` or ``<= limit``."""

    limit: float
    at_least: bool
    text: str

    def met(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value <= self.limit


def at_least(limit: float, text: str) -> Target:
    return Target(limit, True, text)


def at_most(limit: float, text: str) -> Target:
    return Target(limit, False, text)


def below(limit: float, text: str) -> Target:
    """A strict upper bound ("under 50 ms"), met only by values smaller than ``limit``."""
    return Target(math.nextafter(limit, -math.inf), False, text)


@dataclass(frozen=True)
class Figure:
    """One measured number, with what it was measured on and, optionally, its target."""

    section: str
    name: str
    value: float
    unit: str
    target: Target | None = None
    note: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.value)

    def shown_value(self) -> str:
        if self.unit in ("x", "%"):
            return f"{self.value:.2f}{self.unit}" if self.unit == "x" else f"{self.value:.0f}%"
        return f"{_number(self.value)} {self.unit}".strip()

    def verdict(self) -> str:
        if self.met is None:
            return ""
        return "met" if self.met else "NOT MET"


def _number(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    if value >= 100:
        return f"{value:,.0f}".replace(",", " ")
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (0..100) by linear interpolation between the closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * share / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def table(figures: Iterable[Figure]) -> str:
    """The figures as a Markdown table (readable as plain text too)."""
    header = ("Section", "Figure", "Value", "Target", "Verdict", "Notes")
    rows = [
        (f.section, f.name, f.shown_value(), f.target.text if f.target else "", f.verdict(), f.note)
        for f in figures
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), separator, *(line(row) for row in rows)])


def unmet(figures: Iterable[Figure]) -> list[Figure]:
    return [f for f in figures if f.met is False]
