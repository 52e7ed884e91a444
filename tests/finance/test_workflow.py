"""Entries and their revisions: draft, review, approval, history, restore, overdue reviews."""

from __future__ import annotations

from datetime import date

import pytest

from finance import services
from finance.models import Entry, EntryRevision, EntryTerm, Status
from school import hooks
from school import services as accounts
from school.extensions import db
from tests.conftest import PASSWORD
from tests.finance import factories


@pytest.fixture
def staff(make_user):
    return make_user("staff", username="editor")


def _input(**fields) -> services.EntryInput:
    data = {
        "slug": "pension-in-prison",
        "question": "Как получать пенсию в колонии?",
        "short_answer": "Пенсию перечисляют на лицевой счёт.",
        "full_answer": "Подробный ответ.",
        "legal_references": ["ст. 99 УИК РФ"],
    }
    data.update(fields)
    return services.EntryInput(**data)


def test_review_workflow_publishes_with_reviewer_dates_and_review_due(staff, make_user):
    reviewer = make_user("staff", username="reviewer")
    entry = services.create_entry(staff, _input())
    draft = entry.open_revision
    assert draft.status == Status.DRAFT and entry.published_revision is None

    services.submit_for_review(staff, draft)
    assert draft.status == Status.IN_REVIEW and draft.submitted_at is not None
    services.send_back_to_draft(reviewer, draft)
    assert draft.status == Status.DRAFT
    services.submit_for_review(staff, draft)

    with pytest.raises(services.FinanceError) as error:
        services.approve(reviewer, draft, None)
    assert error.value.field == "valid_as_of"
    services.approve(reviewer, draft, date(2024, 2, 29))

    entry = db.session.get(Entry, entry.id)
    published = entry.published_revision
    assert published.status == Status.APPROVED
    assert published.reviewer.username == "reviewer"
    assert published.approved_at is not None and published.approved_at.tzinfo is not None
    assert published.valid_as_of == date(2024, 2, 29)
    assert published.review_due == date(2025, 2, 28)  # twelve months, clamped to the month
    assert db.session.scalar(db.select(db.func.count()).where(EntryTerm.entry_id == entry.id))


def test_an_author_cannot_approve_their_own_revision(staff, make_app, app):
    entry = services.create_entry(staff, _input())
    draft = entry.open_revision
    services.submit_for_review(staff, draft)
    with pytest.raises(services.FinanceError) as error:
        services.approve(staff, draft, date(2025, 1, 1))
    assert error.value.code == "own_revision"
    assert db.session.get(EntryRevision, draft.id).status == Status.IN_REVIEW
    assert not services.self_review_allowed()

    app.config["ALLOW_SELF_REVIEW"] = True  # an instance with one staff member
    services.approve(staff, db.session.get(EntryRevision, draft.id), date(2025, 1, 1))
    published = db.session.get(Entry, entry.id).published_revision
    assert published.self_reviewed and published.reviewer_id == staff.id


def test_only_drafts_go_to_review_and_only_reviews_are_approved(staff):
    entry = services.create_entry(staff, _input())
    draft = entry.open_revision
    with pytest.raises(services.FinanceError):
        services.approve(staff, draft, date(2025, 1, 1))
    with pytest.raises(services.FinanceError):
        services.send_back_to_draft(staff, draft)
    services.submit_for_review(staff, draft)
    with pytest.raises(services.FinanceError):
        services.submit_for_review(staff, draft)
    with pytest.raises(services.FinanceError, match="after"):
        services.approve(
            factories.reviewer(), draft, date(2025, 1, 1), review_due=date(2024, 12, 1)
        )
    assert db.session.get(EntryRevision, draft.id).status == Status.IN_REVIEW


def test_editing_an_approved_entry_keeps_the_published_revision(staff):
    topic = factories.topic()
    entry = factories.entry(staff, "pension", "Как получать пенсию?", topics=[topic])
    published_id = entry.published_revision_id

    # Same text: nothing new to review.
    same = _input(
        slug="pension",
        question="Как получать пенсию?",
        short_answer="Коротко: да, можно.",
        full_answer=factories.PARAGRAPH,
        legal_references=["ст. 99 Федерального закона № 229-ФЗ"],
        topic_ids=[topic.id],
    )
    assert services.save_entry(staff, entry, same) is None
    assert len(entry.revisions) == 1

    changed = _input(**{**same.__dict__, "short_answer": "Новый короткий ответ."})
    draft = services.save_entry(staff, entry, changed)
    assert draft.number == 2 and draft.status == Status.DRAFT
    again = services.save_entry(staff, entry, _input(**{**changed.__dict__, "note": "опечатка"}))
    assert again.id == draft.id  # the open draft is edited in place

    entry = db.session.get(Entry, entry.id)
    assert entry.published_revision_id == published_id
    assert entry.published_revision.short_answer == "Коротко: да, можно."

    services.submit_for_review(staff, draft)
    with pytest.raises(services.FinanceError, match="in review"):
        services.save_entry(staff, entry, changed)
    services.approve(factories.reviewer(), draft, date(2025, 6, 1), review_due=date(2025, 9, 1))
    entry = db.session.get(Entry, entry.id)
    assert entry.published_revision.number == 2
    assert entry.published_revision.review_due == date(2025, 9, 1)
    assert [r.status for r in entry.revisions] == [Status.SUPERSEDED, Status.APPROVED]


