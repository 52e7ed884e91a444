"""Who may open or change what: one row per route (and object variant), one outcome per role.

Outcomes: ``OK`` (2xx, or a redirect that is not the login page), ``DENY`` (403 or 404; the
login page for anonymous visitors), ``HIDDEN`` (404, so the object's existence does not
leak; anonymous visitors may be sent to log in instead) and ``GONE`` (410: a page that was
public says what became of it, such as a cancelled webinar). Every route of ``app.url_map`` must
have at least one row; a new route fails the sweep until someone classifies it here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from school.timeutil import now_utc
from tests.conftest import PASSWORD
from tests.security import world as make
from tests.security.world import ROLES, World

OK, DENY, HIDDEN, GONE = "ok", "deny", "hidden", "gone"
# Allowed in, and the request turned down as asked (a 400 with its reason on the page).
REFUSED = "refused"

Args = Callable[[World], dict[str, Any]]
Data = Callable[[World], dict[str, Any]]


def allow(*allowed: str, other: str = DENY) -> dict[str, str]:
    """``allowed`` roles get through; every other role gets ``other``."""
    unknown = set(allowed) - set(ROLES)
    assert not unknown, unknown
    return {role: OK if role in allowed else other for role in ROLES}


EVERYONE = allow(*ROLES)
USERS = allow(*ROLES[1:])
INSTRUCTORS = allow("instructor_a", "instructor_b", "admin")
OWNER = allow("instructor_a", "admin")  # the object's instructor, and admins
STAFF = allow("staff", "admin")
UPLOADERS = allow("instructor_a", "instructor_b", "staff", "admin")
ADMIN = allow("admin")


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    expect: Mapping[str, str]
    args: Args = field(default=lambda w: {})
    variant: str = ""
    data: Data = field(default=lambda w: {})
    query: Mapping[str, str] = field(default_factory=dict)
    # Makes the object the action uses up (deletes, approves...), anew for each role that acts.
    prepare: Callable[[World, str], None] | None = None

    @property
    def id(self) -> str:
        return f"{self.endpoint}-{self.method}" + (f"-{self.variant}" if self.variant else "")


def _w(name: str, key: str | None = None) -> Args:
    return lambda w: {key or name: w[name]}


def _course(name: str = "course") -> Args:
    return lambda w: {"slug": w[name]}


def _course_and(arg: str, obj: str, course: str = "course") -> Args:
    return lambda w: {"slug": w[course], arg: w[obj]}


def _target(w: World) -> dict[str, Any]:
    return {"webinar_id": w["target_webinar"]}


def _first_revision(w: World) -> dict[str, Any]:
    return {"entry_id": w["target_entry"], "number": 1}


def _question(w: World) -> dict[str, Any]:
    return {"quiz_id": w["quiz"], "question_id": w["question"]}


def _webinar_data(w: World) -> dict[str, Any]:
    day = (now_utc() + timedelta(days=40)).date().isoformat()
    return {
        "title": "Новый вебинар",
        "start_date": day,
        "start_time": "18:00",
        "timezone": "Europe/Moscow",
        "duration_minutes": "60",
        "instructors": "instructor_a",
    }


def _ask_data(w: World) -> dict[str, Any]:
    """A question as a person sends it: the form's token from ten minutes ago, answered."""
    import time

    from flask import current_app
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from finance.services import questions

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 600

    serializer = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="finance-ask", signer=Earlier
    )
    token = serializer.dumps({"c": 0})
    answer = questions.CHALLENGES[0][1][0]
    return {"token": token, "check": answer, "text": "Как получать пенсию?"}


def _entry_data(w: World) -> dict[str, Any]:
    return {
        "slug": "pension-in-prison",
        "question": "Вопрос pension-in-prison?",
        "language": "ru",
        "short_answer": "Коротко.",
        "full_answer": "Подробно.",
        "topic_ids": [str(w["topic"])],
    }


def _brochure_data(w: World) -> dict[str, Any]:
    return {
        "slug": "money-in-prison",
        "title": "Деньги",
        "language": "ru",
        "primary_format": "a5",
        "paper": "a4",
        "topic_id": "0",
    }


def _quiz_settings(w: World) -> dict[str, Any]:
    return {
        "pass_mark": "60",
        "grading": "highest",
        "review": "answers",
        "review_when": "immediately",
    }


def _course_import(w: World) -> dict[str, Any]:
    return {"file": (BytesIO(w["course_zip"]), "course.zip"), "slug": w["target_slug"]}


