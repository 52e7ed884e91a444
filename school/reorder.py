"""Move an item one place up or down among its siblings (the "move" buttons; no JavaScript)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DIRECTIONS = ("up", "down")


def swap_with_neighbour(
    items: Sequence[Any], item: Any, direction: str, attribute: str = "position"
) -> bool:
    """Swap ``item``'s ``attribute`` with its neighbour's in ``items`` (in display order).

    Positions are renumbered 1, 2, 3... in the new order, so ties or gaps left by deletions
    never stop a move. Returns False when there is nothing to swap with (the first item moved
    up, the last moved down) or ``direction`` is not "up" or "down".
    """
    if direction not in DIRECTIONS:
        return False
    ordered = list(items)
    index = ordered.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for number, each in enumerate(ordered, start=1):
        setattr(each, attribute, number)
    return True
