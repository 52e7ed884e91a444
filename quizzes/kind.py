"""The ``quiz`` item kind: how quizzes plug into courses (pages, bundle, workbook, progress).

The import, copy, delete and forget hooks run inside the courses package's transactions: they
add and flush, and never commit.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from courses.registry import ItemImportError, ItemKind
from quizzes import paper, services
from quizzes.gift import parse_gift
from quizzes.messages import gift_problem_messages
from quizzes.models import Attempt, Question, Quiz
from school.extensions import db

GIFT_SUFFIX = ".gift"


class QuizKind(ItemKind):
    label = _l("Quiz")
    add_label = _l("Add a quiz")
    new_label = _l("New quiz")
    settings_label = _l("Quiz settings")
    completable_by_hand = False
    creatable = True

    def student_url(self, item) -> str:
        return url_for("quizzes.for_item", item_id=item.id)

    def edit_url(self, item) -> str | None:
        return url_for("quizzes.for_item", item_id=item.id, to="questions")

    def status_label(self, item, user) -> str | None:
        return services.status_label(services.quiz_for_item(item), user)

    def front_matter(self, item) -> dict[str, Any]:
        return services.front_matter(services.quiz_for_item(item))

    def export_files(self, item) -> dict[str, bytes]:
        quiz = services.quiz_for_item(item)
        if quiz is None or not quiz.questions:
            return {}
        return {GIFT_SUFFIX: services.export_gift(quiz).encode("utf-8")}

    def import_item(self, item, front_matter: dict[str, Any], files: dict[str, bytes]) -> None:
        try:
            settings = services.settings_from_front_matter(front_matter)
        except services.QuizError as error:
            raise ItemImportError(error.message) from None
        questions = []
        if GIFT_SUFFIX in files:
            try:
                text = services.decode_gift(files[GIFT_SUFFIX])
            except services.QuizError as error:
                raise ItemImportError(f"{item.slug}{GIFT_SUFFIX}: {error.message}") from None
            result = parse_gift(text)
            if not result.ok:
                lines = gift_problem_messages(result)
                heading = _("%(file)s has errors:", file=item.slug + GIFT_SUFFIX)
                raise ItemImportError("\n".join([heading, *lines]))
            questions = result.questions
        quiz = services.quiz_for_item(item)
        if quiz is None:
            quiz = Quiz(item_id=item.id)
            db.session.add(quiz)
        for name in services.Settings.__dataclass_fields__:
            setattr(quiz, name, getattr(settings, name))
        db.session.flush()
        try:
            services.replace_questions(quiz, questions, replace=True)
        except services.QuizError as error:
            raise ItemImportError(error.message) from None
        db.session.flush()

    def workbook_html(self, item) -> str:
        quiz = services.quiz_for_item(item)
        if quiz is None or not quiz.questions:
            return ""
        return paper.worksheet_fragment(quiz)

    def answer_key_html(self, item) -> str:
        """The quiz's answers for the workbook everyone may download, if its review policy
        shows them to every student; otherwise a line that says they are left out."""
        quiz = services.quiz_for_item(item)
        if quiz is None or not quiz.questions:
            return ""
        if not services.answers_public(quiz):
            return paper.withheld_key_fragment(quiz)
        return paper.answer_key_fragment(quiz)

    def on_create(self, item) -> None:
        db.session.add(Quiz(item_id=item.id))
        db.session.flush()

    def on_copy(self, source, target) -> None:
        original = services.quiz_for_item(source)
        if original is None:
            return
        copy = Quiz(item_id=target.id)
        for name in services.Settings.__dataclass_fields__:
            setattr(copy, name, getattr(original, name))
        db.session.add(copy)
        for row in original.questions:
            copy.questions.append(
                Question(
                    position=row.position, type=row.type, data=dict(row.data), category=row.category
                )
            )
        db.session.flush()

    def on_delete(self, item) -> None:
        quiz = services.quiz_for_item(item)
        if quiz is None:
            return
        # Attempts and questions would also go by ON DELETE CASCADE; delete them explicitly.
        db.session.execute(
            delete(Attempt)
            .where(Attempt.quiz_id == quiz.id)
            .execution_options(synchronize_session=False)
        )
        db.session.delete(quiz)
        db.session.flush()

    def forget_user(self, item, user) -> None:
        quiz = services.quiz_for_item(item)
        if quiz is not None:
            services.forget_attempts(quiz, user)
