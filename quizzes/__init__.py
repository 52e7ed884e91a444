"""Quizzes: question types, attempts, grading, GIFT import/export, statistics, paper quizzes."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the blueprint, the ``quiz`` item kind, permission rules, hooks and the CLI."""
    from courses.registry import register_item_kind
    from quizzes import cli, services
    from quizzes.kind import QuizKind
    from quizzes.models import Attempt, Question, Quiz
    from quizzes.text import plain_text, question_html, render_text
    from quizzes.views import bp
    from school import hooks
    from school.permissions import can_edit, can_view, edit_rule, rules_follow, view_rule

    app.register_blueprint(bp)
    app.jinja_env.filters.update(
        quiz_text=render_text,
        quiz_question=question_html,
        quiz_plain=plain_text,
        quiz_percent=services.percent_text,
        quiz_number=services.number_text,
        quiz_score=services.score_text,
    )

    rules_follow(Quiz, lambda quiz: quiz.item.module.course)

    @edit_rule(Question)
    def _edit_question(user, question: Question) -> bool:
        return can_edit(user, question.quiz)

    @edit_rule(Attempt)
    def _edit_attempt(user, attempt: Attempt) -> bool:
        # The course's editors review and remove attempts; nobody changes their answers.
        return can_edit(user, attempt.quiz)

    @view_rule(Attempt)
    def _view_attempt(user, attempt: Attempt) -> bool:
        return user is not None and attempt.user_id == user.id and can_view(user, attempt.quiz)

    register_item_kind("quiz", QuizKind())
    hooks.register_exporter("quizzes", services.export_user)
    hooks.register_eraser("quizzes", services.erase_user)
    app.cli.add_command(cli.quizzes)
