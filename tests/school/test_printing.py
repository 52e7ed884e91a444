"""The print engine: fonts, typography, metadata, determinism, the URL fetcher and the cache."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import re
import struct
import subprocess
import sys
import textwrap
import zlib
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import jinja2
import pytest
import weasyprint
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from school import printing
from school.printing import PdfMetadata
from tests import pdfs
from tests.pdfs import PdfFont

ROOT = Path(__file__).resolve().parents[2]
META = PdfMetadata(
    title="Пенсия и кредиты: памятка",
    author="Фонд помощи",
    lang="ru",
    subject="Финансовая грамотность",
    keywords=("пенсия", "кредит"),
    created=date(2025, 3, 1),
)
PT_FONTS = {
    f"{family}{style}"
    for family in ("PT-Serif", "PT-Sans")
    for style in ("", "-Bold", "-Italic", "-Bold-Italic")
}
LONG_WORDS = "высокопревосходительство неудовлетворительность человеконенавистничество"
RUSSIAN = (
    "Вопрос № 12: «Нужно ли платить кредит мужа?» — да, если долг вошёл в наследство; "
    "штраф — 5 000 ₽, срок — 1–2 месяца. Ёлочки «внутри „лапок“», ёж, «ё». "
)


def page(body: str, *, fmt: str = "format-a4", head: str = "", lang: str = "ru") -> str:
    return (
        f'<!doctype html><html lang="{lang}" class="{fmt}"><head><meta charset="utf-8">'
        f'<title>Т</title><link rel="stylesheet" href="static:css/print.css">{head}</head>'
        f"<body>{body}</body></html>"
    )


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(BytesIO(pdf))


def size_mm(pdf: bytes, index: int = 0) -> tuple[int, int]:
    box = reader(pdf).pages[index].mediabox
    return round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    # WeasyPrint reports every refused resource and the fontTools subsetter at ERROR/WARNING;
    # keep the test output readable while tests still inspect records they care about.
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


def russian_html() -> str:
    body = (
        "<h1>Пенсия в местах лишения свободы</h1>"
        f'<p style="width: 32mm">{LONG_WORDS} {LONG_WORDS}</p>'
        f"<p>{RUSSIAN}<em>Курсив</em>, <strong>полужирный</strong>, "
        "<strong><em>полужирный курсив</em></strong>, <code>код</code>.</p>"
        "<h2><em>Заголовок курсивом</em></h2><ul><li>пункт<ul><li>вложенный</li></ul></li></ul>"
    )
    return page(body, fmt="format-a5")


@pytest.fixture(scope="module")
def russian_pdf() -> bytes:
    return printing.render_pdf(russian_html(), META)


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("format-a5", (148, 210)),
        ("format-a4", (210, 297)),
        ("", (210, 297)),
        ("format-large-print", (210, 297)),
        ("format-memo", (210, 297)),
        ("format-a4-landscape", (297, 210)),
    ],
)
def test_page_size_follows_the_format_class(fmt, expected):
    pdf = printing.render_pdf(page("<p>Текст</p>", fmt=fmt), META)
    assert size_mm(pdf) == expected


def test_base_template_renders_with_the_engine():
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True)
    child = env.from_string(
        '{% extends "print/base.html" %}{% block title %}Памятка{% endblock %}'
        "{% block content %}<h1>Памятка</h1><p>{{ text }}</p>{% endblock %}"
    )
    html = child.render(lang="ru", page_format="format-a5", html_class="booklet", text="<b>")
    assert '<html lang="ru" class="format-a5 booklet">' in html
    pdf = printing.render_pdf(html, META)
    assert size_mm(pdf) == (148, 210)
    assert "<b>" in pdfs.pdf_text(pdf)[0]
    assert {font.name for font in pdfs.pdf_fonts(pdf)} == {"PT-Sans-Bold", "PT-Serif"}


def test_extra_stylesheets_override_the_document():
    extra = ["@page { size: A5 landscape; }", "@page a5 { size: A6; }"]
    pdf = printing.render_pdf(page("<p>Т</p>", fmt=""), META, stylesheets=extra)
    assert size_mm(pdf) == (210, 148)
    pdf = printing.render_pdf(page("<p>Т</p>", fmt="format-a5"), META, stylesheets=extra)
    assert size_mm(pdf) == (105, 148)


# --------------------------------------------------------------------------- fonts


def test_only_pt_fonts_embedded_and_subset(russian_pdf):
    fonts = pdfs.pdf_fonts(russian_pdf)
    assert {font.name for font in fonts} <= PT_FONTS
    assert {"PT-Serif", "PT-Serif-Italic", "PT-Serif-Bold", "PT-Sans-Bold"} <= {
        font.name for font in fonts
    }
    assert all(font.embedded and font.subset for font in fonts)


def test_embedded_font_subsets_are_valid(russian_pdf):
    for page_ in reader(russian_pdf).pages:
        for font in page_["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            data = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
            TTFont(BytesIO(data), checkChecksums=2)["head"]  # raises on a bad table checksum
            padded = data + b"\0" * (-len(data) % 4)
            total = sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF
            assert total == 0xB1B0AFBA  # the whole-file checksum the head table promises


def test_cyrillic_text_is_extractable(russian_pdf):
    text = " ".join(pdfs.pdf_text(russian_pdf))
    assert "Пенсия в местах лишения свободы" in text
    for fragment in ("№", "«Нужно ли платить кредит мужа?»", "—", "₽", "Ёлочки", "ёж"):
        assert fragment in text


def test_russian_hyphenation_uses_ascii_hyphen(russian_pdf):
    lines = pdfs.pdf_text(russian_pdf)[0].splitlines()
    broken = [line for line in lines if re.search(r"[а-яё]-$", line.strip())]
    assert broken, lines
    joined = re.sub(r"-\n", "", "\n".join(lines))
    assert "высокопревосходительство" in joined


HARD_TEXT = [
    "дефис\u2010слово",  # U+2010, missing in PT
    "стрелка → вправо, ← влево",
    "галочка ✓ ✔ и поле ☐ ☑",
    "узкий\u202fпробел и\u2009тонкий",
    "грузинская ქართული, армянская Հայերեն",
    "й из двух символов: \u0438\u0306",
    "нулевой\u200bпробел\u2060соединитель\ufeff",
    "тенге ₸ и маркер ◦",
]


def test_no_character_falls_back_to_a_system_font():
    # Each line needs a fallback font, except the decomposed "й" that NFC composes, and all
    # of them have one.
    assert all(printing.font_coverage(text) == set() for text in HARD_TEXT)
    body = "".join(f"<p>{text}</p><p><em>{text}</em></p>" for text in HARD_TEXT)
    pdf = printing.render_pdf(page(body), META)
    names = {font.name for font in pdfs.pdf_fonts(pdf)}
    assert names <= pdfs.bundled_font_names()
    assert {"Noto-Serif", "Noto-Serif-Georgian", "Noto-Sans-Math", "Noto-Sans-Symbols2"} <= names
    text = " ".join(" ".join(pdfs.pdf_text(pdf)).split())
    for fragment in ("→ вправо", "← влево", "✓ ✔", "☐ ☑", "ქართული", "Հայերեն", "₸", "◦"):
        assert fragment in text


def test_a_character_no_font_has_is_kept_and_reported():
    # A system font (DejaVu has runic) is never asked: the PDF holds only bundled fonts.
    pdf = printing.render_pdf(page("<p>руна ᚠ и знак \ue000</p>"), META)
    assert {font.name for font in pdfs.pdf_fonts(pdf)} <= pdfs.bundled_font_names()
    missing = printing.missing_characters([("Имя", "руна ᚠ"), ("Статья", "ᚠ 😀 \u200b")])
    assert [(m.codepoint, m.name, m.places) for m in missing] == [
        ("U+16A0", "RUNIC LETTER FEHU FEOH FE F", ("Имя", "Статья")),
        ("U+1F600", "GRINNING FACE", ("Статья",)),
    ]


def test_normalize_text_keeps_every_character():
    russian = "«Ёлочки» — №\u00a05, 100\u00a0₽, 1–2, а\u0301, пере\u00adнос, из\u2011за"
    assert printing.normalize_text(russian) == russian
    assert printing.font_coverage(russian) == set()
    for text in ("а\u2010б → в ✓", "10:00\u202fAM", "да 🙂", "ქ", "Şəhriyar Məmmədov"):
        assert printing.normalize_text(text) == text
    assert printing.normalize_text("\u0438\u0306") == "й"
    assert printing.normalize_text("а\x07б\u2028в\tг") == "аб\nв\tг"
    assert printing.font_coverage("а→б✓") == set()
    assert printing.font_coverage("ᚠ\ue000а") == {"ᚠ", "\ue000"}


def test_cache_key_follows_the_font_set(monkeypatch):
    before = printing.cache_key(page("<p>Т</p>"), META)
    printing._toolchain_fingerprint.cache_clear()
    monkeypatch.setattr(
        printing.printfonts, "font_set_fingerprint", lambda: {"Noto Serif/x.ttf": "changed"}
    )
    try:
        assert printing.cache_key(page("<p>Т</p>"), META) != before
    finally:
        printing._toolchain_fingerprint.cache_clear()


def _text_sizes_pt(pdf: bytes) -> list[float]:
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append(size * abs(tm[3] * cm[3]))

    for page_ in reader(pdf).pages:
        page_.extract_text(visitor_text=visit)
    return sizes


def test_large_print_is_big_unhyphenated_and_has_no_italics():
    body = (
        "<h1>Памятка</h1><h2>Раздел</h2><p><em>Важно</em> и <i>курсив</i>: "
        + " ".join([LONG_WORDS] * 20)
        + '</p><p class="note">Примечание мелким шрифтом</p><p><small>сноска</small></p>'
    )
    pdf = printing.render_pdf(page(body, fmt="format-large-print"), META)
    names = {font.name for font in pdfs.pdf_fonts(pdf)}
    assert names <= PT_FONTS
    assert not any("Italic" in name for name in names)
    assert printing.pdf_page_count(pdf) == 2
    assert min(_text_sizes_pt(pdf)) >= 15.99  # page numbers and notes included
    lines = "\n".join(pdfs.pdf_text(pdf)).splitlines()
    assert not any(re.search(r"[а-яё]-$", line.strip()) for line in lines)


# --------------------------------------------------------------------------- metadata


def test_metadata_title_author_language_and_dates(russian_pdf):
    pdf = reader(russian_pdf)
    info = pdf.metadata
    assert info.title == META.title
    assert info.author == META.author
    assert info["/Subject"] == "Финансовая грамотность"
    assert info["/Keywords"] == "пенсия, кредит"
    assert info["/CreationDate"] == info["/ModDate"] == "D:20250301"
    assert pdf.trailer["/Root"]["/Lang"] == "ru"


def test_metadata_dates_are_written_in_utc():
    moscow = timezone(timedelta(hours=3))
    meta = PdfMetadata(title="T", author="A", created=datetime(2025, 3, 1, 12, 0, tzinfo=moscow))
    pdf = reader(printing.render_pdf(page("<p>Т</p>"), meta))
    assert pdf.metadata["/CreationDate"].startswith("D:20250301090000")


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        printing.render_pdf(
            page("<p>Т</p>"), PdfMetadata(title="T", author="A", created=datetime(2025, 1, 1))
        )


def test_language_is_added_when_the_html_has_none():
    pdf = printing.render_pdf("<p>Текст</p>", PdfMetadata(title="T", author="A", lang="en"))
    assert reader(pdf).trailer["/Root"]["/Lang"] == "en"


# --------------------------------------------------------------------------- determinism


def test_same_input_gives_identical_bytes(russian_pdf):
    assert printing.render_pdf(russian_html(), META) == russian_pdf
    file_id = reader(russian_pdf).trailer["/ID"]
    assert file_id[0] == file_id[1] and len(file_id[0]) == 32


def test_pdf_is_compressed(russian_pdf):
    assert b"/ObjStm" in russian_pdf
    assert b"/FlateDecode" in russian_pdf
    assert "Пенсия".encode("utf-16-be") not in russian_pdf


# --------------------------------------------------------------------------- fetcher

HOSTILE = """
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="stylesheet" href="static:../../../../../etc/passwd">
<link rel="stylesheet" href="static:%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd">
<link rel="attachment" href="file:///etc/passwd">
<link rel="attachment" href="static:css/print.css">
<style>
  @import url("file:///etc/passwd");
  @import "http://127.0.0.1:9/x.css";
  body { background: url("file:///etc/passwd"); }
  p { background-image: url("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAf");}
