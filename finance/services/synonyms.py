"""What search forgives: the staff's synonym groups, and the queries that found nothing."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from finance import expansion
from finance import search as searching
from finance.models import SearchMiss, SynonymGroup
from finance.services.common import FinanceError, ListPage, today
from school.extensions import db
from school.pagecache import commit_unseen

MISSES_PER_PAGE = 50


def synonym_groups() -> list[list[str]]:
    groups = db.session.scalars(select(SynonymGroup).order_by(SynonymGroup.position))
    return [list(group.phrases) for group in groups]


def save_synonyms(text: str) -> int:
    """Replace the synonym groups with those of ``text`` (see ``expansion.parse_groups``)."""
    try:
        groups = expansion.parse_groups(text)
    except ValueError as error:
        raise FinanceError(
            _l(
                "Line %(line)s is too long: at most %(phrases)s phrases of %(chars)s characters.",
                line=error.args[0],
                phrases=expansion.MAX_GROUP_PHRASES,
                chars=expansion.MAX_PHRASE_CHARS,
            ),
            "groups",
        ) from None
    db.session.execute(delete(SynonymGroup))
    db.session.add_all(
        SynonymGroup(position=i, phrases=phrases) for i, phrases in enumerate(groups)
    )
    db.session.commit()
    return len(groups)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def miss_key(query: str) -> str:
    """The query as counted: folded, one space between words, at most 200 characters."""
    return " ".join(searching.tokenize(query[:200]))[:200]


def record_miss(query: str) -> None:
    """Count one search that found nothing, in the current week; nothing about who searched."""
    key = miss_key(query)
    if not key:
        return
    week = iso_week(today())
    increment = (
        SearchMiss.__table__.update()
        .where(SearchMiss.query == key, SearchMiss.week == week)
        .values(count=SearchMiss.count + 1)
    )
    if not db.session.execute(increment).rowcount:
        db.session.add(SearchMiss(query=key, week=week, count=1))
    try:
        commit_unseen(db.session)
    except IntegrityError:  # another reader's search counted it first
        db.session.rollback()
        db.session.execute(increment)
        commit_unseen(db.session)


def misses_page(page: int, per_page: int = MISSES_PER_PAGE) -> ListPage:
    """Queries that found nothing, most often first: ``(query, searches, last week)`` rows."""
    page = max(1, page)
    searches = func.sum(SearchMiss.count).label("searches")
    rows = db.session.execute(
        select(SearchMiss.query, searches, func.max(SearchMiss.week).label("last_week"))
        .group_by(SearchMiss.query)
        .order_by(searches.desc(), SearchMiss.query)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    total = db.session.scalar(select(func.count(func.distinct(SearchMiss.query))))
    return ListPage(list(rows), page, total or 0, per_page)


def clear_misses(query: str | None = None) -> None:
    """Forget one query's counts, or all of them."""
    statement = delete(SearchMiss)
    if query is not None:
        statement = statement.where(SearchMiss.query == query)
    db.session.execute(statement)
    db.session.commit()