ROWS: list[Row] = [
    # --- core: pages, accounts, administration ---------------------------------------------
    Row("static", "GET", EVERYONE, lambda w: {"filename": "css/site.css"}),
    Row("school.home", "GET", EVERYONE),
    Row("school.privacy", "GET", EVERYONE),
    Row("school.healthz", "GET", EVERYONE),
    Row("school.login", "GET", EVERYONE),
    Row("school.login", "POST", EVERYONE, data=lambda w: {"username": "x", "password": "y"}),
    Row("school.register", "GET", EVERYONE),
    Row("school.register", "POST", EVERYONE),
    Row("school.logout", "POST", EVERYONE),
    Row("school.set_language", "POST", EVERYONE, data=lambda w: {"lang": "en"}),
    Row("school.settings", "GET", USERS),
    Row(
        "school.settings",
        "POST",
        USERS,
        data=lambda w: {"display_name": "Имя", "locale": "ru", "timezone": "Europe/Moscow"},
    ),
    Row(
        "school.change_password",
        "POST",
        USERS,
        # The same password again: the sweep's later logins keep working.
        data=lambda w: {"current_password": PASSWORD, "password": PASSWORD},
    ),
    Row("school.end_other_sessions", "POST", USERS),
    Row("school.export_data", "GET", USERS),
    Row("notifications.index", "GET", USERS),
    Row(
        "notifications.choose_kinds",
        "POST",
        USERS,
        data=lambda w: {"kinds": ["waitlist_place", "webinar_cancelled"]},
    ),
    Row("school.delete_account", "GET", USERS),
    # Without the password and the tick the form only comes back: nobody is deleted here.
    Row("school.delete_account", "POST", USERS),
    Row("credentials.recovery_login", "GET", EVERYONE),
    Row(
        "credentials.recovery_login",
        "POST",
        EVERYONE,
        data=lambda w: {"username": "x", "code": "aaaa-bbbb-cccc-dddd"},
    ),
    # Only a login whose password was right reaches the code step: visitors are sent back to
    # log in, and people already in go home.
    Row("credentials.second_factor", "GET", USERS),
    Row("credentials.second_factor", "POST", USERS, data=lambda w: {"code": "123456"}),
    # Outside a login by recovery code, these send the person to the settings.
    Row("credentials.new_password", "GET", USERS),
    Row("credentials.new_password", "POST", USERS, data=lambda w: {"password": PASSWORD}),
    # A live one-time link opens its form for anyone who has it; a refused password (too
    # short here) leaves the link working.
    Row("credentials.reset_password", "GET", EVERYONE, _w("reset_token", "token")),
    Row(
        "credentials.reset_password",
        "POST",
        EVERYONE,
        _w("reset_token", "token"),
        data=lambda w: {"password": "short"},
    ),
    Row("credentials.recovery_codes", "GET", USERS),
    # A wrong password makes no codes: the page comes back with the old ones still working.
    Row("credentials.make_recovery_codes", "POST", USERS, data=lambda w: {"password": "wrong"}),
    Row("credentials.two_factor", "GET", USERS),
    Row("credentials.two_factor", "POST", USERS, data=lambda w: {"code": "000000"}),
    Row("credentials.disable_two_factor", "POST", USERS, data=lambda w: {"password": "wrong"}),
    Row("school.admin_users", "GET", ADMIN),
    Row(
        "school.admin_set_role",
        "POST",
        ADMIN,
        lambda w: {"user_id": w.users["victim"]},
        data=lambda w: {"role": "instructor"},
    ),
    Row(
        "school.admin_set_active",
        "POST",
        ADMIN,
        lambda w: {"user_id": w.users["victim"]},
        data=lambda w: {"active": "0"},
    ),
    Row("school.admin_reset_link", "GET", ADMIN, lambda w: {"user_id": w.users["victim"]}),
    Row("school.admin_reset_link", "POST", ADMIN, lambda w: {"user_id": w.users["victim"]}),
    Row("jobs.index", "GET", STAFF),
    Row("jobs.retry", "POST", STAFF, lambda w: {"job_id": "school-none"}),
    Row("readers.index", "GET", STAFF),
    Row("readers.new", "GET", STAFF),
    Row("readers.new", "POST", STAFF, data=lambda w: {"name": "Новый читатель"}),
    Row("readers.edit", "GET", STAFF, _w("postal_reader", "reader_id")),
    Row(
        "readers.edit",
        "POST",
        STAFF,
        _w("postal_reader", "reader_id"),
        data=lambda w: {"name": "Читатель по почте", "reference": "R-1"},
    ),
    Row("readers.export", "GET", STAFF, _w("postal_reader", "reader_id")),
    Row("readers.delete", "GET", STAFF, _w("postal_reader", "reader_id")),
    Row(
        "readers.delete",
        "POST",
        STAFF,
        _w("target_reader", "reader_id"),
        data=lambda w: {"confirm": "y"},
        prepare=make.new_postal_reader,
    ),
    # --- uploaded images ------------------------------------------------------------------------
    Row("images.index", "GET", UPLOADERS),
    Row(
        "images.index",
        "POST",
        UPLOADERS,
        data=lambda w: {"image": (BytesIO(w["image_file"]), "schema.png"), "alt": "Схема"},
    ),
    Row("images.show", "GET", EVERYONE, lambda w: {"name": w["image"]}),
    # --- webinars -----------------------------------------------------------------------------
    Row("webinars.index", "GET", EVERYONE),
    Row("webinars.past", "GET", EVERYONE),
    Row("webinars.public_calendar", "GET", EVERYONE),
    Row("webinars.atom_feed", "GET", EVERYONE),
    Row("webinars.set_timezone", "GET", EVERYONE),
    Row("webinars.set_timezone", "POST", EVERYONE, data=lambda w: {"tz": "Asia/Omsk"}),
    Row("webinars.detail", "GET", EVERYONE, _w("webinar", "webinar_id"), "published"),
    Row(
        "webinars.detail",
        "GET",
        allow("instructor_a", "admin", other=HIDDEN),
        _w("draft_webinar", "webinar_id"),
        "draft",
    ),
    # A cancelled webinar's page says so and why, to everyone but its editors, who see it all.
    Row(
        "webinars.detail",
        "GET",
        allow("instructor_a", "admin", other=GONE),
        _w("cancelled_webinar", "webinar_id"),
        "cancelled",
    ),
    Row("webinars.webinar_calendar", "GET", EVERYONE, _w("webinar", "webinar_id"), "published"),
    Row(
        "webinars.webinar_calendar",
        "GET",
        allow("instructor_a", "admin", other=HIDDEN),
        _w("draft_webinar", "webinar_id"),
        "draft",
    ),
    Row("webinars.register", "POST", USERS, _w("webinar", "webinar_id"), "published"),
    Row(
        "webinars.register",
        "POST",
        allow("instructor_a", "admin", other=HIDDEN),
        _w("draft_webinar", "webinar_id"),
        "draft",
    ),
    Row("webinars.unregister", "POST", USERS, _w("webinar", "webinar_id"), "published"),
    Row(
        "webinars.unregister",
        "POST",
        allow("instructor_a", "admin", other=HIDDEN),
        _w("draft_webinar", "webinar_id"),
        "draft",
    ),
    Row("webinars.mine", "GET", USERS),
    Row("webinars.issue_feed", "POST", USERS),
    Row("webinars.revoke_feed", "POST", USERS),
    # Without a feed address there is nothing to set: the page comes back, nothing changes.
    Row("webinars.feed_reminders", "POST", USERS, data=lambda w: {"reminders": "1h"}),
    # The personal feed is a secret address: whoever holds it may read it, nobody else.
    Row("webinars.personal_calendar", "GET", EVERYONE, _w("feed_token", "token"), "token"),
    Row(
        "webinars.personal_calendar",
        "GET",
        allow(other=HIDDEN),
        lambda w: {"token": "not-a-token"},
        "guessed",
    ),
    Row("webinars.manage", "GET", INSTRUCTORS),
    Row("webinars.create", "GET", INSTRUCTORS),
    Row("webinars.create", "POST", INSTRUCTORS, data=_webinar_data),
    Row("webinars.edit", "GET", OWNER, _w("webinar", "webinar_id")),
    Row("webinars.edit", "POST", OWNER, _w("webinar", "webinar_id"), data=_webinar_data),
    Row("webinars.publish", "POST", OWNER, _target, prepare=make.new_webinar("draft")),
    Row("webinars.unpublish", "POST", OWNER, _target, prepare=make.new_webinar("published")),
    Row("webinars.cancel", "GET", OWNER, _w("webinar", "webinar_id")),
    Row(
        "webinars.cancel",
        "POST",
        OWNER,
        _target,
        data=lambda w: {"reason": "Ведущий заболел."},
        prepare=make.new_webinar("published"),
    ),
    Row("webinars.restore", "POST", OWNER, _target, prepare=make.new_webinar("cancelled")),
    Row("webinars.delete", "POST", OWNER, _target, prepare=make.new_webinar("draft")),
    Row("webinars.registrants", "GET", OWNER, _w("webinar", "webinar_id")),
    Row("webinars.registrants_csv", "GET", OWNER, _w("webinar", "webinar_id")),
    # --- courses: students --------------------------------------------------------------------
    Row("courses.catalogue", "GET", EVERYONE),
    Row("courses.my_courses", "GET", USERS),
    Row("courses.course", "GET", EVERYONE, _course(), "published"),
    Row(
        "courses.course",
        "GET",
        allow("instructor_a", "admin", other=HIDDEN),
        _course("draft_course"),
        "draft",
    ),
    Row("courses.continue_course", "GET", EVERYONE, _course(), "published"),
    Row(
        "courses.continue_course",
        "GET",
        allow("instructor_a", "admin", other=HIDDEN),
        _course("draft_course"),
        "draft",
    ),
    Row("courses.enrol", "POST", USERS, _course(), "published"),
    Row(
        "courses.enrol",
        "POST",
        allow("instructor_a", "admin", other=HIDDEN),
        _course("draft_course"),
        "draft",
    ),
    Row("courses.leave", "GET", USERS, _course(), "published"),
    Row("courses.leave", "POST", USERS, _course(), "published"),
    Row(
        "courses.leave",
        "GET",
        allow("instructor_a", "admin", other=HIDDEN),
        _course("draft_course"),
        "draft",
    ),
    Row("courses.item", "GET", EVERYONE, _course_and("item_id", "lesson"), "published"),
    Row(
        "courses.item",
        "GET",
        allow("instructor_a", "admin", other=HIDDEN),
        _course_and("item_id", "draft_lesson", "draft_course"),
        "draft",
    ),
    # Another course's item under this course's address does not exist.
    Row(
        "courses.item",
        "GET",
        allow(other=HIDDEN),
        lambda w: {"slug": w["course"], "item_id": w["draft_lesson"]},
        "mismatched",
    ),
    Row("courses.mark_done", "POST", USERS, _course_and("item_id", "lesson"), "published"),
    Row("courses.mark_undone", "POST", USERS, _course_and("item_id", "lesson"), "published"),
    Row(
        "courses.mark_done",
        "POST",
        allow("instructor_a", "admin", other=HIDDEN),
        _course_and("item_id", "draft_lesson", "draft_course"),
        "draft",
    ),
    Row("courses.workbook", "GET", EVERYONE, _course(), "published"),
    Row(
        "courses.workbook",
        "GET",
        allow("instructor_a", "admin", other=HIDDEN),
        _course("draft_course"),
        "draft",
    ),
    # Only the person it was issued to downloads a certificate from the course page.
    Row("courses.certificate_pdf", "GET", allow("student_a", other=HIDDEN), _course()),
    Row("courses.lookup", "GET", EVERYONE),
    Row("courses.moved_lookup", "GET", EVERYONE),
    Row("courses.moved_verify", "GET", EVERYONE, _w("certificate", "code"), "issued"),
    Row("courses.verify", "GET", EVERYONE, _w("certificate", "code"), "issued"),
    Row(
        "courses.verify",
        "GET",
        allow(other=HIDDEN),
        lambda w: {"code": "ABCD-EFGH-JKLM"},
        "guessed",
    ),
    # --- courses: authoring -------------------------------------------------------------------
    Row("courses.manage", "GET", INSTRUCTORS),
    Row("courses.new_course", "GET", INSTRUCTORS),
    Row(
        "courses.new_course",
        "POST",
        INSTRUCTORS,
        data=lambda w: {"title": "Новый курс", "language": "ru"},
    ),
    Row("courses.import_course", "GET", INSTRUCTORS),
    Row(
        "courses.import_course", "POST", INSTRUCTORS, data=_course_import, prepare=make.unique_name
    ),
    Row("courses.edit", "GET", OWNER, _course()),
    Row("courses.edit", "GET", OWNER, _course("draft_course"), "draft"),
    Row("courses.settings", "GET", OWNER, _course()),
    Row(
        "courses.settings",
        "POST",
        OWNER,
        _course(),
        data=lambda w: {"title": "Курс", "slug": w["course"], "language": "ru"},
    ),
    Row(
        "courses.publish",
        "POST",
        OWNER,
        _course("target_course"),
        data=lambda w: {"published": "1"},
        prepare=make.new_course,
    ),
    Row("courses.instructors", "GET", OWNER, _course()),
    Row(
        "courses.instructors",
        "POST",
        OWNER,
        _course(),
        data=lambda w: {"username": w["target_slug"]},
        prepare=make.new_instructor,
    ),
    Row(
        "courses.remove_instructor",
        "POST",
        OWNER,
        lambda w: {"slug": w["course"], "user_id": w.users["co_instructor"]},
        prepare=make.co_instructor,
    ),
    Row("courses.export", "GET", OWNER, _course()),
    Row("courses.delete_course", "GET", OWNER, _course()),
    Row(
        "courses.delete_course",
        "POST",
        OWNER,
        _course("target_course"),
        data=lambda w: {"confirm": w["target_course"]},
        prepare=make.new_course,
    ),
    Row("courses.new_module", "GET", OWNER, _course()),
    Row("courses.new_module", "POST", OWNER, _course(), data=lambda w: {"title": "Модуль"}),
    Row("courses.edit_module", "GET", OWNER, _course_and("module_id", "module")),
    Row(
        "courses.edit_module",
        "POST",
        OWNER,
        _course_and("module_id", "module"),
        data=lambda w: {"title": "Модуль", "slug": "edited-module"},
    ),
    # A module of another course, under this course's address, does not exist.
    Row(
        "courses.edit_module",
        "GET",
        {**allow(), "instructor_a": HIDDEN, "admin": HIDDEN},
        lambda w: {"slug": w["course"], "module_id": w["draft_module"]},
        "mismatched",
    ),
    Row(
        "courses.move_module",
        "POST",
        OWNER,
        _course_and("module_id", "module"),
        data=lambda w: {"direction": "down"},
    ),
    Row("courses.delete_module", "GET", OWNER, _course_and("module_id", "module")),
    Row(
        "courses.delete_module",
        "POST",
        OWNER,
        _course_and("module_id", "target_module"),
        prepare=make.new_module,
    ),
    Row("courses.new_item", "GET", OWNER, _course_and("module_id", "module")),
    Row(
        "courses.new_item",
        "POST",
        OWNER,
        _course_and("module_id", "module"),
        data=lambda w: {"title": "Новый урок", "body": "Текст"},
    ),
    Row("courses.edit_item", "GET", OWNER, _course_and("item_id", "lesson")),
    Row(
        "courses.edit_item",
        "POST",
        OWNER,
        _course_and("item_id", "lesson"),
        data=lambda w: {"title": "Урок", "slug": "urok", "body": "Текст"},
    ),
    Row("courses.preview_item", "GET", OWNER, _course_and("item_id", "lesson")),
    Row(
        "courses.preview_item",
        "GET",
        OWNER,
        _course_and("item_id", "draft_lesson", "draft_course"),
        "draft",
    ),
    Row(
        "courses.move_item",
        "POST",
        OWNER,
        _course_and("item_id", "lesson"),
        data=lambda w: {"direction": "down"},
    ),
    Row("courses.copy_item", "POST", OWNER, _course_and("item_id", "lesson")),
    Row("courses.delete_item", "GET", OWNER, _course_and("item_id", "lesson")),
    Row(
        "courses.delete_item",
        "POST",
        OWNER,
        _course_and("item_id", "target_item"),
        prepare=make.new_lesson,
    ),
    # --- quizzes ------------------------------------------------------------------------------
    Row("quizzes.for_item", "GET", EVERYONE, _w("quiz_item", "item_id"), "published"),
    Row(
        "quizzes.for_item",
        "GET",
        allow("instructor_a", "admin", other=HIDDEN),
        _w("draft_quiz_item", "item_id"),
        "draft",
    ),
    Row("quizzes.quiz", "GET", EVERYONE, _w("quiz", "quiz_id"), "published"),
    Row(
        "quizzes.quiz",
        "GET",
        allow("instructor_a", "admin", other=HIDDEN),
        _w("draft_quiz", "quiz_id"),
        "draft",
    ),
    Row("quizzes.start", "POST", USERS, _w("quiz", "quiz_id"), "published"),
    Row(
        "quizzes.start",
        "POST",
        allow("instructor_a", "admin", other=HIDDEN),
        _w("draft_quiz", "quiz_id"),
        "draft",
    ),
    # A student's attempt: the student, the course's instructors and admins; to anyone else
    # it does not exist, whatever id they guess.
    Row(
        "quizzes.attempt",
        "GET",
        allow("student_a", "instructor_a", "admin", other=HIDDEN),
        _w("attempt", "attempt_id"),
        "submitted",
    ),
    Row(
        "quizzes.attempt",
        "GET",
        allow("student_a", "instructor_a", "admin", other=HIDDEN),
        _w("open_attempt", "attempt_id"),
        "in-progress",
    ),
    # Answers are the student's own: not even an admin saves or submits them.
    Row(
        "quizzes.save",
        "POST",
        allow("student_a", other=HIDDEN),
        _w("target_attempt", "attempt_id"),
        prepare=make.new_open_attempt,
    ),
    Row(
        "quizzes.submit",
        "POST",
        allow("student_a", other=HIDDEN),
        _w("target_attempt", "attempt_id"),
        prepare=make.new_open_attempt,
    ),
    Row(
        "quizzes.delete_attempt",
        "POST",
        {**allow("instructor_a", "admin", other=HIDDEN), "student_a": DENY},
        _w("target_attempt", "attempt_id"),
        prepare=make.new_attempt,
    ),
    Row("quizzes.settings", "GET", OWNER, _w("quiz", "quiz_id")),
    Row("quizzes.settings", "POST", OWNER, _w("quiz", "quiz_id"), data=_quiz_settings),
    Row("quizzes.questions", "GET", OWNER, _w("quiz", "quiz_id")),
    Row("quizzes.questions", "GET", OWNER, _w("draft_quiz", "quiz_id"), "draft"),
    Row(
        "quizzes.new_question", "GET", OWNER, lambda w: {"quiz_id": w["quiz"], "kind": "truefalse"}
    ),
    Row(
        "quizzes.new_question",
        "POST",
        OWNER,
        lambda w: {"quiz_id": w["quiz"], "kind": "truefalse"},
        data=lambda w: {
            "text": "Утверждение.",
            "text_format": "markdown",
            "answer": "true",
            "default_mark": "1",
        },
    ),
    Row("quizzes.edit_question", "GET", OWNER, _question),
    # "More rows" redisplays the form without saving: it shows the check came first.
    Row("quizzes.edit_question", "POST", OWNER, _question, data=lambda w: {"action": "more"}),
    Row(
        "quizzes.edit_question",
        "GET",
        {**allow(), "instructor_a": HIDDEN, "admin": HIDDEN},
        lambda w: {"quiz_id": w["draft_quiz"], "question_id": w["question"]},
        "mismatched",
    ),
    Row("quizzes.move_question", "POST", OWNER, _question, data=lambda w: {"direction": "down"}),
    Row("quizzes.delete_question", "GET", OWNER, _question),
    Row(
        "quizzes.delete_question",
        "POST",
        OWNER,
        lambda w: {"quiz_id": w["quiz"], "question_id": w["target_question"]},
        prepare=make.new_question,
    ),
    Row("quizzes.import_gift", "GET", OWNER, _w("quiz", "quiz_id")),
    Row(
        "quizzes.import_gift",
        "POST",
        OWNER,
        _w("quiz", "quiz_id"),
        data=lambda w: {"text": "Земля круглая.{T}"},
    ),
    Row(
        "quizzes.confirm_import",
        "POST",
        OWNER,
        _w("quiz", "quiz_id"),
        data=lambda w: {"gift_text": "Земля круглая.{T}", "replace": ""},
    ),
    Row("quizzes.export_gift", "GET", OWNER, _w("quiz", "quiz_id")),
    Row("quizzes.results", "GET", OWNER, _w("quiz", "quiz_id")),
    Row("quizzes.results_csv", "GET", OWNER, _w("quiz", "quiz_id")),
    Row("quizzes.statistics", "GET", OWNER, _w("quiz", "quiz_id")),
    Row("quizzes.grading_queue", "GET", OWNER, _w("quiz", "quiz_id")),
    Row("quizzes.find_override", "GET", OWNER, _w("quiz", "quiz_id")),
    *(
        Row(
            "quizzes.override",
            method,
            OWNER,
            lambda w: {"quiz_id": w["quiz"], "user_id": w.users["student_a"]},
        )
        for method in ("GET", "POST")
    ),
    # An instructor grades the essays of a student's finished attempt.
    Row(
        "quizzes.grade_attempt",
        "GET",
        {**allow("instructor_a", "admin", other=HIDDEN), "student_a": DENY},
        _w("attempt", "attempt_id"),
        "submitted",
    ),
    Row(
        "quizzes.grade_attempt",
        "POST",
        {**allow("instructor_a", "admin", other=HIDDEN), "student_a": DENY},
        _w("target_attempt", "attempt_id"),
        prepare=make.new_attempt,
    ),
    Row("quizzes.paper_pdf", "GET", OWNER, _w("quiz", "quiz_id")),
    Row("quizzes.answer_key_pdf", "GET", OWNER, _w("quiz", "quiz_id")),
    # --- knowledge base: readers --------------------------------------------------------------
    Row("finance.index", "GET", EVERYONE),
    Row("finance.all_entries", "GET", EVERYONE),
    Row("finance.topic", "GET", EVERYONE, _w("topic_slug", "slug")),
    Row("finance.entry", "GET", EVERYONE, _w("entry_slug", "slug"), "published"),
    Row(
        "finance.entry",
        "GET",
        allow("staff", "admin", other=HIDDEN),
        _w("unpublished_slug", "slug"),
        "unpublished",
    ),
    Row("finance.search", "GET", EVERYONE, query={"q": "пенсия"}),
    Row("finance.ask", "GET", EVERYONE),
    Row("finance.ask", "POST", EVERYONE, data=_ask_data),
    Row("finance.ask_answer", "GET", EVERYONE),
    Row("finance.ask_answer", "POST", EVERYONE, data=lambda w: {"code": "AAAA-BBBB-CCCC"}),
    Row("brochures.brochure", "GET", EVERYONE, _w("brochure_slug", "slug"), "published"),
    # The readers' page shows published editions: without one there is no page, even for staff.
    Row(
        "brochures.brochure", "GET", allow(other=HIDDEN), _w("draft_brochure_slug", "slug"), "draft"
    ),
    Row(
        "brochures.download",
        "GET",
        EVERYONE,
        lambda w: {"slug": w["brochure_slug"], "number": 1, "fmt": "a5"},
    ),
    # Old addresses of the brochures (under /finance/ until they got their own package): a
    # redirect for everyone; the page it leads to checks access as usual.
    Row("brochures.moved_brochure", "GET", EVERYONE, _w("brochure_slug", "slug")),
    Row("brochures.check_lookup", "GET", EVERYONE),
    Row("brochures.check", "GET", EVERYONE, _w("edition_code", "code"), "printed"),
    Row(
        "brochures.check",
        "GET",
        allow(other=HIDDEN),
        lambda w: {"code": "ABCD-EFGH-JKMN"},
        "guessed",
    ),
    Row(
        "brochures.moved_download",
        "GET",
        EVERYONE,
        lambda w: {"slug": w["brochure_slug"], "number": 1, "fmt": "a5"},
    ),
    Row("brochures.moved_manage", "GET", EVERYONE),
    Row("brochures.moved_new", "GET", EVERYONE),
    Row("brochures.moved_compose", "GET", EVERYONE, _w("brochure", "brochure_id")),
    Row("brochures.moved_edit", "GET", EVERYONE, _w("brochure", "brochure_id")),
    Row(
        "brochures.moved_draft_pdf",
        "GET",
        EVERYONE,
        lambda w: {"brochure_id": w["brochure"], "fmt": "a5"},
    ),
    Row(
        "brochures.moved_edition_pdf",
        "GET",
        EVERYONE,
        lambda w: {"brochure_id": w["brochure"], "number": 1, "fmt": "a5"},
    ),
    Row(
        "brochures.moved_preview_pdf",
        "GET",
        EVERYONE,
        lambda w: {"brochure_id": w["brochure"], "fmt": "a5"},
    ),
    # --- knowledge base: staff ----------------------------------------------------------------
    Row("finance.manage", "GET", STAFF),
    Row("finance.new_entry", "GET", STAFF),
    Row(
        "finance.new_entry",
        "POST",
        STAFF,
        data=lambda w: {**_entry_data(w), "slug": w["target_slug"], "question": "Новый вопрос?"},
        prepare=make.unique_name,
    ),
    Row("finance.manage_entry", "GET", STAFF, _w("entry", "entry_id")),
    Row("finance.manage_entry", "GET", STAFF, _w("unpublished_entry", "entry_id"), "unpublished"),
    Row("finance.edit_entry", "GET", STAFF, _w("entry", "entry_id")),
    Row("finance.edit_entry", "POST", STAFF, _w("entry", "entry_id"), data=_entry_data),
    Row("finance.revision", "GET", STAFF, lambda w: {"entry_id": w["entry"], "number": 1}),
    Row("finance.compare", "GET", STAFF, _w("entry", "entry_id")),
    Row("finance.submit", "POST", STAFF, _first_revision, prepare=make.new_entry("draft")),
    Row("finance.send_back", "POST", STAFF, _first_revision, prepare=make.new_entry("in_review")),
    Row("finance.discard", "POST", STAFF, _first_revision, prepare=make.new_entry("draft")),
    Row("finance.restore", "POST", STAFF, lambda w: {"entry_id": w["entry"], "number": 1}),
    Row(
        "finance.approve",
        "POST",
        STAFF,
        _first_revision,
        data=lambda w: {"valid_as_of": "2025-06-01"},
        prepare=make.new_entry("in_review", writer="second_staff"),
    ),
    # Four eyes: the staff member wrote it, so may not approve it (ALLOW_SELF_REVIEW is off).
    Row(
        "finance.approve",
        "POST",
        {**STAFF, "staff": REFUSED},
        _first_revision,
        "own revision",
        data=lambda w: {"valid_as_of": "2025-06-01"},
        prepare=make.new_entry("in_review"),
    ),
    Row(
        "finance.set_review_due",
        "POST",
        STAFF,
        _w("entry", "entry_id"),
        data=lambda w: {"review_due": "2030-01-01"},
    ),
    Row("finance.overdue", "GET", STAFF),
    Row("finance.synonyms", "GET", STAFF),
    Row("finance.synonyms", "POST", STAFF, data=lambda w: {"groups": "ЖКХ = коммуналка"}),
    Row("finance.search_misses", "GET", STAFF),
    Row("finance.questions_queue", "GET", STAFF),
    Row("finance.questions_spam", "POST", STAFF, data=lambda w: {"ids": str(w["question"])}),
    Row("finance.letter_question", "GET", STAFF),
    Row(
        "finance.letter_question",
        "POST",
        STAFF,
        data=lambda w: {"text": "Вопрос из письма", "region": "Пермский край"},
    ),
    Row("finance.manage_question", "GET", STAFF, _w("question", "question_id")),
    Row(
        "finance.link_question",
        "POST",
        STAFF,
        _w("question", "question_id"),
        data=lambda w: {"slug": w["entry_slug"]},
    ),
    Row(
        "finance.unlink_question",
        "POST",
        STAFF,
        lambda w: {"question_id": w["question"], "entry_id": w["entry"]},
        prepare=make.linked_question,
    ),
    Row(
        "finance.reply_question",
        "POST",
        STAFF,
        _w("question", "question_id"),
        data=lambda w: {"reply": "См. ответ."},
    ),
    Row("finance.close_question", "POST", STAFF, _w("question", "question_id")),
    Row("finance.question_letter", "GET", STAFF, _w("question", "question_id")),
    Row("finance.clear_search_misses", "POST", STAFF, data=lambda w: {"query": "астрономия"}),
    Row("finance.topics", "GET", STAFF),
    Row(
        "finance.topics",
        "POST",
        STAFF,
        data=lambda w: {"title": "Долги", "slug": w["target_slug"]},
        prepare=make.unique_name,
    ),
    Row("finance.edit_topic", "GET", STAFF, _w("topic", "topic_id")),
    Row(
        "finance.edit_topic",
        "POST",
        STAFF,
        _w("topic", "topic_id"),
        data=lambda w: {"title": "Пенсии", "slug": "pensions"},
    ),
    Row(
        "finance.move_topic",
        "POST",
        STAFF,
        _w("topic", "topic_id"),
        data=lambda w: {"direction": "down"},
    ),
    Row(
        "finance.delete_topic",
        "POST",
        STAFF,
        _w("target_topic", "topic_id"),
        prepare=make.new_topic,
    ),
    Row("finance.import_entries", "GET", STAFF),
    Row(
        "finance.import_entries",
        "POST",
        STAFF,
        data=lambda w: {"archive": (BytesIO(w["entries_zip"]), "entries.zip")},
    ),
    Row("finance.export_entries", "GET", STAFF),
    Row("brochures.manage", "GET", STAFF),
    Row("brochures.new", "GET", STAFF),
    Row(
        "brochures.new",
        "POST",
        STAFF,
        data=lambda w: {**_brochure_data(w), "slug": w["target_slug"], "title": "Новая"},
        prepare=make.unique_name,
    ),
    Row("brochures.edit", "GET", STAFF, _w("brochure", "brochure_id")),
    Row("brochures.edit", "POST", STAFF, _w("brochure", "brochure_id"), data=_brochure_data),
    Row("brochures.delete", "GET", STAFF, _w("draft_brochure", "brochure_id")),
    Row(
        "brochures.delete",
        "POST",
        STAFF,
        _w("target_brochure", "brochure_id"),
        prepare=make.new_brochure,
    ),
    Row("brochures.compose", "GET", STAFF, _w("brochure", "brochure_id")),
    Row("brochures.compose", "GET", STAFF, _w("draft_brochure", "brochure_id"), "draft"),
    Row(
        "brochures.add_section",
        "POST",
        STAFF,
        _w("brochure", "brochure_id"),
        data=lambda w: {"title": "Раздел"},
    ),
    Row(
        "brochures.rename_section",
        "POST",
        STAFF,
        _w("section", "section_id"),
        data=lambda w: {"title": "Раздел"},
    ),
    Row(
        "brochures.move_section",
        "POST",
        STAFF,
        _w("section", "section_id"),
        data=lambda w: {"direction": "down"},
    ),
    Row(
        "brochures.delete_section",
        "POST",
        STAFF,
        _w("target_section", "section_id"),
        prepare=make.new_section,
    ),
    Row(
        "brochures.add_item",
        "POST",
        STAFF,
        _w("section", "section_id"),
        data=lambda w: {"entry_id": str(w["entry"])},
    ),
    Row(
        "brochures.fill_section",
        "POST",
        STAFF,
        _w("section", "section_id"),
        data=lambda w: {"topic_id": str(w["topic"])},
    ),
    Row(
        "brochures.move_item",
        "POST",
        STAFF,
        _w("brochure_item", "item_id"),
        data=lambda w: {"direction": "down"},
    ),
    Row(
        "brochures.remove_item",
        "POST",
        STAFF,
        _w("target_brochure_item", "item_id"),
        prepare=make.new_brochure_item,
    ),
    Row(
        "brochures.publish",
        "POST",
        STAFF,
        _w("draft_brochure", "brochure_id"),
        data=lambda w: {"label": "Издание 1-е"},
    ),
    Row("brochures.draft_pdf", "GET", STAFF, lambda w: {"brochure_id": w["brochure"], "fmt": "a5"}),
    Row(
        "brochures.edition_pdf",
        "GET",
        STAFF,
        lambda w: {"brochure_id": w["brochure"], "number": 1, "fmt": "a5"},
    ),
    Row("brochures.edition", "GET", STAFF, lambda w: {"brochure_id": w["brochure"], "number": 1}),
    Row(
        "brochures.edition",
        "POST",
        STAFF,
        lambda w: {"brochure_id": w["brochure"], "number": 1},
        data=lambda w: {"printed_on": "2026-11-01", "copies": "100", "sent": "Пермский край: 40"},
    ),
    Row(
        "brochures.edition_press",
        "POST",
        STAFF,
        lambda w: {"brochure_id": w["brochure"], "number": 1, "fmt": "a5"},
    ),
    Row(
        "brochures.preview_pdf", "GET", STAFF, lambda w: {"brochure_id": w["brochure"], "fmt": "a5"}
    ),
    # ------------------------------------------------------------------ mirror
    Row("mirror.key", "GET", EVERYONE),
    # The test world configures no signing key: its file is not there for anyone.
    Row("mirror.public_key", "GET", allow(other=HIDDEN)),
    Row("mirror.download", "GET", STAFF),
]


