"""One refusal type: every feature's error is a Refusal, and one helper shows it on a form."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from brochures.services import BrochureError
from courses.services import CourseError
from finance.services import FinanceError
from quizzes.services import QuizError
from school.forms import SchoolForm
from school.readers import ReaderError
from school.refusal import Refusal
from school.services import AccountError
from school.views_helpers import refuse
from webinars.services import WebinarError


class Form(SchoolForm):
    title = StringField()


@pytest.mark.parametrize(
    "kind",
    [AccountError, ReaderError, CourseError, QuizError, WebinarError, FinanceError, BrochureError],
)
def test_every_features_error_is_a_refusal(kind):
    error = kind("Нельзя.", "title")
    assert isinstance(error, Refusal) and isinstance(error, ValueError)
    assert (error.message, error.field, str(error)) == ("Нельзя.", "title", "Нельзя.")


def test_a_refusal_goes_next_to_its_field_or_into_a_flash(app):
    with app.test_request_context("/", method="POST"):
        form = Form(formdata=MultiDict({"title": "x"}))
        refuse(form, Refusal("Занято.", "title"))
        refuse(form, Refusal("Первая строка\nВторая строка", "nothing_like_this"))
        refuse(form, Refusal(errors={"title": ["Коротко."], None: ["В целом."]}))
        assert form.title.errors == ["Занято.", "Коротко."]
        assert get_flashed_messages() == ["Первая строка", "Вторая строка", "В целом."]


def test_a_refusal_needs_a_message():
    with pytest.raises(TypeError):
        Refusal()
