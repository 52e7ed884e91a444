"""The print engine: HTML in, PDF out, for every printed document of the project.

Pure module (no Flask, no database). Features render their templates (usually extending
``templates/print/base.html``) to an HTML string and pass it here together with
:class:`PdfMetadata`.

Resources are served only by :class:`BundledUrlFetcher`:

* ``static:css/print.css`` -- files under the project's ``static/`` directory;
* ``font:pt-serif/700-italic.ttf`` -- the bundled PT Serif / PT Sans files;
* ``/images/<sha256>.jpg`` -- uploaded images, as lessons and entries link them: read from the
  image store through the source the app sets (:func:`set_image_source`), never over a network.

Everything else (``file:``, ``http(s):``, ``data:``, relative URLs, path traversal) is
refused and simply left out of the PDF; PDF attachments are never embedded.

Fonts: PT Serif and PT Sans, and behind them the fallback fonts of :mod:`school.printfonts`
for the letters PT lacks (Armenian, Georgian, Greek, Hebrew, Arabic, CJK, Vietnamese ...).
The renderer sees the bundled fonts and no system font. Printed text is composed (NFC) and
freed of control characters by :func:`normalize_text`; no character is ever replaced.

Importing this module loads no part of the print engine: WeasyPrint (with pydyf, fontTools and
Pillow) is imported by :mod:`school.render` on the first render, and
``printing.BundledUrlFetcher`` is looked up there. Cache keys, the cache, metadata and the
fonts' file names need none of it, so web workers, which never render, never load it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

from school import config, pdfcache, printfonts
from school.files import TMP_PREFIX, is_whole_pdf_file, write_atomically
from school.printimages import print_images

__all__ = [
    "ENGINE_VERSION",
    "FAMILIES",
    "FONT_SCHEME",
    "IMAGE_SCHEME",
    "STATIC_DIR",
    "STATIC_SCHEME",
    "BundledFiles",
    "CachedPdf",
    "PdfMetadata",
    "PrintFailed",
    "RefusedResource",
    "cache_key",
    "font_coverage",
    "font_face_css",
    "forget_failure",
    "load_engine",
    "missing_characters",
    "normalize_text",
    "pdf_page_count",
    "read_image",
    "render_cached",
    "render_pdf",
    "set_image_source",
    "static_url",
]

log = logging.getLogger(__name__)

#: Bump whenever a change here alters the bytes of a rendered PDF, so cached files expire.
ENGINE_VERSION = "2"

STATIC_SCHEME = "static"
FONT_SCHEME = "font"
IMAGE_SCHEME = "image"
#: An uploaded image's path on the site; the render reads it as ``image:<name>``.
IMAGE_PATH = re.compile(r"^/images/([0-9a-f]{64}\.(?:jpg|png))$")
STATIC_DIR = config.STATIC_DIR
FAMILIES = ("PT Serif", "PT Sans")

_WEIGHTS = (400, 700)
_STYLES = ("normal", "italic")
_STATIC_SUFFIXES = frozenset(
    {
        ".css",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".svg",
        ".ttf",
        ".otf",
        ".woff",
        ".woff2",
        ".icc",
    }
)
_STATIC_REF = re.compile(r"static:([^\s\"'()<>\\]+)")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]{0,30}):")
_STALE_TMP_SECONDS = 3600

StaticDir = str | os.PathLike[str] | None
"""The root of ``static:`` URLs: the project's ``static/`` when None."""


# --------------------------------------------------------------------------- metadata


@dataclass(frozen=True)
class PdfMetadata:
    """What goes into the PDF's document information and catalog.

    ``created``/``modified`` are written verbatim, so a reprint with the same metadata gives
    the same bytes; use the edition's date, never "now". Datetimes must be timezone-aware.
    ``modified`` defaults to ``created``.
    """

    title: str
    author: str
    lang: str = "ru"
    subject: str | None = None
    keywords: tuple[str, ...] = ()
    created: date | datetime | None = None
    modified: date | datetime | None = None

    def _fingerprint(self) -> dict[str, object]:
        data = asdict(self)
        data["created"] = _w3c_date(self.created)
        data["modified"] = _w3c_date(self.modified)
        data["keywords"] = list(self.keywords)
        return data


