"""Text input hygiene: every form of the site cleans what was typed or pasted by the same rules.

One-line fields turn soft breaks and tabs into spaces and refuse CR or LF with a message; text
areas turn soft breaks into line breaks and keep tabs; invisible control characters go
everywhere, at the input guard for values no form reads.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

from school.forms import SchoolForm, _leaves
from school.textinput import clean_line, clean_text, drop_invisible, one_line, text_lines

FEATURES = ("school", "webinars", "courses", "quizzes", "finance", "brochures")
REFUSAL = "Это поле — одна строка: уберите перенос строки."
CONTROLS = "".join(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0)]))


# --- the rules --------------------------------------------------------------------------------


def test_soft_breaks_become_line_breaks_or_spaces():
    for mark in "\v\f\x85\u2028\u2029":
        assert clean_text(f"До{mark}после") == "До\nпосле"
        assert clean_line(f"До{mark}после") == "До после"


def test_invisible_controls_go_and_tab_is_a_space_on_one_line():
    assert clean_text("a\x00b\x01c\x1bd\x7fe\x9ff\tg\r\nh") == "abcdef\tg\r\nh"
    assert clean_line("a\x00b\tc") == "ab c"
    assert clean_line("a\r\nb") == "a\r\nb"  # kept, for the form to refuse
    assert one_line("a\r\nb\nc\x0bd") == "a b c d"
    assert text_lines("a\r\nb\rc\x0bd") == "a\nb\nc\nd"


@given(st.text())
def test_the_rules_leave_no_control_but_what_the_field_keeps(text):
    kept_in_text = {"\t", "\n", "\r"}
    assert not {c for c in clean_text(text) if c in CONTROLS} - kept_in_text
    assert not {c for c in clean_line(text) if c in CONTROLS} - {"\n", "\r"}
    assert not {c for c in one_line(text) if c in CONTROLS}
    assert not {c for c in text_lines(text) if c in CONTROLS} - {"\t", "\n"}
    # Letters, digits, punctuation and the separators (soft breaks) are never removed.
    visible = [c for c in text if c not in CONTROLS and c not in "\ufffe\uffff"]
    assert [c for c in drop_invisible(text) if c not in CONTROLS] == visible


# --- every form of the site -------------------------------------------------------------------


def _every_form_class() -> list[type[FlaskForm]]:
    for package in FEATURES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if info.name.rsplit(".", 1)[-1] in {"forms", "views"} or ".views" in info.name:
                importlib.import_module(info.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted(
        {cls for cls in below(FlaskForm) if cls.__module__.split(".")[0] in FEATURES},
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


FORMS = _every_form_class()


def _is_one_line(kind: type) -> bool:
    return issubclass(kind, StringField) and not issubclass(
        kind, TextAreaField | PasswordField | HiddenField
    )


def test_the_sweep_finds_the_forms_of_every_feature():
    assert {cls.__module__.split(".")[0] for cls in FORMS} == set(FEATURES)
    assert all(issubclass(cls, SchoolForm) for cls in FORMS), "every form is a SchoolForm"


def _fields(app, form_class):
    with app.test_request_context("/", method="POST"):
        return [(field.name, type(field)) for field in _leaves(form_class())]


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_form_cleans_every_text_field(app, form_class):
    fields = _fields(app, form_class)
    one_line_fields = [name for name, kind in fields if _is_one_line(kind)]
    areas = [name for name, kind in fields if issubclass(kind, TextAreaField)]
    for name in one_line_fields:
        with app.test_request_context("/", method="POST"):
            form = form_class(formdata=MultiDict({name: "Права\r\nзадержанного"}))
            assert not form.validate()
            field = next(f for f in _leaves(form) if f.name == name)
            assert REFUSAL in field.errors, (name, field.errors)
            assert field.data == "Права\r\nзадержанного"  # shown again as typed
            form = form_class(formdata=MultiDict({name: "До\x0bпосле\x01\tконец\x0c"}))
            field = next(f for f in _leaves(form) if f.name == name)
            form.validate()
            assert REFUSAL not in field.errors
            assert field.data.strip() == "До после конец"
    for name in areas:
        with app.test_request_context("/", method="POST"):
            form = form_class(formdata=MultiDict({name: "До\x0bпосле\x1b\tконец\r\nещё"}))
            field = next(f for f in _leaves(form) if f.name == name)
            form.validate()
            assert REFUSAL not in field.errors
            assert field.data.strip() == "До\nпосле\tконец\r\nещё"


def test_the_sweep_covers_rows_of_field_lists(app):
    from quizzes.forms import SingleChoiceForm

    rows = [name for name, kind in _fields(app, SingleChoiceForm) if _is_one_line(kind)]
    assert any(name.startswith("choices-0-") for name in rows), rows


class Form(SchoolForm):
    title = StringField()
    body = TextAreaField()
    secret = PasswordField()
    next = HiddenField()


def test_passwords_and_hidden_fields_are_not_refused(app):
    with app.test_request_context("/", method="POST"):
        form = Form(
            formdata=MultiDict(
                {"title": "Права", "body": "a\r\nb", "secret": "x\ty", "next": "/a\nb"}
            )
        )
        assert form.validate(), form.errors
        assert form.body.data == "a\r\nb" and form.secret.data == "x\ty"


# --- through the site -------------------------------------------------------------------------


def test_a_line_break_in_a_one_line_field_is_a_message_on_the_form_not_a_500(login, make_user):
    staff = login(user=make_user("staff"))
    response = staff.post(
        "/readers/new", data={"name": "Анна\nИванова", "reference": "", "note": "x"}
    )
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert REFUSAL in page
    assert "Анна" in page and "Иванова" in page


def test_the_guard_drops_controls_from_values_no_form_reads(app):
    with app.test_request_context("/?q=%01пра%1Bва%00&%7Fk=v", method="POST", data={"a": "b\x02"}):
        from flask import request

        assert request.args["q"] == "права"
        assert request.args["k"] == "v"
        assert request.form["a"] == "b"
