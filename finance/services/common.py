"""What the knowledge base's use cases share: the refusal type and review dates."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app

from school.refusal import Refusal
from school.timeutil import now_utc

REVIEW_PERIOD_MONTHS = 12


class FinanceError(Refusal):
    """A use case of the knowledge base refused (see :class:`school.refusal.Refusal`)."""


def today() -> date:
    """Today in the site's time zone (review dates are calendar dates there)."""
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    return now_utc().astimezone(zone).date()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (29 Feb -> 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_review_due(valid_as_of: date) -> date:
    return add_months(valid_as_of, REVIEW_PERIOD_MONTHS)


@dataclass
class ListPage:
    """One page of rows, with the attributes the pager macro reads."""

    items: list
    page: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)
