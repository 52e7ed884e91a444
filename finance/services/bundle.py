"""Import and export of entries as a zip of Markdown files with YAML front matter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from finance import bundle as bundles
from finance.models import Entry, EntryRevision, Status, Topic
from finance.services.entries import _new_revision, entry_by_slug
from finance.services.review import _publish
from finance.services.topics import list_topics
from school import archive
from school.extensions import db
from school.models import User
from school.timeutil import now_utc

# The knowledge-base format's own problems; those of the archive itself (a bad zip, unsafe names,
# sizes, YAML) are worded once in school.archive.
PROBLEM_MESSAGES = {
    "unsafe_path": _l("%(path)s: unsafe file name in the archive."),
    "no_front_matter": _l(
        '%(path)s: the file must begin with YAML front matter between "---" lines.'
    ),
    "not_mapping": _l("%(path)s: the front matter must be a list of fields."),
    "unknown_key": _l('%(path)s: unknown field "%(key)s".'),
    "missing": _l('%(path)s: the field "%(key)s" is required.'),
    "bad_value": _l('%(path)s: the field "%(key)s" has a wrong value.'),
    "too_long": _l('%(path)s: the field "%(key)s" is too long.'),
    "needs_valid_as_of": _l('%(path)s: an approved entry needs "valid_as_of".'),
    "duplicate_slug": _l('%(path)s: the slug "%(slug)s" is used by another file.'),
    "bad_topics": _l("%(path)s: the topic list cannot be read."),
    "bad_topic": _l("%(path)s: a topic needs a slug and a title: %(item)s"),
    "duplicate_topic": _l('%(path)s: the topic "%(slug)s" is listed twice.'),
    "two_topic_files": _l("%(path)s: the archive may hold only one topic list."),
    "unknown_topic": _l('%(path)s: unknown topic "%(slug)s".'),
    "no_entries": _l("The archive holds no entry files (entries/*.md)."),
}


def problem_message(problem: bundles.Problem) -> str:
    return archive.message(problem, PROBLEM_MESSAGES)


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    topics_created: int = 0


def import_zip(user: User | None, data: bytes) -> ImportSummary:
    """Import a zip of entry files: everything or, on any problem, nothing."""
    return import_bundle(user, bundles.read_zip(data))


def import_bundle(
    user: User | None, bundle: bundles.Bundle, reviewer: User | None = None
) -> ImportSummary:
    """Create or update topics and entries from a bundle in one transaction.

    An entry whose text and state already match is left alone; otherwise its imported text
    becomes a new revision (an open draft is set aside). Approved files are published with
    ``reviewer`` (default: the importing user) as the reviewer.
    """
    reviewer = reviewer or user
    existing_topics = {t.slug: t for t in list_topics()}
    known = set(existing_topics) | {t.slug for t in bundle.topics}
    problems = [
        bundles.Problem("unknown_topic", e.source, {"slug": slug})
        for e in bundle.entries
        for slug in e.topics
        if slug not in known
    ]
    if problems:
        raise bundles.BundleError(problems)
    summary = ImportSummary()
    try:
        position = max((t.position for t in existing_topics.values()), default=0)
        for item in bundle.topics:
            if item.slug in existing_topics:
                continue
            position += 1
            topic = Topic(
                slug=item.slug, title=item.title, description=item.description, position=position
            )
            db.session.add(topic)
            existing_topics[item.slug] = topic
            summary.topics_created += 1
        db.session.flush()
        for item in bundle.entries:
            outcome = _import_entry(user, reviewer, item, existing_topics)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _import_entry(
    user: User | None, reviewer: User | None, item: bundles.BundleEntry, topics: dict[str, Topic]
) -> str:
    content = {
        "question": item.question,
        "short_answer": item.short_answer,
        "full_answer": item.full_answer.strip("\n"),
        "legal_references": list(item.legal_references),
    }
    entry = entry_by_slug(item.slug)
    outcome = "updated"
    if entry is None:
        entry = Entry(slug=item.slug)
        db.session.add(entry)
        outcome = "created"
    entry.language, entry.demo = item.language, item.demo
    entry.topics = [topics[slug] for slug in item.topics]
    if outcome == "updated" and _matches(entry, item, content):
        return "unchanged"
    for other in entry.revisions:
        if other.is_open:
            other.status = Status.DISCARDED.value
    revision = _new_revision(entry, user, content, note="import")
    db.session.flush()
    if item.status == Status.APPROVED.value:
        assert item.valid_as_of is not None
        _publish(revision, reviewer, item.valid_as_of, item.review_due)
    elif item.status == Status.IN_REVIEW.value:
        revision.status = Status.IN_REVIEW.value
        revision.submitted_at = now_utc()
    return outcome


def _matches(entry: Entry, item: bundles.BundleEntry, content: dict[str, Any]) -> bool:
    if item.status == Status.APPROVED.value:
        published = entry.published_revision
        return (
            entry.open_revision is None
            and published is not None
            and published.content() == content
            and published.valid_as_of == item.valid_as_of
            and (item.review_due is None or published.review_due == item.review_due)
        )
    revision = entry.open_revision
    return revision is not None and revision.status == item.status and revision.content() == content


def _bundle_entry(entry: Entry, revision: EntryRevision) -> bundles.BundleEntry:
    approved = revision.status in (Status.APPROVED.value, Status.SUPERSEDED.value)
    return bundles.BundleEntry(
        slug=entry.slug,
        question=revision.question,
        short_answer=revision.short_answer,
        full_answer=revision.full_answer,
        language=entry.language,
        topics=[t.slug for t in entry.topics],
        legal_references=list(revision.legal_references or []),
        valid_as_of=revision.valid_as_of if approved else None,
        review_due=revision.review_due if approved else None,
        status=Status.APPROVED.value if approved else revision.status,
        demo=entry.demo,
    )


EXPORT_CHOICES = ("published", "latest")


def export_zip(which: str = "published") -> bytes:
    """A zip of every entry: its approved text (``published``) or its newest text (``latest``).

    Entries never approved are exported with their draft either way, so nothing is lost.
    """
    items = []
    for entry in db.session.scalars(select(Entry).order_by(Entry.slug)):
        if which == "latest":
            revision = entry.open_revision or entry.published_revision or entry.latest_revision
        else:
            revision = entry.published_revision or entry.open_revision or entry.latest_revision
        if revision is not None:
            items.append(_bundle_entry(entry, revision))
    topics = [bundles.BundleTopic(t.slug, t.title, t.description or "") for t in list_topics()]
    return bundles.write_zip(bundles.Bundle(topics=topics, entries=items))
