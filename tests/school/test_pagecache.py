"""Anonymous readers' pages kept for a few seconds: who gets a stored page, and who never does.

A change made by another worker process is simulated by writing through a bare connection:
it commits without this process's ORM session, so it does not empty the cache.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import update

from brochures import services
from finance.models import EntryRevision
from school import pagecache
from school.extensions import db
from tests import pdfs
from tests.finance import factories

URL = "/finance/entries/pension"
OLD, NEW = "Как получать пенсию в колонии?", "Как получать пенсию в СИЗО?"


@pytest.fixture
def entry(make_user):
    return factories.entry(make_user("staff"), "pension", OLD)


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: now[0])
    return now


def change_elsewhere(entry) -> None:
    """Change the question as another worker would: committed, but not by this process's ORM."""
    with db.engine.begin() as connection:
        connection.execute(
            update(EntryRevision)
            .where(EntryRevision.id == entry.published_revision_id)
            .values(question=NEW)
        )


def page(client, url: str = URL, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_anonymous_readers_share_a_page_for_its_seconds(app, client, entry, clock):
    assert OLD in page(client)
    change_elsewhere(entry)
    assert OLD in page(app.test_client())  # another reader, within the seconds: the stored page
    clock[0] += app.config["PAGE_CACHE_SECONDS"]
    assert NEW in page(client)


def test_a_commit_in_this_process_empties_the_cache(app, client, entry, make_user):
    assert OLD in page(client)
    change_elsewhere(entry)
    make_user("student")  # any commit made here
    assert NEW in page(client)


def test_a_commit_by_another_process_of_the_instance_outdates_stored_pages(
    app, client, entry, make_app, make_user
):
    """Another worker (here a second app on the same instance folder) commits: pages go stale."""
    assert OLD in page(client)
    change_elsewhere(entry)
    assert OLD in page(client)  # this process made no commit
    other = make_app()
    assert other.instance_path == app.instance_path
    with other.app_context():
        make_user("student")
    assert len(pagecache.page_cache()) == 1  # still held here, but outdated
    assert NEW in page(client)


def test_logged_in_readers_always_get_a_fresh_page_and_never_store_theirs(
    app, client, entry, login
):
    student = login("student")
    assert OLD in page(client)
    change_elsewhere(entry)
    assert NEW in page(student)
    assert OLD in page(client)  # the student's page did not replace the stored one
    assert len(pagecache.page_cache()) == 1


@pytest.fixture
def app_config(app_config):
    app_config["ONION_URL"] = "http://abcdefgh.onion"
    return app_config


def test_each_language_and_time_zone_has_its_own_page(app, client, entry):
    russian = page(client, "/webinars/")
    english = page(app.test_client(), "/webinars/", **{"Accept-Language": "en"})
    assert 'lang="ru"' in russian and 'lang="en"' in english
    elsewhere = app.test_client()
    elsewhere.post("/webinars/timezone", data={"tz": "Asia/Vladivostok", "next": "/webinars/"})
    assert "Asia/Vladivostok" in page(elsewhere, "/webinars/")
    assert len(pagecache.page_cache()) == 3


def test_every_address_of_the_site_shares_one_page_with_links_to_the_public_one(app, client, entry):
    clear = page(client, "/webinars/")
    onion = page(app.test_client(), "/webinars/", Host="abcdefgh.onion")
    assert "http://localhost/webinars.ics" in clear
    assert "http://localhost/webinars.ics" in onion and "abcdefgh.onion" not in onion
    assert len(pagecache.page_cache()) == 1


def test_every_reader_of_a_stored_page_gets_their_own_working_csrf_token(app, entry):
    app.config["WTF_CSRF_ENABLED"] = True
    first, second = app.test_client(), app.test_client()
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    first_token = token.search(page(first)).group(1)
    second_page = page(second)
    assert len(pagecache.page_cache()) == 1  # the second reader got the stored page
    second_token = token.search(second_page).group(1)
    assert second_token != first_token
    switched = second.post("/language", data={"lang": "en", "csrf_token": second_token})
    assert switched.status_code == 302
    refused = second.post("/language", data={"lang": "en", "csrf_token": "forged"})
    assert refused.status_code == 400


def test_a_flash_message_is_shown_to_its_reader_only(app, client, entry, auth, make_user):
    make_user("student", username="maria")
    auth.login("maria")
    auth.logout()  # leaves "You have been logged out." in this client's session
    with client.session_transaction() as session:
        assert "_flashes" in session
    flashed = page(client)
    assert 'class="flash' in flashed
    assert len(pagecache.page_cache()) == 0
    assert 'class="flash' not in page(app.test_client())


def test_only_whole_ok_pages_are_stored(app, client, entry):
    assert client.get("/finance/entries/nothing-here").status_code == 404
    assert len(pagecache.page_cache()) == 0


def test_the_cache_is_bounded_and_can_be_turned_off(app, client, entry):
    app.config["PAGE_CACHE_SIZE"] = 2
    for query in ("пенсия", "долг", "алименты"):
        page(client, f"/finance/search?q={query}")
    assert len(pagecache.page_cache()) == 2
    app.config["PAGE_CACHE_SECONDS"] = 0
    pagecache.page_cache().clear()
    change_elsewhere(entry)
    page(client)
    assert len(pagecache.page_cache()) == 0


def test_an_edition_download_survives_its_file_being_removed(app, client, make_user):
    staff = make_user("staff")
    brochure = factories.brochure(staff, {"Пенсия": [factories.entry(staff, "p", OLD)]})
    services.publish_edition(staff, brochure)
    url = f"/brochures/{brochure.slug}/1/a4.pdf"
    first = pdfs.fetch(client, url)
    assert first.status_code == 200
    for path in Path(app.config["PDF_CACHE_DIR"]).glob("*.pdf"):
        path.unlink()  # the cache was cleaned: the edition's file is stored apart
    again = client.get(url)
    assert again.status_code == 200 and again.data == first.data


def test_without_a_usable_version_file_pages_still_work_and_expire(tmp_path, caplog):
    marker = pagecache.ChangeMarker(tmp_path / "missing-folder" / "file")
    (tmp_path / "missing-folder").write_text("a file where the folder should be")
    assert marker.read() == b""
    marker.bump()  # no exception
    assert "page cache: cannot use" in caplog.text
    cache = pagecache.PageCache(marker)
    cache.put(("k",), pagecache._Entry("page", expires=10.0, version=marker.read()), size=5)
    assert cache.get(("k",), now=5.0, version=marker.read()) == "page"
    assert cache.get(("k",), now=10.0, version=marker.read()) is None
