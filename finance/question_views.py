"""Readers' questions: the anonymous form and the answer by code; the staff's queue."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from finance import letters, services
from finance.forms import AskForm, CodeForm, LetterForm, LinkForm, ReplyForm
from finance.models import QuestionStatus, ReaderQuestion
from finance.services import questions
from finance.views import bp
from school import readers
from school.extensions import db, limiter
from school.forms import EmptyForm, id_number
from school.models import Role
from school.pdfjobs import send_or_prepare
from school.permissions import role_required
from school.throttle import client_limit
from school.views_helpers import (
    flash_redirect,
    or_404,
    refusals_flashed,
    refuse,
    save_form,
    submitted_or_400,
)


def _status_labels() -> dict[str, str]:
    return {
        QuestionStatus.NEW.value: _("New"),
        QuestionStatus.ANSWERED.value: _("Answered"),
        QuestionStatus.CLOSED.value: _("Closed"),
        QuestionStatus.SPAM.value: _("Spam"),
    }


# ------------------------------------------------------------------------------ readers


def _ask_page(form: AskForm, status: int = 200):
    token, challenge = questions.new_form_token()
    form.token.data = token
    form.check.data = ""
    prompt = questions.CHALLENGES[challenge][0]
    return render_template("finance/ask.html", form=form, prompt=prompt), status


@bp.route("/ask", methods=["GET", "POST"])
@limiter.limit(lambda: client_limit("QUESTION_LIMITS"), methods=["POST"])
def ask():
    form = AskForm()
    if not form.validate_on_submit():
        return _ask_page(form, 400 if request.method == "POST" else 200)
    try:
        questions.check_human(form.token.data or "", form.check.data, form.website.data)
        _question, code = questions.ask(form.text.data, form.contact.data)
    except services.FinanceError as error:
        refuse(form, error)
        return _ask_page(form, 400)
    return render_template("finance/ask_sent.html", code=code)


@bp.route("/ask/answer", methods=["GET", "POST"])
@limiter.limit(lambda: client_limit("QUESTION_LIMITS"), methods=["POST"])
def ask_answer():
    """The answer to a question, for the reader with its code (sent by POST: no code in logs)."""
    form = CodeForm()
    question = None
    if form.validate_on_submit():
        question = questions.question_by_code(form.code.data)
        if question is None:
            form.code.errors = [_("No question has this code. Check it and try again.")]
    return render_template("finance/ask_answer.html", form=form, question=question)


# ------------------------------------------------------------------------------ staff


def _question_or_404(question_id: int) -> ReaderQuestion:
    return or_404(db.session.get(ReaderQuestion, question_id))


@bp.get("/manage/questions")
@role_required(Role.STAFF)
def questions_queue():
    status = request.args.get("status", QuestionStatus.NEW.value)
    if status not in _status_labels():
        status = QuestionStatus.NEW.value
    page = request.args.get("page", 1, type=id_number)
    return render_template(
        "finance/questions.html",
        pagination=questions.question_queue(status, page),
        status=status,
        labels=_status_labels(),
        counts=questions.question_counts(),
        form=EmptyForm(),
    )


def _ids(values: list[str]) -> list[int]:
    """The whole numbers among ``values`` that can be ids; the rest are left out."""
    ids = []
    for value in values:
        try:
            ids.append(id_number(value))
        except ValueError:
            continue
    return ids


@bp.post("/manage/questions/spam")
@role_required(Role.STAFF)
def questions_spam():
    submitted_or_400(EmptyForm())
    ids = _ids(request.form.getlist("ids"))[: questions.QUESTIONS_PER_PAGE]
    count = questions.mark_spam(ids)
    message = ngettext(
        "%(num)d question marked as spam.", "%(num)d questions marked as spam.", count
    )
    return flash_redirect(message, url_for(".questions_queue"))


@bp.route("/manage/questions/letter", methods=["GET", "POST"])
@role_required(Role.STAFF)
def letter_question():
    form = LetterForm()

    def save():
        reader = None
        if form.reader_reference.data:
            reader = readers.reader_by_reference(form.reader_reference.data)
            if reader is None:
                raise services.FinanceError(
                    _("No postal reader has this reference number."), "reader_reference"
                )
        return questions.enter_letter(
            questions.LetterInput(
                reader=reader,
                reference=form.reference.data or "",
                region=form.region.data or "",
                text=form.text.data,
                full_name=form.full_name.data or "",
                institution=form.institution.data or "",
                keep_personal=form.keep_personal.data,
            )
        )

    answer = save_form(
        form,
        save,
        lambda question: flash_redirect(
            _("The letter's question is in the queue."),
            url_for(".manage_question", question_id=question.id),
        ),
    )
    return answer or render_template("finance/letter_question.html", form=form)


@bp.get("/manage/questions/<int:question_id>")
@role_required(Role.STAFF)
def manage_question(question_id: int):
    question = _question_or_404(question_id)
    reply_form = ReplyForm(reply=question.reply)
    return render_template(
        "finance/question.html",
        question=question,
        link_form=LinkForm(),
        reply_form=reply_form,
        form=EmptyForm(),
        labels=_status_labels(),
    )


@bp.post("/manage/questions/<int:question_id>/link")
@role_required(Role.STAFF)
def link_question(question_id: int):
    question = _question_or_404(question_id)
    form = LinkForm()
    if form.validate_on_submit():
        with refusals_flashed():
            entry = services.entry_by_slug(form.slug.data.strip())
            if entry is None:
                raise services.FinanceError(_("No answer has this address."), "slug")
            questions.link_entry(question, entry)
    else:
        submitted_or_400(EmptyForm())
    return redirect(url_for(".manage_question", question_id=question.id))


@bp.post("/manage/questions/<int:question_id>/unlink/<int:entry_id>")
@role_required(Role.STAFF)
def unlink_question(question_id: int, entry_id: int):
    submitted_or_400(EmptyForm())
    question = _question_or_404(question_id)
    entry = or_404(next((e for e in question.entries if e.id == entry_id), None))
    questions.unlink_entry(question, entry)
    return redirect(url_for(".manage_question", question_id=question.id))


@bp.post("/manage/questions/<int:question_id>/reply")
@role_required(Role.STAFF)
def reply_question(question_id: int):
    question = _question_or_404(question_id)
    form = submitted_or_400(ReplyForm())
    questions.set_reply(question, form.reply.data or "")
    return flash_redirect(
        _("The note is saved."), url_for(".manage_question", question_id=question.id)
    )


@bp.post("/manage/questions/<int:question_id>/close")
@role_required(Role.STAFF)
def close_question(question_id: int):
    submitted_or_400(EmptyForm())
    questions.close_question(_question_or_404(question_id))
    return flash_redirect(_("The question is closed."), url_for(".questions_queue"))


@bp.get("/manage/questions/<int:question_id>/letter.pdf")
@role_required(Role.STAFF)
def question_letter(question_id: int):
    """The reply letter, built by the job queue (a page that waits for it meanwhile)."""
    question = _question_or_404(question_id)
    large = request.args.get("large") == "1"
    build = letters.reply_letter_build(question, large_print=large)
    suffix = "-large-print" if large else ""
    return send_or_prepare(build, f"reply-{question.id}{suffix}.pdf", attachment=True, private=True)
