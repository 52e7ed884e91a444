"""Reading PDFs back in tests: the text of each page and the fonts the pages use."""

from __future__ import annotations

from io import BytesIO
from typing import NamedTuple

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject


def bundled_font_names() -> set[str]:
    """Names of every font the print engine may embed: each family of the stacks, any style."""
    from school import printfonts

    families = {*printfonts.SERIF_STACK, *printfonts.SANS_STACK}
    return {
        family.replace(" ", "-") + style
        for family in families
        for style in ("", "-Bold", "-Italic", "-Bold-Italic")
    }


class PdfFont(NamedTuple):
    """A font used in a PDF: base name without subset prefix, embedded and subset flags."""

    name: str
    embedded: bool
    subset: bool


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _walk_fonts(resources, seen: set[int], found: set[PdfFont]) -> None:
    resources = _resolve(resources)
    if not isinstance(resources, DictionaryObject) or id(resources) in seen:
        return
    seen.add(id(resources))
    for font in _resolve(resources.get("/Font", DictionaryObject())).values():
        font = _resolve(font)
        found.add(_describe_font(font))
        inner = _resolve(font.get("/Resources"))
        if inner is not None:
            _walk_fonts(inner, seen, found)
    for xobject in _resolve(resources.get("/XObject", DictionaryObject())).values():
        xobject = _resolve(xobject)
        if "/Resources" in xobject:
            _walk_fonts(xobject["/Resources"], seen, found)


def _describe_font(font: DictionaryObject) -> PdfFont:
    base = str(font.get("/BaseFont", font.get("/Name", "/Type3")))[1:]
    prefix, plus, rest = base.partition("+")
    subset = bool(plus) and len(prefix) == 6 and prefix.isupper()
    name = rest if subset else base
    descriptor = font
    if "/DescendantFonts" in font:
        descriptor = _resolve(_resolve(font["/DescendantFonts"])[0])
    descriptor = _resolve(descriptor.get("/FontDescriptor"))
    embedded = font.get("/Subtype") == "/Type3" or (
        descriptor is not None
        and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    )
    return PdfFont(name, embedded, subset)


def pdf_fonts(pdf: bytes) -> set[PdfFont]:
    """Fonts used by the pages of a PDF (names like ``PT-Serif-Bold``)."""
    reader = PdfReader(BytesIO(pdf))
    found: set[PdfFont] = set()
    seen: set[int] = set()
    for page in reader.pages:
        _walk_fonts(page.get("/Resources"), seen, found)
    return found


def pdf_text(pdf: bytes) -> list[str]:
    """The extracted text of each page."""
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def fetch(client, url: str, **kwargs):
    """GET a PDF as a reader would: while it is being prepared (202, a page that reloads
    itself), let the app's job queue build it, then ask again."""
    response = client.get(url, **kwargs)
    if response.status_code == 202:
        client.application.extensions["jobs"].drain()
        response = client.get(url, **kwargs)
    return response
