"""GitHub's block structure rewritten for Python-Markdown (school.markdown_dialect)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from school import markdown_dialect
from school.markdown import render_markdown
from school.markdown_dialect import normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Возьмите:\n- паспорт", "Возьмите:\n\n- паспорт"),
        ("Порядок:\n1. раз", "Порядок:\n\n1. раз"),
        ("Текст\n2. не список", "Текст\n2. не список"),  # only 1. interrupts a paragraph
        ("- a\n  - b\n    - c", "- a\n    - b\n        - c"),
        ("1. a\n   1. b", "1. a\n    1. b"),
        ("1) a\n2) b", "1. a\n2. b"),
        ("Сроки:\n| a | b |\n|---|---|\n| 1 | 2 |", "Сроки:\n\n| a | b |\n|---|---|\n| 1 | 2 |"),
        ("- a\n\n  ```\n  x\n  ```\n- b", "- a\n\n    ```\n    x\n    ```\n\n- b"),
        ("text\n```\n- not a list\n  1) kept\n```", "text\n\n```\n- not a list\n  1) kept\n```"),
        ("    indented code\n    - kept", "    indented code\n    - kept"),
        ("> Нужно:\n> - паспорт", "> Нужно:\n>\n> - паспорт"),
        ("- a\nlazy\n- b", "- a\nlazy\n- b"),
    ],
)
def test_github_structure_is_spelled_for_python_markdown(text, expected):
    assert normalise(text) == expected


def test_nesting_is_kept_to_its_limit():
    text = "".join("  " * level + "- x\n" for level in range(100))
    deepest = max(len(line) - len(line.lstrip()) for line in normalise(text).splitlines())
    assert deepest == 4 * (markdown_dialect.MAX_LIST_DEPTH - 1)


_LINES = st.lists(
    st.sampled_from(
        ["- a", "  - b", "    - c", "1) d", "   2. e", "text", "", "```", "  ```", "> - q",
         "| a | b |", "|---|---|", "lazy", "    code", "\t- tab", "#", "---", "* x"]
    ),
    max_size=40,
).map("\n".join)  # fmt: skip


@settings(max_examples=300)
@given(_LINES | st.text(max_size=200))
def test_only_spaces_blank_lines_and_list_markers_change(text):
    result = normalise(text)

    def words(value: str) -> str:
        return re.sub(r"[\s.)]", "", value.expandtabs(4))

    assert words(result) == words(text)
    # it grows by re-indenting only: at most twice the text and a blank line per line
    assert len(result) <= 2 * len(text.expandtabs(4)) + text.count("\n") + 1


def test_rendered_lists_after_paragraphs_two_space_nesting_and_1_paren():
    html = str(render_markdown("Возьмите с собой:\n- паспорт\n  - копию\n\n1) раз\n2) два"))
    assert "<p>Возьмите с&nbsp;собой:</p>\n<ul>\n<li>паспорт<ul>\n<li>копию</li>" in html
    assert "<ol>\n<li>раз</li>\n<li>два</li>\n</ol>" in html
