"""Topics of the knowledge base: create, rename, reorder, delete."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from finance.models import Topic, entry_topics
from finance.services.common import FinanceError
from school.extensions import db
from school.reorder import swap_with_neighbour
from school.slugs import is_valid_slug


def list_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)))


def entry_counts() -> dict[int, int]:
    """How many entries (drafts included) each topic holds: one query over the link table."""
    return dict(
        db.session.execute(
            select(entry_topics.c.topic_id, func.count()).group_by(entry_topics.c.topic_id)
        ).all()
    )


def topic_by_slug(slug: str) -> Topic | None:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def _check_topic_slug(slug: str, topic: Topic | None = None) -> None:
    if not is_valid_slug(slug):
        raise FinanceError(
            _l("Use lower-case Latin letters, digits and hyphens, e.g. housing-and-rent."), "slug"
        )
    other = topic_by_slug(slug)
    if other is not None and other is not topic:
        raise FinanceError(_l("Another topic already has this address."), "slug")


def create_topic(title: str, slug: str, description: str = "") -> Topic:
    _check_topic_slug(slug)
    last = db.session.scalar(select(func.max(Topic.position))) or 0
    topic = Topic(title=title.strip(), slug=slug, description=description or "", position=last + 1)
    db.session.add(topic)
    db.session.commit()
    return topic


def update_topic(topic: Topic, title: str, slug: str, description: str = "") -> Topic:
    _check_topic_slug(slug, topic)
    topic.title, topic.slug, topic.description = title.strip(), slug, description or ""
    db.session.commit()
    return topic


def move_topic(topic: Topic, direction: str) -> None:
    swap_with_neighbour(list_topics(), topic, direction)
    db.session.commit()


def delete_topic(topic: Topic) -> None:
    if topic.entries:
        raise FinanceError(_l("Move the entries of this topic to another topic first."))
    db.session.delete(topic)
    db.session.commit()
