"""Press files of a brochure: what a print house needs, as opposed to the office PDFs.

Pure: no Flask, no database. The interior and the cover are rendered as PDF/X-4 with 3 mm bleed,
crop marks, TrimBox and BleedBox, and an output intent from the bundled CMYK profile
(``static/print/FOGRA39L.icc``). :func:`to_press_colours` then takes every colour of a page
to DeviceCMYK (greys and black to K alone) and every picture to CMYK or grey, whatever drew
them: the stylesheets (turned into ``device-cmyk()`` by :func:`cmyk_html`), the engine's own
crop marks (drawn in RGB black) and uploaded pictures (sRGB JPEGs).
"""

from __future__ import annotations

import io
import math
import re
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: Bleed on every side of the trimmed page.
BLEED_MM = 3
#: Above this many pages a booklet cannot be saddle-stitched and is perfect bound (a spine).
SADDLE_STITCH_MAX_PAGES = 64
#: Sheets are folded in fours (two leaves): the interior is padded to a multiple of this.
PAGE_MULTIPLE = 4
PROFILE_PATH = "print/FOGRA39L.icc"
PROFILE_NAME = "FOGRA39"
PROFILE_CONDITION = "Offset printing, ISO 12647-2:2004/Amd 1, coated paper (FOGRA39L)"
VARIANT = "pdf/x-4"


@dataclass(frozen=True)
class Trim:
    """A trimmed page size and the page name its stylesheet uses."""

    width_mm: float
    height_mm: float
    page_name: str
    inner_mm: float  # the margin at the fold or the glue
    outer_mm: float


TRIMS = {
    "a5": Trim(148, 210, "a5", 17, 12),
    "a4": Trim(210, 297, "a4", 24, 18),
    "large": Trim(210, 297, "large-print", 22, 16),
}


@dataclass(frozen=True)
class Paper:
    """A paper stock: its weight, and its thickness (caliper), which makes the spine."""

    key: str
    grams: int
    caliper_mm: float


PAPERS = {
    "offset-80": Paper("offset-80", 80, 0.10),
    "offset-65": Paper("offset-65", 65, 0.085),
    "coated-115": Paper("coated-115", 115, 0.09),
}
DEFAULT_PAPER = "offset-80"
COVER_PAPER = Paper("coated-250", 250, 0.22)


def binding(pages: int) -> str:
    """``"saddle"`` (stapled at the fold) up to 64 pages, else ``"perfect"`` (glued, a spine)."""
    return "saddle" if pages <= SADDLE_STITCH_MAX_PAGES else "perfect"


def padded_pages(pages: int) -> int:
    """The page count after padding to a multiple of four."""
    return -(-pages // PAGE_MULTIPLE) * PAGE_MULTIPLE


def spine_width_mm(pages: int, paper: Paper, cover: Paper = COVER_PAPER) -> float:
    """The spine of a perfect-bound book: its leaves and both covers, up to the next 0.5 mm."""
    leaves = padded_pages(pages) / 2
    width = leaves * paper.caliper_mm + 2 * cover.caliper_mm
    return math.ceil(width * 2) / 2


# ------------------------------------------------------------------------------ stylesheets


def press_css(fmt: str, *, bleed: bool = True) -> str:
    """The press stylesheet of a format: profile, bleed and marks, mirrored margins, K text."""
    trim = TRIMS[fmt]
    css = [
        f'@color-profile device-cmyk {{ src: url("static:{PROFILE_PATH}"); '
        "components: c, m, y, k; }",
        "html { color: device-cmyk(0 0 0 1); }",
    ]
    if not bleed:
        return "\n".join(css) + "\n"
    size = f"{trim.width_mm}mm {trim.height_mm}mm"
    # Crop marks are drawn only on a page that has a background, even a transparent one.
    css.append(f"@page {{ bleed: {BLEED_MM}mm; marks: crop; background: transparent; }}")
    for name in (trim.page_name, "back-cover", "press-blank"):
        css.append(f"@page {name} {{ size: {size}; }}")
    for name in (trim.page_name, "press-blank"):
        css.append(
            f"@page {name}:left {{ margin-left: {trim.outer_mm}mm; "
            f"margin-right: {trim.inner_mm}mm; }}\n"
            f"@page {name}:right {{ margin-left: {trim.inner_mm}mm; "
            f"margin-right: {trim.outer_mm}mm; }}"
        )
    css.append(
        ".press-blank { page: press-blank; break-before: page; }\n"
        "@page press-blank { @top-center { content: none; } @bottom-center { content: none; } }"
    )
    return "\n".join(css) + "\n"


def _k_only(value: float) -> str:
    return f"{round(value, 4):g}"


def cmyk_of(red: float, green: float, blue: float) -> tuple[float, float, float, float]:
    """An RGB colour (0..1) as CMYK: a grey is K alone; a colour by the simple formula (the
    stylesheets use none, and the output profile is the print house's to apply)."""
    if red == green == blue:
        return 0.0, 0.0, 0.0, round(1 - red, 4)
    black = 1 - max(red, green, blue)
    rest = 1 - black
    return tuple(
        round(v, 4)
        for v in ((rest - red) / rest, (rest - green) / rest, (rest - blue) / rest, black)
    )  # type: ignore[return-value]


_HEX = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
_RGB = re.compile(r"rgba?\(\s*(\d{1,3})[\s,]+(\d{1,3})[\s,]+(\d{1,3})\s*(?:[,/]\s*([\d.]+)\s*)?\)")
_NAMED = {"black": (0, 0, 0), "white": (255, 255, 255)}
_NAMED_RE = re.compile(r"(?<![\w-])(black|white)(?![\w-])")
_DECLARATION = re.compile(r":([^;{}]*)")
_STYLE_BLOCK = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)


