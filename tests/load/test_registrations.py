"""50 students ask for the 10 places of a webinar at the same moment."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from school.extensions import db
from school.models import User
from school.timeutil import now_utc
from tests.load.web import all_at_once
from webinars import services
from webinars.models import RegistrationStatus, WebinarRegistration, WebinarStatus

PLACES = 10
PEOPLE = 50


def _webinar_with_places(site, places: int) -> int:
    with site.context():
        instructor = db.session.scalar(select(User).where(User.username == "instructor"))
        start = now_utc() + timedelta(days=7)
        data = services.WebinarData(
            title="Если к вам пришли с обыском: разбор вопросов",
            start_date=start.date(),
            start_time=start.time().replace(hour=12, minute=0, second=0, microsecond=0),
            timezone="Europe/Moscow",
            duration_minutes=90,
            capacity=places,
        )
        webinar = services.create_webinar(instructor, data, status=WebinarStatus.PUBLISHED)
        webinar_id = webinar.id
        db.session.remove()
    return webinar_id


def _registered(site, webinar_id: int) -> int:
    with site.context():
        count = db.session.scalar(
            select(func.count())
            .select_from(WebinarRegistration)
            .where(
                WebinarRegistration.webinar_id == webinar_id,
                WebinarRegistration.status == RegistrationStatus.REGISTERED.value,
            )
        )
        db.session.remove()
    return count or 0


def test_fifty_students_for_ten_places(site, students):
    webinar_id = _webinar_with_places(site, PLACES)
    people = students[:PEOPLE]
    url = f"/webinars/{webinar_id}/register"
    mark = site.log_mark()

    # Someone watches the count of places taken all through the rush.
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(_registered(site, webinar_id))
            done.wait(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        replies = all_at_once([lambda s=s: s.client.post(url) for s in people])
    finally:
        done.set()
        watcher.join(30)

    problems = [(s.username, r.status, r.body[:300]) for s, r in zip(people, replies, strict=True)]
    assert [r.status for r in replies] == [302] * PEOPLE, problems
    assert {r.path for r in replies} == {f"/webinars/{webinar_id}"}
    assert not site.log_problems(mark)
    assert seen and max(seen) <= PLACES

    with site.context():
        rows = list(
            db.session.scalars(
                select(WebinarRegistration).where(WebinarRegistration.webinar_id == webinar_id)
            )
        )
        assert len(rows) == PEOPLE
        assert sorted(r.user_id for r in rows) == sorted(s.id for s in people)
        assert Counter(r.status for r in rows) == {
            RegistrationStatus.REGISTERED.value: PLACES,
            RegistrationStatus.WAITLISTED.value: PEOPLE - PLACES,
        }
        # First come, first served: everyone with a place asked before everyone waiting.
        registered = [r for r in rows if r.status == RegistrationStatus.REGISTERED.value]
        waiting = [r for r in rows if r.status == RegistrationStatus.WAITLISTED.value]
        assert max(r.registered_at for r in registered) <= min(r.registered_at for r in waiting)
        positions = sorted(services.waitlist_position(r) for r in waiting)
        assert positions == list(range(1, PEOPLE - PLACES + 1))
        db.session.remove()

    # Each of them sees the outcome on the webinar's page.
    page = people[0].client.get(f"/webinars/{webinar_id}")
    assert page.status == 200
