"""Knowledge-base entries as Markdown files with YAML front matter, and zips of them.

Pure: no Flask, no database. An entry file::

    ---
    slug: pension-in-prison
    language: ru
    topics: [pensions]
    question: Как получать пенсию в колонии?
    short_answer: Пенсию перечисляют на лицевой счёт осуждённого.
    legal_references:
      - ст. 99 Федерального закона № 229-ФЗ
    valid_as_of: 2025-03-01
    status: approved
    demo: true
    ---
    The full answer, in Markdown.

A zip holds ``topics.yaml`` (a list of ``{slug, title, description}``) and ``entries/*.md``.
Reading checks everything first and reports every problem at once as :class:`Problem` codes
(the service translates them), so an import is all or nothing.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from school import archive
from school.archive import BundleError, Problem
from school.markdown import limit_problems
from school.slugs import is_valid_slug

LANGUAGES = ("ru", "en")
STATUSES = ("draft", "in_review", "approved")
TOPICS_FILE = "topics.yaml"

MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 512 * 1024
MAX_TOTAL_BYTES = 32 * 1024 * 1024
LIMITS = {
    "question": 300,
    "short_answer": 1000,
    "full_answer": 100_000,
    "legal_reference": 500,
    "legal_references": 50,
    "title": 200,
    "description": 2000,
}

_REQUIRED = ("slug", "question")
_KNOWN = {
    "slug", "language", "topics", "question", "short_answer", "legal_references",
    "valid_as_of", "review_due", "status", "demo",
}  # fmt: skip
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)


@dataclass
class BundleTopic:
    slug: str
    title: str
    description: str = ""
    position: int | None = None


@dataclass
class BundleEntry:
    slug: str
    question: str
    full_answer: str = ""
    short_answer: str = ""
    language: str = "ru"
    topics: list[str] = field(default_factory=list)
    legal_references: list[str] = field(default_factory=list)
    valid_as_of: date | None = None
    review_due: date | None = None
    status: str = "draft"
    demo: bool = False
    source: str = ""


@dataclass
class Bundle:
    topics: list[BundleTopic] = field(default_factory=list)
    entries: list[BundleEntry] = field(default_factory=list)


# ------------------------------------------------------------------------------ one file


def _split_front_matter(text: str) -> tuple[str, str] | None:
    head, body = archive.split_front_matter(text)
    return None if head is None else (head, body)


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise ValueError("not a date")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("not text")
    return str(value).strip()


def parse_entry(text: str, source: str = "") -> tuple[BundleEntry | None, list[Problem]]:
    """Parse one entry file; returns the entry, or None and the problems found."""
    parts = _split_front_matter(text)
    if parts is None:
        return None, [Problem("no_front_matter", source)]
    header, body = parts
    data, problem = archive.load_yaml(header, source, first_line=2)
    if problem is not None:
        return None, [problem]
    if not isinstance(data, dict):
        return None, [Problem("not_mapping", source)]

    problems: list[Problem] = []

    def bad(code: str, key: str, **extra: Any) -> None:
        problems.append(Problem(code, source, {"key": key, **extra}))

    for key in sorted(set(map(str, data)) - _KNOWN):
        bad("unknown_key", key)
    for key in _REQUIRED:
        if data.get(key) in (None, ""):
            bad("missing", key)
    if problems:
        return None, problems

    entry = BundleEntry(slug="", question="", source=source, full_answer=body.strip("\n"))
    try:
        entry.slug = _text(data["slug"])
        if not is_valid_slug(entry.slug, 120):
            raise ValueError
    except ValueError:
        bad("bad_value", "slug")
    for key in ("question", "short_answer"):
        try:
            value = _text(data.get(key))
        except ValueError:
            bad("bad_value", key)
            continue
        if len(value) > LIMITS[key]:
            bad("too_long", key, limit=LIMITS[key])
        setattr(entry, key, value)
    if len(entry.full_answer) > LIMITS["full_answer"]:
        bad("too_long", "full_answer", limit=LIMITS["full_answer"])
    # The answers are Markdown: refused here, as on the form, if they pass the render limits.
    for key in ("short_answer", "full_answer"):
        problems.extend(limit_problems(getattr(entry, key), f"{source}, {key}"))

    language = data.get("language", "ru")
    if language not in LANGUAGES:
        bad("bad_value", "language")
    else:
        entry.language = language

    topics = data.get("topics") or []
    if isinstance(topics, str):
        topics = [topics]
    if not isinstance(topics, list) or not all(
        isinstance(t, str) and is_valid_slug(t) for t in topics
    ):
        bad("bad_value", "topics")
    else:
        entry.topics = list(dict.fromkeys(topics))

    references = data.get("legal_references") or []
    if isinstance(references, str):
        references = [references]
    try:
        if not isinstance(references, list):
            raise ValueError
        entry.legal_references = [r for r in (_text(r) for r in references) if r]
    except ValueError:
        bad("bad_value", "legal_references")
    else:
        if len(entry.legal_references) > LIMITS["legal_references"] or any(
            len(r) > LIMITS["legal_reference"] for r in entry.legal_references
        ):
            bad("too_long", "legal_references", limit=LIMITS["legal_reference"])

    for key in ("valid_as_of", "review_due"):
        try:
            setattr(entry, key, _as_date(data.get(key)))
        except (ValueError, TypeError):
            bad("bad_value", key)

    status = data.get("status", "draft")
    if status not in STATUSES:
        bad("bad_value", "status")
    else:
        entry.status = status
    if entry.status == "approved" and entry.valid_as_of is None and data.get("valid_as_of") is None:
        bad("needs_valid_as_of", "valid_as_of")

    demo = data.get("demo", False)
    if not isinstance(demo, bool):
        bad("bad_value", "demo")
    else:
        entry.demo = demo
    return (None, problems) if problems else (entry, [])


def parse_topics(text: str, source: str = TOPICS_FILE) -> tuple[list[BundleTopic], list[Problem]]:
    """Parse ``topics.yaml``: a list of ``{slug, title, description, position}``.

    Topics come in ``position`` order, else in reading order; other keys (``title_en``) are
    ignored. A mapping ``{topics: [...]}`` or ``{slug: title}`` is accepted too.
    """
    data, problem = archive.load_yaml(text.removeprefix("\ufeff"), source)
    if problem is not None:
        return [], [problem if problem.code == "too_deep" else Problem("bad_topics", source)]
    data = data or []
    if isinstance(data, dict) and isinstance(data.get("topics"), list):
        data = data["topics"]
    elif isinstance(data, dict):
        data = [{"slug": k, "title": v} for k, v in data.items()]
    if not isinstance(data, list):
        return [], [Problem("bad_topics", source)]
    topics: list[BundleTopic] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for item in data:
        try:
            if not isinstance(item, dict):
                raise ValueError
            slug = _text(item.get("slug"))
            title = _text(item.get("title"))
            description = _text(item.get("description"))
            position = item.get("position")
            if position is not None and (
                isinstance(position, bool) or not isinstance(position, int)
            ):
                raise ValueError
            if not is_valid_slug(slug) or not title or len(title) > LIMITS["title"]:
                raise ValueError
            if len(description) > LIMITS["description"]:
                raise ValueError
        except ValueError:
            problems.append(Problem("bad_topic", source, {"item": str(item)[:80]}))
            continue
        if slug in seen:
            problems.append(Problem("duplicate_topic", source, {"slug": slug}))
            continue
        seen.add(slug)
        topics.append(BundleTopic(slug, title, description, position))
    topics.sort(key=lambda t: (t.position is None, t.position or 0))
    return topics, problems


def dump_entry(entry: BundleEntry) -> str:
    """The Markdown file of an entry (the inverse of :func:`parse_entry`)."""
    header: dict[str, Any] = {
        "slug": entry.slug,
        "language": entry.language,
        "topics": list(entry.topics),
        "question": entry.question,
        "short_answer": entry.short_answer,
        "legal_references": list(entry.legal_references),
        "valid_as_of": entry.valid_as_of,
    }
    if entry.review_due is not None:
        header["review_due"] = entry.review_due
    header["status"] = entry.status
    header["demo"] = entry.demo
    front = archive.dump_yaml(header, width=100)
    body = entry.full_answer.strip("\n")
    return f"---\n{front}---\n\n{body}\n" if body else f"---\n{front}---\n"


def dump_topics(topics: Iterable[BundleTopic]) -> str:
    data = []
    for position, topic in enumerate(topics, start=1):
        item: dict[str, Any] = {"slug": topic.slug, "title": topic.title}
        if topic.description:
            item["description"] = topic.description
        item["position"] = position
        data.append(item)
    return archive.dump_yaml(data, width=100)


# ------------------------------------------------------------------------------ archives


ARCHIVE_LIMITS = archive.Limits(
    archive_bytes=MAX_TOTAL_BYTES,
    members=MAX_MEMBERS,
    member_bytes=MAX_MEMBER_BYTES,
    unpacked_bytes=MAX_TOTAL_BYTES,
)


def _wanted(path: PurePosixPath) -> bool:
    """Entry files and the topic list; a README and anything else is left alone."""
    name = path.name.lower()
    return (name.endswith(".md") and name != "readme.md") or name in ("topics.yaml", "topics.yml")


def read_zip(data: bytes) -> Bundle:
    """Read and check a whole zip; raise :class:`BundleError` listing every problem."""
    return parse_files(_texts(archive.read_zip(data, ARCHIVE_LIMITS, wanted=_wanted)))


def _texts(files: dict[PurePosixPath, bytes]) -> dict[str, str]:
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    for path, content in files.items():
        text = archive.decode(content)
        if text is None:
            problems.append(Problem("not_utf8", str(path)))
        else:
            texts[str(path)] = text
    if problems:
        raise BundleError(problems)
    return texts


def parse_files(texts: dict[str, str]) -> Bundle:
    """Build a bundle from ``path -> text`` (entry ``.md`` files and one ``topics.yaml``)."""
    problems: list[Problem] = []
    bundle = Bundle()
    topic_files = sorted(
        p for p in texts if PurePosixPath(p.lower()).name in ("topics.yaml", "topics.yml")
    )
    if len(topic_files) > 1:
        problems.append(Problem("two_topic_files", topic_files[1]))
    elif topic_files:
        bundle.topics, found = parse_topics(texts[topic_files[0]], topic_files[0])
        problems.extend(found)
    slugs: dict[str, str] = {}
    for path in sorted(p for p in texts if p.lower().endswith(".md")):
        entry, found = parse_entry(texts[path], path)
        problems.extend(found)
        if entry is None:
            continue
        if entry.slug in slugs:
            problems.append(Problem("duplicate_slug", path, {"slug": entry.slug}))
            continue
        slugs[entry.slug] = path
        bundle.entries.append(entry)
    if not problems and not bundle.entries:
        problems.append(Problem("no_entries"))
    if problems:
        raise BundleError(problems)
    return bundle


def read_directory(path: str | Path) -> Bundle:
    """Read ``topics.yaml`` and ``entries/*.md`` from a folder (the demo content)."""
    return parse_files(_texts(archive.read_folder(path, ARCHIVE_LIMITS, wanted=_wanted)))


def write_zip(bundle: Bundle) -> bytes:
    """A zip of the bundle; the same bundle always gives the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, text: str) -> None:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))

        add(TOPICS_FILE, dump_topics(bundle.topics))
        for entry in sorted(bundle.entries, key=lambda e: e.slug):
            add(f"entries/{entry.slug}.md", dump_entry(entry))
    return buffer.getvalue()
