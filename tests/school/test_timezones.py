"""Time zones named in the reader's language, grouped by country, Russia first."""

from __future__ import annotations

import re
from datetime import date

from school import timezones
from school.timeutil import zone_names

SUMMER, WINTER = date(2026, 7, 1), date(2026, 1, 15)


def test_every_zone_is_offered_once_with_a_readable_name():
    rows = timezones.zone_choices("ru", SUMMER, "Другие страны и зоны")
    assert sorted(zone for zone, _label, _group in rows) == sorted(zone_names())
    for zone, label, _group in rows:
        assert "/" not in label and "_" not in label, (zone, label)


def test_russia_comes_first_from_west_to_east_in_russian():
    rows = timezones.zone_choices("ru", SUMMER, "Другие страны и зоны")
    groups = list(dict.fromkeys(group for _zone, _label, group in rows))
    assert groups[0] == "Россия"
    russian = [zone for zone, _label, group in rows if group == "Россия"]
    assert russian[0] == "Europe/Kaliningrad" and russian[-1] in {"Asia/Kamchatka", "Asia/Anadyr"}
    labels = {zone: label for zone, label, _group in rows}
    assert labels["Asia/Yekaterinburg"] == "Екатеринбург (UTC+5)"
    assert labels["Europe/Moscow"] == "Москва (UTC+3)"
    assert groups[-1] == "Другие страны и зоны"  # UTC, in no country
    countries = groups[1:-1]
    assert countries == sorted(countries, key=str.casefold)


def test_english_names_and_the_offset_of_the_day():
    rows = {
        zone: (label, group) for zone, label, group in timezones.zone_choices("en", WINTER, "Other")
    }
    assert rows["Europe/Berlin"] == ("Berlin (UTC+1)", "Germany")
    summer = {zone: label for zone, label, _g in timezones.zone_choices("en", SUMMER, "Other")}
    assert summer["Europe/Berlin"] == "Berlin (UTC+2)"
    assert rows["America/St_Johns"][0] == "St. John’s (UTC\u22123:30)"


def test_a_zone_in_text_names_its_country():
    assert timezones.zone_name("Asia/Yekaterinburg", "ru", SUMMER) == "Екатеринбург (Россия), UTC+5"
    assert timezones.zone_name("UTC", "ru", SUMMER).endswith("UTC")


def test_the_settings_page_groups_zones_by_country(login):
    html = (
        login("student").get("/account/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    )
    groups = re.findall(r'<optgroup label="([^"]+)"', html)
    assert groups[0] == "Россия" and "Германия" in groups
    assert "Asia/Yekaterinburg</option>" not in html
    assert re.search(
        r'<option[^>]*value="Asia/Yekaterinburg"[^>]*>Екатеринбург \(UTC\+5\)</option>', html
    )


def test_the_schedule_names_the_visitors_zone_in_words(client):
    html = client.get("/webinars/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Europe/Moscow" not in re.sub(r'value="[^"]*"', "", html)
    assert "Москва (Россия), UTC+3" in html
