"""The typographer: Russian and English quotes, dashes, arrows and non-breaking spaces."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from school.markdown import markdown_to_text, render_markdown
from school.typography import NBSP, typeset, typeset_html

# Text from the characters the rules look at, so that the rules actually fire.
_ALPHABET = st.sampled_from(
    [*"ав сп.ч№§12 0-->'\"«»—–…\n.,!?()x", "ст. ", " -- ", " - ", "->", "...", "₽", "руб."]
)
_TEXTS = st.lists(_ALPHABET, max_size=60).map("".join) | st.text(max_size=80)
_BACK = str.maketrans(
    {"«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-",
     "…": "...", "→": "->", "←": "<-", "↔": "<->"}
)  # fmt: skip


def _letters(text: str) -> str:
    """The text without spaces, its quotes, dashes, arrows and ellipses spelled the ASCII way."""
    return re.sub(r"-+", "-", re.sub(r"\s", "", text.translate(_BACK).replace("'", '"')))


@settings(max_examples=300)
@given(_TEXTS, st.sampled_from(["ru", "en"]))
def test_letters_are_never_changed(text, language):
    result = typeset(text, language)
    assert _letters(result) == _letters(text)
    assert [c for c in result if c.isalnum()] == [c for c in text if c.isalnum()]
    # spaces are only ever made non-breaking, never added or removed
    assert len(re.findall(r"\s", result)) <= len(re.findall(r"\s", text))


@settings(max_examples=300)
@given(_TEXTS, st.sampled_from(["ru", "en"]))
def test_typesetting_twice_changes_nothing_more(text, language):
    once = typeset(text, language)
    assert typeset(once, language) == once


@settings(max_examples=100)
@given(_TEXTS)
def test_html_text_is_typeset_and_code_is_not(text):
    html = typeset_html(f"<p>{_escape(text)}</p><pre><code>{_escape(text)}</code></pre>")
    paragraph, code = re.fullmatch(r"<p>(.*)</p><pre><code>(.*)</code></pre>", html, re.S).groups()
    assert code == _escape(text)
    assert paragraph == _escape(typeset(text))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Он сказал "да"', "Он\u00a0сказал «да»"),
        ('"Название "Защитник" условное"', "«Название „Защитник“ условное»"),
        ("Don't", "Don’t"),
        ("д'Артаньян", "д’Артаньян"),
        ("слово - слово", f"слово{NBSP}— слово"),
        ("слово -- слово", f"слово{NBSP}— слово"),
        ("1941--1945", "1941–1945"),
        ("по ст. 51", f"по{NBSP}ст.{NBSP}51"),
        ("п. 3 ч. 2", f"п.{NBSP}3{NBSP}ч.{NBSP}2"),
        ("№ 7 и § 2", f"№{NBSP}7 и{NBSP}§{NBSP}2"),
        ("10 000 ₽", f"10{NBSP}000{NBSP}₽"),
        ("500 руб.", f"500{NBSP}руб."),
        ("19 октября", f"19{NBSP}октября"),
        ("вопрос -> ответ", "вопрос → ответ"),
        ("и так далее...", "и\u00a0так далее…"),
        ("https://example.org/a--b -> x", "https://example.org/a--b → x"),
        ("help@example.org -- x", f"help@example.org{NBSP}— x"),
    ],
)
def test_russian_typography(text, expected):
    assert typeset(text, "ru") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He said \"it's 'fine'\"", "He said “it’s ‘fine’”"),
        ("Don't", "Don’t"),
        ("students' books", "students’ books"),
        ("a -- b", f"a{NBSP}– b"),
        ("a---b", "a—b"),
        ("in a box", "in a box"),  # no Russian short-word rule in English
    ],
)
def test_english_typography(text, expected):
    assert typeset(text, "en") == expected


def test_apostrophe_is_never_a_double_quote():
    for language in ("ru", "en"):
        html = str(render_markdown("Don't say \"it's\" -- it isn't.", language))
        assert "Don’t" in html and "isn’t" in html and "“t" not in html and "”t" not in html


def test_rendered_markdown_is_typeset_in_its_language_and_search_text_is_not():
    text = 'Он сказал "приходите" в суд -- по ст. 51.\n\n`a -- "b"`'
    russian = str(render_markdown(text, "ru"))
    assert "«приходите»" in russian and "в&nbsp;суд" in russian and "ст.&nbsp;51" in russian
    assert "&nbsp;— по" in russian
    assert '<code>a -- "b"</code>' in russian
    english = str(render_markdown('He said "come" -- now.', "en"))
    assert "“come”" in english and "–" in english
    assert markdown_to_text(text) == 'Он сказал "приходите" в суд -- по ст. 51.\na -- "b"'


def test_a_link_url_is_never_typeset():
    html = str(
        render_markdown("Смотрите https://example.org/a--b...c и [текст](https://e.org/x--y)")
    )
    assert ">https://example.org/a--b...c<" in html and 'href="https://e.org/x--y"' in html
