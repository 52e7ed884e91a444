"""The Atom feed of upcoming webinars, parsed back with ElementTree."""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.etree import ElementTree as ET

import pytest

from tests.webinars.test_services import make_webinar
from tests.webinars.test_views import form_values
from webinars import services
from webinars.models import WebinarStatus

A = "{http://www.w3.org/2005/Atom}"


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)  # noqa: S314 - our own output
    assert root.tag == f"{A}feed"
    return root


def rfc3339(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None
    return parsed


@pytest.fixture
def owner(make_user):
    return make_user("instructor")


def test_feed_is_valid_atom_with_upcoming_published_webinars_only(client, owner):
    later = make_webinar(owner, timedelta(days=14), title="Позже", series="Серия")
    sooner = make_webinar(owner, timedelta(days=2), title="Раньше", summary="**Важно** <script>")
    make_webinar(owner, timedelta(days=3), status=WebinarStatus.DRAFT, title="Черновик")
    make_webinar(owner, timedelta(days=-3), title="Прошёл")
    dropped = make_webinar(owner, timedelta(days=5), title="Отменён")
    services.cancel_webinar(dropped.id)

    response = client.get("/webinars/feed.atom")
    assert b"meet.example.org" not in response.data
    root = parse(response)
    assert root.findtext(f"{A}id").startswith("urn:uuid:")
    assert root.findtext(f"{A}title")
    assert root.find(f"{A}author/{A}name").text
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert links["self"] == "http://localhost/webinars/feed.atom"
    assert links["alternate"] == "http://localhost/webinars/"
    entries = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == ["Раньше", "Позже"]
    feed_updated = rfc3339(root.findtext(f"{A}updated"))
    ids = set()
    for entry, webinar in zip(entries, (sooner, later), strict=True):
        ids.add(entry.findtext(f"{A}id"))
        assert entry.findtext(f"{A}id").startswith("urn:uuid:")
        assert rfc3339(entry.findtext(f"{A}updated")) <= feed_updated
        assert rfc3339(entry.findtext(f"{A}published"))
        link = entry.find(f"{A}link")
        assert link.get("rel") == "alternate"
        assert link.get("href") == f"http://localhost/webinars/{webinar.id}"
        assert entry.find(f"{A}summary").get("type") == "text"
    assert len(ids) == 2
    content = entries[0].find(f"{A}content")
    assert content.get("type") == "html" and "<strong>Важно</strong>" in content.text
    assert "<script>" not in content.text
    assert entries[1].find(f"{A}category").get("term") == "Серия"


def test_entry_id_is_stable_and_updated_moves_on_edit(client, login, owner):
    webinar = make_webinar(owner)
    before = parse(client.get("/webinars/feed.atom")).find(f"{A}entry")
    login(user=owner).post(
        f"/webinars/{webinar.id}/edit", data=form_values(webinar, title="Другое название")
    )
    after = parse(client.get("/webinars/feed.atom")).find(f"{A}entry")
    assert after.findtext(f"{A}id") == before.findtext(f"{A}id")
    assert after.findtext(f"{A}title") == "Другое название"
    assert rfc3339(after.findtext(f"{A}updated")) >= rfc3339(before.findtext(f"{A}updated"))


def test_empty_feed_is_still_valid(client):
    root = parse(client.get("/webinars/feed.atom"))
    assert root.findall(f"{A}entry") == [] and rfc3339(root.findtext(f"{A}updated"))


def test_schedule_page_links_the_feeds(client):
    page = client.get("/webinars/").get_data(as_text=True)
    assert 'type="application/atom+xml"' in page and "/webinars.ics" in page
