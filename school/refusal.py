"""One way for a use case to say no: a message for the person, and where it belongs.

Services raise :class:`Refusal` (or a feature's subclass of it) when input or state does not
allow what was asked. ``message`` is shown to the person as it is (usually a lazy gettext
string, translated when shown); ``field`` names the form field it belongs next to, if any;
``code`` is a stable identifier for callers that branch on the reason (CLI, imports, tests).
Views turn it into a form error or a flash with :func:`school.views_helpers.refuse`.
"""

from __future__ import annotations

from typing import Any


class Refusal(ValueError):
    """A use case refused: ``message`` for the person, next to ``field`` if given."""

    def __init__(self, message: Any, field: str | None = None, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