def test_restore_makes_a_new_draft_from_an_old_revision(staff):
    entry = factories.entry(staff, "loan", "Нужно ли платить кредит мужа?", short_answer="Да.")
    draft = services.save_entry(
        staff,
        entry,
        _input(slug="loan", question="Нужно ли платить кредит мужа?", short_answer="Нет."),
    )
    services.submit_for_review(staff, draft)
    services.approve(factories.reviewer(), draft, date(2025, 5, 1))
    services.save_entry(
        staff, entry, _input(slug="loan", question="Вопрос в работе", short_answer="Черновик.")
    )

    restored = services.restore_revision(staff, services.revision_by_number(entry, 1))
    entry = db.session.get(Entry, entry.id)
    assert restored.number == 4 and restored.restored_from == 1
    assert restored.short_answer == "Да." and restored.status == Status.DRAFT
    assert [r.status for r in entry.revisions] == [
        Status.SUPERSEDED,
        Status.APPROVED,
        Status.DISCARDED,  # the open draft was set aside, not lost
        Status.DRAFT,
    ]
    assert entry.published_revision.short_answer == "Нет."


def test_discard_draft(staff):
    entry = services.create_entry(staff, _input())
    services.discard_draft(staff, entry.open_revision)
    assert db.session.get(Entry, entry.id).open_revision is None
    with pytest.raises(services.FinanceError):
        services.discard_draft(staff, entry.revisions[0])


def test_overdue_reviews_are_listed_most_overdue_first(app, staff):
    today = services.today()
    old = factories.entry(staff, "old", "Старый ответ", valid_as_of=date(2020, 1, 1))
    older = factories.entry(
        staff, "older", "Ещё старее", valid_as_of=date(2019, 1, 1), review_due=date(2019, 6, 1)
    )
    factories.entry(staff, "fresh", "Свежий ответ", valid_as_of=today)
    factories.entry(staff, "draft", "Черновик", valid_as_of=None)
    assert [e.slug for e, _ in services.overdue_entries()] == [older.slug, old.slug]

    services.set_review_due(staff, old, date(today.year + 1, 1, 1))
    assert [e.slug for e, _ in services.overdue_entries()] == [older.slug]
    with pytest.raises(services.FinanceError):
        services.set_review_due(staff, old, date(2019, 1, 1))  # before valid_as_of


def test_topics_are_ordered_and_moved(staff):
    first = services.create_topic("Жильё", "housing")
    second = services.create_topic("Пенсии", "pensions")
    third = services.create_topic("Налоги", "taxes")
    services.move_topic(third, "up")
    assert [t.slug for t in services.list_topics()] == ["housing", "taxes", "pensions"]
    services.move_topic(first, "up")  # already first: nothing changes
    assert [t.slug for t in services.list_topics()] == ["housing", "taxes", "pensions"]
    with pytest.raises(services.FinanceError):
        services.create_topic("Дубль", "housing")
    factories.entry(staff, "p", "Пенсия?", topics=[second])
    with pytest.raises(services.FinanceError):
        services.delete_topic(second)
    services.delete_topic(third)
    assert [t.slug for t in services.list_topics()] == ["housing", "pensions"]


def test_deleted_author_and_reviewer_show_as_deleted_user(app, login, make_user):
    writer = make_user("staff", username="writer")
    entry = factories.entry(writer, "pension", "Как получать пенсию?")
    entry_id = entry.id
    reviewer = factories.reviewer()
    data = accounts.export_user_data(writer)
    assert data["finance"]["revisions_written"][0]["entry"] == "pension"
    reviewed = accounts.export_user_data(reviewer)["finance"]["revisions_reviewed"]
    assert reviewed[0]["entry"] == "pension"

    assert "finance" in hooks.account_erasers
    accounts.delete_account(writer, PASSWORD)
    accounts.delete_account(reviewer, PASSWORD)
    revision = db.session.get(Entry, entry_id).published_revision
    assert revision.author_id is None and revision.reviewer_id is None

    client = login("staff")
    page = client.get(f"/finance/manage/entries/{entry_id}", headers={"Accept-Language": "en"})
    assert "deleted user" in page.get_data(as_text=True)
