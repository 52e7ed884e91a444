"""The registrants page: its order across statuses and pages, its counts, and its queries."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from school.extensions import db
from school.timeutil import now_utc
from tests.querycount import page_statements
from tests.webinars.test_services import make_webinar
from webinars import services
from webinars.models import WebinarRegistration

EN = {"Accept-Language": "en"}


def _registered(make_user, webinar, names):
    users = [make_user(username=name) for name in names]
    for user in users:
        services.register(user, webinar.id)
    return users


def _shown(page: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)</th>', page)


def test_every_page_follows_the_order_of_all_registrants(app, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner, capacity=3)
    users = _registered(make_user, webinar, [f"r{n:02d}" for n in range(11)])
    for user in users[1:9:3]:
        services.cancel_registration(user, webinar.id)
    # Registered at the same moment: their ids decide. A status no list knows goes last.
    at = now_utc() - timedelta(days=1)
    db.session.execute(
        update(WebinarRegistration)
        .where(WebinarRegistration.user_id.in_([users[4].id, users[9].id, users[10].id]))
        .values(registered_at=at)
    )
    db.session.execute(
        update(WebinarRegistration)
        .where(WebinarRegistration.user_id == users[0].id)
        .values(status="withdrawn")
    )
    db.session.commit()

    everyone = [r.id for r in services.all_registrants(webinar)]
    assert len(everyone) == 11
    assert db.session.get(WebinarRegistration, everyone[-1]).status == "withdrawn"
    for per_page in (1, 2, 3, 4, 5, 11, 20):
        pages = [services.registrants(webinar, page, per_page) for page in range(1, 14)]
        assert [r.id for p in pages for r in p.items] == everyone, per_page
        assert {p.total for p in pages} == {11}
    seats = services.registrants(webinar).seats
    assert seats == services.seat_counts([webinar.id])[webinar.id]
    assert (seats.registered, seats.waitlisted) == (2, 5)


def test_the_registrants_page_takes_the_same_queries_however_many_registered(login, make_user):
    owner = make_user("instructor")
    webinar = make_webinar(owner, capacity=2)
    editor = login(user=owner)
    url = f"/webinars/{webinar.id}/registrants"
    empty = page_statements(editor, url)
    anna = _registered(make_user, webinar, ["anna", "boris", "vera"])[0]
    few = page_statements(editor, url)
    _registered(make_user, webinar, [f"s{n:03d}" for n in range(120)])
    services.cancel_registration(anna, webinar.id)
    assert page_statements(editor, url) == few
    assert page_statements(editor, url + "?page=2") == few
    assert empty <= few

    first = editor.get(url, headers=EN).get_data(as_text=True)
    assert "2 people registered, 120 people on the waiting list" in first
    assert _shown(first)[:2] == ["boris", "vera"]  # anna cancelled; vera moved up
    assert len(_shown(first)) == services.REGISTRANTS_PER_PAGE
    second = editor.get(url + "?page=2", headers=EN).get_data(as_text=True)
    assert _shown(second)[-1] == "anna" and len(_shown(second)) == 23
