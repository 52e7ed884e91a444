"""The one safe reader of uploaded archives and folders, and of YAML front matter.

Course bundles and knowledge-base bundles both arrive as zip files (or folders on disk) of
Markdown files with YAML front matter. This module reads them with limits and refusals that do
not depend on the feature: member count, member size, total unpacked size (checked on what is
actually read, not on what the headers claim), no absolute paths, ``..``, drive letters, NUL
characters, links or encrypted members, no name twice (also after Unicode normalisation and
case folding, which would collide on macOS and Windows). YAML is read with the safe loader;
nesting deep enough to exhaust the parser's stack is a problem like any other, never a crash.
Writing front matter round-trips every string exactly (``\\x85``, ``\\u2028`` and ``\\u2029``,
which YAML reads as line breaks, are written double-quoted and escaped).

Problems carry codes; :data:`MESSAGES` translates the codes defined here (features add theirs).
No database; messages are lazy gettext strings, translated where they are shown.
"""

from __future__ import annotations

import io
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import yaml
from flask_babel import lazy_gettext as _l

from school.i18n import Plural, formatted

#: Metadata that archivers and editors add: never part of a bundle, never read.
IGNORED_NAMES = frozenset({"Thumbs.db", "desktop.ini"})
_FRONT_MATTER_RE = re.compile(
    r"\A---[ \t]*\n(?P<head>(?:.*?\n)?)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL
)
_YAML_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


@dataclass(frozen=True)
class Limits:
    """What an archive may hold."""

    archive_bytes: int = 20 * 1024 * 1024
    members: int = 2000
    member_bytes: int = 2 * 1024 * 1024
    unpacked_bytes: int = 60 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One reason to refuse a bundle: a code, the file it concerns and message parameters."""

    code: str
    path: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> Any:
        return self.params.get(name)

    def __str__(self) -> str:
        details = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.path or '-'}: {self.code}" + (f" ({details})" if details else "")


class BundleError(ValueError):
    """The bundle is refused; ``problems`` says why (all of them, up to a limit)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


MESSAGES = {
    "too_large": _l("The file is larger than %(limit_mb)s MB."),
    "too_large_unpacked": _l("Unpacked, the archive would take more than %(limit_mb)s MB."),
    "too_many_files": Plural(
        "The archive holds more than %(num)s file.",
        "The archive holds more than %(num)s files.",
        "limit",
    ),
    "bad_zip": _l("The file is not a readable zip archive."),
    "bad_entry": _l("%(path)s cannot be unpacked; the archive is damaged."),
    "unsafe_path": _l(
        "%(path)s points outside the archive (an absolute path or ../). The archive was refused."
    ),
    "symlink": _l("%(path)s is a link. Links are not allowed in an archive."),
    "encrypted": _l("%(path)s is encrypted. Pack the files without a password."),
    "duplicate_entry": _l("%(path)s appears twice in the archive."),
    "file_too_large": _l("%(path)s is larger than %(limit_kb)s KB."),
    "not_utf8": _l("%(path)s is not UTF-8 text. Save it as UTF-8."),
    "bad_yaml": _l("%(path)s, line %(line)s: the front matter is not valid YAML (%(detail)s)."),
    "too_deep": _l("%(path)s: the YAML is nested too deeply to read."),
    # school.markdown.limit_problems: the detail names the limit.
    "markdown_limit": _l("%(path)s: %(detail)s"),
}


def message(problem: Problem, messages: dict[str, Any] | None = None) -> str:
    """The problem in words: from ``messages`` (a feature's), else this module's."""
    template = (messages or {}).get(problem.code) or MESSAGES.get(problem.code)
    if template is None:
        return str(problem)
    return formatted(template, {"path": problem.path, **problem.params})


# --------------------------------------------------------------------------- member names


def member_path(name: str) -> PurePosixPath | None:
    """The safe relative path of an archive member, or None for anything that could escape."""
    # A backslash is no separator in a zip, but Windows unpacks it as one: refused.
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    if re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p != ""]
    if not parts or any(p in (".", "..") for p in parts):
        return None
    return PurePosixPath(*parts)


def is_ignored(path: PurePosixPath) -> bool:
    """macOS resource forks, hidden files, Windows thumbnails: skipped, never read."""
    return (
        path.parts[0] == "__MACOSX"
        or any(part.startswith(".") for part in path.parts)
        or path.name in IGNORED_NAMES
    )


def _folded(path: PurePosixPath) -> str:
    return unicodedata.normalize("NFC", str(path)).casefold()


# --------------------------------------------------------------------------- reading


class Problems(list):
    """Problems found so far, at most ``most`` of them (a broken archive would list thousands)."""

    def __init__(self, most: int) -> None:
        super().__init__()
        self.most = most

    def add(self, code: str, path: str = "", **params: Any) -> None:
        if len(self) < self.most:
            self.append(Problem(code, path, params))


