"""Readers' questions: asked on the site without an account, or by letter through staff.

A reader on the site gets a code to check back with; only its SHA-256 is stored. Spam is held
off without any third party: a field people do not see (bots fill it), a minimum time between
showing the form and sending it, and a short question in plain words (see :data:`CHALLENGES`),
all three carried by a signed token in the form, so the server keeps nothing per visitor.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update

from finance.models import Entry, QuestionStatus, ReaderQuestion
from finance.services.common import FinanceError, ListPage, today
from school.extensions import db
from school.models import PostalReader
from school.timeutil import now_utc

QUESTIONS_PER_PAGE = 30
TEXT_MAX = 4000
CONTACT_MAX = 200
# Letters and digits nobody confuses on paper or on a phone (no 0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12
_TOKEN_MAX_AGE = 24 * 3600

#: Questions a person answers at a glance and a form-filling bot does not: (question, answers).
CHALLENGES = [
    (_l("How much is two plus three? Write the number in digits."), ("5",)),
    (_l("How many days are there in a week? Write the number in digits."), ("7",)),
    (_l("Which month comes after March?"), ("апрель", "april")),
    (_l("What colour is snow?"), ("белый", "белого", "white")),
]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="finance-ask")


def new_form_token() -> tuple[str, int]:
    """A signed token for a new question form, and the index of its challenge question."""
    challenge = secrets.randbelow(len(CHALLENGES))
    return _serializer().dumps({"c": challenge}), challenge


def challenge_of(token: str) -> int | None:
    try:
        data = _serializer().loads(token, max_age=_TOKEN_MAX_AGE)
    except BadSignature:
        return None
    challenge = data.get("c") if isinstance(data, dict) else None
    return challenge if isinstance(challenge, int) and 0 <= challenge < len(CHALLENGES) else None


def check_human(token: str, answer: str, honeypot: str) -> None:
    """Refuse a sending that a bot made: honeypot filled, sent too fast, wrong answer."""
    try:
        data, signed_at = _serializer().loads(token, max_age=_TOKEN_MAX_AGE, return_timestamp=True)
    except BadSignature:
        raise FinanceError(_l("The form has expired. Please write your question again.")) from None
    elapsed = (now_utc() - signed_at).total_seconds()
    if honeypot or elapsed < current_app.config.get("QUESTION_MIN_SECONDS", 5):
        raise FinanceError(
            _l("The question could not be sent. Please wait a moment and try again.")
        )
    challenge = data.get("c") if isinstance(data, dict) else None
    if not isinstance(challenge, int) or not 0 <= challenge < len(CHALLENGES):
        raise FinanceError(_l("The form has expired. Please write your question again."))
    if " ".join((answer or "").split()).casefold() not in CHALLENGES[challenge][1]:
        raise FinanceError(_l("The answer to the check question is not right."), "check")


def _code_hash(code: str) -> str:
    folded = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hashlib.sha256(folded.encode()).hexdigest()


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise FinanceError(_l("Write your question."), "text")
    if len(text) > TEXT_MAX:
        raise FinanceError(_l("At most 4000 characters."), "text")
    return text


def ask(text: str, contact: str = "") -> tuple[ReaderQuestion, str]:
    """Store a question from the site; return it and the reader's code (shown once)."""
    text = _clean_text(text)
    contact = " ".join((contact or "").split())[:CONTACT_MAX]
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    question = ReaderQuestion(
        source="web", text=text, contact=contact, code_hash=_code_hash(code), created_on=today()
    )
    db.session.add(question)
    db.session.commit()
    return question, format_code(code)


def question_by_code(code: str) -> ReaderQuestion | None:
    if not code or not code.strip():
        return None
    found = db.session.scalar(
        select(ReaderQuestion).where(ReaderQuestion.code_hash == _code_hash(code))
    )
    return None if found is None or found.status == QuestionStatus.SPAM else found


@dataclass
class LetterInput:
    reader: PostalReader | None
    reference: str
    region: str
    text: str
    full_name: str = ""
    institution: str = ""
    keep_personal: bool = False


