"""Uploaded images: cleaned of every piece of metadata, limited, served for good and printed."""

from __future__ import annotations

import logging
import struct
import zlib
from io import BytesIO

import pikepdf
import pytest
from PIL import Image, ImageCms, ImageFile
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from school import images, imagestore, services
from school.extensions import db
from school.images import ImageError, clean_image
from school.models import StoredImage, User
from tests import pdfs
from tests.conftest import PASSWORD
from tests.querycount import count_statements

GPS_IFD = 0x8825
EN = {"Accept-Language": "en"}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="55,45.0N"/></rdf:RDF></x:xmpmeta>'
)


def photo_with_gps(size=(640, 480), orientation: int | None = None, fmt="JPEG") -> bytes:
    """A photo as a phone makes it: GPS position, camera, date, XMP and an ICC profile."""
    image = Image.new("RGB", size, (200, 60, 40))
    image.paste((30, 90, 200), (0, 0, size[0] // 2, size[1] // 4))  # a mark in the top left
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0132] = "2026:11:30 10:00:00"  # DateTime
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (55.0, 45.0, 21.0), 3: "E", 4: (37.0, 37.0, 4.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = BytesIO()
    image.save(out, fmt, exif=exif, xmp=XMP, icc_profile=icc, comment=b"secret comment")
    return out.getvalue()


def assert_no_metadata(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    assert not image.getexif(), dict(image.getexif())
    assert not image.getexif().get_ifd(GPS_IFD)
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop"):
        assert key not in image.info, key
    assert b"PhoneMaker" not in data and b"adobe:ns:meta" not in data and b"secret" not in data
    return image


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------- the pure part


def test_the_gps_position_and_every_other_piece_of_metadata_are_gone():
    source = photo_with_gps()
    assert Image.open(BytesIO(source)).getexif().get_ifd(GPS_IFD)  # the test photo has them
    clean = clean_image(source)
    assert clean.format == "jpeg" and clean.media_type == "image/jpeg"
    image = assert_no_metadata(clean.data)
    assert image.format == "JPEG" and image.size == (640, 480)
    assert clean.name == clean.sha256 + ".jpg"


def test_the_orientation_is_applied_to_the_pixels():
    # Orientation 6: the camera was turned; the picture is shown rotated 90° clockwise.
    clean = clean_image(photo_with_gps((400, 200), orientation=6))
    image = assert_no_metadata(clean.data).convert("RGB")
    assert image.size == (200, 400)
    # The blue mark of the top left is now in the top right.
    red, _green, blue = image.getpixel((190, 10))
    assert blue > 150 and red < 100


def test_transparency_and_lossless_sources_become_png_photos_jpeg():
    def encoded(image: Image.Image, fmt: str, **options) -> bytes:
        out = BytesIO()
        image.save(out, fmt, **options)
        return out.getvalue()

    alpha = Image.new("RGBA", (50, 40), (10, 20, 30, 128))
    assert clean_image(encoded(alpha, "PNG")).format == "png"
    assert clean_image(encoded(alpha, "WEBP")).format == "png"
    assert clean_image(encoded(Image.new("RGB", (50, 40), "white"), "PNG")).format == "png"
    assert clean_image(encoded(Image.new("RGB", (50, 40), "white"), "WEBP")).format == "jpeg"
    frames = [Image.new("P", (30, 20), colour) for colour in (1, 2)]
    gif = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    clean = clean_image(gif)
    assert clean.format == "png" and Image.open(BytesIO(clean.data)).n_frames == 1
    # A WebP photo with its EXIF: gone as well.
    assert_no_metadata(clean_image(photo_with_gps(fmt="WEBP")).data)


def test_a_large_image_is_scaled_down_to_the_limit():
    clean = clean_image(photo_with_gps((3000, 1500)))
    assert (clean.width, clean.height) == (images.MAX_DIMENSION, images.MAX_DIMENSION // 2)


def test_the_same_upload_gives_the_same_name():
    source = photo_with_gps()
    assert clean_image(source).name == clean_image(source).name


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"x" * (images.MAX_UPLOAD_BYTES + 1), "too_large"),
        (b"GIF89a but not really", "not_image"),
        (b"%PDF-1.7 not an image", "not_image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not_image"),
        (photo_with_gps()[:2000], "unreadable"),
        (png_header(8000, 8000), "too_many_pixels"),  # under Pillow's own limit, over ours
        (png_header(40000, 40000), "too_many_pixels"),  # Pillow itself calls it a bomb
        (png_header(0, 10), "not_image"),
    ],
)
def test_refused_files_have_a_code(data, code):
    with pytest.raises(ImageError) as refused:
        clean_image(data)
    assert refused.value.code == code


def noise_file(fmt: str, **options) -> bytes:
    image = Image.effect_noise((200, 150), 60).convert("L" if fmt == "GIF" else "RGB")
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


WHOLE_FILES = {
    "jpeg": noise_file("JPEG"),
    "progressive jpeg": noise_file("JPEG", progressive=True),
    "jpeg with restarts": noise_file("JPEG", restart_marker_blocks=1),
    "jpeg with a trailer": noise_file("JPEG") + b"SEFH trailer a phone adds",
    "png": noise_file("PNG"),
    "png with metadata": photo_with_gps(fmt="PNG"),
    "gif": noise_file("GIF"),
    "animated gif": noise_file("GIF", save_all=True, append_images=[Image.new("L", (200, 150))]),
}


@pytest.fixture(params=[False, True], ids=["strict Pillow", "after WeasyPrint"])
def truncated_images_setting(request, monkeypatch):
    """Pillow's process-wide setting, which WeasyPrint turns on when it is imported."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", request.param)


@pytest.mark.parametrize("name", list(WHOLE_FILES))
def test_a_file_cut_short_is_refused_whatever_pillow_is_set_to(name, truncated_images_setting):
    data = WHOLE_FILES[name]
    assert clean_image(data).width == Image.open(BytesIO(data)).width
    for cut in (len(data) // 3, len(data) // 2, len(data) - 40):
        with pytest.raises(ImageError) as refused:
            clean_image(data[:cut])
        assert refused.value.code in ("unreadable", "not_image"), cut


def test_a_tiff_is_not_accepted():
    out = BytesIO()
    Image.new("RGB", (10, 10)).save(out, "TIFF")
    with pytest.raises(ImageError) as refused:
        clean_image(out.getvalue())
    assert refused.value.code == "not_image"


# --------------------------------------------------------------------------- upload and serve


def upload(client, data: bytes, alt="Схема", filename="photo.jpg"):
    # Encoded here, in memory: the test client would spool a large body to a file it never
    # closes.
    boundary, body = encode_multipart(
        MultiDict({"image": FileStorage(BytesIO(data), filename), "alt": alt})
    )
    return client.post(
        "/manage/images/",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=EN,
    )


def test_an_uploaded_photo_is_served_with_no_metadata_left(login):
    client = login("instructor")
    response = upload(client, photo_with_gps())
    assert response.status_code == 302
    stored = db.session.scalars(select(StoredImage)).one()
    url = imagestore.image_url(stored)
    assert response.location.endswith(f"shown={url.rsplit('/', 1)[1]}")
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert f"![Схема]({url})" in page

    served = login("student").get(url)
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert_no_metadata(served.data)
    again = client.get(url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_the_same_image_twice_is_stored_once(login):
    client = login("staff")
    assert upload(client, photo_with_gps()).status_code == 302
    assert upload(client, photo_with_gps(), alt="Другое").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"x" * (images.MAX_UPLOAD_BYTES + 1), "the limit is 5 MB"),
        (b"plain text", "This is not an image in JPEG, PNG, WebP or GIF format."),
        (png_header(40000, 40000), "The image has more than 40 million pixels."),
        (photo_with_gps()[:3000], "The image cannot be read"),
        (b"", "The file is empty."),
        (None, "Choose an image file."),
    ],
)
def test_a_refused_file_gets_a_message_on_the_form(login, data, message):
    client = login("instructor", locale="en")
    if data is None:
        response = client.post("/manage/images/", data={"alt": "x"}, headers=EN)
    else:
        response = upload(client, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 0


def test_unknown_and_malformed_image_names_are_not_found(client):
    for name in ("0" * 64 + ".jpg", "0" * 64 + ".gif", "../secret_key", "x.jpg", "A" * 64 + ".jpg"):
        assert client.get(f"/images/{name}").status_code == 404


def test_an_image_is_served_only_under_its_own_format(login, client):
    upload(login("staff"), photo_with_gps())
    stored = db.session.scalars(select(StoredImage)).one()
    assert client.get(f"/images/{stored.sha256}.png").status_code == 404


def test_the_list_of_images_is_paged_with_a_constant_number_of_queries(app, login, make_user):
    client = login("staff")
    uploaders = [make_user("instructor") for _ in range(3)]

    def add(count: int) -> None:
        for n in range(count):
            colour = (n % 256, (n // 256) % 256, 7)
            out = BytesIO()
            Image.new("RGB", (8, 8), colour).save(out, "PNG")
            imagestore.store_upload(uploaders[n % 3], out.getvalue(), f"Картинка {n}")

    add(3)
    with count_statements() as few:
        assert client.get("/manage/images/").status_code == 200
    add(40)
    with count_statements() as many:
        page = client.get("/manage/images/", headers=EN).get_data(as_text=True)
    assert len(many) == len(few)
    assert page.count("/images/") >= imagestore.PER_PAGE
    assert "Page 1 of 2" in page


# --------------------------------------------------------------------------- accounts


def test_deleting_the_uploader_keeps_the_image_and_forgets_who_uploaded_it(login):
    client = login("instructor")
    upload(client, photo_with_gps())
    user = db.session.get(User, client.user.id)
    exported = services.export_user_data(user)["images"]
    stored = db.session.scalars(select(StoredImage)).one()
    assert exported == [
        {
            "url": imagestore.image_url(stored),
            "alt": "Схема",
            "uploaded_at": stored.uploaded_at.isoformat(),
        }
    ]
    services.delete_account(user, PASSWORD)
    db.session.expire_all()
    stored = db.session.scalars(select(StoredImage)).one()
    assert stored.uploaded_by_id is None
    assert client.get(imagestore.image_url(stored)).status_code == 200


# --------------------------------------------------------------------------- print


def pdf_images(pdf: bytes) -> list[dict]:
    """Every image XObject of the PDF, once (pages may share their resources)."""
    found = {}
    with pikepdf.open(BytesIO(pdf)) as document:
        for page in document.pages:
            for _name, xobject in page.get_images().items():
                found[xobject.objgen] = {
                    "keys": set(xobject.keys()),
                    "filter": str(xobject.get("/Filter")),
                    "raw": xobject.read_raw_bytes(),
                    "size": (int(xobject.Width), int(xobject.Height)),
                }
    return list(found.values())


@pytest.mark.slow
def test_a_workbook_prints_the_uploaded_photo_with_no_metadata(login, caplog):
    from courses import services as courses

    caplog.set_level(logging.CRITICAL, logger="weasyprint")
    client = login("instructor")
    upload(client, photo_with_gps(orientation=6), alt="Протокол задержания")
    stored = db.session.scalars(select(StoredImage)).one()
    snippet = imagestore.markdown_snippet(stored)
    teacher = db.session.get(User, client.user.id)
    course = courses.create_course(teacher, title="Курс", slug="kurs", summary="Коротко.")
    module = courses.create_module(course, title="Модуль", body="Введение.")
    courses.create_item(module, title="Урок", body=f"Так выглядит протокол:\n\n{snippet}")
    courses.set_published(course, True)

    response = pdfs.fetch(client, "/courses/kurs/workbook.pdf")
    assert response.status_code == 200
    found = pdf_images(response.data)
    assert len(found) == 1
    image = found[0]
    assert "/Metadata" not in image["keys"]
    assert image["size"] == (480, 640)  # turned as the camera was held
    assert image["filter"] == "/DCTDecode"
    assert_no_metadata(image["raw"])


def test_an_image_missing_from_the_store_prints_as_nothing(app):
    from school import printing

    clean = clean_image(photo_with_gps())
    html = f'<html><body><p>Текст</p><img src="/images/{clean.name}" alt="x"></body></html>'
    metadata = printing.PdfMetadata(title="t", author="a")
    with pikepdf.open(BytesIO(printing.render_pdf(html, metadata))) as document:
        assert not document.pages[0].get_images()