# --- checking a response ----------------------------------------------------------------------


def row_url(app, row: Row, world: World) -> str:
    """The row's address for this world's objects."""
    from flask import url_for

    with app.test_request_context():
        return url_for(row.endpoint, **row.args(world), **row.query)


def _is_login(response) -> bool:
    return (
        response.status_code in (301, 302, 303, 307, 308)
        and urlsplit(response.headers.get("Location", "")).path == "/login"
    )


def outcome(response) -> str:
    """What a response amounts to: ok, login, or its status code."""
    if _is_login(response):
        return "login"
    code = response.status_code
    if 200 <= code < 400:
        location = response.headers.get("Location", "")
        # A redirect must stay on the site (no open redirect).
        if code >= 300 and urlsplit(location).netloc not in ("", "localhost"):
            return f"{code} to {location}"
        return OK
    return str(code)


def allowed_outcomes(expected: str, role: str) -> set[str]:
    """The outcomes that satisfy ``expected`` for ``role``."""
    if expected == OK:
        return {OK}
    if expected == GONE:
        return {"410"}
    if expected == REFUSED:
        return {"400"}
    denied = {"404"} if expected == HIDDEN else {"403", "404"}
    return denied | ({"login"} if role == "anon" else set())


def attempt(client, method: str, url: str, data: dict[str, Any] | None = None) -> str:
    """Send one request and return its outcome (the response is closed: files stay shut)."""
    response = client.open(url, method=method, data=data)
    try:
        return outcome(response)
    finally:
        response.close()
