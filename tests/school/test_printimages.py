"""Pictures of written content in print: engine URLs, figures with the alt text as caption."""

from __future__ import annotations

import pytest

from school import printing
from school.printimages import print_images

UPLOAD = "/images/" + "a" * 64 + ".jpg"


def test_a_picture_alone_in_a_paragraph_becomes_a_figure_with_its_caption():
    html = f'<p><img src="{UPLOAD}" alt="Схема &lt;1&gt; &amp; &quot;2&quot;"></p>'
    assert print_images(html) == (
        f'<figure class="print-figure"><img class="print-image" src="{UPLOAD}" '
        'alt="Схема &lt;1&gt; &amp; &quot;2&quot;">'
        "<figcaption>Схема &lt;1&gt; &amp; &quot;2&quot;</figcaption></figure>"
    )


def test_a_picture_in_a_line_is_an_inline_figure_and_static_paths_get_engine_urls():
    html = '<p>До <img alt="b" src="/static/img/x.png"> после</p>'
    assert print_images(html) == (
        '<p>До <span class="figure"><img class="print-image" src="static:img/x.png" alt="b">'
        '<span class="figcaption">b</span></span> после</p>'
    )


def test_a_picture_without_its_address_keeps_its_caption_and_one_without_either_goes():
    assert print_images('<p><img alt="удалённый   адрес"></p>') == (
        '<figure class="print-figure"><figcaption>удалённый адрес</figcaption></figure>'
    )
    assert print_images("<p>a <img> b</p>") == "<p>a  b</p>"


@pytest.mark.parametrize(
    "html",
    [
        '<p><img src="static:img/logo.svg" alt="Логотип"></p>',  # placed by a print template
        '<img src="font:pt-sans/400-normal.ttf">',
        "<p>no pictures</p>",
    ],
)
def test_template_pictures_and_other_html_stay_as_they_are(html):
    assert print_images(html) == html


@pytest.mark.parametrize(
    "html",
    [
        f'<p><img src="{UPLOAD}" alt="x"></p>',
        '<ul><li><img src="/static/a.png" alt="a > b"> и <img alt="c"></li></ul>',
    ],
)
def test_applying_it_twice_changes_nothing(html):
    once = print_images(html)
    assert once != html and print_images(once) == once


def test_the_cache_key_covers_the_picture_file(tmp_path):
    (tmp_path / "img").mkdir()
    picture = tmp_path / "img" / "x.png"
    picture.write_bytes(b"one")
    html = '<p><img src="/static/img/x.png" alt="x"></p>'
    meta = printing.PdfMetadata(title="t", author="a")
    before = printing.cache_key(html, meta, static_dir=tmp_path)
    picture.write_bytes(b"two")
    assert printing.cache_key(html, meta, static_dir=tmp_path) != before
