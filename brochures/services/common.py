"""What the brochures' use cases share: their refusal type."""

from __future__ import annotations

from school.refusal import Refusal


class BrochureError(Refusal):
    """A use case of the brochures refused (see :class:`school.refusal.Refusal`)."""
