"""The fonts of the print engine: PT Serif and PT Sans first, bundled fallbacks for every script.

Pure module (no Flask, no WeasyPrint). PT Serif and PT Sans give printed documents their
look; they cover Russian and the Cyrillic of the peoples of Russia and Central Asia. A name
in another script takes its letters from the fallback fonts, all of the Noto family (SIL Open
Font License): Noto Serif / Noto Sans (Latin with every diacritic, Vietnamese, Azerbaijani
ə, Greek, typographic punctuation), Armenian, Georgian, Hebrew, Arabic, CJK (Simplified
Chinese forms; kana and hangul included) and Noto Sans Math and Symbols (arrows, ballot
boxes, check marks).

A stylesheet still names only "PT Serif" or "PT Sans": the engine's font configuration
(:func:`fontconfig_rules`) appends that family's stack (:data:`SERIF_STACK`,
:data:`SANS_STACK`), and the text shaper takes each character from the first font of the
stack that has it. The generic families (serif, sans-serif, monospace) name the same stacks.
The engine's font configuration holds the bundled fonts and nothing else, so no system font
can ever be picked.

Sources: PT and Noto Serif / Noto Sans / Noto Sans Arabic are Python packages (``fontpkg-*``,
dependencies of the project); the rest are Debian's ``fonts-noto-core`` and
``fonts-noto-cjk``, which ``scripts/system-deps.sh`` installs. A font that is missing on a
machine is left out of the stacks, and :func:`missing_characters` then names the characters
nobody can print.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = [
    "DEBIAN_FONT_DIRS",
    "FALLBACKS",
    "SANS_STACK",
    "SERIF_STACK",
    "Fallback",
    "MissingCharacter",
    "available_fallbacks",
    "covered_codepoints",
    "fallback_files",
    "font_set_fingerprint",
    "fontconfig_rules",
    "missing_characters",
    "needs_no_glyph",
]

log = logging.getLogger("school.printing")

#: Where Debian installs the Noto fonts (``fonts-noto-core``, ``fonts-noto-cjk``).
DEBIAN_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/opentype/noto"),
)


@dataclass(frozen=True)
class Fallback:
    """A fallback family: its name as the font files give it, and where its files come from.

    ``package`` is a Python distribution (``fontpkg-...``, files found by :mod:`fontpkg`) or a
    Debian package (files named in ``files``, found under :data:`DEBIAN_FONT_DIRS`).
    """

    family: str
    package: str
    files: tuple[str, ...] = field(default=())

    @property
    def from_pypi(self) -> bool:
        return self.package.startswith("fontpkg-")


_CORE = "fonts-noto-core"
_CJK = "fonts-noto-cjk"


def _regular_and_bold(stem: str) -> tuple[str, str]:
    return (f"{stem}-Regular.ttf", f"{stem}-Bold.ttf")


FALLBACKS = (
    Fallback("Noto Serif", "fontpkg-noto-serif"),
    Fallback("Noto Sans", "fontpkg-noto-sans"),
    Fallback("Noto Sans Arabic", "fontpkg-noto-sans-arabic"),
    Fallback("Noto Serif Armenian", _CORE, _regular_and_bold("NotoSerifArmenian")),
    Fallback("Noto Sans Armenian", _CORE, _regular_and_bold("NotoSansArmenian")),
    Fallback("Noto Serif Georgian", _CORE, _regular_and_bold("NotoSerifGeorgian")),
    Fallback("Noto Sans Georgian", _CORE, _regular_and_bold("NotoSansGeorgian")),
    Fallback("Noto Serif Hebrew", _CORE, _regular_and_bold("NotoSerifHebrew")),
    Fallback("Noto Sans Hebrew", _CORE, _regular_and_bold("NotoSansHebrew")),
    Fallback("Noto Serif CJK SC", _CJK, ("NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc")),
    Fallback("Noto Sans CJK SC", _CJK, ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")),
    Fallback("Noto Sans Math", _CORE, ("NotoSansMath-Regular.ttf",)),
    Fallback("Noto Sans Symbols", _CORE, ("NotoSansSymbols-Regular.ttf",)),
    Fallback("Noto Sans Symbols2", _CORE, ("NotoSansSymbols2-Regular.ttf",)),
)

# Arrows, ballot boxes and check marks, before CJK, whose fonts have wide ones.
_SYMBOLS = ("Noto Sans Math", "Noto Sans Symbols", "Noto Sans Symbols2")
#: Font stacks, primary face first. Arabic has one (sans) design for both.
SERIF_STACK = (
    "PT Serif",
    "Noto Serif",
    "Noto Serif Armenian",
    "Noto Serif Georgian",
    "Noto Serif Hebrew",
    "Noto Sans Arabic",
    *_SYMBOLS,
    "Noto Serif CJK SC",
)
SANS_STACK = (
    "PT Sans",
    "Noto Sans",
    "Noto Sans Armenian",
    "Noto Sans Georgian",
    "Noto Sans Hebrew",
    "Noto Sans Arabic",
    *_SYMBOLS,
    "Noto Sans CJK SC",
)
#: Family names in stylesheets, and the stack each stands for.
_STACKS = {
    "PT Serif": SERIF_STACK,
    "serif": SERIF_STACK,
    "PT Sans": SANS_STACK,
    "sans-serif": SANS_STACK,
    "monospace": SANS_STACK,
}


def _debian_file(name: str) -> Path | None:
    for directory in DEBIAN_FONT_DIRS:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def _fallback_paths(fallback: Fallback) -> tuple[Path, ...]:
    if fallback.from_pypi:
        import fontpkg

        try:
            family = fontpkg.family(fallback.family)
        except fontpkg.FontpkgError:
            return ()
        return tuple(sorted(Path(f.path) for f in family.files))
    found = [_debian_file(name) for name in fallback.files]
    return tuple(path for path in found if path is not None)


@cache
def fallback_files() -> dict[str, tuple[Path, ...]]:
    """The installed files of each fallback family; a family with no files is left out."""
    files = {}
    for fallback in FALLBACKS:
        paths = _fallback_paths(fallback)
        if paths:
            files[fallback.family] = paths
        else:
            log.warning("print font %s is not installed (%s)", fallback.family, fallback.package)
    return files


def available_fallbacks() -> tuple[str, ...]:
    """Names of the fallback families whose files are installed."""
    return tuple(fallback_files())


def fontconfig_rules() -> str:
    """Fontconfig rules that make each family a stylesheet names stand for its whole stack.

    Strong bindings, so that the stack's order decides before language or style do.
    """
    installed = set(fallback_files())
    rules = []
    for name, stack in _STACKS.items():
        families = [f for f in stack if f != name and (f in installed or f.startswith("PT "))]
        strings = "".join(f"<string>{escape(family)}</string>" for family in families)
        rules.append(
            f'<match target="pattern"><test name="family"><string>{escape(name)}</string>'
            f'</test><edit name="family" mode="append" binding="strong">{strings}</edit></match>'
        )
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig>{''.join(rules)}</fontconfig>\n"
    )


def _cmap(path: Path) -> set[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True, fontNumber=0) as font:
        return set(font.getBestCmap() or ())


@cache
def covered_codepoints(primary: tuple[Path, ...] = ()) -> frozenset[int]:
    """Code points some bundled font can draw: the primary files and every fallback file."""
    covered: set[int] = set()
    for path in (*primary, *(p for paths in fallback_files().values() for p in paths)):
        covered |= _cmap(path)
    return frozenset(covered)


def font_set_fingerprint() -> dict[str, str]:
    """SHA-256 of every fallback file by family and name: any change of the set shows."""
    return {
        f"{family}/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
        for family, paths in sorted(fallback_files().items())
        for path in paths
    }


# --------------------------------------------------------------------------- checking text

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def needs_no_glyph(char: str) -> bool:
    """Controls, format characters, line separators and variation selectors draw nothing."""
    code = ord(char)
    return (
        unicodedata.category(char) in _INVISIBLE_CATEGORIES
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
    )


@dataclass(frozen=True)
class MissingCharacter:
    """A character no bundled font has, and where it occurs (entry titles, names, ...)."""

    char: str
    places: tuple[Hashable, ...]

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    @property
    def name(self) -> str:
        return unicodedata.name(self.char, "") or unicodedata.category(self.char)

    def describe(self) -> str:
        """``U+16A0 RUNIC LETTER FEHU FEOH FE F (ᚠ)``, language-neutral."""
        return f"{self.codepoint} {self.name} ({self.char})"


def missing_characters(
    pieces: Iterable[tuple[Hashable, str]], covered: frozenset[int]
) -> list[MissingCharacter]:
    """The characters of ``(place, text)`` pieces that no font in ``covered`` has, in order.

    A place is whatever the caller names it by (a string, or a code and a title).
    """
    places: dict[str, list[Hashable]] = {}
    for place, text in pieces:
        for char in set(unicodedata.normalize("NFC", text or "")):
            if ord(char) in covered or needs_no_glyph(char):
                continue
            where = places.setdefault(char, [])
            if place not in where:
                where.append(place)
    return [MissingCharacter(char, tuple(places[char])) for char in sorted(places)]
