"""Many people asking for the last places at the same moment, through real requests in threads."""

from __future__ import annotations

import threading
from collections import Counter

from flask import current_app

from tests.webinars.test_services import make_webinar, statuses
from webinars import services

TIMEOUT = 120


def run_together(actions) -> list:
    """Run the callables in threads released at the same moment; return their results.

    Each thread has its own application context, as each worker of a server would.
    """
    app = current_app._get_current_object()
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)
    errors: list[BaseException] = []

    def worker(index: int, action) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=TIMEOUT)
                results[index] = action()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors
    return results


def test_capacity_is_never_exceeded_by_simultaneous_registrations(login, make_user):
    webinar = make_webinar(make_user("instructor"), capacity=5)
    clients = [login() for _ in range(20)]
    url = f"/webinars/{webinar.id}/register"
    codes = run_together([lambda c=c: c.post(url).status_code for c in clients])
    assert codes == [302] * 20
    counts = Counter(statuses(webinar.id).values())
    assert counts == {"registered": 5, "waitlisted": 15}
    # The queue has a strict order: positions 1..15, no two people sharing one.
    waiting = [services.registration_of(c.user, webinar) for c in clients]
    positions = sorted(services.waitlist_position(r) for r in waiting if r.status == "waitlisted")
    assert positions == list(range(1, 16))


def test_cancellations_and_new_registrations_at_once_keep_the_queue_fair(login, make_user):
    webinar = make_webinar(make_user("instructor"), capacity=5)
    holders = [login() for _ in range(5)]
    queued = [login() for _ in range(5)]
    for client in holders + queued:
        client.post(f"/webinars/{webinar.id}/register")
    newcomers = [login() for _ in range(5)]
    # URLs are built here: objects of the test's session must not be touched in the threads.
    leave, join = f"/webinars/{webinar.id}/unregister", f"/webinars/{webinar.id}/register"
    actions = [lambda c=c: c.post(leave).status_code for c in holders] + [
        lambda c=c: c.post(join).status_code for c in newcomers
    ]
    assert run_together(actions) == [302] * 10
    result = statuses(webinar.id)
    by_user = {c.user.username: result[c.user.username] for c in holders + queued + newcomers}
    assert Counter(by_user.values()) == {"registered": 5, "cancelled": 5, "waitlisted": 5}
    # A freed place goes to the queue in the same transaction, so newcomers never jump it.
    assert {by_user[c.user.username] for c in queued} == {"registered"}
    assert {by_user[c.user.username] for c in newcomers} == {"waitlisted"}


def test_a_double_click_makes_one_registration(login, make_user):
    webinar = make_webinar(make_user("instructor"), capacity=3)
    first = login()
    clients = [first] + [login(user=first.user) for _ in range(5)]
    url = f"/webinars/{webinar.id}/register"
    assert run_together([lambda c=c: c.post(url).status_code for c in clients]) == [302] * 6
    assert statuses(webinar.id) == {first.user.username: "registered"}