</style>
"""
HOSTILE_BODY = """
<p>Текст</p>
<img src="file:///etc/passwd" alt="">
<img src="http://127.0.0.1:9/x.png" alt="">
<img src="static:../school/printing.py" alt="">
<img src="img/relative.png" alt="">
<a rel="attachment" href="file:///etc/passwd">вложение</a>
<a rel="attachment" href="static:css/print.css">вложение 2</a>
<object data="file:///etc/passwd"></object>
<embed src="file:///etc/hostname">
<svg width="20" height="20"><image href="file:///etc/passwd" width="10" height="10"/></svg>
"""


def _image_xobjects(pdf: bytes) -> int:
    count = 0
    for page_ in reader(pdf).pages:
        xobjects = page_["/Resources"].get("/XObject") or {}
        for xobject in xobjects.values():
            count += xobject.get_object().get("/Subtype") == "/Image"
    return count


def test_fetcher_refuses_everything_outside_the_bundle(caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger="school.printing")
    served = []
    original = printing.BundledUrlFetcher.fetch

    def spy(self, url, headers=None):
        response = original(self, url, headers)
        served.append(url)
        return response

    monkeypatch.setattr(printing.BundledUrlFetcher, "fetch", spy)
    pdf = printing.render_pdf(page(HOSTILE_BODY, head=HOSTILE), META)
    assert {url.split(":")[0] for url in served} == {"font", "static"}
    assert {url for url in served if url.startswith("static:")} == {"static:css/print.css"}
    pdf_reader = reader(pdf)
    root = pdf_reader.trailer["/Root"]
    assert "/EmbeddedFiles" not in (root.get("/Names") or {})
    assert b"EmbeddedFile" not in pdf and b"FileAttachment" not in pdf
    for page_ in pdf_reader.pages:
        for annot in page_.get("/Annots") or []:
            assert annot.get_object()["/Subtype"] != "/FileAttachment"
    assert _image_xobjects(pdf) == 0
    text = " ".join(pdfs.pdf_text(pdf))
    assert "root:" not in text and "/bin/" not in text
    assert "Текст" in text

    refusals = [r for r in caplog.records if r.name == "school.printing"]
    schemes = {r.getMessage() for r in refusals}
    assert all(r.levelno == logging.WARNING for r in refusals)
    assert {
        "print engine refused a file: resource",
        "print engine refused a http: resource",
        "print engine refused a static: resource",
        "print engine refused a data: resource",
    } <= schemes
    assert not any("passwd" in message or "127.0.0.1" in message for message in schemes)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "data:text/css,body{}",
        "static:../school/printing.py",
        "static:..%2fschool%2fprinting.py",
        "static:/etc/passwd",
        "static:///etc/passwd",
        "static:css/../../pyproject.toml",
        "static:css",
        "static:",
        "font:../../../etc/passwd",
        "font:pt-serif/900-normal.ttf",
        "relative/path.css",
    ],
)
def test_fetcher_resolves_nothing_outside_the_bundle(url):
    fetcher = printing.BundledUrlFetcher()
    assert fetcher.resolve(url) is None
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_fetcher_serves_static_files_and_fonts(tmp_path):
    fetcher = printing.BundledUrlFetcher()
    response = fetcher.fetch("static:css/print.css")
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    font = fetcher.fetch("font:pt-sans/700-italic.ttf").read()
    assert font[:4] == b"\x00\x01\x00\x00"


def test_static_images_are_embedded(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "dot.png").write_bytes(_png())
    html = '<p>Логотип</p><img src="static:img/dot.png" style="width: 10mm" alt="">'
    pdf = printing.render_pdf(page(html), META, static_dir=tmp_path)
    assert _image_xobjects(pdf) == 1


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- print.css

CHAPTER = (
    "<p>"
    + (
        "Пенсионер вправе получать пенсию в исправительном учреждении; удержания по "
        "исполнительным документам ограничены законом. "
    )
    * 12
    + "</p>"
)
BOOKLET = f"""
<section class="cover"><h1>Финансовая грамотность</h1></section>
<nav class="toc page-break"><h2>Содержание</h2><ol>
  <li><a href="#pension">Пенсия</a></li>
  <li><a href="#loans">Кредиты и долги</a>
    <ol><li><a href="#spouse">Долги супруга</a></li></ol></li>
  <li><a href="#alimony">Алименты</a></li>
