"""Routes of the quizzes: taking a quiz, the question bank, GIFT, results, statistics, paper."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from courses.models import Item
from quizzes import paper, services
from quizzes.forms import (
    QUESTION_FORMS,
    ROWS_TO_ADD,
    TYPE_HINTS,
    TYPE_LABELS,
    ConfirmImportForm,
    ImportForm,
    OverrideForm,
    SettingsForm,
    new_question_data,
    question_form_data,
    read_question,
)
from quizzes.messages import (
    digits_hint,
    gift_warning_messages,
    not_numbers_message,
    unanswered_message,
)
from quizzes.models import IN_PROGRESS, Attempt, Question, Quiz
from quizzes.responses import (
    MAX_ESSAY_RESPONSE,
    Gaps,
    gaps,
    numbers,
    parse_form,
    shown_question,
)
from quizzes.services import QuizError
from school.downloads import private_attachment
from school.extensions import db
from school.forms import EmptyForm, id_number
from school.i18n import viewer_timezone
from school.models import User
from school.pdfjobs import send_or_prepare
from school.permissions import can_edit, require_edit, require_view
from school.reorder import offset_of
from school.timeutil import now_utc
from school.views_helpers import (
    confirm_delete,
    or_404,
    refuse,
    requested_direction,
    submitted_or_400,
)

bp = Blueprint("quizzes", __name__)

QUIZ_KIND = "quiz"


@bp.context_processor
def _helpers() -> dict:
    return {
        "type_labels": TYPE_LABELS,
        "type_hints": TYPE_HINTS,
        "digits_hint": digits_hint,
        "essay_limit": MAX_ESSAY_RESPONSE,
    }


# --------------------------------------------------------------------------- helpers


def _quiz_or_404(quiz_id: int) -> Quiz:
    return or_404(services.get_quiz(quiz_id))


def _viewable(quiz_id: int) -> Quiz:
    return require_view(_quiz_or_404(quiz_id))


def _editable(quiz_id: int) -> Quiz:
    return require_edit(_quiz_or_404(quiz_id))


def _question_of(quiz: Quiz, question_id: int) -> Question:
    row = services.get_question(question_id)
    if row is None or row.quiz_id != quiz.id:
        abort(404)
    return row


def _attempt_or_404(attempt_id: int) -> Attempt:
    attempt = services.get_attempt(attempt_id)
    if attempt is None:
        abort(404)
    # Another student's attempt does not exist as far as they can tell.
    return require_view(attempt)


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = _attempt_or_404(attempt_id)
    if attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _status(form) -> int:
    return 400 if request.method == "POST" else 200


def _course_url(quiz: Quiz) -> str:
    return url_for("courses.course", slug=quiz.course.slug)


def _local_to_utc(value):
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(viewer_timezone())).astimezone(UTC)


def _utc_to_local(value):
    if value is None:
        return None
    return value.astimezone(ZoneInfo(viewer_timezone())).replace(tzinfo=None)


# --------------------------------------------------------------------------- students


@bp.get("/quizzes/item/<int:item_id>")
def for_item(item_id: int):
    """The quiz of a course item."""
    item = db.session.get(Item, item_id)
    if item is None or item.kind != QUIZ_KIND:
        abort(404)
    require_view(item)
    quiz = services.quiz_for_item(item)
    if quiz is None:
        abort(404)
    if request.args.get("to") == "questions" and can_edit(current_user, quiz):
        return redirect(url_for("quizzes.questions", quiz_id=quiz.id))
    return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))


@bp.get("/quizzes/<int:quiz_id>/")
def quiz(quiz_id: int):
    quiz = _viewable(quiz_id)
    now = now_utc()
    user = current_user if current_user.is_authenticated else None
    standing = services.overview(quiz, user, now=now)
    if user is not None and services.is_enrolled(user, quiz):
        services.record_visit(user, quiz)
    return render_template(
        "quizzes/quiz.html",
        quiz=quiz,
        item=quiz.item,
        course=quiz.course,
        course_url=_course_url(quiz),
        questions=services.question_count(quiz),
        attempts=standing.attempts,
        current=standing.current,
        deadline=standing.deadline,
        refusal=standing.refusal,
        needs_enrolment=standing.needs_enrolment,
        left=standing.left,
        grade=standing.grade,
        passed=standing.passed,
        editable=can_edit(current_user, quiz),
        closed=services.is_closed(quiz, now, current_user),
        form=EmptyForm(),
    )


@bp.post("/quizzes/<int:quiz_id>/start")
@login_required
def start(quiz_id: int):
    quiz = _viewable(quiz_id)
    submitted_or_400(EmptyForm())
    try:
        attempt = services.start_attempt(quiz, current_user)
    except QuizError as error:
        flash(error.message, "error")
        return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.get("/quizzes/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    quiz = attempt.quiz
    own = attempt.user_id == current_user.id
    now = now_utc()
    if own and attempt.state == IN_PROGRESS:
        attempt = services.finish_if_overdue(attempt, now=now)
    if attempt.state == IN_PROGRESS:
        if not own:
            return render_template("quizzes/attempt_in_progress.html", attempt=attempt, quiz=quiz)
        page = services.attempt_page(attempt, now=now)
        return render_template(
            "quizzes/attempt.html",
            attempt=attempt,
            quiz=quiz,
            questions=page.questions,
            values=page.values,
            minutes_left=page.minutes_left,
            seconds_left=page.seconds_left,
            deadline=page.deadline,
            gaps=page.gaps,
            form=EmptyForm(),
        )
    show_answers = services.answers_visible(quiz, current_user, now=now)
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        quiz=quiz,
        own=own,
        items=services.review(attempt) if show_answers else [],
        show_answers=show_answers,
        next_item=services.next_item(quiz) if own else None,
        delete_form=EmptyForm(),
        editable=can_edit(current_user, quiz),
    )


@bp.post("/quizzes/attempts/<int:attempt_id>/save")
@login_required
def save(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    submitted_or_400(EmptyForm())
    responses = parse_form(attempt.layout, request.form)
    outcome = services.save_responses(attempt, responses)
    if outcome.late:
        flash(_("Time is up. Your attempt was graded with the answers saved in time."), "error")
    elif outcome.finished:
        flash(_("This attempt has already been submitted."), "success")
    else:
        flash(_("Your answers are saved. Submit them when you are ready."), "success")
        not_numbers = gaps(attempt.layout, responses).not_numbers
        if not_numbers:
            flash(not_numbers_message(not_numbers), "error")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))


@bp.post("/quizzes/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    submitted_or_400(EmptyForm())
    was_finished = attempt.state != IN_PROGRESS
    if request.form.get("saved") == "1":
        # "Submit anyway" on the summary of gaps: the answers were saved on the way there.
        responses = None
    else:
        responses = parse_form(attempt.layout, request.form)
        found = gaps(attempt.layout, responses)
        if found and not was_finished and request.form.get("confirmed") != "1":
            outcome = services.save_responses(attempt, responses)
            if outcome.saved:
                return _before_submitting(outcome.attempt, found)
            attempt, responses = outcome.attempt, None
    attempt = services.submit_attempt(attempt, responses)
    if was_finished:
        flash(_("This attempt had already been submitted; here is its result."), "success")
    elif attempt.overdue:
        flash(_("Time was up. Your attempt was graded with the answers saved in time."), "error")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))


def _before_submitting(attempt: Attempt, found: Gaps):
    """The summary a student sees before an attempt with gaps is submitted (no JavaScript)."""
    page = services.attempt_page(attempt)
    return render_template(
        "quizzes/submit_check.html",
        attempt=attempt,
        quiz=attempt.quiz,
        questions={sq.number: sq for sq in page.questions},
        gaps=found,
        deadline=page.deadline,
        minutes_left=page.minutes_left,
        unanswered=unanswered_message(found.unanswered) if found.unanswered else None,
        not_numbers=not_numbers_message(found.not_numbers) if found.not_numbers else None,
        form=EmptyForm(),
    )


@bp.post("/quizzes/attempts/<int:attempt_id>/delete")
@login_required
def delete_attempt(attempt_id: int):
    # Those who may not see the attempt learn nothing of it (404) before the edit check (403).
    attempt = require_edit(_attempt_or_404(attempt_id))
    submitted_or_400(EmptyForm())
    quiz_id = attempt.quiz_id
    services.delete_attempt(attempt)
    flash(_("The attempt was deleted."), "success")
    return redirect(url_for("quizzes.results", quiz_id=quiz_id))


# --------------------------------------------------------------------------- editors


@bp.route("/quizzes/<int:quiz_id>/settings", methods=["GET", "POST"])
def settings(quiz_id: int):
    quiz = _editable(quiz_id)
    form = SettingsForm(obj=quiz)
    if request.method == "GET":
        form.closes_at.data = _utc_to_local(quiz.closes_at)
    if form.validate_on_submit():
        settings = services.Settings(
            pass_mark=form.pass_mark.data,
            max_attempts=form.max_attempts.data,
            grading=form.grading.data,
            time_limit_minutes=form.time_limit_minutes.data,
            shuffle_questions=form.shuffle_questions.data,
            shuffle_answers=form.shuffle_answers.data,
            review=form.review.data,
            review_when=form.review_when.data,
            closes_at=_local_to_utc(form.closes_at.data),
        )
        try:
            services.update_settings(quiz, settings)
        except QuizError as error:
            db.session.rollback()
            refuse(form, error)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    return render_template(
        "quizzes/settings.html", quiz=quiz, form=form, timezone=viewer_timezone()
    ), _status(form)


@bp.get("/quizzes/<int:quiz_id>/questions")
def questions(quiz_id: int):
    quiz = _editable(quiz_id)
    rows = list(quiz.questions)
    shown = [
        (row, shown_question({"id": row.id, "data": row.data}, number))
        for number, row in enumerate(rows, start=1)
    ]
    return render_template(
        "quizzes/questions.html",
        quiz=quiz,
        shown=shown,
        types=list(QUESTION_FORMS),
        form=EmptyForm(),
    )


def _question_form(quiz: Quiz, kind: str, row: Question | None):
    form_class = QUESTION_FORMS[kind]
    if request.method == "POST":
        form = form_class()
    else:
        data = question_form_data(row.data) if row is not None else new_question_data(kind)
        form = form_class(data=data)
        if row is not None:
            form.add_rows(2)
    if request.method == "POST" and request.form.get("action") == "more":
        form.add_rows(ROWS_TO_ADD)
        return form, None
    if form.validate_on_submit():
        return form, read_question(form)
    return form, None


@bp.route("/quizzes/<int:quiz_id>/questions/new/<kind>", methods=["GET", "POST"])
def new_question(quiz_id: int, kind: str):
    quiz = _editable(quiz_id)
    if kind not in QUESTION_FORMS:
        abort(404)
    form, question = _question_form(quiz, kind, None)
    if question is not None:
        try:
            row = services.add_question(quiz, question)
        except QuizError as error:
            refuse(form, error)
        else:
            flash(_("Question added."), "success")
            return redirect(url_for("quizzes.questions", quiz_id=quiz.id, _anchor=f"q{row.id}"))
    more = request.form.get("action") == "more"
    return render_template(
        "quizzes/question_form.html", quiz=quiz, form=form, kind=kind, row=None
    ), (200 if more else _status(form))


@bp.route("/quizzes/<int:quiz_id>/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(quiz_id: int, question_id: int):
    quiz = _editable(quiz_id)
    row = _question_of(quiz, question_id)
    form, question = _question_form(quiz, row.type, row)
    if question is not None:
        services.update_question(row, question)
        flash(_("Question saved."), "success")
        return redirect(url_for("quizzes.questions", quiz_id=quiz.id, _anchor=f"q{row.id}"))
    more = request.form.get("action") == "more"
    return render_template(
        "quizzes/question_form.html", quiz=quiz, form=form, kind=row.type, row=row
    ), (200 if more else _status(form))


@bp.post("/quizzes/<int:quiz_id>/questions/<int:question_id>/move")
def move_question(quiz_id: int, question_id: int):
    quiz = _editable(quiz_id)
    row = _question_of(quiz, question_id)
    submitted_or_400(EmptyForm())
    services.move_question(row, offset_of(requested_direction()))
    return redirect(url_for("quizzes.questions", quiz_id=quiz.id, _anchor=f"q{question_id}"))


@bp.route("/quizzes/<int:quiz_id>/questions/<int:question_id>/delete", methods=["GET", "POST"])
def delete_question(quiz_id: int, question_id: int):
    quiz = _editable(quiz_id)
    row = _question_of(quiz, question_id)
    return confirm_delete(
        title=_("Delete the question?"),
        consequence=_("Finished attempts keep the question as it was, with their grades."),
        cancel=url_for("quizzes.questions", quiz_id=quiz.id, _anchor=f"q{row.id}"),
        delete=lambda: services.delete_question(row),
        done=_("Question deleted."),
        then=url_for("quizzes.questions", quiz_id=quiz.id),
        template="quizzes/delete_question.html",
        quiz=quiz,
        shown=shown_question({"id": row.id, "data": row.data}, row.position + 1),
    )


# --------------------------------------------------------------------------- GIFT


def _preview_questions(questions) -> list:
    shown_numbers = numbers(question.type for question in questions)
    return [
        shown_question({"id": f"p{index + 1}", "data": question.to_dict()}, shown_numbers[index])
        for index, question in enumerate(questions)
    ]


@bp.route("/quizzes/<int:quiz_id>/import", methods=["GET", "POST"])
def import_gift(quiz_id: int):
    """Upload a GIFT file: the parsed questions are shown for confirmation, not saved."""
    quiz = _editable(quiz_id)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload is not None and getattr(upload, "filename", ""):
                text = services.decode_gift(upload.read(services.MAX_GIFT_BYTES + 1))
            else:
                text = form.text.data or ""
            if not text.strip():
                raise QuizError(_("Choose a GIFT file or paste its text."), "file")
            result = services.parse_for_import(text)
        except services.GiftImportError as error:
            return render_template(
                "quizzes/import.html",
                quiz=quiz,
                form=form,
                problems=error.messages,
                counts=(len(error.result.questions), len(error.result.errors)),
            ), 400
        except QuizError as error:
            refuse(form, error)
        else:
            # Not bound to this request: the confirmation carries the text and the choice.
            confirm = ConfirmImportForm(
                formdata=None, gift_text=text, replace="1" if form.replace.data else ""
            )
            return render_template(
                "quizzes/import_preview.html",
                quiz=quiz,
                form=confirm,
                questions=_preview_questions(result.questions),
                categories=sorted({q.category for q in result.questions if q.category}),
                warnings=gift_warning_messages(result),
                replace=bool(form.replace.data),
                existing=len(quiz.questions),
            )
    return render_template(
        "quizzes/import.html", quiz=quiz, form=form, problems=[], counts=None
    ), _status(form)


@bp.post("/quizzes/<int:quiz_id>/import/confirm")
def confirm_import(quiz_id: int):
    quiz = _editable(quiz_id)
    form = submitted_or_400(ConfirmImportForm())
    try:
        count = services.import_gift(
            quiz, form.gift_text.data or "", replace=form.replace.data == "1"
        )
    except services.GiftImportError as error:
        for message in error.messages:
            flash(message, "error")
        return redirect(url_for("quizzes.import_gift", quiz_id=quiz.id))
    except QuizError as error:
        flash(error.message, "error")
        return redirect(url_for("quizzes.import_gift", quiz_id=quiz.id))
    flash(ngettext("%(num)d question imported.", "%(num)d questions imported.", count), "success")
    return redirect(url_for("quizzes.questions", quiz_id=quiz.id))


@bp.get("/quizzes/<int:quiz_id>/export.gift")
def export_gift(quiz_id: int):
    quiz = _editable(quiz_id)
    return private_attachment(services.export_gift(quiz), f"{quiz.item.slug}.gift", "text/plain")


# --------------------------------------------------------------------------- results


@bp.get("/quizzes/<int:quiz_id>/results")
def results(quiz_id: int):
    quiz = _editable(quiz_id)
    services.finish_overdue_attempts(quiz)
    page = request.args.get("page", 1, type=id_number)
    pagination, rows, by_user = services.results_page(quiz, page)
    return render_template(
        "quizzes/results.html",
        quiz=quiz,
        pagination=pagination,
        rows=rows,
        by_user=by_user,
        form=EmptyForm(),
    )


@bp.get("/quizzes/<int:quiz_id>/results.csv")
def results_csv(quiz_id: int):
    quiz = _editable(quiz_id)
    services.finish_overdue_attempts(quiz)
    return private_attachment(
        services.results_csv(quiz), f"{quiz.item.slug}-results.csv", "text/csv"
    )


@bp.get("/quizzes/<int:quiz_id>/statistics")
def statistics(quiz_id: int):
    quiz = _editable(quiz_id)
    services.finish_overdue_attempts(quiz)
    return render_template(
        "quizzes/statistics.html", quiz=quiz, report=services.statistics_report(quiz)
    )


# --------------------------------------------------------------------------- essays


@bp.get("/quizzes/<int:quiz_id>/grading")
def grading_queue(quiz_id: int):
    """The attempts waiting for an instructor to grade their essays."""
    quiz = _editable(quiz_id)
    page = request.args.get("page", 1, type=id_number)
    return render_template(
        "quizzes/grading_queue.html", quiz=quiz, pagination=services.grading_queue(quiz, page)
    )


@bp.route("/quizzes/attempts/<int:attempt_id>/grade", methods=["GET", "POST"])
def grade_attempt(attempt_id: int):
    """Marks and comments for the essays of one finished attempt."""
    attempt = _attempt_or_404(attempt_id)
    quiz = _editable(attempt.quiz_id)
    if attempt.state == IN_PROGRESS:
        abort(404)
    form = EmptyForm()
    essays = services.essays_of(attempt)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        marks = {}
        for essay in essays:
            raw = request.form.get(f"mark-{essay.question_id}", "").strip().replace(",", ".")
            if not raw:
                continue
            try:
                mark = float(raw)
            except ValueError:
                errors[f"mark-{essay.question_id}"] = _("Enter a number.")
                continue
            comment = request.form.get(f"comment-{essay.question_id}", "")
            marks[essay.question_id] = (mark, comment)
        if not errors:
            try:
                services.grade_essays(attempt, marks, current_user)
            except QuizError as error:
                errors[error.field or ""] = str(error.message)
            else:
                flash(_("The marks are saved."), "success")
                return redirect(url_for("quizzes.grading_queue", quiz_id=quiz.id))
    return render_template(
        "quizzes/grade_attempt.html", quiz=quiz, attempt=attempt, essays=essays,
        form=form, errors=errors, values=request.form,
    ), 400 if errors else 200  # fmt: skip


@bp.get("/quizzes/<int:quiz_id>/override")
def find_override(quiz_id: int):
    """From a username to that student's limits (also before their first attempt)."""
    quiz = _editable(quiz_id)
    name = (request.args.get("username") or "").strip()
    student = db.session.scalar(select(User).where(User.username == name)) if name else None
    if student is None or not services.is_enrolled(student, quiz):
        flash(_("No student of this course has that username."), "error")
        return redirect(url_for("quizzes.results", quiz_id=quiz.id))
    return redirect(url_for("quizzes.override", quiz_id=quiz.id, user_id=student.id))


