"""The readers' and the staff's pages: permissions, forms, revisions, composing a brochure."""

from __future__ import annotations

import re
from datetime import date

import pytest

from brochures import services
from brochures.models import Brochure, BrochureItem
from finance import services as finance_services
from finance.models import Entry, Status
from school.extensions import db
from tests.conftest import PASSWORD
from tests.finance import factories as f

EN = {"Accept-Language": "en"}


@pytest.fixture
def staff_client(login):
    return login("staff")


@pytest.fixture
def published(staff_client):
    pensions = f.topic()
    return f.entry(
        staff_client.user,
        "pension",
        "Как получать пенсию в колонии?",
        topics=[pensions],
        valid_as_of=date(2025, 3, 1),
        demo=True,
    )


def test_readers_see_only_approved_content_with_its_date(client, published, staff_client):
    draft_only = f.entry(staff_client.user, "secret", "Черновой вопрос?", valid_as_of=None)
    index = client.get("/finance/").get_data(as_text=True)
    assert "Как получать пенсию в колонии?" in index
    assert "Черновой вопрос?" not in index

    page = client.get("/finance/entries/pension")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Актуально на 1 марта 2025" in text
    assert "не юридическая консультация" in text
    assert "ст. 99 Федерального закона № 229-ФЗ" in text
    assert client.get(f"/finance/entries/{draft_only.slug}").status_code == 404
    assert client.get("/finance/entries/nothing").status_code == 404
    assert client.get("/finance/topics/pensions").status_code == 200
    assert client.get("/finance/topics/none").status_code == 404

    # A new draft does not change what readers see.
    finance_services.save_entry(
        staff_client.user,
        published,
        finance_services.EntryInput(slug="pension", question="Новая формулировка?", topic_ids=[]),
    )
    text = client.get("/finance/entries/pension").get_data(as_text=True)
    assert "Как получать пенсию в колонии?" in text and "Новая формулировка?" not in text


def test_nav_link_and_staff_pages_are_for_staff_only(client, login, published):
    assert "/finance/" in client.get("/").get_data(as_text=True)
    assert client.get("/finance/manage/").status_code == 302  # log in first
    student = login("student")
    instructor = login("instructor")
    for url in (
        "/finance/manage/",
        f"/finance/manage/entries/{published.id}",
        "/finance/manage/topics",
        "/finance/manage/overdue",
        "/brochures/manage/",
        "/finance/manage/import",
        "/finance/manage/export.zip",
    ):
        assert student.get(url).status_code == 403, url
        assert instructor.get(url).status_code == 403, url
    assert (
        student.post(f"/finance/manage/entries/{published.id}/revisions/1/restore").status_code
        == 403
    )
    admin = login("admin")
    assert admin.get("/finance/manage/").status_code == 200


def test_staff_pages_render(staff_client, published):
    staff_client.get("/finance/")
    f.brochure(staff_client.user, {"Пенсия": [published]})
    memo = f.brochure(
        staff_client.user, {"Пенсия": [published]}, slug="memo", kind="memo",
        primary_format="memo", memo_topic=published.topics[0],
    )  # fmt: skip
    for url in (
        "/finance/manage/",
        f"/finance/manage/?status=published&topic={published.topics[0].id}&q=пенс",
        "/finance/manage/?status=bogus",
        f"/finance/manage/entries/{published.id}",
        f"/finance/manage/entries/{published.id}/edit",
        f"/finance/manage/entries/{published.id}/revisions/1",
        f"/finance/manage/entries/{published.id}/compare",
        "/finance/manage/entries/new",
        "/finance/manage/topics",
        "/finance/manage/overdue",
        "/brochures/manage/",
        "/brochures/manage/new?kind=memo",
        f"/brochures/manage/{memo.id}",
        f"/brochures/manage/{memo.id}/edit",
        "/finance/manage/import",
    ):
        for headers in ({}, EN):
            assert staff_client.get(url, headers=headers).status_code == 200, url
    assert staff_client.get("/finance/manage/entries/999").status_code == 404
    assert (
        staff_client.get(f"/finance/manage/entries/{published.id}/revisions/9").status_code == 404
    )


