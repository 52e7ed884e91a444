"""A small platform built through the services: one object of every kind, with known owners.

"Instructor A" teaches a published and a draft webinar, a published and a draft course (with a
lesson and a quiz); "student A" is registered, enrolled, has a certificate and two quiz attempts
(one submitted, one in progress). The knowledge base has a published entry with an open draft, an
entry in review, an unpublished one, a published brochure and a draft. "Student B", "instructor
B", staff and an admin own nothing, and a "victim" account is there for the admin's actions.

The ``new_*`` helpers make one more object of a kind in a given state, for actions that use
their object up (deleting, approving, submitting): each role that may act gets its own.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cache
from io import BytesIO
from typing import Any

from flask.testing import FlaskClient
from PIL import Image

from brochures import services as brochures_services
from brochures.models import Brochure
from courses import services as courses
from courses.models import Certificate, Course, Item, Module
from finance import services as finance
from finance.models import Entry, Topic
from quizzes import services as quizzes
from quizzes.models import Question
from school import imagestore, readers, resets
from school.extensions import db
from school.models import Role, User
from school.passwords import hash_password
from school.timeutil import now_utc
from school.usernames import skeleton, username_key
from tests.conftest import PASSWORD, AuthActions
from webinars import services as webinars
from webinars.models import Webinar, WebinarStatus

ROLES = ("anon", "student_a", "student_b", "instructor_a", "instructor_b", "staff", "admin")
PARTS = ("webinars", "courses", "finance")

GIFT = """\
::Обыск::Какой документ предъявляют до начала обыска? {
\t=постановление#Верно.
\t~паспорт#Нет.
}

