"""Markdown render budgets: limits on save, neutralised excess on render, remembered failures."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from school import markdown_limits as limits
from school import printing
from school.markdown import _rendered, markdown_to_text, render_markdown, render_problem

_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)[^>]*?>")
_VOID = {"br", "hr", "img"}


def html_depth(html: str) -> int:
    """Depth of the well-formed HTML that nh3 gives back."""
    depth = deepest = 0
    for tag in _TAG.finditer(html):
        if tag[2] in _VOID:
            continue
        depth += -1 if tag[1] else 1
        deepest = max(deepest, depth)
    return deepest


def nested_list(levels: int, marker: str = "-") -> str:
    return "".join("    " * level + f"{marker} пункт {level}\n" for level in range(levels))


def nested_quote(levels: int) -> str:
    return "".join(">" * level + f" цитата {level}\n\n" for level in range(1, levels + 1))


@pytest.mark.parametrize(
    "source",
    [nested_list(250), nested_list(1000, "1."), nested_quote(1000), ">" * 1000 + " x"],
    ids=["list-250", "ordered-1000", "quotes-1000", "quote-run-1000"],
)
def test_nesting_beyond_the_limit_is_flattened_on_render(source):
    html = str(render_markdown(source))
    assert "пункт" in html or "цитата" in html or "x" in html
    assert html_depth(html) <= 2 * limits.MAX_DEPTH + 2


@pytest.mark.parametrize(
    "source",
    ["*x " * 2400 + "y" + " x*" * 2400, "*[x " * 2000 + "y" + " x]*" * 2000],
    ids=["emphasis", "emphasis-in-brackets"],
)
def test_inline_nesting_is_bounded_in_the_html(source):
    html = str(render_markdown(source))
    assert html_depth(html) <= limits.MAX_TEXT_HTML_DEPTH
    assert "y" in html


def test_every_item_of_a_flattened_list_is_still_shown():
    html = str(render_markdown(nested_list(300)))
    assert all(f"пункт {level}<" in html for level in range(300))


@pytest.mark.parametrize(
    "source",
    ["[" * 8000, "[a" * 4000, "![" * 4000, "[" * 200 + "а" * 20000, "[^1]" * 500],
    ids=["run", "spaced", "images", "far-end", "footnotes"],
)
def test_unmatched_brackets_render_as_the_same_text(source):
    text = markdown_to_text(source)
    assert text.count("[") == source.count("[")


def test_brackets_inside_code_are_kept_as_written():
    source = "Код: `a[0] = [`, а [ссылка](/a) работает.\n\n```\nx = [[[\n```"
    html = str(render_markdown(source))
    assert "<code>a[0] = [</code>" in html
    assert 'href="/a"' in html
    assert "x = [[[" in html


def test_markers_past_the_budget_show_as_plain_text():
    source = "*a" * (limits.MAX_MARKERS + 2000)
    text = markdown_to_text(source)
    assert text.count("*") >= 2000 - 1  # the excess is shown as written, not as emphasis


def test_long_backtick_runs_are_shortened_to_the_limit_but_shown_whole():
    assert markdown_to_text("`" * 5000).count("`") == 5000


def test_abbreviations_beyond_their_budget_are_shown_as_written():
    source = "*[x]: икс\n" + "x " * 1000
    html = str(render_markdown(source))
    assert "<abbr" not in html
    assert "*[x]: икс" in markdown_to_text(source)


def test_text_beyond_the_element_budget_is_cut_with_a_notice(app):
    source = "абзац\n\n" * (limits.MAX_ELEMENTS + 500)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = str(render_markdown(source))
    assert html.count("<p>абзац</p>") == limits.MAX_ELEMENTS
    assert "beyond the site&#39;s limits and is not shown" in html


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("ж" * (limits.MAX_LENGTH + 1), "length"),
        (nested_list(limits.MAX_DEPTH + 1), "depth"),
        ("- x\n" * (limits.MAX_ELEMENTS + 1), "elements"),
        ("[" * 8000, "brackets"),
        ("*a" * 6000, "markers"),
        ("`" * 40, "run"),
        ("".join(f"*[w{n}]: y\n" for n in range(30)), "abbreviations"),
        ("*[HTML]: язык\n\n" + "HTML " * 300, "abbreviation_uses"),
        ("[^1]" * 300 + "\n\n[^1]: сноска", "footnotes"),
    ],
)
def test_problems_name_each_limit_a_text_exceeds(source, code):
    assert [problem.code for problem in limits.problems(source)] == [code]


def test_texts_within_the_limits_have_no_problems():
    ordinary = "## Шаги\n\n1. Позвоните [адвокату](/a)\n    - **не** подписывайте\n\n> цитата\n"
    assert limits.problems(ordinary * 100) == []
    assert limits.problems(nested_list(limits.MAX_DEPTH)) == []


def _at_stack_depth(free_frames: int, call):
    """Call ``call`` with only about ``free_frames`` frames left before the recursion limit."""

    def descend(level: int):
        if level <= 0:
            return call()
        return descend(level - 1)

    used = len(_frames())
    return descend(sys.getrecursionlimit() - used - free_frames)


def _frames() -> list:
    frame, frames = sys._getframe(), []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


def test_a_failed_render_is_remembered_and_shown_as_a_notice(app):
    source = "Текст, который не удалось показать: **жирный**.\n\n" + nested_list(9)
    _rendered.clear()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert _at_stack_depth(12, lambda: markdown_to_text(source)) == ""
        # Remembered by digest: at an ordinary depth the same text is not rendered again.
        html = str(render_markdown(source))
        assert html == '<p class="markdown-notice">The text is nested too deeply to be shown.</p>'
        assert render_problem(source) == "The text is nested too deeply to be shown."
        assert render_problem(source + " ") is None


def test_print_engine_refuses_html_nested_beyond_its_depth_and_remembers(tmp_path):
    html = "<html><body>" + "<div>" * 300 + "глубоко" + "</div>" * 300 + "</body></html>"
    metadata = printing.PdfMetadata(title="Глубоко", author="Школа", lang="ru")
    with pytest.raises(printing.PrintFailed):
        printing.render_cached(html, tmp_path, metadata)
    assert [path.suffix for path in tmp_path.iterdir()] == [".failed"]
    with pytest.raises(printing.PrintFailed):
        printing.render_cached(html, tmp_path, metadata)


# --------------------------------------------------------------------------- property tests

_RUN_CHARS = "[]()!*_`~>-#|:^&<\\"
runs = st.builds(
    lambda char, count: char * count, st.sampled_from(_RUN_CHARS), st.integers(1, 3000)
)
nesting = st.builds(
    lambda prefix, levels, text: "".join(prefix(level) + text + "\n" for level in range(levels)),
    st.sampled_from(
        [
            lambda n: "    " * n + "- ",
            lambda n: "    " * n + "1. ",
            lambda n: "> " * n,
            lambda n: ">" * n + " - ",
            lambda n: "\t" * n + "* ",
            lambda n: "> " * n + "| a | b |\n" + "> " * n + "|---|---|\n" + "> " * n + "| ",
        ]
    ),
    st.integers(1, 400),
    st.sampled_from(["x", "[a", "*b*", "`c", "<div>", "[^1]", "*[x]: y"]),
)
html_like = st.builds(
    lambda tag, count: f"<{tag}>" * count + "x" + f"</{tag}>" * count,
    st.sampled_from(["div", "b", "ul><li", "table><tr><td", "blockquote"]),
    st.integers(1, 500),
)
pieces = st.one_of(runs, nesting, html_like, st.text(max_size=200))
adversarial = st.lists(pieces, min_size=1, max_size=6).map("".join)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(adversarial)
def test_adversarial_markdown_renders_without_error_and_bounded(source):
    html = str(render_markdown(source))
    assert len(html) <= 40 * len(source) + 1000
    assert html_depth(html) <= limits.MAX_TEXT_HTML_DEPTH
    assert limits.problems(limits.prepare(source).text) == [] or len(source) > 0
