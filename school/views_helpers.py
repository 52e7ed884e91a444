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
    """Show a refusal next to its form field when the form has it, else as a flash message."""
    field = getattr(form, refusal.field, None) if (form is not None and refusal.field) else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(refusal.message)]
    else:
        flash(str(refusal.message), "error")


def requested_direction() -> str:
    """The "up" or "down" of a move button; any other value is a bad request."""
    direction = request.form.get("direction", "")
    if direction not in DIRECTIONS:
        abort(400)
    return direction
