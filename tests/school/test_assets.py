"""Static files under content-hashed names, cached for good; text compressed with br or gzip."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from school.assets import IMMUTABLE, Manifest


def _stylesheets(client) -> list[str]:
    return re.findall(r'href="(/static/[^"]+)"', client.get("/").get_data(as_text=True))


def test_pages_name_static_files_by_their_content_and_those_never_expire(client):
    css, icon = _stylesheets(client)
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", css)
    assert re.fullmatch(r"/static/img/favicon\.[0-9a-f]{12}\.svg", icon)
    response = client.get(css)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.data == client.get("/static/css/site.css").data
    again = client.get(css, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/", "/courses/", "/webinars/", "/finance/", "/privacy"])
def test_every_page_names_its_icon_so_a_repeat_visit_takes_it_from_the_cache(client, path):
    # Without a declared icon Chromium asks for /favicon.ico on every visit; a hashed name
    # answered as immutable is kept, so a returning reader's only request is the page.
    html = client.get(path).get_data(as_text=True)
    icons = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert len(icons) == 1 and re.fullmatch(r"/static/img/favicon\.[0-9a-f]{12}\.svg", icons[0])
    icon = client.get(icons[0])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.headers["Cache-Control"] == IMMUTABLE
    assert icon.data == client.get("/static/img/favicon.svg").data
    for sheet in re.findall(r'<link rel="stylesheet" href="([^"]+)">', html):
        assert client.get(sheet).headers["Cache-Control"] == IMMUTABLE
    assert "<script" not in html.split("</head>")[0]  # nothing else holds up the first paint


def test_plain_names_still_work_but_are_checked_each_time(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, no-cache"


def test_unknown_versions_and_paths_outside_the_folder_are_404(client):
    assert client.get("/static/css/site.0123456789ab.css").status_code == 404
    assert client.get("/static/css/missing.css").status_code == 404
    assert client.get("/static/../school/config.py").status_code == 404
    assert client.get("/static/%2e%2e/school/config.py").status_code == 404
    assert client.get("/static/" + "я" * 300).status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "a.css"
    sheet.write_text("body { color: black }")
    first = Manifest.of(tmp_path).hashed["css/a.css"]
    sheet.write_text("body { color: navy }")
    second = Manifest.of(tmp_path).hashed["css/a.css"]
    assert first != second and first.startswith("css/a.") and first.endswith(".css")
    assert Manifest.of(tmp_path).plain[second] == "css/a.css"


def test_pages_and_stylesheets_are_compressed_as_the_browser_accepts(client):
    plain = client.get("/").data
    br = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.data) == plain and len(br.data) < len(plain) / 2
    gz = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == plain
    css = _stylesheets(client)[0]
    sheet = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert sheet.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(sheet.data) == client.get(css).data
    identity = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in identity.headers
