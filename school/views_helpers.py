"""Small pieces every feature's views use: not found, refusals on forms, move buttons."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, flash, request

from school.refusal import Refusal
from school.reorder import DIRECTIONS

T = TypeVar("T")


def or_404(obj: T | None) -> T:
    """``obj``, or a 404 when there is none."""
    if obj is None:
        abort(404)
    return obj


def refuse(form, refusal: Refusal) -> None:
    """Show a refusal's messages next to their form fields, the others as flash messages.

    A message of several lines (an import's list of problems) gives one error per line.
    """
    for name, messages in refusal.errors.items():
        field = getattr(form, name, None) if (form is not None and name) else None
        lines = [line for message in messages for line in str(message).split("\n") if line]
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *lines]
        else:
            for line in lines:
                flash(line, "error")


def requested_direction() -> str:
    """The "up" or "down" of a move button; any other value is a bad request."""
    direction = request.form.get("direction", "")
    if direction not in DIRECTIONS:
        abort(400)
    return direction