</ol></nav>
<section class="chapter" id="pension"><h2>Пенсия</h2>{CHAPTER}</section>
<section class="chapter" id="loans"><h2>Кредиты и долги</h2>{CHAPTER}{CHAPTER}
  <h3 id="spouse">Долги супруга</h3>{CHAPTER}</section>
<section class="chapter" id="alimony"><h2>Алименты</h2>{CHAPTER}</section>
"""


@pytest.fixture(scope="module")
def booklet_pages() -> list[str]:
    return pdfs.pdf_text(printing.render_pdf(page(BOOKLET, fmt="format-a5 booklet"), META))


def test_table_of_contents_shows_the_pages_of_the_headings(booklet_pages):
    pages = booklet_pages
    toc = {}
    for line in pages[1].splitlines():
        if match := re.fullmatch(r"(.+?)[ .]*?(\d+)", line.strip()):
            toc[match[1].rstrip(" .")] = int(match[2])
    assert set(toc) >= {"Пенсия", "Кредиты и долги", "Долги супруга", "Алименты"}
    for title in ("Пенсия", "Кредиты и долги", "Долги супруга", "Алименты"):
        actual = next(i for i, text in enumerate(pages[2:], start=3) if title in text)
        assert toc[title] == actual, (title, toc)
    # Chapters of a booklet start on right-hand (odd) pages; blank pages fill the gaps.
    assert all(toc[title] % 2 == 1 for title in ("Пенсия", "Кредиты и долги", "Алименты"))
    assert any(text.strip() == "" for text in pages)


def test_running_head_and_page_number(booklet_pages):
    pages = booklet_pages
    assert pages[0].strip() == "Финансовая грамотность"  # the cover has no head or number
    start = next(i for i, text in enumerate(pages) if i > 1 and "Кредиты и долги" in text)
    continuation = start + 1
    lines = [line.strip() for line in pages[continuation].splitlines() if line.strip()]
    assert str(continuation + 1) in lines
    assert "Кредиты и долги" in lines


# --------------------------------------------------------------------------- cache


@pytest.fixture
def count_renders(monkeypatch):
    calls = []
    original = weasyprint.HTML.render

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "render", counting)
    return calls


def test_render_cached_renders_once(tmp_path, count_renders):
    html = page("<p>Кэш</p>")
    first = printing.render_cached(html, tmp_path, META)
    assert first.rendered and count_renders == [1]
    stat = first.path.stat()
    second = printing.render_cached(html, tmp_path, META)
    assert not second.rendered and count_renders == [1]
    assert second.path == first.path and second.etag == first.etag
    assert second.path.stat().st_mtime_ns == stat.st_mtime_ns
    assert second.path.stat().st_ino == stat.st_ino
    assert first.path.read_bytes() == printing.render_pdf(html, META)
    assert first.path.name == f"{first.etag}.pdf"
    assert re.fullmatch(r"[0-9a-f]{64}", first.etag)
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.path.name]


def test_cache_key_covers_everything_that_changes_the_pdf(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    sheet = static / "css" / "extra.css"
    sheet.write_text("p { color: #000; }")
    html = page("<p>Т</p>", head='<link rel="stylesheet" href="static:css/extra.css">')
    key = printing.cache_key(html, META, static_dir=static)
    assert printing.cache_key(html, META, static_dir=static) == key
    assert printing.cache_key(html + " ", META, static_dir=static) != key
    assert printing.cache_key(html, PdfMetadata("T", "A"), static_dir=static) != key
    assert printing.cache_key(html, META, stylesheets=["p{}"], static_dir=static) != key
    sheet.write_text("p { color: #333; }")
    assert printing.cache_key(html, META, static_dir=static) != key


def test_broken_cache_file_is_not_served(tmp_path, count_renders):
    html = page("<p>Кэш</p>")
    cached = printing.render_cached(html, tmp_path, META)
    good = cached.path.read_bytes()
    cached.path.write_bytes(good[: len(good) // 2])
    again = printing.render_cached(html, tmp_path, META)
    assert again.rendered and len(count_renders) == 2
    assert again.path.read_bytes() == good


def test_failed_render_leaves_no_file(tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(printing.os, "replace", explode)
    with pytest.raises(RuntimeError):
        printing.render_cached(page("<p>Т</p>"), tmp_path, META)
    assert list(tmp_path.iterdir()) == []


def test_killed_render_never_leaves_a_broken_pdf(tmp_path):
    script = textwrap.dedent(
        f"""
        import os, signal
        from school import printing
        def die(fd):
            os.kill(os.getpid(), signal.SIGKILL)
        printing.os.fsync = die
        printing.render_cached({page("<p>Т</p>")!r}, {str(tmp_path)!r},
                               printing.PdfMetadata("T", "A"))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True)
    assert result.returncode == -9, result.stderr.decode()
    leftovers = list(tmp_path.iterdir())
    assert leftovers and all(p.name.startswith(".tmp-") for p in leftovers)
    assert not list(tmp_path.glob("*.pdf"))

    old = datetime.now(UTC).timestamp() - 2 * 3600
    for leftover in leftovers:
        os.utime(leftover, (old, old))
    cached = printing.render_cached(page("<p>Т</p>"), tmp_path, PdfMetadata("T", "A"))
    assert cached.rendered
    assert len(reader(cached.path.read_bytes()).pages) == 1
    assert list(tmp_path.iterdir()) == [cached.path]


