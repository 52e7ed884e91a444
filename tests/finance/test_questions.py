"""Readers' questions: asked without an account (with a code to check back), or by letter;
the staff's queue; spam held off without third parties; personal fields purged in time."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from finance.models import QuestionStatus, ReaderQuestion
from finance.services import questions
from school import hooks, readers
from school.extensions import db
from school.timeutil import now_utc
from tests.finance import factories

EN = {"Accept-Language": "en"}


@pytest.fixture
def fast(app):
    app.config["QUESTION_MIN_SECONDS"] = 0


def _form(client) -> dict[str, str]:
    """The ask form's hidden token and the right answer to its check question."""
    html = client.get("/finance/ask").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    return {"token": token, "check": questions.CHALLENGES[questions.challenge_of(token)][1][0]}


def _ask(client, text="Как получать пенсию в колонии?", **extra):
    return client.post("/finance/ask", data={**_form(client), "text": text, **extra}, headers=EN)


def _code(response) -> str:
    return re.search(r"<strong>([A-Z0-9-]{14})</strong>", response.get_data(as_text=True)).group(1)


def test_an_anonymous_reader_asks_and_reads_the_answer_by_code(client, fast, login, make_user):
    sent = _ask(client)
    assert sent.status_code == 200
    code = _code(sent)
    question = db.session.scalar(db.select(ReaderQuestion))
    assert question.source == "web" and question.status == QuestionStatus.NEW
    assert code.replace("-", "") not in (question.code_hash or "")  # only the hash is kept

    waiting = client.post("/finance/ask/answer", data={"code": code.lower()}, headers=EN)
    assert "There is no answer yet" in waiting.get_data(as_text=True)

    factories.entry(make_user("staff"), "get-pension-in-prison", "Как получать пенсию?")
    staff = login("staff")
    page = staff.get(f"/finance/manage/questions/{question.id}").get_data(as_text=True)
    assert "Как получать пенсию в колонии?" in page
    staff.post(
        f"/finance/manage/questions/{question.id}/link", data={"slug": "get-pension-in-prison"}
    )
    answered = client.post("/finance/ask/answer", data={"code": code}, headers=EN)
    html = answered.get_data(as_text=True)
    assert "/finance/entries/get-pension-in-prison" in html and "Valid as of" in html
    wrong = client.post("/finance/ask/answer", data={"code": "AAAA-BBBB-CCCC"}, headers=EN)
    assert "No question has this code" in wrong.get_data(as_text=True)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"website": "http://spam.example"}, "could not be sent"),
        ({"check": "не знаю"}, "not right"),
        ({"token": "forged"}, "expired"),
    ],
)
def test_bots_are_turned_away(client, fast, extra, message):
    response = _ask(client, **extra)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ReaderQuestion)) == 0


def test_a_form_sent_too_fast_is_refused(client, app):
    app.config["QUESTION_MIN_SECONDS"] = 60
    assert _ask(client).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(ReaderQuestion)) == 0


def test_staff_enter_a_letter_question_and_are_warned_about_names(login):
    reader = readers.create_reader("Читатель", "R-7")
    staff = login("staff")
    data = {"reader_reference": "r-7", "reference": "П-12", "region": "Пермский край"}
    data["text"] = "Можно ли получать пенсию на карту?"
    refused = staff.post(
        "/finance/manage/questions/letter", data={**data, "full_name": "Иванов И. И."}, headers=EN
    )
    assert refused.status_code == 200 and "identifies a prisoner" in refused.get_data(as_text=True)
    assert staff.post("/finance/manage/questions/letter", data=data).status_code == 302
    question = db.session.scalar(db.select(ReaderQuestion))
    assert question.source == "letter" and question.reader_id == reader.id
    assert question.full_name == "" and question.code_hash is None
    kept = {**data, "full_name": "Иванов И. И.", "keep_personal": "y"}
    assert staff.post("/finance/manage/questions/letter", data=kept).status_code == 302

    exported = readers.export_reader(reader)["finance_questions"]
    assert [q["text"] for q in exported] == [data["text"]] * 2
    readers.erase_reader(reader)
    assert db.session.scalar(db.select(db.func.count()).select_from(ReaderQuestion)) == 0


