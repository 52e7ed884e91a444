"""Item kinds: the extension point other packages use to put their activities into courses.

Courses knows lessons itself. Another package (quizzes) registers a handler for its kind when
its blueprint is set up::

    from courses.registry import ItemKind, register_item_kind

    class QuizKind(ItemKind):
        label = _l("Quiz")
        def student_url(self, item): return url_for("quizzes.start", item_id=item.id)
        ...

    register_item_kind("quiz", QuizKind())

Every method has a safe default in :class:`ItemKind`, so a handler overrides only what it
needs. An item whose kind has no handler still appears in the outline and in the bundle (its
title, body and ``required`` flag survive), but it cannot be completed by hand and the workbook
prints no worksheet for it.

Protocol (all methods take the :class:`courses.models.Item`):

``label``
    Human name of the kind (a lazy string), shown to editors and students.
``add_label``, ``new_label``, ``settings_label``
    Whole phrases for the editors' buttons and headings ("Add a lesson", "New lesson",
    "Lesson settings"): each language builds them in its own grammar, so none is made by
    gluing ``label`` into a sentence.
``completable_by_hand``
    True if a student finishes it with "mark as done" (lessons); False if the handler calls
    :func:`courses.services.complete_item` itself (a quiz when passed).
``creatable``
    True if editors may add items of this kind from the outline editor.
``student_url(item) -> str``
    Where a student goes to do the item.
``edit_url(item) -> str | None``
    Where an editor sets the kind's own settings (questions...), or None.
``status_label(item, user) -> str | None``
    A short status for the outline, e.g. "best score 80%"; None shows nothing.
``front_matter(item) -> dict``
    Extra YAML front matter for the exported ``NN-slug.md`` (title, kind and required are
    written by courses and must not be returned).
``export_files(item) -> dict[str, bytes]``
    Extra files next to the ``.md``, keyed by suffix: ``{".gift": b"..."}``.
``on_create(item) -> None``
    Called when an editor adds an item of this kind, in the same transaction (after the item row
    is flushed): the place to create the kind's own rows (a quiz's settings).
``import_item(item, front_matter, files) -> None``
    Called by the importer after the item row is flushed (it has an id), inside the import
    transaction. ``front_matter`` is the whole mapping of the ``.md`` file, ``files`` maps
    suffixes to bytes. When a course is re-imported with "replace existing", the item may
    already carry the kind's data: replace it. Raise :class:`ItemImportError` with a clear
    message to refuse the whole import (nothing is saved).
``workbook_html(item) -> str``
    Safe HTML of a printed worksheet for the course workbook ("" for none).
``answer_key_html(item) -> str``
    Safe HTML of the item's answers for the key at the end of the workbook ("" for none).
``on_copy(source, target) -> None``
    Copy the kind's data when an item is duplicated.
``on_delete(item) -> None``
    Called before an item is deleted (its rows also go by ``ondelete="CASCADE"``).
``forget_user(item, user) -> None``
    A student asked to erase their progress in the course: delete their records for the item.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

__all__ = [
    "ItemImportError",
    "ItemKind",
    "LessonKind",
    "get_handler",
    "kind_handler",
    "kind_label",
    "register_item_kind",
    "registered_kinds",
    "unregister_item_kind",
]


class ItemImportError(ValueError):
    """Raised by a handler's ``import_item`` to refuse an import with a clear message."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class ItemKind:
    """Base class of item kind handlers: every method has a harmless default."""

    label: Any = _l("Activity")
    add_label: Any = _l("Add an activity")
    new_label: Any = _l("New activity")
    settings_label: Any = _l("Activity settings")
    completable_by_hand: bool = False
    creatable: bool = False

    def student_url(self, item) -> str:
        return url_for("courses.item", slug=item.module.course.slug, item_id=item.id)

    def edit_url(self, item) -> str | None:
        return None

    def status_label(self, item, user) -> str | None:
        return None

    def front_matter(self, item) -> dict[str, Any]:
        return {}

    def export_files(self, item) -> dict[str, bytes]:
        return {}

    def import_item(self, item, front_matter: dict[str, Any], files: dict[str, bytes]) -> None:
        return None

    def workbook_html(self, item) -> str:
        return ""

    def answer_key_html(self, item) -> str:
        return ""

    def on_create(self, item) -> None:
        return None

    def on_copy(self, source, target) -> None:
        return None

    def on_delete(self, item) -> None:
        return None

    def forget_user(self, item, user) -> None:
        return None


class LessonKind(ItemKind):
    """A Markdown lesson, read on the course's own lesson page and marked done by hand."""

    label = _l("Lesson")
    add_label = _l("Add a lesson")
    new_label = _l("New lesson")
    settings_label = _l("Lesson settings")
    completable_by_hand = True
    creatable = True

    def workbook_html(self, item) -> str:
        # Lessons are printed as chapters of the workbook, not as worksheets.
        return ""


_handlers: dict[str, ItemKind] = {"lesson": LessonKind()}

# Labels for kinds that may appear in imported courses before their package is installed.
_KNOWN_LABELS = {"lesson": _l("Lesson"), "quiz": _l("Quiz")}


def register_item_kind(kind: str, handler: ItemKind) -> None:
    """Plug a kind in (idempotent: registering again replaces the handler)."""
    if not kind or len(kind) > 20 or not kind.replace("_", "").isalnum() or kind != kind.lower():
        raise ValueError(f"invalid item kind {kind!r}")
    _handlers[kind] = handler


def unregister_item_kind(kind: str) -> None:
    _handlers.pop(kind, None)


def get_handler(kind: str) -> ItemKind | None:
    """The handler of ``kind``, or None when no installed package provides it."""
    return _handlers.get(kind)


def registered_kinds() -> dict[str, ItemKind]:
    return dict(_handlers)


def kind_handler(kind: str) -> ItemKind:
    """The handler of ``kind``, or the defaults of :class:`ItemKind` for an unknown kind."""
    return _handlers.get(kind) or ItemKind()


def kind_label(kind: str) -> Any:
    handler = _handlers.get(kind)
    if handler is not None:
        return handler.label
    return _KNOWN_LABELS.get(kind, kind)
