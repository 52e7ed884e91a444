"""Four eyes: a revision is approved by someone other than its author, unless the instance
allows self-review; then the answer says "самопроверка" on its page and in print."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from brochures import services as brochures
from finance import services
from school.extensions import db
from tests.finance import factories


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog):
    caplog.set_level(logging.CRITICAL, logger="weasyprint")


def _in_review(author):
    entry = factories.entry(author, "pension", "Как получать пенсию?", valid_as_of=None)
    services.submit_for_review(author, entry.open_revision)
    return entry


def test_the_author_sees_no_approve_form_and_a_post_is_refused(make_user, login):
    author = make_user("staff", username="writer")
    entry = _in_review(author)
    client = login(user=author)
    page = client.get(f"/finance/manage/entries/{entry.id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "another staff member reviews and approves it" in html
    assert "/revisions/1/approve" not in html
    answer = client.post(
        f"/finance/manage/entries/{entry.id}/revisions/1/approve",
        data={"valid_as_of": "2025-06-01"},
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 400
    assert "another staff member must review and approve it" in answer.get_data(as_text=True)
    assert services.entry_by_slug("pension").published_revision is None

    other = login("staff")
    assert "/revisions/1/approve" in other.get(f"/finance/manage/entries/{entry.id}").get_data(
        as_text=True
    )


def test_a_reviewed_answer_says_nothing_of_self_review(client, make_user):
    factories.entry(make_user("staff"), "pension", "Как получать пенсию?")
    assert "амопроверка" not in client.get("/finance/entries/pension").get_data(as_text=True)


def test_self_review_when_allowed_is_said_publicly_and_in_print(app, client, make_user):
    app.config["ALLOW_SELF_REVIEW"] = True
    author = make_user("staff")
    entry = _in_review(author)
    services.approve(author, entry.open_revision, date(2025, 6, 1))
    assert db.session.get(type(entry), entry.id).published_revision.self_reviewed

    html = client.get("/finance/entries/pension").get_data(as_text=True)
    assert "Самопроверка" in html

    brochure = factories.brochure(author, {"Пенсия": [entry]})
    text = " ".join(factories.page_texts(brochures.build(brochure, "a5").read()))
    assert "самопроверка" in " ".join(text.split())
