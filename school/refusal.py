"""One way for a use case to say no: a message for the person, and where it belongs.

Services raise :class:`Refusal` (or a feature's subclass of it) when input or state does not
allow what was asked. ``message`` is shown to the person as it is (usually a lazy gettext
string, translated when shown); ``field`` names the form field it belongs next to, if any;
``errors`` holds several such messages by field at once (a form checked as a whole); ``code``
is a stable identifier for callers that branch on the reason (CLI, imports, tests). Views turn
it into form errors or flashes with :func:`school.views_helpers.refuse`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class Refusal(ValueError):
    """A use case refused: ``message`` for the person, next to ``field`` if given."""

    def __init__(
        self,
        message: Any = None,
        field: str | None = None,
        code: str | None = None,
        errors: Mapping[str | None, Sequence[Any]] | None = None,
    ) -> None:
        self.errors: dict[str | None, list[Any]] = {
            name: list(messages) for name, messages in (errors or {}).items() if messages
        }
        if message is not None:
            self.errors.setdefault(field, []).append(message)
        if not self.errors:
            raise TypeError("a refusal needs a message")
        self.code = code
        super().__init__("; ".join(str(m) for ms in self.errors.values() for m in ms))

    @property
    def message(self) -> Any:
        """The first message (the only one, unless several fields were refused at once)."""
        return next(iter(self.errors.values()))[0]

    @property
    def field(self) -> str | None:
        """The form field of the first message, or None for the form as a whole."""
        return next(iter(self.errors))
