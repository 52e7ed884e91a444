"""Characters of a brochure that no bundled font can print, found before it is built.

:func:`unprintable` is pure: it gives each character with its places as codes
(``("entry", question)``, ``("section", title)``, ``("brochure", field)``); the compose page
and the CLI word them (:func:`describe`, :func:`describe_plain`).
"""

from __future__ import annotations

from flask_babel import gettext as _

from brochures.layout import Document
from school import printing
from school.printfonts import MissingCharacter

__all__ = ["describe", "describe_plain", "unprintable"]

Place = tuple[str, str]


def _pieces(doc: Document):
    for field in ("title", "subtitle", "edition_label", "introduction"):
        yield ("brochure", field), getattr(doc, field) or ""
    for section in doc.sections:
        yield ("section", section.title), section.title
        for entry in section.entries:
            texts = [entry.question, entry.short_answer, entry.full_answer]
            yield ("entry", entry.question), "\n".join([*texts, *entry.legal_references])


def unprintable(doc: Document) -> list[MissingCharacter]:
    """Each character no bundled font has, with the places (codes) where it occurs."""
    return printing.missing_characters(_pieces(doc))


def _place(place: Place) -> str:
    kind, label = place
    if kind == "entry":
        return _("the answer «%(question)s»", question=label)
    if kind == "section":
        return _("the section title «%(title)s»", title=label)
    return _("the brochure's own texts")


def describe(missing: MissingCharacter) -> str:
    """``U+16A0 RUNIC LETTER FEHU FEOH FE F (ᚠ) prints as an empty box: in ...`` (translated)."""
    return _(
        "%(character)s has no font and prints as an empty box: %(places)s.",
        character=missing.describe(),
        places="; ".join(_place(p) for p in missing.places),
    )


def describe_plain(missing: MissingCharacter) -> str:
    """The same in English, for the command line."""
    places = []
    for kind, label in missing.places:
        places.append(
            {"entry": f"answer «{label}»", "section": f"section «{label}»"}.get(
                kind, "brochure texts"
            )
        )
    return f"{missing.describe()} has no font and prints as an empty box: {'; '.join(places)}"
