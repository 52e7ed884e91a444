"""One-line fields refuse line breaks in every form; text areas keep theirs."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

from school.forms import LINE_BREAKS, SchoolForm


class Form(SchoolForm):
    title = StringField()
    body = TextAreaField()
    secret = PasswordField()
    next = HiddenField()


@pytest.mark.parametrize("mark", sorted(LINE_BREAKS))
def test_a_line_break_in_a_one_line_field_is_refused(app, mark):
    with app.test_request_context("/", method="POST"):
        form = Form(formdata=MultiDict({"title": f"Права{mark}задержанного"}))
        assert not form.validate()
        assert form.errors == {"title": ["Поле принимает только одну строку текста."]}


def test_text_areas_passwords_and_hidden_fields_keep_their_lines(app):
    with app.test_request_context("/", method="POST"):
        form = Form(
            formdata=MultiDict(
                {"title": "Права", "body": "a\r\nb", "secret": "x\ny", "next": "/a\nb"}
            )
        )
        assert form.validate(), form.errors
        assert form.body.data == "a\r\nb"
