"""The home page: search the knowledge base, the next webinars, the newest brochures, and a
signed-in person's own next steps; the same for every visitor, in queries that do not grow."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from brochures import services as brochure_services
from tests.finance import factories as f
from tests.querycount import page_statements
from tests.webinars.test_services import make_webinar
from webinars.models import WebinarStatus


def _text(html: str) -> str:
    main = html.split('id="main"', 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).replace("&nbsp;", " ").split())


@pytest.fixture
def staff(make_user):
    return make_user("staff")


def _entries(staff, count: int, start: int = 0):
    topic = f.topic()
    return [
        f.entry(staff, f"entry-{n}", f"Вопрос номер {n}?", topics=[topic])
        for n in range(start, start + count)
    ]


def _brochure(staff, slug: str, entries):
    item = f.brochure(staff, {"Раздел": entries}, slug=slug, title=f"Брошюра {slug}")
    brochure_services.publish_edition(staff, item, "")
    return item


def test_the_home_page_searches_the_knowledge_base(client):
    html = client.get("/").get_data(as_text=True)
    form = re.search(r'<form method="get" action="([^"]+)"[^>]*role="search"', html)
    assert form and form.group(1) == "/finance/search"
    assert 'name="q"' in html


def test_the_home_page_lists_the_newest_answers_the_next_webinars_and_brochures(
    client, staff, make_user
):
    entries = _entries(staff, 7)
    owner = make_user("instructor")
    make_webinar(owner, timedelta(days=3), title="Третий по счёту")
    make_webinar(owner, timedelta(days=1), title="Самый ближний")
    make_webinar(owner, timedelta(days=2), title="Второй вебинар")
    make_webinar(owner, timedelta(days=9), title="Далёкий вебинар")
    make_webinar(owner, timedelta(days=-2), title="Прошедший вебинар")
    make_webinar(owner, timedelta(days=1), title="Черновик вебинара", status=WebinarStatus.DRAFT)
    _brochure(staff, "old-one", entries[:2])
    unpublished = f.brochure(staff, {"Раздел": entries[:1]}, slug="not-yet", title="Не вышла")
    _brochure(staff, "new-one", entries[2:4])

    text = _text(client.get("/").get_data(as_text=True))

    newest = [f"Вопрос номер {n}?" for n in (6, 5, 4, 3, 2)]
    positions = [text.index(question) for question in newest]
    assert positions == sorted(positions)
    assert "Вопрос номер 1?" not in text
    webinars = [text.index(t) for t in ("Самый ближний", "Второй вебинар", "Третий по счёту")]
    assert webinars == sorted(webinars)
    for hidden in ("Далёкий вебинар", "Прошедший вебинар", "Черновик вебинара", unpublished.title):
        assert hidden not in text
    assert text.index("Брошюра new-one") < text.index("Брошюра old-one")


def test_an_empty_site_shows_only_what_it_has(client):
    text = _text(client.get("/").get_data(as_text=True))
    assert "Next webinars" not in text
    assert "New brochures" not in text
    assert "New answers" not in text


def test_the_home_page_queries_do_not_grow_with_the_data(client, staff, make_user):
    owner = make_user("instructor")
    entries = _entries(staff, 3)
    make_webinar(owner, timedelta(days=1))
    _brochure(staff, "first", entries[:1])
    few = page_statements(client, "/")
    more = _entries(staff, 12, start=3)
    for day in range(2, 10):
        make_webinar(owner, timedelta(days=day))
    for n in range(4):
        _brochure(staff, f"more-{n}", more[n : n + 2])
    assert page_statements(client, "/") == few


def test_every_visitor_gets_the_same_public_sections(app, staff, make_user):
    _entries(staff, 2)
    make_webinar(make_user("instructor"), timedelta(days=1), title="Общий вебинар")
    first, second = app.test_client(), app.test_client()
    one = first.get("/", headers={"Host": "example.org"}).get_data(as_text=True)
    two = second.get("/", headers={"Host": "forged.example"}).get_data(as_text=True)
    assert one == two
    assert "forged" not in two


def test_the_next_webinars_are_read_without_counting_the_schedule(client, make_user):
    from tests.querycount import count_statements

    make_webinar(make_user("instructor"), timedelta(days=1))
    with count_statements() as seen:
        assert client.get("/").status_code == 200
    webinar_sql = [sql for sql in seen.sql if "FROM webinars" in sql]
    assert webinar_sql and not [sql for sql in webinar_sql if "count(" in sql.lower()]