def test_create_entry_with_bad_input_keeps_the_text(staff_client):
    topic = f.topic()
    data = {
        "question": "Как платить за квартиру?",
        "short_answer": "",
        "full_answer": "Длинный ответ, который нельзя потерять.",
        "slug": "Плохой адрес!",
        "language": "ru",
    }
    response = staff_client.post("/finance/manage/entries/new", data=data, headers=EN)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Use lower-case Latin letters" in text
    assert "Длинный ответ, который нельзя потерять." in text
    assert db.session.scalar(db.select(db.func.count(Entry.id))) == 0

    data.update(slug="", short_answer="Через доверенность.", topic_ids=[str(topic.id)])
    response = staff_client.post("/finance/manage/entries/new", data=data)
    assert response.status_code == 302
    entry = finance_services.entry_by_slug("kak-platit-za-kvartiru")
    assert entry is not None and entry.open_revision.status == Status.DRAFT
    assert [t.slug for t in entry.topics] == ["pensions"]

    taken = dict(data, slug="kak-platit-za-kvartiru")
    response = staff_client.post("/finance/manage/entries/new", data=taken, headers=EN)
    assert "already has this address" in response.get_data(as_text=True)


def test_review_workflow_through_the_pages(staff_client, published, login):
    reviewer_client = login("staff")  # four eyes: another staff member approves
    entry_id = published.id
    base = f"/finance/manage/entries/{entry_id}"
    form = {
        "question": "Как получать пенсию в колонии?",
        "short_answer": "Пенсию переводят на лицевой счёт.",
        "full_answer": "Новый полный ответ.",
        "legal_references": "ст. 99 УИК РФ\n\nст. 107 УИК РФ",
        "slug": "pension",
        "language": "ru",
        "topic_ids": [str(published.topics[0].id)],
        "demo": "y",
    }
    assert staff_client.post(f"{base}/edit", data=form).status_code == 302
    entry = db.session.get(Entry, entry_id)
    draft = entry.open_revision
    assert draft.number == 2 and draft.legal_references == ["ст. 99 УИК РФ", "ст. 107 УИК РФ"]
    assert entry.published_revision.number == 1

    compare = staff_client.get(f"{base}/compare?a=1&b=2").get_data(as_text=True)
    assert "<del>перечисляют на</del>" in compare or "<del>" in compare
    assert "<ins>" in compare and "переводят" in compare

    assert staff_client.post(f"{base}/revisions/2/submit").status_code == 302
    # Approval without a date is refused next to the field, nothing changes.
    response = reviewer_client.post(
        f"{base}/revisions/2/approve", data={"valid_as_of": ""}, headers=EN
    )
    assert response.status_code == 400
    assert "Give the date the answer is valid as of." in response.get_data(as_text=True)
    assert db.session.get(Entry, entry_id).published_revision.number == 1

    response = reviewer_client.post(
        f"{base}/revisions/2/approve", data={"valid_as_of": "2025-09-01", "review_due": ""}
    )
    assert response.status_code == 302
    entry = db.session.get(Entry, entry_id)
    assert entry.published_revision.number == 2
    assert entry.published_revision.review_due == date(2026, 9, 1)
    assert entry.published_revision.reviewer_id == reviewer_client.user.id

    assert staff_client.post(f"{base}/revisions/1/restore").status_code == 302
    entry = db.session.get(Entry, entry_id)
    assert entry.open_revision.number == 3 and entry.open_revision.restored_from == 1

    response = staff_client.post(f"{base}/review-due", data={"review_due": "2030-01-01"})
    assert response.status_code == 302
    assert db.session.get(Entry, entry_id).published_revision.review_due == date(2030, 1, 1)

    # Wrong transitions are explained, not errors.
    response = staff_client.post(f"{base}/revisions/2/submit", follow_redirects=True, headers=EN)
    assert "Only a draft can be sent for review." in response.get_data(as_text=True)


def test_overdue_page_lists_entries_past_review(staff_client):
    f.entry(staff_client.user, "old", "Старый ответ?", valid_as_of=date(2020, 1, 1))
    f.entry(staff_client.user, "new", "Новый ответ?", valid_as_of=finance_services.today())
    page = staff_client.get("/finance/manage/overdue").get_data(as_text=True)
    assert "Старый ответ?" in page and "Новый ответ?" not in page
    listing = staff_client.get("/finance/manage/?status=overdue").get_data(as_text=True)
    assert "Старый ответ?" in listing and "Новый ответ?" not in listing