def test_worker_process_renders_the_same_bytes(tmp_path, russian_pdf):
    # spawn: a fresh interpreter with its own hash seed, like a brochure CLI worker.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result = pool.submit(printing.render_cached, russian_html(), str(tmp_path), META).result()
    assert result.rendered
    assert result.path.read_bytes() == russian_pdf


# --------------------------------------------------------------------------- web workers

PRINT_STACK = ("weasyprint", "fontTools", "pydyf", "pikepdf", "pypdf", "school.render")

WEB_WORKER = """
import json, sys
from school import create_app, printing
from school.extensions import db

folder = sys.argv[1]
app = create_app({
    "TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/db",
    "INSTANCE_PATH": folder, "PDF_CACHE_DIR": f"{folder}/pdf", "JOB_QUEUE": "embedded",
    "RATELIMIT_STORAGE_URI": "memory://", "SERVER_NAME": None, "PUBLIC_URL": "http://localhost",
    "ONION_URL": None, "EXTRA_HOSTS": [],
})
with app.app_context():
    db.create_all()
loaded = {"created": sorted(m for m in sys.modules if m.split(".")[0] in STACK)}
client = app.test_client()
statuses = [client.get(path).status_code for path in ("/", "/finance/", "/courses/")]
loaded["pages"] = sorted(m for m in sys.modules if m.split(".")[0] in STACK)
html = '<link rel="stylesheet" href="static:css/print.css"><p>x</p>'
printing.cache_key(html, printing.PdfMetadata("T", "A"))
loaded["cache key"] = sorted(m for m in sys.modules if m.split(".")[0] in STACK)
print(json.dumps({"statuses": statuses, "loaded": loaded}))
"""