::Понятые::Понятые при обыске обязательны.{F}
"""

_numbers = itertools.count(1)


@dataclass
class World:
    """Ids (never ORM objects: requests run in their own sessions) of everything built."""

    users: dict[str, int] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.ids[name]

    def user(self, role: str) -> User:
        return db.session.get(User, self.users[role])

    def client(self, app, role: str) -> FlaskClient:
        """A fresh client, logged in as ``role`` (anonymous for "anon")."""
        client = app.test_client()
        if role != "anon":
            response = AuthActions(client).login(self.user(role).username)
            assert response.status_code == 302, (role, response.status_code)
            response.close()
        return client


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def _add_user(name: str, role: Role, shown: str | None = None) -> User:
    # Straight to the table: the password policy check is slow and tested elsewhere.
    user = User(
        username=name,
        username_key=username_key(name),
        username_skeleton=skeleton(name),
        password_hash=_password_hash(),
        display_name=shown,
        role=role.value,
    )
    db.session.add(user)
    return user


def build_world(parts: tuple[str, ...] = PARTS) -> World:
    """Create the users and the given parts through the services; return the ids."""
    world = World()
    users = {
        "student_a": _add_user("student_a", Role.STUDENT, "Мама Ивана"),
        "student_b": _add_user("student_b", Role.STUDENT),
        "instructor_a": _add_user("instructor_a", Role.INSTRUCTOR, "Анна Петрова"),
        "instructor_b": _add_user("instructor_b", Role.INSTRUCTOR),
        "co_instructor": _add_user("co_instructor", Role.INSTRUCTOR),
        "staff": _add_user("staff_member", Role.STAFF),
        # Approves what the staff member writes: no one approves their own revision.
        "second_staff": _add_user("second_staff", Role.STAFF),
        "admin": _add_user("the_admin", Role.ADMIN),
        "victim": _add_user("victim", Role.STUDENT),
    }
    db.session.commit()
    world.users = {key: user.id for key, user in users.items()}
    world.ids["postal_reader"] = readers.create_reader("Читатель по почте", "R-1").id
    # A live reset link of student B (the admin's reset row makes links for the victim).
    world.ids["reset_token"] = resets.issue_link(users["student_b"]).url.rsplit("/", 1)[1]
    world.ids["image_file"] = _image_file()
    image = imagestore.store_upload(users["staff"], world.ids["image_file"], "Схема")
    world.ids["image"] = imagestore.image_url(image).rsplit("/", 1)[1]
    builders = {"webinars": _webinars, "courses": _courses, "finance": _finance}
    for part in parts:
        builders[part](world)
    db.session.expire_all()
    return world


def _image_file() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (90, 120, 160)).save(out, "PNG")
    return out.getvalue()


def new_postal_reader(world: World, role: str) -> None:
    """A preparer: one more postal reader, as ``target_reader``."""
    world.ids["target_reader"] = readers.create_reader(f"Читатель {next(_numbers)}").id


# --- webinars ---------------------------------------------------------------------------------


def _webinar(owner: User, title: str, status: WebinarStatus) -> Webinar:
    data = webinars.WebinarData(
        title=title,
        start_date=(now_utc() + timedelta(days=30)).date(),
        start_time=time(18, 0),
        timezone="Europe/Moscow",
        duration_minutes=90,
        summary="Что делать при задержании.",
        presenters="Анна Петрова",
        join_url="https://meet.example.org/room",
        materials="Памятка задержанному.",
    )
    return webinars.create_webinar(owner, data, status=status)


def _webinars(world: World) -> None:
    ia, sa = world.user("instructor_a"), world.user("student_a")
    # Student A holds a place in the published webinar and has a calendar feed.
    webinar = _webinar(ia, "Права при задержании", WebinarStatus.PUBLISHED)
    draft_webinar = _webinar(ia, "Черновик вебинара", WebinarStatus.DRAFT)
    cancelled = _webinar(ia, "Отменённый вебинар", WebinarStatus.PUBLISHED)
    webinars.cancel_webinar(cancelled.id)
    webinars.register(sa, webinar.id)
    world.ids.update(
        webinar=webinar.id,
        draft_webinar=draft_webinar.id,
        cancelled_webinar=cancelled.id,
        feed_token=webinars.issue_feed_token(sa),
    )


def new_webinar(status: str):
    """A preparer: a new webinar of instructor A in ``status`` ("draft", "published",
    "cancelled"), as ``target_webinar``."""

    def prepare(world: World, role: str) -> None:
        owner = world.user("instructor_a")
        created = WebinarStatus.DRAFT if status == "draft" else WebinarStatus.PUBLISHED
        webinar = _webinar(owner, f"Вебинар {next(_numbers)}", created)
        if status == "cancelled":
            webinars.cancel_webinar(webinar.id)
        world.ids["target_webinar"] = webinar.id

    return prepare


# --- courses and quizzes ----------------------------------------------------------------------


def _course(owner: User, slug: str, *, published: bool) -> tuple[Course, Module, Item, Item]:
    course = courses.create_course(owner, title=f"Курс {slug}", slug=slug, summary="Коротко.")
    module = courses.create_module(course, title="Первый модуль", body="Введение.")
    lesson = courses.create_item(module, title="Урок", body="Текст урока.")
    quiz_item = courses.create_item(module, kind="quiz", title="Тест", required=False)
    if published:
        courses.set_published(course, True)
    return course, module, lesson, quiz_item


def _courses(world: World) -> None:
    ia, sa = world.user("instructor_a"), world.user("student_a")
    # A published course with a co-instructor, and a draft.
    course, module, lesson, quiz_item = _course(ia, "osnovy", published=True)
    courses.add_instructor(course, "co_instructor")
    draft, draft_module, draft_lesson, draft_quiz_item = _course(ia, "chernovik", published=False)
    quiz = quizzes.quiz_for_item(quiz_item)
    quizzes.import_gift(quiz, GIFT)
    draft_quiz = quizzes.quiz_for_item(draft_quiz_item)
    quizzes.import_gift(draft_quiz, GIFT)
    courses.enrol(sa, course)
    courses.mark_done(sa, lesson)  # the quiz is optional: this completes the course
    done = quizzes.start_attempt(quiz, sa)
    quizzes.submit_attempt(done, {})
    open_attempt = quizzes.start_attempt(quiz, sa)
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.user_id == sa.id))
    question = db.session.scalar(db.select(Question).where(Question.quiz_id == quiz.id))
    world.ids.update(
        course=course.slug,
        module=module.id,
        lesson=lesson.id,
        quiz_item=quiz_item.id,
        quiz=quiz.id,
        question=question.id,
        draft_course=draft.slug,
        draft_module=draft_module.id,
        draft_lesson=draft_lesson.id,
        draft_quiz_item=draft_quiz_item.id,
        draft_quiz=draft_quiz.id,
        attempt=done.id,
        open_attempt=open_attempt.id,
        certificate=certificate.code,
        course_zip=courses.export_zip(db.session.get(Course, course.id)),
    )


def _published_course(world: World) -> Course:
    return courses.course_by_slug(world["course"])


def new_course(world: World, role: str) -> None:
    """A new draft course of instructor A, as ``target_course``."""
    number = next(_numbers)
    course = courses.create_course(world.user("instructor_a"), title="Курс", slug=f"kurs-{number}")
    world.ids["target_course"] = course.slug


def new_module(world: World, role: str) -> None:
    """A new module of the published course, as ``target_module``."""
    module = courses.create_module(_published_course(world), title=f"Модуль {next(_numbers)}")
    world.ids["target_module"] = module.id


def new_lesson(world: World, role: str) -> None:
    """A new lesson in the published course's first module, as ``target_item``."""
    module = db.session.get(Module, world["module"])
    item = courses.create_item(module, title=f"Урок {next(_numbers)}", body="Текст.")
    world.ids["target_item"] = item.id


