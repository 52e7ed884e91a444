"""Time helpers and configuration."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from school.extensions import db
from school.models import User
from school.timeutil import is_valid_timezone, localize, now_utc, to_zone, utc_offset


def test_now_utc_is_aware():
    assert now_utc().tzinfo is UTC


@pytest.mark.parametrize(
    ("day", "expected_utc_hour"),
    [(date(2026, 1, 15), 16), (date(2026, 7, 15), 16)],  # Moscow has no DST: always UTC+3
)
def test_localize_moscow(day, expected_utc_hour):
    assert localize(day, time(19, 0), "Europe/Moscow").hour == expected_utc_hour


def test_localize_across_daylight_saving_time():
    winter = localize(date(2026, 1, 15), time(19, 0), "Europe/Berlin")
    summer = localize(date(2026, 7, 15), time(19, 0), "Europe/Berlin")
    assert (winter.hour, summer.hour) == (18, 17)
    assert utc_offset(summer, "Europe/Berlin") == timedelta(hours=2)
    assert to_zone(summer, "Europe/Moscow").hour == 20


def test_timezone_validation():
    assert is_valid_timezone("Asia/Novosibirsk")
    assert not is_valid_timezone("Mars/Olympus")
    assert not is_valid_timezone("")
    assert not is_valid_timezone("../../etc/passwd")


def test_timestamps_come_back_aware_utc(app, make_user):
    user = make_user()
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC).astimezone(
        to_zone(now_utc(), "Asia/Tokyo").tzinfo
    )
    user.password_changed_at = moment
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(User.password_changed_at).where(User.id == user.id))
    assert stored == moment and stored.tzinfo == UTC


def test_naive_datetimes_are_refused(app, make_user):
    user = make_user()
    user.password_changed_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(Exception, match="naive"):
        db.session.commit()
    db.session.rollback()


def test_site_and_organisation_names_are_configurable(make_app):
    app = make_app(SITE_NAME="Школа защиты", ORG_NAME="Другая организация")
    html = app.test_client().get("/").get_data(as_text=True)
    assert "<title>Школа защиты</title>" in html
    assert "Другая организация" in html


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    from school.config import from_env

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = from_env(tmp_path)["SECRET_KEY"]
    assert len(first) == 64 and from_env(tmp_path)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