@bp.route("/quizzes/<int:quiz_id>/students/<int:user_id>/override", methods=["GET", "POST"])
def override(quiz_id: int, user_id: int):
    """A student's own time limit, attempts and closing time."""
    quiz = _editable(quiz_id)
    student = db.session.get(User, user_id)
    if student is None or not services.is_enrolled(student, quiz):
        abort(404)
    form = OverrideForm()
    row = services.override_of(quiz, user_id)
    if request.method == "GET" and row is not None:
        form.time_limit_minutes.data = row.time_limit_minutes
        form.max_attempts.data = row.max_attempts
        form.closes_at.data = _utc_to_local(row.closes_at) if row.closes_at else None
    if form.validate_on_submit():
        try:
            services.set_override(
                quiz,
                student,
                time_limit_minutes=form.time_limit_minutes.data,
                max_attempts=form.max_attempts.data,
                closes_at=_local_to_utc(form.closes_at.data),
            )
        except QuizError as error:
            refuse(form, error)
        else:
            flash(_("The student's limits are saved."), "success")
            return redirect(url_for("quizzes.results", quiz_id=quiz.id))
    return render_template(
        "quizzes/override.html",
        quiz=quiz,
        student=student,
        form=form,
        limits=services.limits_for(quiz, user_id),
    ), _status(form)


# --------------------------------------------------------------------------- paper


def _page_format() -> str:
    value = request.args.get("format", paper.DEFAULT_FORMAT)
    return value if value in paper.PAGE_FORMATS else paper.DEFAULT_FORMAT


@bp.get("/quizzes/<int:quiz_id>/paper.pdf")
def paper_pdf(quiz_id: int):
    quiz = _editable(quiz_id)
    if not quiz.questions:
        abort(404)
    build = paper.paper_build(quiz, page_format=_page_format())
    return send_or_prepare(build, f"{quiz.item.slug}.pdf", private=True)


@bp.get("/quizzes/<int:quiz_id>/answer-key.pdf")
def answer_key_pdf(quiz_id: int):
    quiz = _editable(quiz_id)
    if not quiz.questions:
        abort(404)
    build = paper.paper_build(quiz, answer_key=True, page_format=_page_format())
    return send_or_prepare(build, f"{quiz.item.slug}-answers.pdf", private=True)