def test_bulk_spam_and_close(client, fast, login):
    codes = [_code(_ask(client, text=f"Купите {n}")) for n in range(3)]
    ids = list(db.session.scalars(db.select(ReaderQuestion.id).order_by(ReaderQuestion.id)))
    staff = login("staff")
    queue = staff.get("/finance/manage/questions").get_data(as_text=True)
    assert all(f'value="{i}"' in queue for i in ids)
    staff.post("/finance/manage/questions/spam", data={"ids": [str(i) for i in ids[:2]]})
    statuses = dict(db.session.execute(db.select(ReaderQuestion.id, ReaderQuestion.status)).all())
    assert [statuses[i] for i in ids] == ["spam", "spam", "new"]
    assert questions.question_by_code(codes[0]) is None  # spam shows nothing to its sender
    staff.post(f"/finance/manage/questions/{ids[2]}/close")
    assert db.session.get(ReaderQuestion, ids[2]).status == QuestionStatus.CLOSED


def test_personal_fields_are_purged_after_the_keeping_time(app):
    old = date.today() - timedelta(days=400)
    db.session.add_all(
        [
            ReaderQuestion(source="web", text="Вопрос", contact="+7 900", created_on=old),
            ReaderQuestion(source="web", text="Спам", status="spam", created_on=old),
            ReaderQuestion(source="web", text="Новый", contact="a@b.c", created_on=date.today()),
        ]
    )
    db.session.commit()
    assert "finance_questions" in hooks.purgers
    assert hooks.purgers["finance_questions"](now_utc()) == 2
    rows = db.session.execute(
        db.select(ReaderQuestion.text, ReaderQuestion.contact, ReaderQuestion.personal_purged)
    )
    assert sorted(rows) == [("Вопрос", "", True), ("Новый", "a@b.c", False)]


def test_nothing_found_links_the_ask_form(client):
    html = client.get("/finance/search?q=астрономия").get_data(as_text=True)
    assert "/finance/ask" in html


def test_staff_print_the_reply_letter_through_the_job_queue(app, login, make_user, caplog):
    import logging

    caplog.set_level(logging.CRITICAL, logger="weasyprint")
    factories.entry(
        make_user("staff"), "get-pension-in-prison", "Как получать пенсию?",
        short_answer="Пенсию перечисляют на лицевой счёт.", valid_as_of=date(2026, 9, 1),
    )  # fmt: skip
    question = questions.enter_letter(
        questions.LetterInput(None, "П-12", "Пермский край", "Можно ли получать пенсию?")
    )
    staff = login("staff")
    staff.post(
        f"/finance/manage/questions/{question.id}/link", data={"slug": "get-pension-in-prison"}
    )
    url = f"/finance/manage/questions/{question.id}/letter.pdf"
    assert staff.get(url).status_code == 202  # being prepared: the request never renders
    app.extensions["jobs"].drain()
    response = staff.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(" ".join(factories.page_texts(response.data)).split())
    assert "Можно ли получать пенсию?" in text and "П-12" in text
    assert "Как получать пенсию?" in text and "Пенсию перечисляют на лицевой счёт." in text
    assert "Актуально на 1 сентября 2026 г." in text

    large = f"{url}?large=1"
    staff.get(large)
    app.extensions["jobs"].drain()
    pdf = staff.get(large).data
    assert factories.size_pt(pdf) == (595.28, 841.89)
    assert factories.font_sizes(pdf).keys() - factories.font_sizes(response.data).keys()


def test_questions_survive_a_json_backup_and_restore(app, make_user, tmp_path):
    entry = factories.entry(make_user("staff"), "get-pension-in-prison", "Как получать пенсию?")
    reader = readers.create_reader("Читатель", "R-9")
    question = questions.enter_letter(
        questions.LetterInput(
            reader, "П-1", "Коми", "Пенсия?", full_name="И. И.", keep_personal=True
        )
    )
    questions.link_entry(question, entry)
    _web, code = questions.ask("Как платить за квартиру?", "+7 900")
    dump = tmp_path / "dump.json"
    cli = app.test_cli_runner()
    assert cli.invoke(args=["backup", str(dump), "--format", "json"]).exit_code == 0
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    db.session.expire_all()
    assert cli.invoke(args=["restore", str(dump)]).exit_code == 0
    restored = db.session.get(ReaderQuestion, question.id)
    assert restored.reader.reference == "R-9" and restored.full_name == "И. И."
    assert [e.slug for e in restored.entries] == ["get-pension-in-prison"]
    assert questions.question_by_code(code).contact == "+7 900"  # the code still opens it