def co_instructor(world: World, role: str) -> None:
    """The co-instructor teaches the published course (again)."""
    course = _published_course(world)
    if not any(u.id == world.users["co_instructor"] for u in course.instructors):
        courses.add_instructor(course, "co_instructor")


def new_question(world: World, role: str) -> None:
    """One more question in the published quiz, as ``target_question``."""
    quiz = quizzes.get_quiz(world["quiz"])
    quizzes.import_gift(quiz, "Земля круглая.{T}")
    world.ids["target_question"] = db.session.get(type(quiz), quiz.id).questions[-1].id


def _new_quiz_attempt(world: World, *, submit: bool) -> int:
    module = db.session.get(Module, world["module"])
    item = courses.create_item(module, kind="quiz", title=f"Тест {next(_numbers)}", required=False)
    quiz = quizzes.quiz_for_item(item)
    quizzes.import_gift(quiz, GIFT)
    student = world.user("student_a")
    courses.enrol(student, module.course)  # the sweep may have made them leave
    attempt = quizzes.start_attempt(quiz, student)
    if submit:
        quizzes.submit_attempt(attempt, {})
    return attempt.id


def new_attempt(world: World, role: str) -> None:
    """Student A's submitted attempt at a new quiz, as ``target_attempt``."""
    world.ids["target_attempt"] = _new_quiz_attempt(world, submit=True)


def new_open_attempt(world: World, role: str) -> None:
    """Student A's attempt in progress at a new quiz, as ``target_attempt``."""
    world.ids["target_attempt"] = _new_quiz_attempt(world, submit=False)


# --- knowledge base ---------------------------------------------------------------------------


def _entry(user: User, slug: str, topic: Topic, *, approve: bool) -> Entry:
    entry = finance.create_entry(
        user,
        finance.EntryInput(
            slug=slug,
            question=f"Вопрос {slug}?",
            topic_ids=[topic.id],
            short_answer="Коротко: да.",
            full_answer="Подробный ответ.",
            legal_references=["ст. 99 Федерального закона № 229-ФЗ"],
        ),
    )
    if approve:
        revision = entry.open_revision
        finance.submit_for_review(user, revision)
        reviewer = db.session.scalar(db.select(User).where(User.username == "second_staff"))
        finance.approve(reviewer, revision, date(2025, 3, 1))
    return entry


def _edit(user: User, entry: Entry, answer: str):
    entry = db.session.get(Entry, entry.id)
    published = entry.published_revision
    return finance.save_entry(
        user,
        entry,
        finance.EntryInput(
            slug=entry.slug,
            question=published.question,
            topic_ids=[t.id for t in entry.topics],
            short_answer=answer,
            full_answer=published.full_answer,
            legal_references=list(published.legal_references),
        ),
    )


