"""Move an item one place up or down among its siblings (the "move" buttons; no JavaScript)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DIRECTIONS = ("up", "down")


def reorder(ids: Sequence[Any], moving: Any, offset: int) -> list[int] | None:
    """``ids`` with ``moving`` swapped with its neighbour ``offset`` (-1 up, +1 down) away.

    None when the move would leave the list (the caller may move it to a neighbouring module).
    """
    order = list(ids)
    if moving not in order or offset not in (-1, 1):
        return None
    index = order.index(moving)
    target = index + offset
    if not 0 <= target < len(order):
        return None
    order[index], order[target] = order[target], order[index]
    return order


def offset_of(direction: str) -> int:
    """-1 for "up", +1 for "down" (the move buttons' values), 0 for anything else."""
    return {"up": -1, "down": 1}.get(direction, 0)


def swap_with_neighbour(
    items: Sequence[Any], item: Any, direction: str, attribute: str = "position"
) -> bool:
    """Swap ``item``'s ``attribute`` with its neighbour's in ``items`` (in display order).

    Positions are renumbered 1, 2, 3... in the new order, so ties or gaps left by deletions
    never stop a move. Returns False when there is nothing to swap with (the first item moved
    up, the last moved down) or ``direction`` is not "up" or "down".
    """
    ordered = reorder(list(items), item, offset_of(direction))
    if ordered is None:
        return False
    for number, each in enumerate(ordered, start=1):
        setattr(each, attribute, number)
    return True
