"""The course folder format: Markdown files with YAML front matter, packed as a zip.

Pure module (no database); archives and front matter are read by :mod:`school.archive`::

    <course-slug>/
      course.md                  title, slug, summary, language, demo; body: description
      01-<module-slug>/
        module.md                title; body: module introduction
        01-<lesson-slug>.md      title, kind: lesson, required; body: the lesson
        02-<quiz-slug>.md        title, kind: quiz, required, ...; body: introduction
        02-<quiz-slug>.gift      extra files of an item: same name, another suffix

Numeric prefixes give the order, the names after them the slugs. :func:`read_zip` refuses
unsafe archives (entries outside the folder, links, absolute paths, zip bombs) and invalid
content, and reports every problem it finds at once as :class:`Problem` codes that the caller
turns into translated messages. :func:`write_zip` is deterministic: the same course gives the
same bytes.
"""

from __future__ import annotations

import io
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from school import archive
from school.archive import BundleError, Problem, Problems
from school.markdown import limit_problems
from school.slugs import is_valid_slug

MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_TEXT_BYTES = 200 * 1024
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TITLE_LENGTH = 200
MAX_SUMMARY_LENGTH = 1000
MAX_PROBLEMS = 50
LANGUAGES = ("ru", "en")
COURSE_FILE = "course.md"
MODULE_FILE = "module.md"
DEFAULT_KIND = "lesson"
COMMON_ITEM_KEYS = ("title", "kind", "required")

_NAME_RE = re.compile(r"^(?P<number>\d{1,4})-(?P<slug>[^.]+)$")
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
# 1980-01-01, the earliest date a zip entry can carry: exports do not depend on the clock.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- data


@dataclass
class ItemData:
    slug: str
    title: str
    kind: str = DEFAULT_KIND
    required: bool = True
    body: str = ""
    # The whole front matter of the item's .md file, handed to the kind's importer.
    front_matter: dict[str, Any] = field(default_factory=dict)
    # Extra files by suffix, e.g. {".gift": b"..."}.
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class ModuleData:
    slug: str
    title: str
    body: str = ""
    items: list[ItemData] = field(default_factory=list)


@dataclass
class CourseData:
    slug: str
    title: str
    summary: str = ""
    language: str = "ru"
    demo: bool = False
    description: str = ""
    modules: list[ModuleData] = field(default_factory=list)


def _problems() -> Problems:
    return Problems(MAX_PROBLEMS)


# --------------------------------------------------------------------------- text


def normalize_text(text: str | None) -> str:
    """NFC, Unix newlines, no leading blank lines or trailing whitespace (stored and exported
    so, which makes the round trip exact)."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text.lstrip("\n").rstrip()


def split_document(text: str) -> tuple[str | None, str]:
    """Split ``---`` front matter from the body; (None, text) when there is none."""
    return archive.split_front_matter(text)


def dump_document(meta: dict[str, Any], body: str) -> str:
    """A Markdown file with YAML front matter (every string reads back exactly)."""
    body = normalize_text(body)
    return archive.dump_front_matter(meta, body + "\n" if body else "")


# --------------------------------------------------------------------------- reading


LIMITS = archive.Limits(
    archive_bytes=MAX_ZIP_BYTES,
    members=MAX_ENTRIES,
    member_bytes=MAX_FILE_BYTES,
    unpacked_bytes=MAX_UNPACKED_BYTES,
)


def read_zip(
    source: bytes | BinaryIO,
    *,
    max_bytes: int = MAX_ZIP_BYTES,
    max_unpacked: int = MAX_UNPACKED_BYTES,
) -> CourseData:
    """Read and check a course archive; raises :class:`BundleError` listing every problem."""
    limits = replace(LIMITS, archive_bytes=max_bytes, unpacked_bytes=max_unpacked)
    return parse_files(archive.read_zip(source, limits, most_problems=MAX_PROBLEMS))


def read_folder(folder: str | Path) -> CourseData:
    """Read a course folder from disk (the demo course, a git checkout)."""
    root = Path(folder)
    if not root.is_dir():
        raise BundleError([Problem("no_course", str(root))])
    files = archive.read_folder(
        root, LIMITS, prefix=PurePosixPath(root.name), most_problems=MAX_PROBLEMS
    )
    return parse_files(files)


def _course_root(
    files: dict[PurePosixPath, bytes], problems: Problems
) -> tuple[PurePosixPath | None, str | None]:
    """The folder holding course.md (or the archive root), and the folder's name."""
    if PurePosixPath(COURSE_FILE) in files:
        return PurePosixPath(), None
    tops = sorted({path.parts[0] for path in files})
    candidates = [top for top in tops if PurePosixPath(top, COURSE_FILE) in files]
    if len(candidates) != 1:
        problems.add("no_course")
        return None, None
    root = candidates[0]
    for path in sorted(files):
        if path.parts[0] != root:
            problems.add("outside_folder", str(path))
    return PurePosixPath(root), root


