"""The course folder format: Markdown files with YAML front matter, packed as a zip.

Pure module (no Flask, no database)::

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
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import yaml

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
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(?P<head>(?:.*?\n)?)---[ \t]*(?:\n|\Z)", re.DOTALL)
_IGNORED_NAMES = frozenset({"Thumbs.db", "desktop.ini"})
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


@dataclass
class Problem:
    """One reason to refuse a bundle: a code, the file it concerns and message parameters."""

    code: str
    path: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        details = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.path or '-'}: {self.code}" + (f" ({details})" if details else "")


class BundleError(ValueError):
    """The bundle is refused; ``problems`` says why (all of them, up to a limit)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class _Problems(list):
    def add(self, code: str, path: str = "", **params: Any) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(Problem(code, path, params))


# --------------------------------------------------------------------------- text


def normalize_text(text: str | None) -> str:
    """NFC, Unix newlines, no leading blank lines or trailing whitespace (stored and exported
    so, which makes the round trip exact)."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text.lstrip("\n").rstrip()


def split_document(text: str) -> tuple[str | None, str]:
    """Split ``---`` front matter from the body; (None, text) when there is none."""
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return None, text
    return match["head"], text[match.end() :]


def dump_document(meta: dict[str, Any], body: str) -> str:
    """A Markdown file with YAML front matter."""
    head = yaml.safe_dump(
        meta, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100_000
    )
    body = normalize_text(body)
    return f"---\n{head}---\n" + (body + "\n" if body else "")


# --------------------------------------------------------------------------- reading


def _entry_path(name: str) -> PurePosixPath | None:
    """The safe relative path of an archive entry, or None for anything that could escape."""
    name = name.replace("\\", "/")
    if not name or "\x00" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p != ""]
    if not parts or any(p in (".", "..") for p in parts):
        return None
    return PurePosixPath(*parts)


def _ignored(path: PurePosixPath) -> bool:
    # Metadata that archivers and editors add: never part of a course, never read.
    return (
        path.parts[0] == "__MACOSX"
        or any(part.startswith(".") for part in path.parts)
        or path.name in _IGNORED_NAMES
    )


def read_zip(
    source: bytes | BinaryIO,
    *,
    max_bytes: int = MAX_ZIP_BYTES,
    max_unpacked: int = MAX_UNPACKED_BYTES,
) -> CourseData:
    """Read and check a course archive; raises :class:`BundleError` listing every problem."""
    problems = _Problems()
    data = source if isinstance(source, bytes | bytearray) else source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise BundleError([Problem("too_large", params={"limit_mb": max_bytes // 2**20})])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise BundleError([Problem("bad_zip")]) from None
    if len(infos) > MAX_ENTRIES:
        raise BundleError([Problem("too_many_files", params={"limit": MAX_ENTRIES})])
    declared = sum(max(info.file_size, 0) for info in infos)
    if declared > max_unpacked:
        raise BundleError(
            [Problem("too_large_unpacked", params={"limit_mb": max_unpacked // 2**20})]
        )
    files: dict[PurePosixPath, bytes] = {}
    unpacked = 0
    with archive:
        for info in infos:
            path = _entry_path(info.filename)
            shown = info.filename[:200]
            if path is None:
                problems.add("unsafe_path", shown)
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                problems.add("symlink", shown)
                continue
            if info.is_dir() or _ignored(path):
                continue
            if info.flag_bits & 0x1:
                problems.add("encrypted", shown)
                continue
            if path in files:
                problems.add("duplicate_entry", shown)
                continue
            if info.file_size > MAX_FILE_BYTES:
                problems.add("file_too_large", shown, limit_kb=MAX_FILE_BYTES // 1024)
                continue
            try:
                with archive.open(info) as member:
                    content = member.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
                problems.add("bad_entry", shown)
                continue
            unpacked += len(content)
            if len(content) > MAX_FILE_BYTES or unpacked > max_unpacked:
                raise BundleError(
                    [Problem("too_large_unpacked", params={"limit_mb": max_unpacked // 2**20})]
                )
            files[path] = content
    if problems:
        raise BundleError(problems)
    return parse_files(files)


def read_folder(folder: str | Path) -> CourseData:
    """Read a course folder from disk (the demo course, a git checkout)."""
    root = Path(folder)
    problems = _Problems()
    if not root.is_dir():
        raise BundleError([Problem("no_course", str(root))])
    files: dict[PurePosixPath, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if _ignored(relative):
            continue
        if path.is_symlink():
            problems.add("symlink", str(relative))
            continue
        if path.is_dir():
            continue
        size = path.stat().st_size
        total += size
        if size > MAX_FILE_BYTES:
            problems.add("file_too_large", str(relative), limit_kb=MAX_FILE_BYTES // 1024)
            continue
        if total > MAX_UNPACKED_BYTES or len(files) >= MAX_ENTRIES:
            raise BundleError(
                [Problem("too_large_unpacked", params={"limit_mb": MAX_UNPACKED_BYTES // 2**20})]
            )
        files[PurePosixPath(root.name) / relative] = path.read_bytes()
    if problems:
        raise BundleError(problems)
    return parse_files(files)


def _course_root(
    files: dict[PurePosixPath, bytes], problems: _Problems
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


def _decode(path: str, content: bytes, problems: _Problems) -> str | None:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        problems.add("not_utf8", path)
        return None
    return unicodedata.normalize("NFC", text.removeprefix("\ufeff"))


def _document(path: str, content: bytes, problems: _Problems) -> tuple[dict, str] | None:
    text = _decode(path, content, problems)
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    head, body = split_document(text)
    if head is None:
        problems.add("no_front_matter", path)
        return None
    try:
        meta = yaml.safe_load(head) if head.strip() else {}
    except yaml.YAMLError as error:
        # The start of the broken construct says more than where the parser gave up.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for the opening ---, +1 one-based
        problems.add("bad_yaml", path, line=line, detail=getattr(error, "problem", "") or "")
        return None
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


def _text_value(meta: dict, key: str, path: str, problems: _Problems, *, limit: int) -> str:
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


def _title(meta: dict, path: str, problems: _Problems) -> str:
    title = " ".join(_text_value(meta, "title", path, problems, limit=MAX_TITLE_LENGTH).split())
    if not title:
        problems.add("missing_title", path)
    return title


def _bool_value(meta: dict, key: str, default: bool, path: str, problems: _Problems) -> bool:
    value = meta.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.add("bad_value", path, key=key)
        return default
    return value


def _numbered(name: str, path: str, problems: _Problems) -> tuple[int, str] | None:
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
    problems = _Problems()
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


def _parse_course(content: bytes, shown, folder_name: str | None, problems: _Problems):
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


def check_course(course: CourseData) -> list[Problem]:
    """Problems of course data built in code (what :func:`read_zip` checks in files)."""
    problems = _Problems()
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
        if not is_valid_slug(module.slug):
            problems.add("bad_slug", where, slug=module.slug)
        if module.slug in module_slugs:
            problems.add("duplicate_slug", where, slug=module.slug)
        module_slugs.add(module.slug)
        if not module.title.strip():
            problems.add("missing_title", f"{where}/{MODULE_FILE}")
        item_slugs: set[str] = set()
        for item in module.items:
            path = f"{where}/{item.slug}.md"
            if not is_valid_slug(item.slug):
                problems.add("bad_slug", path, slug=item.slug)
            if item.slug in item_slugs:
                problems.add("duplicate_slug", path, slug=item.slug)
            item_slugs.add(item.slug)
            if not item.title.strip():
                problems.add("missing_title", path)
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
