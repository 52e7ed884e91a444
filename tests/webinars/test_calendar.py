"""iCalendar output parsed back with icalendar: UIDs, zones, SEQUENCE, cancellations, privacy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.webinars.test_services import make_webinar, webinar_data
from tests.webinars.test_views import form_values
from webinars import services
from webinars.calendar import CalendarEntry, build_calendar
from webinars.models import WebinarStatus

JOIN = "https://meet.example.org/room-1"


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.data)


def events_by_uid(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def owner(make_user):
    return make_user("instructor")


def test_public_calendar_has_zoned_times_stable_uids_and_no_join_link(client, owner):
    webinar = services.create_webinar(
        owner,
        webinar_data(start_date=date(2030, 7, 16), start_time=time(19, 0), tz="Europe/Berlin"),
        status=WebinarStatus.PUBLISHED,
    )
    make_webinar(owner, status=WebinarStatus.DRAFT, title="Черновик")
    response = client.get("/webinars.ics")
    assert JOIN.encode() not in response.data
    calendar = parse(response)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"webinar-{webinar.id}@localhost"
    start = event.decoded("DTSTART")
    assert start == datetime(2030, 7, 16, 17, 0, tzinfo=UTC)
    assert start.utcoffset() == timedelta(hours=2)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTEND"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTEND") - start == timedelta(minutes=90)
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == f"http://localhost/webinars/{webinar.id}"
    assert "Анна Петрова" in str(event["DESCRIPTION"])
    assert "LOCATION" not in event
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert zones == {"Europe/Berlin"}
    # The VTIMEZONE itself gives the summer offset for the event's date.
    vtimezone = calendar.walk("VTIMEZONE")[0].to_tz()
    assert datetime(2030, 7, 16, 19, 0, tzinfo=vtimezone).utcoffset() == timedelta(hours=2)


def test_uid_stays_and_sequence_grows_when_the_webinar_changes(client, login, owner):
    webinar = make_webinar(owner)
    uid = f"webinar-{webinar.id}@localhost"
    first = events_by_uid(parse(client.get(f"/webinars/{webinar.id}.ics")))[uid]
    editor = login(user=owner)
    editor.post(f"/webinars/{webinar.id}/edit", data=form_values(webinar, title="Новое название"))
    second = events_by_uid(parse(client.get(f"/webinars/{webinar.id}.ics")))[uid]
    assert str(second["SUMMARY"]) == "Новое название"
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second.decoded("DTSTAMP") >= first.decoded("DTSTAMP")
    editor.post(f"/webinars/{webinar.id}/edit", data=form_values(webinar, start_time="21:45"))
    third = events_by_uid(parse(client.get("/webinars.ics")))[uid]
    assert int(third["SEQUENCE"]) == int(first["SEQUENCE"]) + 2
    assert third.decoded("DTSTART").astimezone(ZoneInfo("Europe/Moscow")).time() == time(21, 45)


def test_cancelled_webinar_stays_in_the_public_calendar_as_cancelled(client, login, owner):
    webinar = make_webinar(owner)
    login(user=owner).post(f"/webinars/{webinar.id}/cancel", data={"reason": "Ведущий заболел."})
    event = events_by_uid(parse(client.get("/webinars.ics")))[f"webinar-{webinar.id}@localhost"]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    # Its own page and file are gone for the public.
    assert client.get(f"/webinars/{webinar.id}.ics").status_code == 404


def test_uid_domain_comes_from_the_configuration(app_config, request):
    app_config["CALENDAR_UID_DOMAIN"] = "school.example.org"
    app_config["ONION_URL"] = "http://abcdefgh.onion"
    request.getfixturevalue("app")
    owner = request.getfixturevalue("make_user")("instructor")
    webinar = make_webinar(owner)
    client = request.getfixturevalue("client")
    calendar = parse(client.get("/webinars.ics", base_url="http://abcdefgh.onion"))
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [
        f"webinar-{webinar.id}@school.example.org"
    ]


def test_personal_feed_has_my_registrations_with_join_links_only(client, login, make_user, owner):
    mine = make_webinar(owner, title="Мой", capacity=1)
    queued = make_webinar(owner, title="Очередь", capacity=1)
    cancelled = make_webinar(owner, title="Отменён")
    others = make_webinar(owner, title="Чужой")
    left = make_webinar(owner, title="Передумал")
    someone = login()
    someone.post(f"/webinars/{queued.id}/register")
    someone.post(f"/webinars/{others.id}/register")
    student = login(locale="en")
    for webinar in (mine, queued, cancelled, left):
        student.post(f"/webinars/{webinar.id}/register")
    student.post(f"/webinars/{left.id}/unregister")
    login(user=owner).post(f"/webinars/{cancelled.id}/cancel", data={"reason": "Ведущий заболел."})
    token = services.issue_feed_token(student.user)

    response = client.get(f"/webinars/feed/{token}.ics")
    assert response.headers["Cache-Control"] == "private, no-store"
    events = {str(e["SUMMARY"]): e for e in parse(response).walk("VEVENT")}
    # The calendar app sends no language: the account's language is used.
    assert set(events) == {"Мой", "Очередь (waiting list)", "Отменён"}
    assert str(events["Мой"]["LOCATION"]) == JOIN and JOIN in str(events["Мой"]["DESCRIPTION"])
    queued_event = events["Очередь (waiting list)"]
    assert str(queued_event["STATUS"]) == "TENTATIVE" and "LOCATION" not in queued_event
    assert JOIN not in str(queued_event["DESCRIPTION"])
    assert str(events["Отменён"]["STATUS"]) == "CANCELLED" and "LOCATION" not in events["Отменён"]

    assert client.get("/webinars/feed/not-a-token.ics").status_code == 404
    services.revoke_feed_token(student.user)
    assert client.get(f"/webinars/feed/{token}.ics").status_code == 404


def test_calendar_responses_support_conditional_requests(client, owner):
    make_webinar(owner)
    first = client.get("/webinars.ics")
    assert first.headers["ETag"]
    again = client.get("/webinars.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_calendar_module_escapes_text_and_marks_cancellations():
    now = datetime(2030, 1, 1, tzinfo=UTC)
    entry = CalendarEntry(
        uid="webinar-7@example.org",
        title="Жалоба; ст. 125, УПК",
        description="Первая строка\nВторая",
        starts_at=datetime(2030, 1, 15, 16, tzinfo=UTC),
        ends_at=datetime(2030, 1, 15, 17, tzinfo=UTC),
        timezone="Asia/Novosibirsk",
        sequence=3,
        created_at=now,
        updated_at=now,
        cancelled=True,
        categories=("Обыск",),
    )
    body = build_calendar([entry], name="Тест", prodid="-//test//RU")
    assert body == build_calendar([entry], name="Тест", prodid="-//test//RU")  # deterministic
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Жалоба; ст. 125, УПК"
    assert str(event["DESCRIPTION"]) == "Первая строка\nВторая"
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 3
    assert event.decoded("DTSTART").astimezone(ZoneInfo("Asia/Novosibirsk")).hour == 23
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))


def test_personal_feed_speaks_the_account_language(client, login, owner):
    webinar = make_webinar(owner, capacity=1)
    login().post(f"/webinars/{webinar.id}/register")
    student = login(locale="ru")
    student.post(f"/webinars/{webinar.id}/register")
    token = services.issue_feed_token(student.user)
    calendar = parse(client.get(f"/webinars/feed/{token}.ics", headers={"Accept-Language": "en"}))
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]).endswith("(лист ожидания)")
    assert str(calendar["X-WR-CALNAME"]).startswith("Мои вебинары")


def test_line_breaks_in_a_stored_title_stay_inside_their_property(client, owner):
    """Titles stored before single-line validation existed still give a well-formed file."""
    webinar = make_webinar(owner, title="Права\r\nзадержанного\rX-INJECTED:1\n")
    for path in (f"/webinars/{webinar.id}.ics", "/webinars.ics"):
        response = client.get(path)
        assert response.status_code == 200, path
        calendar = parse(response)
        assert "X-INJECTED" not in calendar and "X-INJECTED" not in calendar.walk("VEVENT")[0]
        (event,) = calendar.walk("VEVENT")
        assert "Права" in str(event["SUMMARY"]) and "X-INJECTED:1" in str(event["SUMMARY"])