def _items(brochure_id: int) -> list[list[str]]:
    brochure = db.session.get(Brochure, brochure_id)
    return [[item.entry.slug for item in s.items] for s in brochure.sections]


def test_compose_a_brochure_without_javascript(staff_client):
    user = staff_client.user
    entries = [f.entry(user, slug, f"Вопрос {slug}?") for slug in ("a", "b", "c")]
    draft = f.entry(user, "d", "Черновик?", valid_as_of=None)
    response = staff_client.post(
        "/brochures/manage/new?kind=brochure",
        data={"title": "Брошюра", "slug": "", "language": "ru", "primary_format": "a5",
              "paper": "a4", "topic_id": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    brochure = services.brochure_by_slug("broshyura")
    bid, first = brochure.id, brochure.sections[0].id

    page = staff_client.get(f"/brochures/manage/{bid}").get_data(as_text=True)
    assert "<script" not in page
    assert f'value="{entries[0].id}"' in page and "Черновик?" not in page

    for entry in entries:
        staff_client.post(f"/brochures/manage/sections/{first}/items", data={"entry_id": entry.id})
    # Drafts and duplicates are refused with a message.
    response = staff_client.post(
        f"/brochures/manage/sections/{first}/items", data={"entry_id": draft.id},
        follow_redirects=True, headers=EN,
    )  # fmt: skip
    assert "Only approved entries" in response.get_data(as_text=True)
    staff_client.post(f"/brochures/manage/sections/{first}/items", data={"entry_id": entries[0].id})
    assert _items(bid) == [["a", "b", "c"]]

    staff_client.post(f"/brochures/manage/{bid}/sections", data={"title": "Второй"})
    second = db.session.get(Brochure, bid).sections[1].id
    item_c = db.session.scalar(
        db.select(BrochureItem).where(BrochureItem.entry_id == entries[2].id)
    )
    staff_client.post(f"/brochures/manage/items/{item_c.id}/move", data={"direction": "up"})
    assert _items(bid) == [["a", "c", "b"], []]
    # Down past the end of a section moves into the next one.
    item_b = db.session.scalar(
        db.select(BrochureItem).where(BrochureItem.entry_id == entries[1].id)
    )
    staff_client.post(f"/brochures/manage/items/{item_b.id}/move", data={"direction": "down"})
    assert _items(bid) == [["a", "c"], ["b"]]
    staff_client.post(f"/brochures/manage/items/{item_c.id}/move", data={"section_id": second})
    assert _items(bid) == [["a"], ["b", "c"]]
    staff_client.post(f"/brochures/manage/sections/{second}/move", data={"direction": "up"})
    assert _items(bid) == [["b", "c"], ["a"]]
    item_b_id = item_b.id
    staff_client.post(f"/brochures/manage/items/{item_b_id}/remove")
    assert _items(bid) == [["c"], ["a"]]
    staff_client.post(f"/brochures/manage/sections/{second}/rename", data={"title": "Переименован"})
    assert db.session.get(Brochure, bid).sections[0].title == "Переименован"
    assert (
        staff_client.post(f"/brochures/manage/items/{item_b_id}/move", data={}).status_code == 404
    )

    response = staff_client.post(f"/brochures/manage/{bid}/publish", data={"label": "1-е"})
    assert response.status_code == 302
    brochure = db.session.get(Brochure, bid)
    assert brochure.editions[0].label == "1-е"
    assert [e["slug"] for s in brochure.editions[0].document["sections"] for e in s["entries"]] == [
        "c",
        "a",
    ]
    page = staff_client.get(f"/brochures/manage/{bid}", headers=EN).get_data(as_text=True)
    assert "Nothing: the edition matches the current texts." in page


def test_memo_needs_a_topic(staff_client):
    response = staff_client.post(
        "/brochures/manage/new?kind=memo",
        data={"title": "Памятка", "slug": "memo", "language": "ru", "paper": "a5",
              "primary_format": "a5", "topic_id": "0"},
        headers=EN,
    )  # fmt: skip
    assert response.status_code == 200
    assert "A memo is about one topic" in response.get_data(as_text=True)
    topic = f.topic()
    response = staff_client.post(
        "/brochures/manage/new?kind=memo",
        data={"title": "Памятка", "slug": "memo", "language": "ru", "paper": "a5",
              "primary_format": "a5", "topic_id": str(topic.id)},
    )  # fmt: skip
    assert response.status_code == 302
    memo = services.brochure_by_slug("memo")
    assert memo.is_memo and memo.paper == "a5" and memo.primary_format == "memo"


def test_state_changes_need_a_csrf_token(app_config, request):
    app_config["WTF_CSRF_ENABLED"] = True
    request.getfixturevalue("app")
    user = request.getfixturevalue("make_user")("staff")
    entry = f.entry(user, "pension", "Вопрос?", valid_as_of=None)
    client = request.getfixturevalue("client")

    def token(url: str) -> str:
        return re.search(
            r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)
        )[1]

    response = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token("/login")},
    )
    assert response.status_code == 302
    url = f"/finance/manage/entries/{entry.id}/revisions/1/submit"
    assert client.post(url).status_code == 400
    assert db.session.get(Entry, entry.id).open_revision.status == Status.DRAFT
    csrf = token(f"/finance/manage/entries/{entry.id}")
    assert client.post(url, data={"csrf_token": csrf}).status_code == 302
    assert db.session.get(Entry, entry.id).open_revision.status == Status.IN_REVIEW