def _device_cmyk(rgb: tuple[int, int, int]) -> str:
    cmyk = cmyk_of(*(channel / 255 for channel in rgb))
    return "device-cmyk(" + " ".join(_k_only(v) for v in cmyk) + ")"


def _hex_rgb(digits: str) -> tuple[int, int, int]:
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def cmyk_css(css: str) -> str:
    """Every hex, ``rgb()`` and black/white colour in the declarations as ``device-cmyk()``."""

    def value(match: re.Match[str]) -> str:
        text = _HEX.sub(lambda m: _device_cmyk(_hex_rgb(m[1])), match[1])
        text = _RGB.sub(lambda m: _device_cmyk((int(m[1]), int(m[2]), int(m[3]))), text)
        text = _NAMED_RE.sub(lambda m: _device_cmyk(_NAMED[m[1]]), text)
        return ":" + text

    return _DECLARATION.sub(value, css)


def cmyk_html(html: str) -> str:
    """The HTML with the colours of its ``<style>`` blocks in ``device-cmyk()``; the text of
    the document is left alone."""
    return _STYLE_BLOCK.sub(lambda m: m[1] + cmyk_css(m[2]) + m[3], html)


# ------------------------------------------------------------------------------ PDF colours


@cache
def _profile_bytes(static_dir: str) -> bytes:
    return (Path(static_dir) / PROFILE_PATH).read_bytes()


