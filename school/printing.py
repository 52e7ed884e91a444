"""The print engine: HTML in, PDF out, for every printed document of the project.

Pure module (no Flask, no database). Features render their templates (usually extending
``templates/print/base.html``) to an HTML string and pass it here together with
:class:`PdfMetadata`.

Resources are served only by :class:`BundledUrlFetcher`:

* ``static:css/print.css`` -- files under the project's ``static/`` directory;
* ``font:pt-serif/700-italic.ttf`` -- the bundled PT Serif / PT Sans files.

Everything else (``file:``, ``http(s):``, ``data:``, relative URLs, path traversal) is
refused and simply left out of the PDF; PDF attachments are never embedded.

All printed text is passed through :func:`normalize_text`, so that no character can make
the renderer fall back to a system font: the PDF holds only PT Serif and PT Sans.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import mimetypes
import os
import re
import struct
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote

import fontpkg
import weasyprint
from pypdf import PdfReader
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from school import config, pdfcache
from school.files import TMP_PREFIX, is_whole_pdf_file, write_atomically
from school.markdown_limits import MAX_HTML_DEPTH, element_depth

__all__ = [
    "ENGINE_VERSION",
    "FAMILIES",
    "FONT_SCHEME",
    "STATIC_DIR",
    "STATIC_SCHEME",
    "BundledUrlFetcher",
    "CachedPdf",
    "PdfMetadata",
    "PrintFailed",
    "RefusedResource",
    "cache_key",
    "font_coverage",
    "font_face_css",
    "normalize_text",
    "pdf_page_count",
    "render_cached",
    "render_pdf",
    "static_url",
]

log = logging.getLogger(__name__)

#: Bump whenever a change here alters the bytes of a rendered PDF, so cached files expire.
ENGINE_VERSION = "1"

STATIC_SCHEME = "static"
FONT_SCHEME = "font"
STATIC_DIR = config.STATIC_DIR
FAMILIES = ("PT Serif", "PT Sans")

_WEIGHTS = (400, 700)
_STYLES = ("normal", "italic")
_STATIC_SUFFIXES = frozenset(
    {".css", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ttf", ".otf", ".woff", ".woff2"}
)
_STATIC_REF = re.compile(r"static:([^\s\"'()<>\\]+)")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]{0,30}):")
_STALE_TMP_SECONDS = 3600


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


@cache
def _covered_codepoints() -> frozenset[int]:
    """Code points present in every bundled font file (all families, weights and styles)."""
    from fontTools.ttLib import TTFont

    common: set[int] | None = None
    for path in _font_files().values():
        with TTFont(path, lazy=True) as font:
            cmap = set(font.getBestCmap())
        common = cmap if common is None else common & cmap
    return frozenset(common or ())


_REPLACEMENTS = {
    "\u2010": "-",  # hyphen
    "\u2012": "–",  # figure dash
    "\u2015": "—",  # horizontal bar
    "\u2043": "-",  # hyphen bullet
    "\u2032": "'",  # prime
    "\u2033": '"',  # double prime
    "\u2219": "·",  # bullet operator
    "\u22c5": "·",  # dot operator
    "\u2027": "·",  # hyphenation point
    "\u02c9": "¯",
    "\u037e": ";",  # Greek question mark
    "\u2190": "<-",
    "\u2192": "->",
    "\u2194": "<->",
    "\u21d0": "<=",
    "\u21d2": "=>",
    "\u2713": "+",  # check marks
    "\u2714": "+",
    "\u2705": "+",
    "\u2717": "×",  # ballot x
    "\u2718": "×",
    "\u274c": "×",
    "\u2610": "[ ]",  # ballot boxes
    "\u2611": "[+]",
    "\u2612": "[×]",
    "\u25cf": "•",  # geometric bullets
    "\u25cb": "•",
    "\u25e6": "•",
    "\u25a0": "•",
    "\u25a1": "•",
    "\u25aa": "•",
    "\u25ab": "•",
    "\u25b6": "•",
    "\u25ba": "•",
    "\u2023": "•",
    "\u20b8": "тенге",
    "\u2028": "\n",
    "\u2029": "\n",
    "\u2007": "\u00a0",  # figure space
    "\u202f": "\u00a0",  # narrow no-break space (Babel's time and number formats)
}
_KEEP = frozenset("\t\n\r")


def font_coverage(text: str) -> set[str]:
    """Return the characters of ``text`` that the bundled fonts cannot draw."""
    covered = _covered_codepoints()
    text = unicodedata.normalize("NFC", text)
    return {c for c in set(text) if ord(c) not in covered and c not in _KEEP}


@cache
def _replacement(char: str) -> str:
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    covered = _covered_codepoints()
    category = unicodedata.category(char)
    if category == "Zs":
        return " "
    decomposed = unicodedata.normalize("NFKC", char)
    if decomposed != char and all(ord(c) in covered for c in decomposed):
        return decomposed
    if category[0] in "CMS":
        # Controls, format characters, stray marks, emoji and other symbols carry no words.
        return ""
    return "?"


def normalize_text(text: str) -> str:
    """Replace characters the bundled fonts lack with close equivalents.

    Typographic Russian («ёлочки», — dashes, №, ₽, non-breaking space and hyphen, soft
    hyphen, combining stress mark) is kept as is. Missing characters become a near
    equivalent (U+2010 → "-", U+202F → no-break space, → → "->", ✓ → "+", ☐ → "[ ]");
    other symbols and invisible format characters are dropped and letters from scripts the
    fonts do not cover become "?". The engine applies it to every document, so features
    need it only to show editors what will change (see :func:`font_coverage`).
    """
    covered = _covered_codepoints()
    # Composed forms first: a decomposed "й" would otherwise need a combining breve.
    text = unicodedata.normalize("NFC", text)
    if all(ord(c) in covered or c in _KEEP for c in text):
        return text
    return "".join(c if ord(c) in covered or c in _KEEP else _replacement(c) for c in text)


# --------------------------------------------------------------------------- fetcher


class PrintFailed(RuntimeError):
    """The engine could not print this HTML (nested too deeply); remembered per cache key."""


class RefusedResource(ValueError):
    """Raised by the fetcher for a URL outside the bundle; WeasyPrint then leaves it out."""


def _scheme_of(url: str) -> str:
    match = _SCHEME.match(url)
    return match[1].lower() if match else "relative"


def static_url(path: str) -> str:
    """Return the engine URL for a file under ``static/``, e.g. ``static:css/print.css``."""
    return f"{STATIC_SCHEME}:{path.lstrip('/')}"


class BundledUrlFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves bundled fonts and ``static/`` files, nothing else."""

    def __init__(self, static_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(allowed_protocols=(STATIC_SCHEME, FONT_SCHEME), fail_on_errors=False)
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

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        if path is None:
            # Only the scheme is logged: the rest of a URL may carry user data.
            log.warning("print engine refused a %s: resource", _scheme_of(url))
            raise RefusedResource("resource is not bundled with the print engine")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type == "text/css":
            content_type += "; charset=utf-8"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


# --------------------------------------------------------------------------- rendering


def _disable_attachments(root) -> None:
    """Drop the ``attachment`` link type so nothing is ever embedded as a file."""
    for element in root.iter():
        rel = element.get("rel") if isinstance(element.tag, str) else None
        if rel and "attachment" in rel.lower().split():
            element.set("rel", " ".join(t for t in rel.split() if t.lower() != "attachment"))


def _append_author_css(root, stylesheets: Sequence[str]) -> None:
    # Extra CSS joins the document's own stylesheets (author origin, after them), so it can
    # override print.css, e.g. a certificate's landscape @page.
    head = root.find("head")
    parent = head if head is not None else root
    for css in stylesheets:
        style = root.makeelement("style", {})
        style.text = css
        parent.append(style)


_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"true", b"OTTO")


