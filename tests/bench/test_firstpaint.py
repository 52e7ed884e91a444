"""How bench/firstpaint.py tells the requests of a visit apart (no browser is started here)."""

import pytest

from bench.firstpaint import PageRounds, Request, Visit, figures, in_flight, requests


def _sent(rid, url, kind="Document"):
    return "Network.requestWillBeSent", {"requestId": rid, "request": {"url": url}, "type": kind}


def _response(rid, url, **flags):
    return "Network.responseReceived", {"requestId": rid, "response": {"url": url, **flags}}


def _finished(rid, size):
    return "Network.loadingFinished", {"requestId": rid, "encodedDataLength": size}


PAGE, SHEET, ICON = "http://h/courses/", "http://h/static/css/site.1.css", "http://h/i.2.svg"


def test_each_request_is_told_by_where_its_answer_came_from():
    events = [
        _sent("doc", PAGE),
        _response("doc", PAGE),
        _sent("css", SHEET, "Stylesheet"),
        ("Network.requestServedFromCache", {"requestId": "css"}),
        _response("css", SHEET),
        _finished("css", 0),
        _finished("doc", 1900),
        _sent("icon", ICON, "Other"),
        _response("icon", ICON, fromDiskCache=True),
        _finished("icon", 0),
    ]
    assert requests(events) == [
        Request(PAGE, "Document", "network", 1900),
        Request(SHEET, "Stylesheet", "memory cache", 0),
        Request(ICON, "Other", "disk cache", 0),
    ]
    visit = Visit(470.0, requests(events))
    assert [r.url for r in visit.network] == [PAGE] and visit.html_bytes == 1900
    assert in_flight(events) == 0


def test_a_late_answer_to_the_previous_visit_is_not_counted_and_unfinished_ones_are():
    # Chromium asks for the icon after the load event: its answer may come during the next visit.
    events = [
        _response("icon-of-first-visit", ICON),
        _finished("icon-of-first-visit", 909),
        _sent("doc", PAGE),
        _response("doc", PAGE),
        _finished("doc", 1900),
        _sent("icon", ICON, "Other"),
    ]
    assert in_flight(events) == 1
    found = requests(events)
    assert [(r.url, r.source) for r in found] == [(PAGE, "network"), (ICON, "unfinished")]
    assert all(r.over_network for r in found)


def test_figures_hold_the_medians_against_the_html_only_limit():
    page = [Request(PAGE, "Document", "network", 2500)]  # 50 ms at 400 kbit/s: limit 450 ms
    cached = [*page, Request(ICON, "Other", "disk cache", 0)]
    rounds = PageRounds(
        "Course catalogue",
        first=[Visit(990.0, page)] * 3,
        repeat=[Visit(480.0, cached), Visit(500.0, cached), Visit(490.0, cached)],
        unthrottled=[Visit(45.0, cached)] * 3,
    )
    assert rounds.limit_ms == 450.0
    _first, repeat, count = figures([rounds])
    assert repeat.value == 490.0 and repeat.target.limit == pytest.approx(495.0) and repeat.met
    assert count.value == 1 and count.met and "/i.2.svg (disk cache)" in count.note
    slow = PageRounds("Search", rounds.first, [Visit(500.0, cached)] * 3, rounds.unthrottled)
    assert figures([slow])[1].met is False