def _decode(path: str, content: bytes, problems: Problems) -> str | None:
    text = archive.decode(content)
    if text is None:
        problems.add("not_utf8", path)
    return text


def _document(path: str, content: bytes, problems: Problems) -> tuple[dict, str] | None:
    text = _decode(path, content, problems)
    if text is None:
        return None
    head, body = split_document(text)
    if head is None:
        problems.add("no_front_matter", path)
        return None
    meta, problem = archive.load_yaml(head, path, first_line=2)
    if problem is not None:
        problems.append(problem)
        return None
    meta = {} if meta is None else meta
    if not isinstance(meta, dict) or not all(isinstance(k, str) for k in meta):
        problems.add("bad_front_matter", path)
        return None
    body = normalize_text(body)
    if len(body.encode("utf-8")) > MAX_TEXT_BYTES:
        problems.add(
            "too_long",
            path,
            size_kb=-(-len(body.encode("utf-8")) // 1024),
            limit_kb=MAX_TEXT_BYTES // 1024,
        )
    return meta, body


def _text_value(meta: dict, key: str, path: str, problems: Problems, *, limit: int) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.add("bad_value", path, key=key)
        return ""
    text = normalize_text(str(value))
    if len(text) > limit:
        problems.add("value_too_long", path, key=key, limit=limit)
    return text


def _title(meta: dict, path: str, problems: Problems) -> str:
    title = " ".join(_text_value(meta, "title", path, problems, limit=MAX_TITLE_LENGTH).split())
    if not title:
        problems.add("missing_title", path)
    return title


def _bool_value(meta: dict, key: str, default: bool, path: str, problems: Problems) -> bool:
    value = meta.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.add("bad_value", path, key=key)
        return default
    return value


def _numbered(name: str, path: str, problems: Problems) -> tuple[int, str] | None:
    match = _NAME_RE.match(name)
    if not match:
        problems.add("bad_name", path)
        return None
    slug = match["slug"]
    if not is_valid_slug(slug):
        problems.add("bad_slug", path, slug=slug)
        return None
    return int(match["number"]), slug


def parse_files(files: dict[PurePosixPath, bytes]) -> CourseData:
    """Build the course from its files (paths relative to the archive or folder root)."""
    problems = _problems()
    root, folder_name = _course_root(files, problems)
    if root is None or problems:
        raise BundleError(problems)

    def shown(rel: PurePosixPath) -> str:
        return str(root / rel)

    tree: dict[PurePosixPath, bytes] = {
        path.relative_to(root): content for path, content in files.items()
    }
    course = _parse_course(tree.pop(PurePosixPath(COURSE_FILE)), shown, folder_name, problems)

    module_dirs: dict[str, dict[str, bytes]] = {}
    for rel in sorted(tree):
        if len(rel.parts) != 2:
            problems.add("unexpected_file", shown(rel))
        else:
            module_dirs.setdefault(rel.parts[0], {})[rel.parts[1]] = tree[rel]

    numbered_modules = []
    seen_numbers: dict[int, str] = {}
    seen_slugs: set[str] = set()
    for dirname in sorted(module_dirs):
        parsed = _numbered(dirname, shown(PurePosixPath(dirname)), problems)
        if parsed is None:
            continue
        number, slug = parsed
        if number in seen_numbers:
            problems.add("duplicate_number", shown(PurePosixPath(dirname)), number=number)
        if slug in seen_slugs:
            problems.add("duplicate_slug", shown(PurePosixPath(dirname)), slug=slug)
        seen_numbers[number] = dirname
        seen_slugs.add(slug)
        module = _parse_module(dirname, slug, module_dirs[dirname], shown, problems)
        if module is not None:
            numbered_modules.append((number, module))
    if problems:
        raise BundleError(problems)
    course.modules = [module for _number, module in sorted(numbered_modules, key=lambda m: m[0])]
    return course


def _parse_course(content: bytes, shown, folder_name: str | None, problems: Problems):
    path = shown(PurePosixPath(COURSE_FILE))
    parsed = _document(path, content, problems)
    meta, body = parsed if parsed is not None else ({}, "")
    title = _title(meta, path, problems) if parsed is not None else ""
    slug = meta.get("slug", folder_name)
    if not isinstance(slug, str) or not is_valid_slug(slug):
        problems.add("bad_slug", path, slug=str(slug) if slug is not None else "")
        slug = ""
    language = meta.get("language", "ru")
    if language not in LANGUAGES:
        problems.add("bad_language", path)
        language = "ru"
    return CourseData(
        slug=slug,
        title=title,
        summary=_text_value(meta, "summary", path, problems, limit=MAX_SUMMARY_LENGTH),
        language=language,
        demo=_bool_value(meta, "demo", False, path, problems),
        description=body,
    )


def _parse_module(dirname: str, slug: str, entries: dict[str, bytes], shown, problems):
    def here(name: str) -> str:
        return shown(PurePosixPath(dirname, name))

    if MODULE_FILE not in entries:
        problems.add("missing_module_file", here(MODULE_FILE))
        meta, body, title = {}, "", ""
    else:
        parsed = _document(here(MODULE_FILE), entries.pop(MODULE_FILE), problems)
        meta, body = parsed if parsed is not None else ({}, "")
        title = _title(meta, here(MODULE_FILE), problems) if parsed is not None else ""

    documents = {name[:-3]: content for name, content in entries.items() if name.endswith(".md")}
    extras: dict[str, dict[str, bytes]] = {}
    for name, content in entries.items():
        if name.endswith(".md"):
            continue
        stem, dot, suffix = name.partition(".")
        if not dot or stem not in documents:
            problems.add("orphan_file", here(name))
            continue
        extras.setdefault(stem, {})["." + suffix] = content

    items = []
    seen_numbers: set[int] = set()
    seen_slugs: set[str] = set()
    for stem in sorted(documents):
        path = here(stem + ".md")
        parsed_name = _numbered(stem, path, problems)
        if parsed_name is None:
            continue
        number, item_slug = parsed_name
        if number in seen_numbers:
            problems.add("duplicate_number", path, number=number)
        if item_slug in seen_slugs:
            problems.add("duplicate_slug", path, slug=item_slug)
        seen_numbers.add(number)
        seen_slugs.add(item_slug)
        item = _parse_item(path, item_slug, documents[stem], extras.get(stem, {}), problems)
        if item is not None:
            items.append((number, item))
    return ModuleData(
        slug=slug,
        title=title,
        body=body,
        items=[item for _number, item in sorted(items, key=lambda i: i[0])],
    )


def _parse_item(path: str, slug: str, content: bytes, files: dict[str, bytes], problems):
    parsed = _document(path, content, problems)
    if parsed is None:
        return None
    meta, body = parsed
    kind = meta.get("kind", DEFAULT_KIND)
    if not isinstance(kind, str) or not _KIND_RE.match(kind):
        problems.add("bad_value", path, key="kind")
        kind = DEFAULT_KIND
    return ItemData(
        slug=slug,
        title=_title(meta, path, problems),
        kind=kind,
        required=_bool_value(meta, "required", True, path, problems),
        body=body,
        front_matter=meta,
        files=dict(sorted(files.items())),
    )


def _check_part(
    problems: Problems, part: ModuleData | ItemData, taken: set[str], where: str, title_file: str
) -> None:
    """Check a module's or item's slug (valid, not ``taken`` by another) and title."""
    if not is_valid_slug(part.slug):
        problems.add("bad_slug", where, slug=part.slug)
    if part.slug in taken:
        problems.add("duplicate_slug", where, slug=part.slug)
    taken.add(part.slug)
    if not part.title.strip():
        problems.add("missing_title", title_file)


def check_course(course: CourseData) -> list[Problem]:
    """Problems of course data built in code (what :func:`read_zip` checks in files)."""
    problems = _problems()
    root = course.slug or "?"
    if not is_valid_slug(course.slug):
        problems.add("bad_slug", root, slug=course.slug)
    if not course.title.strip():
        problems.add("missing_title", f"{root}/{COURSE_FILE}")
    if course.language not in LANGUAGES:
        problems.add("bad_language", f"{root}/{COURSE_FILE}")
    module_slugs: set[str] = set()
    for module in course.modules:
        where = f"{root}/{module.slug}"
        _check_part(problems, module, module_slugs, where, f"{where}/{MODULE_FILE}")
        item_slugs: set[str] = set()
        for item in module.items:
            path = f"{where}/{item.slug}.md"
            _check_part(problems, item, item_slugs, path, path)
            if not _KIND_RE.match(item.kind):
                problems.add("bad_value", path, key="kind")
    for text, path in [(course.description, f"{root}/{COURSE_FILE}")] + [
        (text, f"{root}/{m.slug}/{name}")
        for m in course.modules
        for text, name in [(m.body, MODULE_FILE), *((i.body, f"{i.slug}.md") for i in m.items)]
    ]:
        size = len(text.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            problems.add(
                "too_long", path, size_kb=-(-size // 1024), limit_kb=MAX_TEXT_BYTES // 1024
            )
        else:  # Markdown, refused here as on the form if it passes the render limits
            for problem in limit_problems(text, path):
                problems.add(problem.code, problem.path, **problem.params)
    return list(problems)


# --------------------------------------------------------------------------- writing


def _number(index: int, count: int) -> str:
    return f"{index + 1:0{max(2, len(str(count)))}d}"


def course_files(course: CourseData) -> dict[str, bytes]:
    """Every file of the course folder, by path (``<slug>/...``), in a stable order."""
    root = course.slug
    files: dict[str, bytes] = {}
    meta = {
        "title": course.title,
        "slug": course.slug,
        "summary": course.summary,
        "language": course.language,
        "demo": course.demo,
    }
    files[f"{root}/{COURSE_FILE}"] = dump_document(meta, course.description).encode()
    for m_index, module in enumerate(course.modules):
        folder = f"{root}/{_number(m_index, len(course.modules))}-{module.slug}"
        files[f"{folder}/{MODULE_FILE}"] = dump_document(
            {"title": module.title}, module.body
        ).encode()
        for i_index, item in enumerate(module.items):
            stem = f"{folder}/{_number(i_index, len(module.items))}-{item.slug}"
            item_meta = {"title": item.title, "kind": item.kind, "required": item.required}
            for key, value in item.front_matter.items():
                if key not in COMMON_ITEM_KEYS:
                    item_meta[key] = value
            files[f"{stem}.md"] = dump_document(item_meta, item.body).encode()
            for suffix, content in sorted(item.files.items()):
                files[f"{stem}{suffix}"] = content
    return files


def write_zip(course: CourseData) -> bytes:
    """The course folder as a zip archive; the same course always gives the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in _with_folders(course_files(course)):
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            if path.endswith("/"):
                info.external_attr = (stat.S_IFDIR | 0o755) << 16
                archive.writestr(info, b"")
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
    return buffer.getvalue()


def _with_folders(files: dict[str, bytes]) -> Iterable[tuple[str, bytes]]:
    written: set[str] = set()
    for path, content in files.items():
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth]) + "/"
            if folder not in written:
                written.add(folder)
                yield folder, b""
        yield path, content


def write_folder(course: CourseData, target: str | Path) -> Path:
    """Write the course folder under ``target`` (which must not already hold it)."""
    base = Path(target)
    for path, content in course_files(course).items():
        destination = base / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
    return base / course.slug