def test_new_brochure_and_memo_forms_need_only_the_fields_the_page_shows(staff_client):
    # The brochure form has no paper choice and the memo form no format choice.
    for kind in ("brochure", "memo"):
        page = staff_client.get(f"/brochures/manage/new?kind={kind}").get_data(as_text=True)
        assert ('name="paper"' in page) == (kind == "memo")
        assert ('name="primary_format"' in page) == (kind == "brochure")
    response = staff_client.post(
        "/brochures/manage/new?kind=brochure",
        data={"title": "Только видимые поля", "slug": "form-brochure", "language": "ru",
              "primary_format": "a4"},
    )  # fmt: skip
    assert response.status_code == 302
    assert services.brochure_by_slug("form-brochure").primary_format == "a4"
    topic = f.topic()
    response = staff_client.post(
        "/brochures/manage/new?kind=memo",
        data={"title": "Памятка", "slug": "form-memo", "language": "ru", "paper": "a4",
              "topic_id": str(topic.id)},
    )  # fmt: skip
    assert response.status_code == 302
    assert services.brochure_by_slug("form-memo").paper == "a4"


def test_addresses_printed_before_the_move_answer_with_a_permanent_redirect(client, published):
    staff = published.revisions[0].author
    brochure = f.brochure(staff, {"Пенсия": [published]}, slug="money")
    services.publish_edition(staff, brochure)
    moved = {
        "/finance/brochures/money": "/brochures/money",
        "/finance/brochures/money/1/a5.pdf?x=1": "/brochures/money/1/a5.pdf?x=1",
        "/finance/manage/brochures": "/brochures/manage/",
        f"/finance/manage/brochures/{brochure.id}": f"/brochures/manage/{brochure.id}",
    }
    for old, new in moved.items():
        response = client.get(old)
        assert response.status_code == 308, old
        assert response.headers["Location"] == new, old
    assert client.get("/brochures/money").status_code == 200


def test_the_knowledge_base_index_lists_the_published_brochures(client, published):
    staff = published.revisions[0].author
    index = client.get("/finance/").get_data(as_text=True)
    assert "/brochures/" not in index  # nothing published yet
    brochure = f.brochure(staff, {"Пенсия": [published]}, slug="money", title="Деньги и пенсия")
    services.publish_edition(staff, brochure)
    index = client.get("/finance/").get_data(as_text=True)
    assert 'href="/brochures/money"' in index and "Деньги и пенсия" in index
    assert 'href="/brochures/money/1/a5.pdf"' in index


def test_a_brochure_cannot_take_the_address_of_the_staff_pages(staff_client):
    response = staff_client.post(
        "/brochures/manage/new?kind=brochure",
        data={"title": "Управление", "slug": "manage", "language": "ru", "primary_format": "a5"},
    )
    assert response.status_code in (200, 400)
    assert "Этот адрес уже занят другой брошюрой или памяткой." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Brochure.id))) == 0


