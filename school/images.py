"""Uploaded images made safe to keep and serve: decoded within limits, cleaned, re-encoded.

Pure module (Pillow only, no Flask, no database). :func:`clean_image` takes the bytes of an
upload and gives back a new file that holds pixels and nothing else: the EXIF orientation is
applied to the pixels, colours are converted to sRGB, and no EXIF (with its GPS position,
camera serial number and date), XMP, IPTC, ICC profile or comment survives, because the
output is encoded from a fresh image that never had any. Photos (JPEG, lossy WebP) become
JPEG; images with transparency and lossless sources (PNG, GIF, lossless WebP: screenshots
and diagrams, whose text JPEG would blur) become PNG. The first frame of an animation is kept.

The file is named by the SHA-256 of its bytes (:attr:`CleanImage.name`), so a name never
changes its content and can be cached for good. Refusals are :class:`ImageError` with a code
and numbers, put into words where they are shown (``school.image_views``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageCms, ImageOps

#: The largest upload accepted, in bytes.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: The most pixels an upload may have (width × height), checked before it is decoded.
MAX_PIXELS = 40_000_000
#: Longer sides are scaled down to this: enough for a full A4 page at 200 dpi and any screen.
MAX_DIMENSION = 2400
#: The formats an upload may be in; any other is refused unread.
INPUT_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
JPEG_QUALITY = 85

#: Stored formats: the extension of their URL and their media type.
EXTENSIONS = {"jpeg": "jpg", "png": "png"}
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}
#: A stored image's file name: its SHA-256 and the extension of its format.
NAME_RE = re.compile(r"^([0-9a-f]{64})\.(jpg|png)$")


class ImageError(ValueError):
    """An upload refused: ``code`` says why, ``params`` give the numbers for the message.

    Codes: ``empty``, ``too_large`` (``size``, ``limit`` in bytes), ``not_image``,
    ``too_many_pixels`` (``width``, ``height``, ``limit``), ``unreadable``.
    """

    def __init__(self, code: str, **params: int) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class CleanImage:
    """A cleaned image: its bytes, format (``jpeg`` or ``png``), size and content hash."""

    data: bytes
    format: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def name(self) -> str:
        return image_name(self.sha256, self.format)

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def image_name(sha256: str, format: str) -> str:
    """The file name a stored image is served and printed under: ``<sha256>.jpg``."""
    return f"{sha256}.{EXTENSIONS[format]}"


def parse_name(name: str) -> tuple[str, str] | None:
    """``(sha256, format)`` of a stored image's file name, or None for any other name."""
    match = NAME_RE.fullmatch(name)
    if match is None:
        return None
    extension = match[2]
    return match[1], next(fmt for fmt, ext in EXTENSIONS.items() if ext == extension)


def _open(data: bytes) -> Image.Image:
    """Open (read the header of) an upload in one of the accepted formats, within the limits."""
    try:
        image = Image.open(BytesIO(data), formats=INPUT_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard (far above ours) fired on the header: a bomb, whatever its size.
        raise ImageError("too_many_pixels", width=0, height=0, limit=MAX_PIXELS) from None
    except Image.UnidentifiedImageError:
        raise ImageError("not_image") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ImageError("unreadable") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageError("unreadable")
    if width * height > MAX_PIXELS:
        raise ImageError("too_many_pixels", width=width, height=height, limit=MAX_PIXELS)
    return image


def is_whole(data: bytes, fmt: str) -> bool:
    """Whether a JPEG, PNG or GIF file runs to its end marker, every block present.

    Pillow decodes a cut-off file, greying what is missing, whenever ``LOAD_TRUNCATED_IMAGES``
    is set, and WeasyPrint sets it for the whole process when it is imported. An upload cut
    short on a slow line must be refused whatever was imported first, so the file's structure
    is walked here (one linear pass). WebP's decoder refuses a cut-off file by itself.
    """
    walk = {"JPEG": _jpeg_whole, "PNG": _png_whole, "GIF": _gif_whole}.get(fmt)
    return walk(data) if walk else True


def _png_whole(data: bytes) -> bool:
    pos = 8  # the signature
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length  # length, type, data, CRC
        if pos > len(data):
            return False
        if kind == b"IEND":
            return True
    return False


def _jpeg_whole(data: bytes) -> bool:
    pos, end = 2, len(data)  # after the start-of-image marker
    while pos + 2 <= end:
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xD9:  # end of image; anything after it (a phone's trailer) is left
            return True
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        if pos + 4 > end:
            return False
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # start of scan: coded data runs to the next real marker
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= end:
                    return False
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffing, restarts
                    pos += 2
                    continue
                break
    return False


def _gif_whole(data: bytes) -> bool:
    end = len(data)
    if end < 13:
        return False
    pos = 13 + (3 * (2 << (data[10] & 7)) if data[10] & 0x80 else 0)  # header, colour table
    while pos < end:
        block = data[pos]
        if block == 0x3B:  # trailer
            return True
        if block == 0x21:  # extension: introducer and label, then sub-blocks
            pos += 2
        elif block == 0x2C:  # image: descriptor, local colour table, LZW code size
            if pos + 10 > end:
                return False
            flags = data[pos + 9]
            pos += 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0) + 1
        else:
            return False
        while True:  # sub-blocks, up to the empty one
            if pos >= end:
                return False
            size = data[pos]
            pos += 1 + size
            if size == 0:
                break
    return False


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )


def _to_srgb(image: Image.Image, mode: str) -> Image.Image:
    """The image in ``mode`` (RGB, RGBA or L), its colours converted from its ICC profile."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK") and mode != "L":
        try:
            source = ImageCms.ImageCmsProfile(BytesIO(icc))
            return ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels are taken as sRGB, as browsers do
    if image.mode == mode:
        return image
    return image.convert(mode)


def clean_image(data: bytes) -> CleanImage:
    """Decode an upload within the limits and re-encode it with no metadata (module docs)."""
    if not data:
        raise ImageError("empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError("too_large", size=len(data), limit=MAX_UPLOAD_BYTES)
    image = _open(data)
    source_format = image.format
    if not is_whole(data, source_format):
        image.close()
        raise ImageError("unreadable")
    try:
        if source_format == "JPEG":
            # Decode large JPEGs at a fraction of their size: fast, and never above our target.
            image.draft(image.mode, (MAX_DIMENSION, MAX_DIMENSION))
        image.seek(0)
        image.load()
        lossless = source_format in ("PNG", "GIF") or (
            source_format == "WEBP" and image.info.get("lossless", False)
        )
        alpha = _has_alpha(image)
        grey = image.mode in ("1", "L", "LA", "I", "I;16", "F")
        oriented = ImageOps.exif_transpose(image) or image
        if alpha:
            mode = "RGBA"
        elif grey:
            mode = "L"
        else:
            mode = "RGB"
        pixels = _to_srgb(oriented, mode)
        pixels.thumbnail((MAX_DIMENSION, MAX_DIMENSION), Image.Resampling.LANCZOS)
        # A fresh image with the pixels alone: nothing of the upload's info can reach the file.
        fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    except ImageError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError):
        raise ImageError("unreadable") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("too_many_pixels", width=0, height=0, limit=MAX_PIXELS) from None
    finally:
        image.close()
    out = BytesIO()
    if alpha or lossless:
        fresh.save(out, "PNG", optimize=True)
        fmt = "png"
    else:
        fresh.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        fmt = "jpeg"
    return CleanImage(out.getvalue(), fmt, fresh.width, fresh.height)