def read_zip(
    source: bytes | BinaryIO,
    limits: Limits = Limits(),
    *,
    wanted: Callable[[PurePosixPath], bool] = lambda path: True,
    most_problems: int = 50,
) -> dict[PurePosixPath, bytes]:
    """The wanted members of a zip archive by safe path; :class:`BundleError` on any problem."""
    problems = Problems(most_problems)
    data = (
        source if isinstance(source, bytes | bytearray) else source.read(limits.archive_bytes + 1)
    )
    if len(data) > limits.archive_bytes:
        raise BundleError([Problem("too_large", params={"limit_mb": limits.archive_bytes >> 20})])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise BundleError([Problem("bad_zip")]) from None
    if len(infos) > limits.members:
        raise BundleError([Problem("too_many_files", params={"limit": limits.members})])
    too_large = Problem("too_large_unpacked", params={"limit_mb": limits.unpacked_bytes >> 20})
    if sum(max(info.file_size, 0) for info in infos) > limits.unpacked_bytes:
        raise BundleError([too_large])
    files: dict[PurePosixPath, bytes] = {}
    seen: set[str] = set()
    unpacked = 0
    with archive:
        for info in infos:
            shown = info.filename[:200]
            path = member_path(info.filename)
            if path is None:
                problems.add("unsafe_path", shown)
                continue
            mode = info.external_attr >> 16
            if mode and stat.S_ISLNK(mode):
                problems.add("symlink", shown)
                continue
            if info.is_dir() or is_ignored(path) or not wanted(path):
                continue
            if info.flag_bits & 0x1:
                problems.add("encrypted", shown)
                continue
            if _folded(path) in seen:
                problems.add("duplicate_entry", shown)
                continue
            seen.add(_folded(path))
            if info.file_size > limits.member_bytes:
                problems.add("file_too_large", shown, limit_kb=limits.member_bytes >> 10)
                continue
            try:
                with archive.open(info) as member:
                    content = member.read(limits.member_bytes + 1)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
                problems.add("bad_entry", shown)
                continue
            if len(content) > limits.member_bytes:  # the header lied about the size
                problems.add("file_too_large", shown, limit_kb=limits.member_bytes >> 10)
                continue
            unpacked += len(content)
            if unpacked > limits.unpacked_bytes:
                raise BundleError([too_large])
            files[path] = content
    if problems:
        raise BundleError(problems)
    return files


def read_folder(
    folder: str | Path,
    limits: Limits = Limits(),
    *,
    wanted: Callable[[PurePosixPath], bool] = lambda path: True,
    prefix: PurePosixPath | None = None,
    most_problems: int = 50,
) -> dict[PurePosixPath, bytes]:
    """The wanted files of a folder on disk (the demo content, a git checkout), as read_zip."""
    root = Path(folder)
    problems = Problems(most_problems)
    files: dict[PurePosixPath, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if is_ignored(relative):
            continue
        if path.is_symlink():
            problems.add("symlink", str(relative))
            continue
        if path.is_dir() or not wanted(relative):
            continue
        size = path.stat().st_size
        total += size
        if size > limits.member_bytes:
            problems.add("file_too_large", str(relative), limit_kb=limits.member_bytes >> 10)
            continue
        if total > limits.unpacked_bytes or len(files) >= limits.members:
            raise BundleError(
                [Problem("too_large_unpacked", params={"limit_mb": limits.unpacked_bytes >> 20})]
            )
        files[(prefix or PurePosixPath()) / relative] = path.read_bytes()
    if problems:
        raise BundleError(problems)
    return files


def decode(content: bytes) -> str | None:
    """UTF-8 text in NFC without a byte-order mark, or None if it is not UTF-8."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return unicodedata.normalize("NFC", text.removeprefix("\ufeff"))


# --------------------------------------------------------------------------- front matter


def split_front_matter(text: str) -> tuple[str | None, str]:
    """Split ``---`` front matter (closed by ``---`` or ``...``) from the body.

    Line endings become ``\\n`` first; (None, text) when there is no front matter.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return None, text
    return match["head"], text[match.end() :]


def load_yaml(text: str, path: str = "", *, first_line: int = 1) -> tuple[Any, Problem | None]:
    """Safe-load YAML; (value, None), or (None, the problem) for text it cannot read.

    ``first_line`` is the file's line number of the text's first line (2 for front matter
    after its opening ``---``), so a problem names the line people see.
    """
    try:
        return yaml.safe_load(text) if text.strip() else None, None
    except RecursionError:
        return None, Problem("too_deep", path)
    except yaml.YAMLError as error:
        # The start of the broken construct says more than where the parser gave up.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        detail = getattr(error, "problem", "") or ""
        return None, Problem("bad_yaml", path, {"line": line, "detail": detail})


class _Dumper(yaml.SafeDumper):
    """Strings YAML would read back differently are written double-quoted (and escaped)."""


def _represent_str(dumper: yaml.SafeDumper, value: str):
    style = '"' if any(mark in value for mark in _YAML_LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any, *, width: int = 100_000) -> str:
    """YAML that :func:`load_yaml` reads back as exactly ``data`` (readable Unicode)."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=width,
    )


def dump_front_matter(meta: dict[str, Any], body: str, *, width: int = 100_000) -> str:
    """A Markdown file: ``---``, the YAML of ``meta``, ``---``, then ``body``."""
    return f"---\n{dump_yaml(meta, width=width)}---\n{body}"