def test_entries_to_add_are_paged_found_by_their_words_and_go_to_the_chosen_section(staff_client):
    from tests.querycount import page_statements

    user = staff_client.user
    for n in range(25):
        f.entry(user, f"e{n}", f"Вопрос номер {n}?")
    f.entry(user, "pension", "Сколько идёт телеграмма в колонию?")
    brochure = services.create_brochure(
        user, services.BrochureInput(kind="brochure", slug="b", title="Брошюра", language="ru")
    )
    services.add_section(brochure, "Второй")
    bid = brochure.id
    first, second = (s.id for s in brochure.sections)
    path = f"/brochures/manage/{bid}"

    page = staff_client.get(path).get_data(as_text=True)
    assert len(re.findall(r'name="entry_id" value="\d+"', page)) == services.ADDABLE_PER_PAGE
    assert "26 утверждённых статей ещё нет в брошюре." in page
    assert f'href="{path}?page=2#add"' in page
    rest = staff_client.get(f"{path}?page=2").get_data(as_text=True)
    assert len(re.findall(r'name="entry_id" value="\d+"', rest)) == 6
    pension = db.session.scalar(db.select(Entry).where(Entry.slug == "pension"))
    found = staff_client.get(f"{path}?q=телеграммы").get_data(as_text=True)
    assert re.findall(r'name="entry_id" value="(\d+)"', found) == [str(pension.id)]

    statements = page_statements(staff_client, path)
    for n in range(25, 60):
        f.entry(user, f"e{n}", f"Вопрос номер {n}?")
    assert page_statements(staff_client, path) == statements

    staff_client.post(
        f"/brochures/manage/sections/{second}/items",
        data={"entry_id": pension.id, "section_id": first},
    )
    assert _items(bid) == [["pension"], []]
    other = services.create_brochure(
        user, services.BrochureInput(kind="brochure", slug="other", title="Другая", language="ru")
    )
    e0 = db.session.scalar(db.select(Entry).where(Entry.slug == "e0"))
    response = staff_client.post(
        f"/brochures/manage/sections/{second}/items",
        data={"entry_id": e0.id, "section_id": other.sections[0].id},
    )
    assert response.status_code == 404
    assert _items(bid) == [["pension"], []]


def test_deleting_a_draft_asks_first_and_keeps_its_entries(staff_client, published):
    item_id = f.brochure(staff_client.user, {"Пенсия": [published]}, slug="draft-to-go").id
    entry_id = published.id
    url = f"/brochures/manage/{item_id}/delete"
    compose = staff_client.get(f"/brochures/manage/{item_id}", headers=EN).get_data(as_text=True)
    assert f'href="{url}"' in compose  # a link to the question, not a button that deletes

    page = staff_client.get(url, headers=EN).get_data(as_text=True)
    assert "Delete the draft «Деньги в заключении»?" in page
    assert db.session.get(Brochure, item_id) is not None

    response = staff_client.post(url, headers=EN)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Brochure, item_id) is None
    assert db.session.get(Entry, entry_id) is not None


def test_a_published_brochure_offers_no_deletion(staff_client, published):
    item = f.brochure(staff_client.user, {"Пенсия": [published]}, slug="published-one")
    services.publish_edition(staff_client.user, item, "")
    response = staff_client.get(f"/brochures/manage/{item.id}/delete", headers=EN)
    assert response.status_code == 302
    assert staff_client.post(f"/brochures/manage/{item.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Brochure, item.id) is not None


def test_the_index_panel_of_brochures_takes_the_same_queries_however_many(client, published):
    from tests.querycount import page_statements

    author = db.session.get(Entry, published.id).revisions[0].author
    services.publish_edition(author, f.brochure(author, {"Пенсия": [published]}, slug="b-0"), "")
    few = page_statements(client, "/finance/")
    for n in range(1, 5):
        item = f.brochure(author, {"Пенсия": [published]}, slug=f"b-{n}")
        services.publish_edition(author, item, "")
    assert page_statements(client, "/finance/") == few
