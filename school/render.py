"""The print engine's rendering half: WeasyPrint, imported only where PDFs are rendered.

:mod:`school.printing` is what features import (metadata, fonts, cache keys, the cache); it
loads this module on the first render, so that web workers, which never render, never import
WeasyPrint, its fonts machinery or pydyf. Render through :func:`school.printing.render_pdf`
or :func:`school.printing.render_cached`, not through this module.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import struct
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from school.markdown_limits import MAX_HTML_DEPTH, element_depth
from school.printing import (
    _GUARD_CSS,
    FONT_SCHEME,
    IMAGE_PATH,
    IMAGE_SCHEME,
    STATIC_SCHEME,
    BundledFiles,
    PdfMetadata,
    PrintFailed,
    RefusedResource,
    StaticDir,
    _scheme_of,
    _w3c_date,
    font_face_css,
    normalize_text,
    read_image,
)


@contextlib.contextmanager
def _libraries_by_soname() -> Iterator[None]:
    """While WeasyPrint loads Pango, HarfBuzz and the rest: by their sonames alone.

    WeasyPrint tries several names for each library; cffi hands every name that does not load
    to ``ctypes.util.find_library``, which on Linux runs ``ldconfig``, ``gcc`` and ``ld`` for
    each (some 50 processes, a quarter of a second) before the soname, also on the list, loads.
    The soname is what those searches would find, and what cache keys take the versions from
    (``school.printing._text_libraries``).
    """
    if not sys.platform.startswith("linux"):
        yield
        return
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = search


def _forget_weasyprint() -> None:
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        del sys.modules[name]


try:
    with _libraries_by_soname():
        import weasyprint
except OSError:  # a library that only the search finds: load it WeasyPrint's usual way
    _forget_weasyprint()
    import weasyprint
import cffi  # noqa: E402
from weasyprint.text.ffi import ffi, fontconfig, gobject, pangoft2  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from school import printfonts  # noqa: E402

__all__ = ["BundledUrlFetcher", "render_pdf"]

# Messages keep the engine's logger name, whichever half of it logs.
log = logging.getLogger("school.printing")


class BundledUrlFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves bundled fonts, ``static/`` files and uploaded images
    (from the image store, :func:`school.printing.read_image`), nothing else."""

    def __init__(self, static_dir: StaticDir = None) -> None:
        super().__init__(
            allowed_protocols=(STATIC_SCHEME, FONT_SCHEME, IMAGE_SCHEME), fail_on_errors=False
        )
        self.files = BundledFiles(static_dir)
        self.static_dir = self.files.static_dir

    def resolve(self, url: str) -> Path | None:
        """Return the file a URL stands for, or None when the URL is refused."""
        return self.files.resolve(url)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if _scheme_of(url) == IMAGE_SCHEME:
            found = read_image(url[len(IMAGE_SCHEME) + 1 :])
            if found is None:
                log.warning("print engine found no stored image for an image: resource")
                raise RefusedResource("no such image in the store")
            data, content_type = found
            return URLFetcherResponse(url, data, {"Content-Type": content_type})
        path = self.resolve(url)
        if path is None:
            # Only the scheme is logged: the rest of a URL may carry user data.
            log.warning("print engine refused a %s: resource", _scheme_of(url))
            raise RefusedResource("resource is not bundled with the print engine")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type == "text/css":
            content_type += "; charset=utf-8"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


_fc_ffi = cffi.FFI()
_fc_ffi.cdef(
    "void *FcConfigCreate (void); int FcConfigBuildFonts (void *config);"
    "int FcConfigSetCurrent (void *config);"
)


def _load_fontconfig():
    # The names WeasyPrint loads Fontconfig by, sonames first.
    names = ("libfontconfig.so.1", "libfontconfig.1.dylib", "libfontconfig-1.dll", "fontconfig")
    for name in names[:-1]:
        with contextlib.suppress(OSError):
            return _fc_ffi.dlopen(name)
    return _fc_ffi.dlopen(names[-1])


_fc = _load_fontconfig()


class BundledFontConfiguration(FontConfiguration):
    """WeasyPrint's font configuration holding the bundled fonts and no system font.

    The PT fonts come in through the engine's @font-face rules, as before; the fallback
    fonts of :mod:`school.printfonts` are added from their installed files (not copied),
    together with the rules that make "PT Serif" and "PT Sans" stand for their stacks. A
    character no bundled font has is drawn as an empty box from the first font, never from
    a font of the machine.
    """

    def __init__(self) -> None:
        raw = _fc.FcConfigCreate()  # no fonts, no rules: no system font either
        config = ffi.cast("FcConfig *", int(_fc_ffi.cast("uintptr_t", raw)))
        rules = printfonts.fontconfig_rules().encode()
        fontconfig.FcConfigParseAndLoadFromMemory(config, rules, True)
        for paths in printfonts.fallback_files().values():
            for path in paths:
                if not fontconfig.FcConfigAppFontAddFile(config, str(path).encode()):
                    log.warning("print font file %s could not be loaded", path.name)
        _fc.FcConfigBuildFonts(raw)
        # Pango applies pattern rules (the stacks) with the current configuration, not the
        # font map's: make this one current, so that no rule or font of the system applies.
        _fc.FcConfigSetCurrent(raw)
        self._config = config
        self.font_map = ffi.gc(pangoft2.pango_ft2_font_map_new(), gobject.g_object_unref)
        pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", self.font_map), config)
        # The font map keeps its own reference to the configuration.
        fontconfig.FcConfigDestroy(config)
        self._folder = None
        self.strut_layouts = {}
        self.font_features = {}


def _disable_attachments(root) -> None:
    """Drop the ``attachment`` link type so nothing is ever embedded as a file."""
    for element in root.iter():
        rel = element.get("rel") if isinstance(element.tag, str) else None
        if rel and "attachment" in rel.lower().split():
            element.set("rel", " ".join(t for t in rel.split() if t.lower() != "attachment"))


def _point_images_at_store(root) -> None:
    """The site's paths of uploaded images (``/images/<sha256>.jpg``) become ``image:`` URLs,
    which the fetcher reads from the image store; other relative URLs stay refused."""
    for element in root.iter("img"):
        match = IMAGE_PATH.fullmatch((element.get("src") or "").strip())
        if match:
            element.set("src", f"{IMAGE_SCHEME}:{match[1]}")


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
    stylesheets: Sequence[str],
    static_dir: StaticDir,
    variant: str | None = None,
    /,
) -> bytes:
    """Render an HTML string to PDF bytes; see :func:`school.printing.render_pdf`."""
    fetcher = BundledUrlFetcher(static_dir)
    font_config = BundledFontConfiguration()
    document_html = weasyprint.HTML(string=normalize_text(html), base_url=None, url_fetcher=fetcher)
    root = document_html.etree_element
    # WeasyPrint lays out nested elements by recursion: bound the depth before it starts.
    if element_depth(root) > MAX_HTML_DEPTH:
        raise PrintFailed(f"elements nested more than {MAX_HTML_DEPTH} deep")
    if not root.get("lang"):
        root.set("lang", metadata.lang)
    _disable_attachments(root)
    _point_images_at_store(root)
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
    if variant:
        options["pdf_variant"] = variant
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