def enter_letter(data: LetterInput) -> ReaderQuestion:
    """Store a question that came by letter. A full name or institution is kept only when
    staff tick that they mean to keep it."""
    text = _clean_text(data.text)
    full_name, institution = data.full_name.strip(), data.institution.strip()
    if (full_name or institution) and not data.keep_personal:
        raise FinanceError(
            _l(
                "A full name or an institution identifies a prisoner. Leave them out, or tick "
                "that you mean to keep them."
            ),
            "keep_personal",
        )
    question = ReaderQuestion(
        source="letter",
        text=text,
        reader=data.reader,
        reference=(data.reference or "").strip()[:32],
        region=(data.region or "").strip()[:100],
        full_name=full_name[:200],
        institution=institution[:200],
        created_on=today(),
    )
    db.session.add(question)
    db.session.commit()
    return question


def question_queue(status: str, page: int) -> ListPage:
    """Questions in ``status``, oldest first (the ones waiting longest on top)."""
    page = max(1, page)
    where = ReaderQuestion.status == status
    items = list(
        db.session.scalars(
            select(ReaderQuestion)
            .where(where)
            .order_by(ReaderQuestion.created_on, ReaderQuestion.id)
            .limit(QUESTIONS_PER_PAGE)
            .offset((page - 1) * QUESTIONS_PER_PAGE)
        )
    )
    total = db.session.scalar(select(func.count()).select_from(ReaderQuestion).where(where)) or 0
    return ListPage(items, page, total, QUESTIONS_PER_PAGE)


def question_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(ReaderQuestion.status, func.count()).group_by(ReaderQuestion.status)
    )
    return {status: count for status, count in rows}  # noqa: C416


def link_entry(question: ReaderQuestion, entry: Entry) -> None:
    if entry.published_revision_id is None:
        raise FinanceError(_l("Only a published answer can be linked."), "slug")
    if entry not in question.entries:
        question.entries.append(entry)
    question.status = QuestionStatus.ANSWERED.value
    db.session.commit()


def unlink_entry(question: ReaderQuestion, entry: Entry) -> None:
    if entry in question.entries:
        question.entries.remove(entry)
    db.session.commit()


def set_reply(question: ReaderQuestion, reply: str) -> None:
    question.reply = (reply or "").strip()[:TEXT_MAX]
    if question.reply and question.status == QuestionStatus.NEW:
        question.status = QuestionStatus.ANSWERED.value
    db.session.commit()


def close_question(question: ReaderQuestion) -> None:
    question.status = QuestionStatus.CLOSED.value
    question.closed_on = today()
    db.session.commit()


def mark_spam(ids: list[int]) -> int:
    """Mark the questions ``ids`` as spam at once; returns how many."""
    if not ids:
        return 0
    result = db.session.execute(
        update(ReaderQuestion)
        .where(ReaderQuestion.id.in_(ids))
        .values(status=QuestionStatus.SPAM.value, closed_on=today())
    )
    db.session.commit()
    return result.rowcount


def purge(now: Any) -> int:
    """After ``QUESTIONS_KEEP_DAYS``: spam goes, and other questions lose their personal fields
    (contact, name, institution, the postal reader); the question and its answers stay."""
    cutoff = now.date() - timedelta(days=current_app.config.get("QUESTIONS_KEEP_DAYS", 180))
    old = ReaderQuestion.created_on < cutoff
    removed = db.session.execute(
        delete(ReaderQuestion).where(old, ReaderQuestion.status == QuestionStatus.SPAM.value)
    ).rowcount
    emptied = db.session.execute(
        update(ReaderQuestion)
        .where(old, ReaderQuestion.personal_purged.is_(False))
        .values(contact="", full_name="", institution="", reader_id=None, personal_purged=True)
    ).rowcount
    db.session.commit()
    return removed + emptied


def _as_dict(question: ReaderQuestion) -> dict[str, Any]:
    return {
        "source": question.source,
        "status": question.status,
        "text": question.text,
        "reference": question.reference,
        "region": question.region,
        "full_name": question.full_name,
        "institution": question.institution,
        "reply": question.reply,
        "created_on": question.created_on.isoformat(),
        "answers": [entry.slug for entry in question.entries],
    }


def export_reader_questions(reader: PostalReader) -> list[dict[str, Any]]:
    """A postal reader's questions, for their export."""
    rows = db.session.scalars(select(ReaderQuestion).where(ReaderQuestion.reader_id == reader.id))
    return [_as_dict(q) for q in rows]


def erase_reader_questions(reader: PostalReader) -> None:
    """Erasure of a postal reader: their questions go with them."""
    db.session.execute(delete(ReaderQuestion).where(ReaderQuestion.reader_id == reader.id))