def _finance(world: World) -> None:
    staff = world.user("staff")
    # A published entry with an open draft, one in review, one never published.
    topic = finance.create_topic("Пенсии", "pensions")
    entry = _entry(staff, "pension-in-prison", topic, approve=True)
    _edit(staff, entry, "Коротко: да, но с удержаниями.")
    review = _entry(staff, "loan-of-late-husband", topic, approve=True)
    review_draft = _edit(staff, review, "Коротко: только в пределах наследства.")
    finance.submit_for_review(staff, review_draft)
    unpublished = _entry(staff, "rent-in-prison", topic, approve=False)
    brochure = brochures_services.create_brochure(
        staff,
        brochures_services.BrochureInput(kind="brochure", slug="money-in-prison", title="Деньги"),
    )
    brochures_services.add_item(brochure.sections[0], db.session.get(Entry, entry.id))
    edition = brochures_services.publish_edition(staff, db.session.get(Brochure, brochure.id))
    draft_brochure = brochures_services.create_brochure(
        staff,
        brochures_services.BrochureInput(kind="brochure", slug="draft-brochure", title="Черновик"),
    )
    draft_section = draft_brochure.sections[0]
    draft_item = brochures_services.add_item(draft_section, db.session.get(Entry, review.id))
    question, _code = finance.questions.ask("Как получать пенсию в колонии?")
    finance.questions.link_entry(question, db.session.get(Entry, entry.id))
    world.ids.update(
        question=question.id,
        topic=topic.id,
        topic_slug=topic.slug,
        entry=entry.id,
        entry_slug=entry.slug,
        review_entry=review.id,
        unpublished_entry=unpublished.id,
        unpublished_slug=unpublished.slug,
        brochure=brochure.id,
        brochure_slug=brochure.slug,
        edition_code=edition.check_code,
        draft_brochure=draft_brochure.id,
        draft_brochure_slug=draft_brochure.slug,
        section=draft_section.id,
        brochure_item=draft_item.id,
        entries_zip=finance.export_zip("published"),
    )


def new_entry(state: str, writer: str = "staff"):
    """A preparer: a new entry whose first revision is in ``state`` ("draft", "in_review",
    "approved"), written by ``writer`` (a key of the world's users), as ``target_entry``."""

    def prepare(world: World, role: str) -> None:
        staff = world.user(writer)
        topic = db.session.get(Topic, world["topic"])
        entry = _entry(staff, f"entry-{next(_numbers)}", topic, approve=state == "approved")
        if state == "in_review":
            finance.submit_for_review(staff, entry.open_revision)
        world.ids["target_entry"] = entry.id

    return prepare


def linked_question(world: World, role: str) -> None:
    """The world's reader question, with the published entry linked to it again."""
    question = db.session.get(finance.questions.ReaderQuestion, world["question"])
    finance.questions.link_entry(question, db.session.get(Entry, world["entry"]))


def new_topic(world: World, role: str) -> None:
    """An empty topic, as ``target_topic``."""
    number = next(_numbers)
    world.ids["target_topic"] = finance.create_topic(f"Тема {number}", f"topic-{number}").id


def new_brochure(world: World, role: str) -> None:
    """A new brochure without editions, as ``target_brochure``."""
    brochure = brochures_services.create_brochure(
        world.user("staff"),
        brochures_services.BrochureInput(
            kind="brochure", slug=f"brochure-{next(_numbers)}", title="Новая"
        ),
    )
    world.ids["target_brochure"] = brochure.id


def new_section(world: World, role: str) -> None:
    """One more (empty) section in the draft brochure, as ``target_section``."""
    brochure = db.session.get(Brochure, world["draft_brochure"])
    world.ids["target_section"] = brochures_services.add_section(
        brochure, f"Раздел {next(_numbers)}"
    ).id


def new_brochure_item(world: World, role: str) -> None:
    """A new published entry added to the draft brochure, as ``target_brochure_item``."""
    new_entry("approved")(world, role)
    section = db.session.get(Brochure, world["draft_brochure"]).sections[0]
    item = brochures_services.add_item(section, db.session.get(Entry, world["target_entry"]))
    world.ids["target_brochure_item"] = item.id


def unique_name(world: World, role: str) -> None:
    """A fresh address for something created by the request, as ``target_slug``."""
    world.ids["target_slug"] = f"created-{next(_numbers)}"


def new_instructor(world: World, role: str) -> None:
    """A new instructor account, its username as ``target_slug``."""
    name = f"teacher{next(_numbers)}"
    _add_user(name, Role.INSTRUCTOR)
    db.session.commit()
    world.ids["target_slug"] = name
