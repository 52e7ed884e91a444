"""The personal feed's reminders (VALARM), cancellations with their reason in it, read by
three parsers, and the subscribe link with its wording on first creation and on rotation."""

from __future__ import annotations

import html
import re
import warnings
from datetime import timedelta

import icalendar
import ics
import pytest
import vobject

from school import create_app
from tests.webinars.test_services import make_webinar
from webinars import services
from webinars.calendar import parse_reminders

EN = {"Accept-Language": "en"}


@pytest.fixture
def owner(make_user):
    return make_user("instructor")


def feed(client, token: str) -> tuple[bytes, dict[str, icalendar.Event]]:
    response = client.get(f"/webinars/feed/{token}.ics")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.data)
    return response.data, {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def triggers(event: icalendar.Event) -> list[timedelta]:
    return [alarm.decoded("TRIGGER") for alarm in event.walk("VALARM")]


def test_reminders_are_read_from_settings_text():
    assert parse_reminders("1d,1h") == (timedelta(days=1), timedelta(hours=1))
    assert parse_reminders(" 30m , 2h,30m") == (timedelta(hours=2), timedelta(minutes=30))
    assert parse_reminders("") == parse_reminders("none") == parse_reminders(None) == ()
    for wrong in ("1w", "0m", "-1h", "tomorrow", "29d", "1d;1h"):
        with pytest.raises(ValueError):
            parse_reminders(wrong)


def test_a_wrong_reminder_setting_stops_start_up(app_config):
    with pytest.raises(ValueError, match="1w"):
        create_app({**app_config, "CALENDAR_REMINDERS": "1d,1w"})


def test_personal_feed_reminds_a_day_and_an_hour_before_where_i_have_a_place(client, login, owner):
    mine = make_webinar(owner, title="Мой", capacity=1)
    queued = make_webinar(owner, title="Очередь", capacity=1)
    cancelled = make_webinar(owner, title="Отменён")
    login().post(f"/webinars/{queued.id}/register")
    student = login(locale="en")
    for webinar in (mine, queued, cancelled):
        student.post(f"/webinars/{webinar.id}/register")
    login(user=owner).post(
        f"/webinars/{cancelled.id}/cancel", data={"reason": "Ведущий заболел.\nПеренесём."}
    )
    token = services.issue_feed_token(student.user)
    body, events = feed(client, token)
    assert triggers(events["Мой"]) == [-timedelta(days=1), -timedelta(hours=1)]
    (alarm, _second) = events["Мой"].walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"]) == "Мой"
    assert alarm["TRIGGER"].params.get("RELATED", "START") == "START"
    assert b"TRIGGER;RELATED=START:-P1D" in body and b"TRIGGER;RELATED=START:-PT1H" in body
    # No reminders for a place on the waiting list or a cancelled webinar.
    assert triggers(events["Очередь (waiting list)"]) == []
    gone = events["Отменён"]
    assert str(gone["STATUS"]) == "CANCELLED" and triggers(gone) == []
    description = str(gone["DESCRIPTION"])
    assert "This webinar has been cancelled." in description
    assert "The instructor's reason: Ведущий заболел.\nПеренесём." in description

    # The same in vobject and ics.
    card = vobject.readOne(body.decode())
    by_summary = {e.summary.value: e for e in card.vevent_list}
    assert len(by_summary["Мой"].valarm_list) == 2
    assert by_summary["Отменён"].status.value == "CANCELLED"
    assert "Ведущий заболел." in by_summary["Отменён"].description.value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = {e.name: e for e in ics.Calendar(body.decode()).events}
    assert len(parsed["Мой"].alarms) == 2
    assert {a.trigger for a in parsed["Мой"].alarms} == {-timedelta(days=1), -timedelta(hours=1)}
    assert parsed["Отменён"].status == "CANCELLED"


def test_the_public_calendar_has_no_reminders_but_the_reason(client, login, owner):
    webinar = make_webinar(owner, title="Публичный")
    services.cancel_webinar(webinar.id, "Зал закрыт.")
    make_webinar(owner, title="Идёт")
    calendar = icalendar.Calendar.from_ical(client.get("/webinars.ics", headers=EN).data)
    assert calendar.walk("VALARM") == []
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert "Зал закрыт." in str(events["Публичный"]["DESCRIPTION"])


def test_the_site_and_each_person_choose_the_reminders(app_config, request):
    app_config["CALENDAR_REMINDERS"] = "30m"
    request.getfixturevalue("app")
    login, client = request.getfixturevalue("login"), request.getfixturevalue("client")
    owner = request.getfixturevalue("make_user")("instructor")
    webinar = make_webinar(owner, title="Мой")
    student = login(locale="en")
    student.post(f"/webinars/{webinar.id}/register")
    # Without a feed there is nothing to set.
    assert student.post("/webinars/mine/feed/reminders", data={"reminders": "1h"}).status_code
    student.post("/webinars/mine/feed")
    token = re.search(r"/webinars/feed/([\w-]+)\.ics", student.get("/webinars/mine").text)[1]
    assert triggers(feed(client, token)[1]["Мой"]) == [-timedelta(minutes=30)]
    page = student.get("/webinars/mine", headers=EN).text
    assert 'name="reminders"' in page
    student.post("/webinars/mine/feed/reminders", data={"reminders": "1d"})
    assert triggers(feed(client, token)[1]["Мой"]) == [-timedelta(days=1)]
    student.post("/webinars/mine/feed/reminders", data={"reminders": "none"})
    assert triggers(feed(client, token)[1]["Мой"]) == []
    refused = student.post("/webinars/mine/feed/reminders", data={"reminders": "7w"})
    assert refused.status_code == 302
    assert triggers(feed(client, token)[1]["Мой"]) == []
    # A new address keeps the choice.
    student.post("/webinars/mine/feed")
    new = re.search(r"/webinars/feed/([\w-]+)\.ics", student.get("/webinars/mine").text)[1]
    assert new != token and triggers(feed(client, new)[1]["Мой"]) == []
    student.post("/webinars/mine/feed/reminders", data={"reminders": ""})
    assert triggers(feed(client, new)[1]["Мой"]) == [-timedelta(minutes=30)]


def test_subscribe_link_and_the_words_on_first_creation_and_on_rotation(login):
    student = login(locale="en")
    first = student.post("/webinars/mine/feed", follow_redirects=True, headers=EN)
    page = html.unescape(first.get_data(as_text=True))
    assert "Your personal calendar address is ready." in page
    assert "no longer works" not in page
    address = re.search(r'value="(http://localhost/webinars/feed/[\w-]+\.ics)"', page)[1]
    assert f'href="webcal://localhost/webinars/feed/{address.rsplit("/", 1)[1]}"' in page
    again = student.post("/webinars/mine/feed", follow_redirects=True, headers=EN)
    page = html.unescape(again.get_data(as_text=True))
    assert "Your new personal calendar address is ready. The old address no longer works" in page
    assert address not in page and 'href="webcal://localhost/webinars/feed/' in page
    # The address and its subscribe link are shown once.
    later = student.get("/webinars/mine", headers=EN).get_data(as_text=True)
    assert "webcal:" not in later and "/webinars/feed/" not in later
