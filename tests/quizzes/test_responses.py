"""The attempt layout and form data (pure): stable shuffles, shown positions, round trips."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from quizzes.gift import parse_gift
from quizzes.grading import correct_response, grade
from quizzes.responses import (
    build_layout,
    chosen_options,
    field_name,
    form_values,
    parse_form,
    shown_question,
)
from quizzes.text import plain_text, question_html, render_text
from tests.quizzes.conftest import ALL_TYPES_GIFT

QUESTIONS = parse_gift(ALL_TYPES_GIFT).questions
ENTRIES = [(index + 10, q.to_dict()) for index, q in enumerate(QUESTIONS)]
FAST = settings(max_examples=60, deadline=None)


def as_form(layout, responses) -> MultiDict:
    form = MultiDict()
    for entry in layout:
        for name, value in form_values(entry, responses.get(str(entry["id"]))).items():
            for item in sorted(value) if isinstance(value, set) else [value]:
                form.add(name, item)
    return form


def canonical(question, response):
    if isinstance(response, frozenset):
        return sorted(response)
    if isinstance(response, dict):
        return {str(k): v for k, v in response.items()}
    return response


@FAST
@given(seed=st.integers(0, 2**31 - 2), shuffle_q=st.booleans(), shuffle_a=st.booleans())
def test_layout_is_a_stable_permutation(seed, shuffle_q, shuffle_a):
    layout = build_layout(ENTRIES, seed, shuffle_questions=shuffle_q, shuffle_answers=shuffle_a)
    again = build_layout(ENTRIES, seed, shuffle_questions=shuffle_q, shuffle_answers=shuffle_a)
    assert layout == again
    assert sorted(e["id"] for e in layout) == [e[0] for e in ENTRIES]
    if not shuffle_q:
        assert [e["id"] for e in layout] == [e[0] for e in ENTRIES]
    for entry in layout:
        for key in ("order", "rights"):
            if key in entry:
                assert sorted(entry[key]) == list(range(len(entry[key])))
                if not shuffle_a:
                    assert entry[key] == sorted(entry[key])


@FAST
@given(seed=st.integers(0, 2**31 - 2))
def test_right_answers_survive_the_form_round_trip(seed):
    layout = build_layout(ENTRIES, seed, shuffle_questions=True, shuffle_answers=True)
    responses = {
        str(entry["id"]): canonical(q, correct_response(q))
        for entry, q in ((e, shown_question(e, 1).question) for e in layout)
    }
    parsed = parse_form(layout, as_form(layout, responses))
    assert parsed == responses
    for entry in layout:
        question = shown_question(entry, 1).question
        assert grade(question, parsed[str(entry["id"])]).correct


def test_form_values_are_shown_positions():
    layout = build_layout(ENTRIES, 7, shuffle_questions=False, shuffle_answers=True)
    single = layout[0]
    right = QUESTIONS[0].correct_indexes[0]
    values = form_values(single, right)
    assert values == {field_name(10): str(single["order"].index(right))}
    shown = shown_question(single, 1)
    assert [o.position for o in shown.options] == [0, 1, 2]
    assert [o.index for o in shown.options] == single["order"]


def test_bad_form_data_is_ignored():
    layout = build_layout(ENTRIES, 1, shuffle_questions=False, shuffle_answers=False)
    form = MultiDict(
        [
            ("q10", "99"),
            ("q11", "-1"),
            ("q11", "abc"),
            ("q12", "maybe"),
            ("q13", "   "),
            ("q14", "x" * 10_000),
            ("q15-0", "7"),
            ("q15-1", "1"),
        ]
    )
    parsed = parse_form(layout, form)
    assert parsed == {"14": "x" * 500, "15": {"1": 1}}


def test_chosen_options_for_statistics():
    single, multiple, truefalse, short, numeric, matching = QUESTIONS
    assert chosen_options(single, 2) == {2}
    assert chosen_options(multiple, [0, 1]) == {0, 1}
    assert chosen_options(truefalse, False) == {False}
    assert chosen_options(short, "  ДовЕренность ") == {"доверенность"}
    assert chosen_options(numeric, "3,0") == {3.0}
    assert chosen_options(numeric, "три") == {"три"}
    assert chosen_options(matching, {"0": 1}) == {(0, 1)}
    assert chosen_options(single, None) == frozenset()


def test_text_rendering_is_safe_in_every_format():
    evil = '<script>alert(1)</script><img src="http://x/a.png" onerror="x()">**жирный**'
    assert "<script" not in render_text(evil, "markdown")
    assert "<script" not in render_text(evil, "html") and "http://x" not in render_text(
        evil, "html"
    )
    assert "&lt;script&gt;" in render_text(evil, "plain")
    assert render_text("**a**", "markdown", inline=True) == "<strong>a</strong>"
    assert render_text("a\nb", "plain", inline=True) == "a<br>b"
    assert plain_text("**a** &", "markdown") == "a &"
    text = "Прийти вы {=не обязаны ~обязаны}, но на допрос — да."
    missing = parse_gift("[markdown]" + text).questions[0]
    html = question_html(missing, "___")
    assert html == "<p>Прийти вы&nbsp;___, но&nbsp;на&nbsp;допрос&nbsp;— да.</p>"
    # Unprefixed GIFT is Moodle's auto-format: the text as written, HTML escaped.
    moodle = parse_gift(text.replace("да.", "да. What's <b>")).questions[0]
    html = question_html(moodle, "___")
    assert html == "<p>Прийти вы ___, но на допрос — да. What&#39;s &lt;b&gt;</p>"
