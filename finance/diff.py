"""Readable differences between two revisions of an entry. Pure: difflib only.

Prose is compared word by word (a changed word is shown, not a whole changed paragraph);
long unchanged stretches are shortened to their first and last words.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Words, runs of spaces, line breaks and single punctuation marks are the units compared.
_TOKEN_RE = re.compile(r"\n|[^\S\n]+|\w+(?:[-\u2011]\w+)*|[^\w\s]", re.UNICODE)
# Unchanged text longer than this (in tokens) is shortened, keeping CONTEXT tokens each side.
LONG_EQUAL = 60
CONTEXT = 16


@dataclass(frozen=True)
class Segment:
    """A piece of text: ``equal``, ``insert``, ``delete`` or ``skip`` (shortened equal text)."""

    op: str
    text: str


@dataclass
class FieldDiff:
    name: str
    segments: list[Segment] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(s.op in ("insert", "delete") for s in self.segments)

    @property
    def inserted(self) -> int:
        return sum(len(_words(s.text)) for s in self.segments if s.op == "insert")

    @property
    def deleted(self) -> int:
        return sum(len(_words(s.text)) for s in self.segments if s.op == "delete")


def tokenize(text: str) -> list[str]:
    """Split text into words, spaces, line breaks and punctuation; joining gives it back."""
    return _TOKEN_RE.findall(text.replace("\r\n", "\n"))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def diff_text(old: str, new: str, *, shorten: bool = True) -> list[Segment]:
    """Word-level difference of two texts as segments; equal text may be shortened."""
    a, b = tokenize(old or ""), tokenize(new or "")
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.extend(_equal(a[i1:i2], shorten))
        else:
            if i2 > i1:
                segments.append(Segment("delete", "".join(a[i1:i2])))
            if j2 > j1:
                segments.append(Segment("insert", "".join(b[j1:j2])))
    return _merge(_absorb_spaces(segments))


def _equal(tokens: Sequence[str], shorten: bool) -> list[Segment]:
    if not shorten or len(tokens) <= LONG_EQUAL:
        return [Segment("equal", "".join(tokens))]
    return [
        Segment("equal", "".join(tokens[:CONTEXT])),
        Segment("skip", "…"),
        Segment("equal", "".join(tokens[-CONTEXT:])),
    ]


def _absorb_spaces(segments: list[Segment]) -> list[Segment]:
    # "old word" -> "new word" reads better as one replaced phrase than as word, space, word:
    # a lone equal space between a deletion and an insertion joins both sides.
    out: list[Segment] = []
    index = 0
    while index < len(segments):
        seg = segments[index]
        if (
            seg.op == "equal"
            and seg.text.strip(" ") == ""
            and seg.text
            and out
            and out[-1].op in ("insert", "delete")
            and index + 1 < len(segments)
            and segments[index + 1].op in ("insert", "delete")
        ):
            out.append(Segment("delete", seg.text))
            out.append(Segment("insert", seg.text))
        else:
            out.append(seg)
        index += 1
    return out


def _merge(segments: list[Segment]) -> list[Segment]:
    """Join neighbours of the same kind and put deletions before insertions in each change."""
    out: list[Segment] = []
    run: list[Segment] = []

    def flush() -> None:
        if not run:
            return
        deleted = "".join(s.text for s in run if s.op == "delete")
        inserted = "".join(s.text for s in run if s.op == "insert")
        if deleted:
            out.append(Segment("delete", deleted))
        if inserted:
            out.append(Segment("insert", inserted))
        run.clear()

    for seg in segments:
        if seg.op in ("insert", "delete"):
            run.append(seg)
            continue
        flush()
        if out and out[-1].op == seg.op == "equal":
            out[-1] = Segment("equal", out[-1].text + seg.text)
        elif seg.text or seg.op == "skip":
            out.append(seg)
    flush()
    return out


FIELDS = ("question", "short_answer", "full_answer", "legal_references")


def diff_contents(old: Mapping[str, object], new: Mapping[str, object]) -> list[FieldDiff]:
    """Differences of every text field of two revisions (``EntryRevision.content()``)."""
    result = []
    for name in FIELDS:
        before, after = _as_text(old.get(name)), _as_text(new.get(name))
        result.append(FieldDiff(name, diff_text(before, after)))
    return result


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return str(value)