def test_web_workers_never_import_the_print_engine(tmp_path):
    """The app, its HTML pages and PDF cache keys load neither WeasyPrint nor fontTools."""
    script = f"STACK = {PRINT_STACK!r}\n{WEB_WORKER}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout.decode().splitlines()[-1])
    assert result["statuses"] == [200, 200, 200]
    assert result["loaded"] == {"created": [], "pages": [], "cache key": []}


def test_cache_keys_take_the_libraries_weasyprint_renders_with():
    """Keys computed without WeasyPrint (web) match the engine the queue renders with."""
    from weasyprint.text import ffi

    pango, harfbuzz_subset = printing._text_libraries()
    assert pango == ffi.pango.pango_version()
    assert harfbuzz_subset == (ffi.harfbuzz_subset is not None)
    assert printing._toolchain_fingerprint()["weasyprint"] == weasyprint.__version__


# --------------------------------------------------------------------------- helpers


def test_pdf_fonts_reports_non_embedded_fonts():
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    writer = PdfWriter()
    blank = writer.add_blank_page(100, 100)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    blank[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    out = BytesIO()
    writer.write(out)
    assert pdfs.pdf_fonts(out.getvalue()) == {PdfFont("Helvetica", False, False)}
    assert printing.pdf_page_count(out.getvalue()) == 1