def _sfnt_checksum(data: bytes | bytearray) -> int:
    padded = bytes(data) + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _pin_font_timestamp(font: bytes) -> bytes:
    """Set the font's head.modified to head.created and fix the checksums.

    Subsetting with fontTools stamps the current time into the font, which would make
    every render differ; the creation date comes from the bundled font file.
    """
    if font[:4] not in _SFNT_VERSIONS or len(font) < 12:
        return font
    (num_tables,) = struct.unpack_from(">H", font, 4)
    for index in range(num_tables):
        record = 12 + 16 * index
        tag, _, offset, length = struct.unpack_from(">4sIII", font, record)
        if tag == b"head" and length >= 36 and offset + length <= len(font):
            break
    else:
        return font
    patched = bytearray(font)
    patched[offset + 28 : offset + 36] = patched[offset + 20 : offset + 28]
    patched[offset + 8 : offset + 12] = b"\0\0\0\0"
    struct.pack_into(">I", patched, record + 4, _sfnt_checksum(patched[offset : offset + length]))
    adjustment = (0xB1B0AFBA - _sfnt_checksum(patched)) & 0xFFFFFFFF
    struct.pack_into(">I", patched, offset + 8, adjustment)
    return bytes(patched)


def _make_fonts_reproducible(document, pdf) -> None:
    """WeasyPrint finisher: pin the timestamps of the embedded font subsets."""
    for obj in pdf.objects:
        extra = getattr(obj, "extra", None)
        stream = getattr(obj, "stream", None)
        if not extra or not stream or len(stream) != 1 or not isinstance(stream[0], bytes):
            continue
        if "Length1" in extra or extra.get("Subtype") == "/OpenType":
            obj.stream = [_pin_font_timestamp(stream[0])]


