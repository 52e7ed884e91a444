"""Feeds and calendars stay valid for any stored text, as three iCalendar parsers and
feedparser read them; personal feeds keep unpublished webinars as cancelled; the Atom
feed's ``updated`` never goes backwards."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import feedparser
import icalendar
import ics
import pytest
import vobject
from hypothesis import example, given, settings
from hypothesis import strategies as st

from school.extensions import db
from school.textinput import one_line, text_lines
from tests.webinars.test_services import make_webinar
from webinars import services
from webinars.calendar import CalendarEntry, build_calendar
from webinars.feeds import FeedEntry, build_atom
from webinars.models import Webinar, WebinarStatus

A = "{http://www.w3.org/2005/Atom}"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
CONTROLS = "".join(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0)])) + "\u2028\u2029\ufffe"
# Every control character, line breaks of every kind, and iCalendar's special characters.
HOSTILE = [
    *(f"До{c}после" for c in CONTROLS),
    f"Все: {CONTROLS}",
    "Права\r\nзадержанного\rX-INJECTED:1\n",
    "Жалоба, ст. 125; УПК \\ \\n \\, \\; конец\\",
    'Кавычки "двойные" и <теги> & амперсанд',
]


def entry(title: str, description: str | None = None) -> CalendarEntry:
    return CalendarEntry(
        uid="webinar-7@example.org",
        title=title,
        description=title if description is None else description,
        starts_at=datetime(2030, 1, 15, 16, tzinfo=UTC),
        ends_at=datetime(2030, 1, 15, 17, tzinfo=UTC),
        timezone="Europe/Moscow",
        sequence=1,
        created_at=NOW,
        updated_at=NOW,
        url="https://school.example.org/webinars/7",
        location=title,
        categories=(title,),
    )


def read_everywhere(body: bytes) -> dict[str, str]:
    """The event's SUMMARY and DESCRIPTION and the calendar's name, as each parser reads them;
    a parser that fails fails the test."""
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    card = vobject.readOne(body.decode())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (parsed,) = ics.Calendar(body.decode()).events
    assert parsed.uid == str(event["UID"]) == card.vevent.uid.value
    assert card.vevent.summary.value == str(event["SUMMARY"])
    description = str(event.get("DESCRIPTION", ""))  # an empty one is left out
    assert getattr(card.vevent, "description", None) is None or (
        card.vevent.description.value == description
    )
    location = str(event.get("LOCATION", ""))
    assert getattr(card.vevent, "location", None) is None or card.vevent.location.value == location
    # ics 0.7 unescapes "\\n" before "\\\\", so it reads a backslash followed by "n" as a
    # line break; elsewhere it reads what the other two read.
    if "\\" not in str(event["SUMMARY"]) + description + location:
        assert parsed.name == str(event["SUMMARY"])
        assert (parsed.description or "") == description
        assert (parsed.location or "") == location
    assert card.contents["name"][0].value == card.contents["x-wr-calname"][0].value
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    return {
        "summary": str(event["SUMMARY"]),
        "description": description,
        "name": card.contents["x-wr-calname"][0].value,
        "categories": ",".join(card.vevent.categories.value) if "CATEGORIES" in event else "",
    }


@pytest.mark.parametrize("title", HOSTILE)
def test_calendars_parse_in_three_parsers_whatever_the_title(title):
    body = build_calendar([entry(title)], name=title, description=title, prodid="-//t//RU")
    read = read_everywhere(body)
    assert read["summary"] == read["name"] == one_line(title)
    assert read["description"] == text_lines(title)


@settings(max_examples=150, deadline=None)
@given(title=st.text(max_size=60), description=st.text(max_size=200))
@example(title="\ufeff", description="")  # a byte order mark: one parser drops it
@example(title="", description="\ufeff")
@example(title="\\N", description="a\\Nb")  # a written backslash and "N", not a line break
def test_calendars_parse_for_any_text(title, description):
    body = build_calendar([entry(title, description)], name=title, prodid="-//t//RU")
    read = read_everywhere(body)
    assert read["summary"] == read["name"] == one_line(title)
    assert read["description"] == text_lines(description)


def test_calendar_name_is_escaped_as_text():
    name = "Вебинары, школа; и \\ ещё\nстрока"
    body = build_calendar([], name=name, prodid="-//t//RU")
    lines = body.decode().split("\r\n")
    assert "NAME:Вебинары\\, школа\\; и \\\\ ещё строка" in lines
    assert "X-WR-CALNAME:Вебинары\\, школа\\; и \\\\ ещё строка" in lines


def atom(title: str, summary: str, html: str | None = None) -> bytes:
    return build_atom(
        [
            FeedEntry(
                id="urn:uuid:1",
                title=title,
                url="https://school.example.org/webinars/7",
                updated=NOW,
                summary=summary,
                content_html=html,
                categories=(title,),
            )
        ],
        feed_id="urn:uuid:2",
        title=title,
        subtitle=summary,
        self_url="https://school.example.org/webinars/feed.atom",
        html_url="https://school.example.org/webinars/",
        author=title,
        updated=NOW,
    )


def check_atom(body: bytes, title: str, summary: str) -> None:
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    root = ET.fromstring(body)  # noqa: S314 - our own output
    assert root.findtext(f"{A}title") == one_line(title)
    item = root.find(f"{A}entry")
    assert item.findtext(f"{A}title") == one_line(title)
    assert item.find(f"{A}category").get("term") == one_line(title)
    assert item.findtext(f"{A}summary") == text_lines(summary)


@pytest.mark.parametrize("title", HOSTILE)
def test_atom_is_valid_whatever_the_title(title):
    check_atom(atom(title, title, f"<p>{title}</p>"), title, title)


@settings(max_examples=150, deadline=None)
@given(title=st.text(max_size=60), summary=st.text(max_size=200))
def test_atom_is_valid_for_any_text(title, summary):
    check_atom(atom(title, summary, summary), title, summary)


# --- through the site, with text stored before the input rules existed ------------------------


@pytest.fixture
def owner(make_user):
    return make_user("instructor")


def _store_raw(webinar: Webinar, text: str) -> None:
    """The text put straight into the database, as text stored before the input rules existed."""
    stored = db.session.get(Webinar, webinar.id)
    stored.title = f"Вебинар {text}"
    stored.summary = f"Описание {text}"
    stored.presenters = f"Анна {text}"
    stored.series = f"Серия {text}"
    db.session.commit()


@pytest.mark.parametrize("text", ["\x0b", "\x0c", "\x01\x1b\x7f", "\r\n", CONTROLS])
def test_every_feed_of_the_site_is_valid_for_stored_control_characters(client, login, owner, text):
    webinar = make_webinar(owner)
    student = login()
    student.post(f"/webinars/{webinar.id}/register")
    if db.engine.dialect.name == "postgresql":
        text = text.replace("\x00", "")  # PostgreSQL's text cannot hold NUL, so none is stored
    _store_raw(webinar, text)
    token = services.issue_feed_token(student.user)
    for path in (f"/webinars/{webinar.id}.ics", "/webinars.ics", f"/webinars/feed/{token}.ics"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert read_everywhere(response.data)["summary"] == one_line(f"Вебинар {text}")
    response = client.get("/webinars/feed.atom")
    assert response.status_code == 200
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.entries[0].title == one_line(f"Вебинар {text}").strip()
    # The webinar's own page and the schedule show it too.
    assert client.get(f"/webinars/{webinar.id}").status_code == 200
    assert client.get("/webinars/").status_code == 200


# --- unpublished webinars in personal feeds ---------------------------------------------------


def _events(client, token: str) -> dict[str, icalendar.Event]:
    body = client.get(f"/webinars/feed/{token}.ics").data
    if body.count(b"BEGIN:VEVENT") == 1:
        read_everywhere(body)
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_an_unpublished_webinar_arrives_cancelled_in_registrants_feeds(client, login, owner):
    webinar = make_webinar(owner, title="Снимут с расписания")
    student = login()
    student.post(f"/webinars/{webinar.id}/register")
    token = services.issue_feed_token(student.user)
    uid = f"webinar-{webinar.id}@localhost"
    before = _events(client, token)[uid]
    assert str(before["STATUS"]) == "CONFIRMED"

    login(user=owner).post(f"/webinars/{webinar.id}/unpublish")
    after = _events(client, token)[uid]
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTAMP") >= before.decoded("DTSTAMP")
    assert "LOCATION" not in after and "meet.example.org" not in str(after["DESCRIPTION"])
    # The public calendar never shows a draft.
    assert uid.encode() not in client.get("/webinars.ics").data

    # Published again, it is confirmed again, with a higher sequence still.
    login(user=owner).post(f"/webinars/{webinar.id}/publish")
    again = _events(client, token)[uid]
    assert str(again["STATUS"]) == "CONFIRMED"
    assert int(again["SEQUENCE"]) > int(after["SEQUENCE"])


def test_a_webinar_in_a_personal_feed_is_never_deleted_from_under_it(client, login, owner):
    webinar = make_webinar(owner)
    student = login()
    student.post(f"/webinars/{webinar.id}/register")
    token = services.issue_feed_token(student.user)
    editor = login(user=owner)
    editor.post(f"/webinars/{webinar.id}/unpublish")
    editor.post(f"/webinars/{webinar.id}/delete")  # refused: someone is registered
    event = _events(client, token)[f"webinar-{webinar.id}@localhost"]
    assert str(event["STATUS"]) == "CANCELLED"
    # Once the registrant has left, it has left their feed, and the draft may go.
    student.post(f"/webinars/{webinar.id}/unregister")
    assert _events(client, token) == {}
    webinar_id = webinar.id
    editor.post(f"/webinars/{webinar_id}/delete")
    db.session.expire_all()
    assert db.session.get(Webinar, webinar_id) is None


# --- the Atom feed's updated ----------------------------------------------------------------


def _feed_updated(client) -> datetime:
    root = ET.fromstring(client.get("/webinars/feed.atom").data)  # noqa: S314 - our own output
    return datetime.fromisoformat(root.findtext(f"{A}updated").replace("Z", "+00:00"))


def _age(webinar: Webinar, days: int) -> None:
    stored = db.session.get(Webinar, webinar.id)
    stored.updated_at = stored.updated_at - timedelta(days=days)
    db.session.commit()


def test_atom_updated_never_goes_backwards(client, login, owner, monkeypatch):
    older = make_webinar(owner, timedelta(days=3), title="Старый")
    _age(older, 10)
    newer = make_webinar(owner, timedelta(days=4), title="Новый")
    _age(newer, 5)
    editor = login(user=owner)
    seen = [_feed_updated(client)]
    # The newest entry leaves the feed.
    editor.post(f"/webinars/{newer.id}/cancel", data={"reason": "Ведущий заболел."})
    seen.append(_feed_updated(client))
    editor.post(f"/webinars/{newer.id}/restore")
    editor.post(f"/webinars/{newer.id}/unpublish")
    seen.append(_feed_updated(client))
    editor.post(f"/webinars/{older.id}/unpublish")  # the feed is empty now
    seen.append(_feed_updated(client))
    assert seen == sorted(seen)
    # Stable while nothing changes, an hour later too: conditional requests work.
    later = datetime.now(UTC) + timedelta(hours=1)
    monkeypatch.setattr("webinars.views.now_utc", lambda: later)
    assert _feed_updated(client) == seen[-1]


def test_atom_updated_moves_on_when_a_webinar_ends(client, owner):
    ending = make_webinar(owner, timedelta(minutes=-80), title="Идёт")  # ends in ten minutes
    _age(ending, 3)
    make_webinar(owner, timedelta(days=2), title="Потом")
    _age(db.session.scalars(db.select(Webinar).filter_by(title="Потом")).one(), 30)
    first = _feed_updated(client)
    stored = db.session.get(Webinar, ending.id)
    stored.ends_at = stored.starts_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    assert _feed_updated(client) >= first


def test_a_draft_never_published_does_not_move_the_feed(client, owner):
    make_webinar(owner, title="Опубликован")
    first = _feed_updated(client)
    make_webinar(owner, status=WebinarStatus.DRAFT, title="Черновик")
    assert _feed_updated(client) == first
