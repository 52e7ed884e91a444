"""Progress through a course: what is done, whether the course is complete, what comes next.

Pure module (no Flask, no database). The course is given as its outline, the items in reading
order; the student's state as the set of done item ids and the last item they opened.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple


class Entry(NamedTuple):
    """One item of the outline, in reading order."""

    id: int
    required: bool = True


@dataclass(frozen=True)
class Progress:
    done_required: int
    total_required: int
    done_items: int
    total_items: int

    @property
    def complete(self) -> bool:
        """Every required item is done. A course with no required item is never complete:
        there is nothing to certify."""
        return self.total_required > 0 and self.done_required >= self.total_required

    @property
    def percent(self) -> int:
        """Whole percent of required items done, rounded down (100 only when complete)."""
        if self.total_required == 0:
            return 0
        return self.done_required * 100 // self.total_required


def compute(outline: Sequence[Entry], done: Collection[int]) -> Progress:
    """Count done items; ids in ``done`` that are not in the outline are ignored."""
    done_set = set(done)
    required = [e for e in outline if e.required]
    return Progress(
        done_required=sum(1 for e in required if e.id in done_set),
        total_required=len(required),
        done_items=sum(1 for e in outline if e.id in done_set),
        total_items=len(outline),
    )


def is_complete(outline: Sequence[Entry], done: Collection[int]) -> bool:
    return compute(outline, done).complete


def next_item(
    outline: Sequence[Entry], done: Collection[int], last_item_id: int | None = None
) -> int | None:
    """Where to continue: the item to open when the student comes back.

    The last opened item if it is not done yet; otherwise the first item after it that is not
    done, wrapping around to the start; None when everything is done. A student who has opened
    nothing starts at the first item not done.
    """
    if not outline:
        return None
    done_set = set(done)
    ids = [e.id for e in outline]
    if last_item_id in ids:
        start = ids.index(last_item_id)
        if last_item_id not in done_set:
            return last_item_id
        order = ids[start + 1 :] + ids[: start + 1]
    else:
        order = ids
    return next((i for i in order if i not in done_set), None)


def neighbours(outline: Sequence[Entry], item_id: int) -> tuple[int | None, int | None]:
    """The previous and next item of ``item_id`` across modules (None at either end)."""
    ids = [e.id for e in outline]
    if item_id not in ids:
        return None, None
    index = ids.index(item_id)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following