def to_press_colours(pdf: bytes, static_dir: str | Path) -> bytes:
    """The PDF with every RGB and grey colour operator as DeviceCMYK (greys as K alone), every
    RGB picture as CMYK (through the output profile) or grey, and no annotations (a link means
    nothing on paper, and PDF/X allows none on the page)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        profile = _profile_bytes(str(static_dir))
        seen: set[tuple[int, int]] = set()
        for page in document.pages:
            if "/Annots" in page.obj:
                del page.obj["/Annots"]
            page.contents_coalesce()
            _recolour(page.obj.Contents, page)
            _walk_resources(page.obj.get("/Resources"), profile, seen)
            _fix_group(page.obj)
        # Named as the ICC registry names the condition, which preflight profiles look for.
        for intent in document.Root.get("/OutputIntents") or []:
            intent.OutputConditionIdentifier = pikepdf.String(PROFILE_NAME)
            intent.RegistryName = pikepdf.String("http://www.color.org")
            intent.OutputCondition = pikepdf.String(PROFILE_CONDITION)
        out = io.BytesIO()
        document.save(out, deterministic_id=True, compress_streams=True)
    return out.getvalue()


def _fix_group(obj) -> None:
    import pikepdf

    group = obj.get("/Group")
    if group is not None and group.get("/CS") == pikepdf.Name.DeviceRGB:
        group.CS = pikepdf.Name.DeviceCMYK


def _walk_resources(resources, profile: bytes, seen: set[tuple[int, int]]) -> None:
    import pikepdf

    if resources is None:
        return
    for kind in ("/XObject", "/Pattern"):
        for item in (resources.get(kind) or {}).values():
            if not isinstance(item, pikepdf.Stream) or item.objgen in seen:
                continue
            seen.add(item.objgen)
            if item.get("/Subtype") == pikepdf.Name.Image:
                _convert_image(item, profile)
                continue
            _recolour(item, item)
            _fix_group(item)
            _walk_resources(item.get("/Resources"), profile, seen)


_RGB_SPACES = {"/DeviceRGB", "/CalRGB"}


def _is_rgb(space) -> bool:
    import pikepdf

    if isinstance(space, pikepdf.Name):
        return str(space) in _RGB_SPACES
    if isinstance(space, pikepdf.Array) and len(space):
        family = str(space[0])
        if family == "/ICCBased":
            return int(space[1].get("/N", 0)) == 3
        if family == "/Indexed":
            return _is_rgb(space[1])
        return family in _RGB_SPACES
    return False


def _recolour(stream, owner) -> None:
    """Rewrite the colour operators of one content stream (a page's, or a form's)."""
    import pikepdf

    instructions = pikepdf.parse_content_stream(owner)
    rgb_space = {"fill": False, "stroke": False}
    result = []
    changed = False
    for instruction in instructions:
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            result.append(instruction)
            continue
        operands, operator = list(instruction.operands), str(instruction.operator)
        stroke = operator.isupper()
        side = "stroke" if stroke else "fill"
        new = None
        if operator in ("rg", "RG"):
            new = (_cmyk_operands(operands), "K" if stroke else "k")
        elif operator in ("g", "G"):
            new = ([0, 0, 0, _k_number(1 - float(operands[0]))], "K" if stroke else "k")
        elif operator in ("cs", "CS"):
            rgb_space[side] = (
                _is_rgb(operands[0]) if isinstance(operands[0], pikepdf.Name) else False
            )
            if rgb_space[side]:
                new = ([pikepdf.Name.DeviceCMYK], operator)
        elif operator in ("sc", "scn", "SC", "SCN") and rgb_space[side] and len(operands) == 3:
            new = (_cmyk_operands(operands), operator)
        if new is None:
            result.append(instruction)
        else:
            changed = True
            result.append(pikepdf.ContentStreamInstruction(new[0], pikepdf.Operator(new[1])))
    if changed:
        data = pikepdf.unparse_content_stream(result)
        stream.write(zlib.compress(data, 9), filter=pikepdf.Name.FlateDecode)


def _k_number(value: float):
    from decimal import Decimal

    return Decimal(f"{round(value, 4):.4f}").normalize()


def _cmyk_operands(operands) -> list:
    return [_k_number(v) for v in cmyk_of(*(float(v) for v in operands))]


def _convert_image(image, profile: bytes) -> None:
    """An RGB picture to grey when it has no colour, else to CMYK through the profile."""
    import pikepdf
    from PIL import ImageChops, ImageCms

    if not _is_rgb(image.get("/ColorSpace")):
        return
    picture = pikepdf.PdfImage(image).as_pil_image().convert("RGB")
    red, green, blue = picture.split()
    grey = (
        not ImageChops.difference(red, green).getbbox()
        and not ImageChops.difference(green, blue).getbbox()
    )
    if grey:
        converted = red
        space = pikepdf.Name.DeviceGray
    else:
        converted = ImageCms.profileToProfile(
            picture,
            ImageCms.createProfile("sRGB"),
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            outputMode="CMYK",
        )
        space = pikepdf.Name.DeviceCMYK
    image.write(zlib.compress(converted.tobytes(), 9), filter=pikepdf.Name.FlateDecode)
    image.ColorSpace = space
    image.BitsPerComponent = 8
    for key in ("/DecodeParms", "/Decode"):
        if key in image:
            del image[key]