def render_pdf(
    html: str,
    metadata: PdfMetadata,
    *,
    stylesheets: Sequence[str] = (),
    static_dir: str | os.PathLike[str] | None = None,
) -> bytes:
    """Render an HTML string to PDF bytes; same input, same bytes.

    ``stylesheets`` are extra CSS strings applied after the document's own. ``static_dir``
    replaces the project's ``static/`` directory as the root of ``static:`` URLs.
    """
    fetcher = BundledUrlFetcher(static_dir)
    font_config = FontConfiguration()
    document_html = weasyprint.HTML(string=normalize_text(html), base_url=None, url_fetcher=fetcher)
    root = document_html.etree_element
    # WeasyPrint lays out nested elements by recursion: bound the depth before it starts.
    if element_depth(root) > MAX_HTML_DEPTH:
        raise PrintFailed(f"elements nested more than {MAX_HTML_DEPTH} deep")
    if not root.get("lang"):
        root.set("lang", metadata.lang)
    _disable_attachments(root)
    _append_author_css(root, [normalize_text(css) for css in stylesheets])
    engine_css = weasyprint.CSS(
        string=font_face_css() + _GUARD_CSS, url_fetcher=fetcher, font_config=font_config
    )
    options = {
        "stylesheets": [engine_css],
        "optimize_images": True,
        "uncompressed_pdf": False,
        # pydyf derives the /ID from the MD5 of the file's objects: stable for stable input.
        "pdf_identifier": True,
    }
    try:
        document = document_html.render(font_config=font_config, **options)
    except RecursionError as error:
        raise PrintFailed("the layout went too deep") from error
    info = document.metadata
    info.title = metadata.title
    info.authors = [metadata.author]
    info.description = metadata.subject
    info.keywords = list(metadata.keywords)
    info.lang = metadata.lang
    info.generator = None
    info.created = _w3c_date(metadata.created)
    info.modified = _w3c_date(metadata.modified or metadata.created)
    info.attachments = []
    info.custom = {}
    return document.write_pdf(finisher=_make_fonts_reproducible, **options)


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


@cache
def _toolchain_fingerprint() -> dict[str, object]:
    from weasyprint.text import ffi

    fonts = {name: _file_digest(path) for name, path in sorted(_font_files().items())}
    return {
        "engine": ENGINE_VERSION,
        "weasyprint": weasyprint.__version__,
        "pango": int(ffi.pango.pango_version()),
        # Subsetting with HarfBuzz or with fontTools gives different bytes.
        "harfbuzz_subset": ffi.harfbuzz_subset is not None,
        **{
            name: _package_version(name)
            for name in ("pydyf", "pyphen", "fonttools", "tinycss2", "tinyhtml5", "cssselect2")
        },
        "fonts": fonts,
    }


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _static_dependencies(texts: Iterable[str], fetcher: BundledUrlFetcher) -> dict[str, str]:
    """Digest every ``static:`` file the texts refer to, following references in CSS/SVG."""
    digests: dict[str, str] = {}
    pending = [ref for text in texts for ref in _STATIC_REF.findall(text)]
    while pending:
        ref = pending.pop()
        if ref in digests:
            continue
        path = fetcher.resolve(static_url(ref))
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
    static_dir: str | os.PathLike[str] | None = None,
) -> str:
    """SHA-256 of everything that affects the PDF: input, static files, fonts and versions."""
    fetcher = BundledUrlFetcher(static_dir)
    payload = {
        "html": html,
        "stylesheets": list(stylesheets),
        "metadata": metadata._fingerprint(),
        "static": _static_dependencies([html, *stylesheets], fetcher),
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
    static_dir: str | os.PathLike[str] | None = None,
) -> CachedPdf:
    """Return the cached PDF for this input, rendering and storing it atomically if needed.

    Module-level with picklable arguments, so it can be submitted to a ProcessPoolExecutor.
    """
    directory = Path(cache_dir)
    directory.mkdir(parents=True, exist_ok=True)
    key = cache_key(html, metadata, stylesheets=stylesheets, static_dir=static_dir)
    target = directory / f"{key}.pdf"
    if is_whole_pdf_file(target):
        pdfcache.touch(target)  # its last use, for least-recently-used pruning
        return CachedPdf(target, key, rendered=False)
    failed = directory / f"{key}.failed"  # a failed render is not tried again for the same input
    if failed.exists():
        raise PrintFailed(failed.read_text(encoding="utf-8"))
    try:
        data = render_pdf(html, metadata, stylesheets=stylesheets, static_dir=static_dir)
    except PrintFailed as error:
        write_atomically(failed, str(error).encode())
        raise
    write_atomically(target, data)
    _remove_stale_temp_files(directory)
    return CachedPdf(target, key, rendered=True)


# --------------------------------------------------------------------------- reading PDFs


def pdf_page_count(pdf: bytes) -> int:
    """Number of pages, e.g. to check that a memo still fits on one page."""
    return len(PdfReader(BytesIO(pdf)).pages)