def _w3c_date(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("PDF dates must be timezone-aware")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


# --------------------------------------------------------------------------- fonts


@cache
def _font_files() -> dict[str, Path]:
    """Map ``font:`` paths such as ``pt-serif/700-italic.ttf`` to installed TTF files."""
    import fontpkg

    files = {}
    for family in FAMILIES:
        slug = fontpkg.slugify(family)
        for weight in _WEIGHTS:
            for style in _STYLES:
                files[f"{slug}/{weight}-{style}.ttf"] = Path(
                    fontpkg.path(family, weight=weight, style=style)
                )
    return files


def font_face_css() -> str:
    """@font-face rules for the regular, bold, italic and bold italic PT Serif and PT Sans."""
    import fontpkg

    rules = []
    for family in FAMILIES:
        slug = fontpkg.slugify(family)
        for weight in _WEIGHTS:
            for style in _STYLES:
                rules.append(
                    f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                    f"font-style: {style}; "
                    f'src: url("{FONT_SCHEME}:{slug}/{weight}-{style}.ttf") format("truetype"); }}'
                )
    return "\n".join(rules) + "\n"


# Applied with user origin: documents override it, but the browser defaults (monospace for
# code, U+2010 as hyphenation character, ◦/▪ list bullets) can no longer pull in a system font.
_GUARD_CSS = """
html { font-family: "PT Serif"; hyphenate-character: "-"; }
pre, code, kbd, samp, tt, var, input, textarea, select, button { font-family: "PT Sans"; }
ul { list-style-type: disc; }
summary { display: block; }
"""


def _covered_codepoints() -> frozenset[int]:
    """Code points some bundled font draws: PT Serif and PT Sans, then every fallback."""
    return printfonts.covered_codepoints(tuple(_font_files().values()))


_LINE_SEPARATORS = {"\u2028": "\n", "\u2029": "\n"}
_KEEP = frozenset("\t\n\r")


def font_coverage(text: str) -> set[str]:
    """Return the characters of ``text`` that no bundled font can draw."""
    covered = _covered_codepoints()
    text = unicodedata.normalize("NFC", text)
    return {c for c in set(text) if ord(c) not in covered and not printfonts.needs_no_glyph(c)}


def missing_characters(
    pieces: Iterable[tuple[Hashable, str]],
) -> list[printfonts.MissingCharacter]:
    """Characters no bundled font has in ``(place, text)`` pieces, each with its places.

    Features call it before a build, so that staff see which character of which entry or
    name will print as an empty box.
    """
    return printfonts.missing_characters(pieces, _covered_codepoints())


def _clean_char(char: str) -> str:
    if char in _LINE_SEPARATORS:
        return _LINE_SEPARATORS[char]
    return "" if unicodedata.category(char) in {"Cc", "Cs"} and char not in _KEEP else char


def normalize_text(text: str) -> str:
    """Compose (NFC) and drop control characters; every other character prints as itself.

    A decomposed "й" becomes one character, U+2028/U+2029 become line breaks, and C0/C1
    controls other than tab and line breaks are removed. Nothing is replaced by a look-alike:
    the fallback fonts draw what PT lacks, and a character no bundled font has prints as an
    empty box, which :func:`missing_characters` reports before the build.
    """
    text = unicodedata.normalize("NFC", text)
    if text.isprintable():
        return text
    return "".join(_clean_char(c) if not c.isprintable() else c for c in text)


# --------------------------------------------------------------------------- fetcher


class PrintFailed(RuntimeError):
    """The engine could not print this HTML (nested too deeply); remembered per cache key."""


class RefusedResource(ValueError):
    """Raised by the fetcher for a URL outside the bundle; WeasyPrint then leaves it out."""


ImageSource = Callable[[str], tuple[bytes, str] | None]
_image_source: ImageSource | None = None


def set_image_source(source: ImageSource | None) -> None:
    """Where renders read uploaded images: ``source(name)`` gives the bytes and media type of
    ``<sha256>.jpg`` (or None). The app sets it (``school.imagestore``); without it, none print.
    """
    global _image_source
    _image_source = source


def read_image(name: str) -> tuple[bytes, str] | None:
    """An uploaded image for the fetcher, by file name, or None when it is not there."""
    if _image_source is None or IMAGE_PATH.fullmatch("/images/" + name) is None:
        return None
    return _image_source(name)


def _scheme_of(url: str) -> str:
    match = _SCHEME.match(url)
    return match[1].lower() if match else "relative"


def static_url(path: str) -> str:
    """Return the engine URL for a file under ``static/``, e.g. ``static:css/print.css``."""
    return f"{STATIC_SCHEME}:{path.lstrip('/')}"


class BundledFiles:
    """The files that ``static:`` and ``font:`` URLs stand for; the engine serves no others.

    WeasyPrint's URL fetcher (:class:`BundledUrlFetcher`, rendering only) resolves through it;
    cache keys and frozen editions use it without loading the print engine.
    """

    def __init__(self, static_dir: StaticDir = None) -> None:
        self.static_dir = Path(static_dir or STATIC_DIR).resolve()

    def resolve(self, url: str) -> Path | None:
        """Return the file a URL stands for, or None when the URL is refused."""
        scheme = _scheme_of(url)
        rest = url[len(scheme) + 1 :].split("#", 1)[0].split("?", 1)[0]
        if scheme == FONT_SCHEME:
            return _font_files().get(unquote(rest))
        if scheme != STATIC_SCHEME:
            return None
        relative = unquote(rest)
        if not relative or "\x00" in relative or relative.startswith(("/", "\\")):
            return None
        candidate = (self.static_dir / relative).resolve()
        if not candidate.is_relative_to(self.static_dir) or not candidate.is_file():
            return None
        if candidate.suffix.lower() not in _STATIC_SUFFIXES:
            return None
        return candidate


# --------------------------------------------------------------------------- rendering


def render_pdf(
    html: str,
    metadata: PdfMetadata,
    *,
    stylesheets: Sequence[str] = (),
    static_dir: StaticDir = None,
    variant: str | None = None,
) -> bytes:
    """Render an HTML string to PDF bytes; same input, same bytes.

    ``stylesheets`` are extra CSS strings applied after the document's own. ``static_dir``
    replaces the project's ``static/`` directory as the root of ``static:`` URLs. ``variant``
    is a PDF variant of the engine, such as ``"pdf/x-4"`` for a print house. The first call
    imports WeasyPrint (:mod:`school.render`); nothing else here does.
    """
    from school import render

    html = print_images(html)
    return render.render_pdf(html, metadata, stylesheets, static_dir, variant)


def load_engine() -> None:
    """Import the print engine (:mod:`school.render`, WeasyPrint) now, not on the first render.

    For processes that render, or fork processes that do: a queue worker before it forks its
    work horses, so that each starts with the engine loaded. Never in a web worker.
    """
    import school.render  # noqa: F401


def __getattr__(name: str):
    # The fetcher subclasses WeasyPrint's: it is defined where WeasyPrint is imported.
    if name == "BundledUrlFetcher":
        from school.render import BundledUrlFetcher

        return BundledUrlFetcher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- cache


@dataclass(frozen=True)
class CachedPdf:
    """A rendered PDF in the cache: its path, an ETag and whether this call rendered it."""

    path: Path
    etag: str
    rendered: bool


def _package_version(name: str) -> str:
    try:
        return package_version(name)
    except PackageNotFoundError:
        return "?"


#: The names WeasyPrint loads its libraries by (``weasyprint.text.ffi``), sonames first.
_PANGO = ("libpango-1.0.so.0", "libpango-1.0.dylib", "libpango-1.0-0.dll", "pango-1.0")
_HARFBUZZ_SUBSET = (
    "libharfbuzz-subset.so.0",
    "libharfbuzz-subset.0.dylib",
    "libharfbuzz-subset-0.dll",
    "harfbuzz-subset",
)


def _load_library(names: Sequence[str]):
    """The shared library by the first name that loads, else None; without WeasyPrint."""
    import ctypes
    import ctypes.util

    for name in names:
        with contextlib.suppress(OSError):
            return ctypes.CDLL(name)
    found = ctypes.util.find_library(names[-1])
    if found:
        with contextlib.suppress(OSError):
            return ctypes.CDLL(found)
    return None


def _text_libraries() -> tuple[int, bool]:
    """Pango's version and whether HarfBuzz's subsetter is there, as WeasyPrint finds them.

    Loaded directly (a few milliseconds and a few MB) rather than by importing WeasyPrint
    (most of a second and some 40 MB), so that a web worker can compute cache keys without
    the print engine. Always the same way in every process, so that all of them compute the
    same keys; only where Pango cannot be loaded so is WeasyPrint's own search asked.
    """
    pango = _load_library(_PANGO)
    if pango is None:
        from weasyprint.text import ffi

        return int(ffi.pango.pango_version()), ffi.harfbuzz_subset is not None
    import ctypes

    pango.pango_version.restype = ctypes.c_int
    return int(pango.pango_version()), _load_library(_HARFBUZZ_SUBSET) is not None


@cache
def _toolchain_fingerprint() -> dict[str, object]:
    fonts = {name: _file_digest(path) for name, path in sorted(_font_files().items())}
    pango, harfbuzz_subset = _text_libraries()
    return {
        "engine": ENGINE_VERSION,
        "weasyprint": _package_version("weasyprint"),
        "pango": pango,
        # Subsetting with HarfBuzz or with fontTools gives different bytes.
        "harfbuzz_subset": harfbuzz_subset,
        **{
            name: _package_version(name)
            for name in ("pydyf", "pyphen", "fonttools", "tinycss2", "tinyhtml5", "cssselect2")
        },
        "fonts": fonts,
        "fallback_fonts": printfonts.font_set_fingerprint(),
        "font_rules": printfonts.fontconfig_rules(),
    }


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _static_dependencies(texts: Iterable[str], files: BundledFiles) -> dict[str, str]:
    """Digest every ``static:`` file the texts refer to, following references in CSS/SVG."""
    digests: dict[str, str] = {}
    pending = [ref for text in texts for ref in _STATIC_REF.findall(text)]
    while pending:
        ref = pending.pop()
        if ref in digests:
            continue
        path = files.resolve(static_url(ref))
        if path is None:
            digests[ref] = "missing"
            continue
        data = path.read_bytes()
        digests[ref] = hashlib.sha256(data).hexdigest()
        if path.suffix.lower() in {".css", ".svg"}:
            pending.extend(_STATIC_REF.findall(data.decode("utf-8", "replace")))
    return dict(sorted(digests.items()))


def cache_key(
    html: str,
    metadata: PdfMetadata,
    *,
    stylesheets: Sequence[str] = (),
    static_dir: StaticDir = None,
    variant: str | None = None,
) -> str:
    """SHA-256 of everything that affects the PDF: input, static files, fonts and versions."""
    payload = {
        "html": html,
        **({"variant": variant} if variant else {}),
        "stylesheets": list(stylesheets),
        "metadata": metadata._fingerprint(),
        "static": _static_dependencies(
            [print_images(html), *stylesheets], BundledFiles(static_dir)
        ),
        "toolchain": _toolchain_fingerprint(),
    }
    encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


def _remove_stale_temp_files(cache_dir: Path) -> None:
    # Temp files of renders killed mid-write are never served; sweep the old ones.
    cutoff = time.time() - _STALE_TMP_SECONDS
    for leftover in cache_dir.glob(f"{TMP_PREFIX}*.part"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def render_cached(
    html: str,
    cache_dir: str | os.PathLike[str],
    metadata: PdfMetadata,
    *,
    stylesheets: Sequence[str] = (),
    static_dir: StaticDir = None,
    variant: str | None = None,
) -> CachedPdf:
    """Return the cached PDF for this input, rendering and storing it atomically if needed.

    Module-level with picklable arguments, so it can be submitted to a ProcessPoolExecutor.
    """
    directory = Path(cache_dir)
    directory.mkdir(parents=True, exist_ok=True)
    key = cache_key(html, metadata, stylesheets=stylesheets, static_dir=static_dir, variant=variant)
    target = directory / f"{key}.pdf"
    if is_whole_pdf_file(target):
        pdfcache.touch(target)  # its last use, for least-recently-used pruning
        return CachedPdf(target, key, rendered=False)
    failed = directory / f"{key}.failed"  # a failed render is not tried again for the same input
    if failed.exists():
        raise PrintFailed(failed.read_text(encoding="utf-8"))
    try:
        data = render_pdf(
            html, metadata, stylesheets=stylesheets, static_dir=static_dir, variant=variant
        )
    except PrintFailed as error:
        write_atomically(failed, str(error).encode())
        raise
    write_atomically(target, data)
    _remove_stale_temp_files(directory)
    return CachedPdf(target, key, rendered=True)


def forget_failure(cache_dir: str | os.PathLike[str], key: str) -> None:
    """Let the input of ``key`` be rendered again although it failed before (a staff retry)."""
    with contextlib.suppress(FileNotFoundError):
        (Path(cache_dir) / f"{key}.failed").unlink()


# --------------------------------------------------------------------------- reading PDFs


def pdf_page_count(pdf: bytes) -> int:
    """Number of pages, e.g. to check that a memo still fits on one page."""
    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)
