"""Pathological Markdown: each text of a corpus checked as the forms check it and rendered.

Every text is at or past a limit of :mod:`school.markdown_limits` (most at the largest form's
size limit): runs of brackets and marks, nesting 1,000 levels deep, thousands of elements. The
forms refuse such texts on save, but one stored earlier or imported is still rendered on every
page that shows it, so both costs are measured: the check, and a render with an empty render
cache. ``python -m bench.markdown`` prints every case; ``make bench`` takes the worst.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.report import Figure, at_most
from school import markdown as renderer
from school import markdown_limits as limits

N = limits.MAX_LENGTH
_WORDS = "Слово **жирное** и *курсив*, [ссылка](/a) и `код` тут. "


def _nested(levels: int, line: Callable[[int], str]) -> str:
    return "".join(line(level) for level in range(levels))


CORPUS: dict[str, str] = {
    "`[` run, 8,000": "[" * 8000,
    "`[` run at the size limit": "[" * N,
    "`[a` at the size limit": "[a" * (N // 2),
    "`![` at the size limit": "![" * (N // 2),
    "200 `[` then plain text to the size limit": "[" * 200 + "а" * (N - 200),
    "nested link texts, 1,000 deep": "[" * 1000 + "x" + "](/a)" * 1000,
    "links at the size limit": ("[a](/b) " * N)[:N],
    "`*` run at the size limit": "*" * N,
    "`*a` at the size limit": "*a" * (N // 2),
    "`**a` at the size limit": ("**a" * N)[:N],
    "`_a` at the size limit": "_a" * (N // 2),
    "`*x ` … ` x*`, 2,400 deep": "*x " * 2400 + "y" + " x*" * 2400,
    "backtick run at the size limit": "`" * N,
    "`` `a `` at the size limit": "`a" * (N // 2),
    "`~` run at the size limit": "~" * N,
    "`&` at the size limit": "&" * N,
    "`<` at the size limit": "<" * N,
    "list nested 1,000 levels": _nested(1000, lambda n: "    " * n + "- x\n"),
    "ordered list nested 1,000 levels": _nested(1000, lambda n: "    " * n + "1. x\n"),
    "quotes nested 1,000 levels": _nested(1000, lambda n: ">" * (n + 1) + " x\n\n"),
    "`>` run, 1,000": ">" * 1000 + " x",
    "quotes and lists, 1,000 levels": _nested(1000, lambda n: ">" * n + " - x\n"),
    "table in quotes nested 300 levels": _nested(
        300, lambda n: "> " * n + "| a | b |\n" + "> " * n + "|---|---|\n"
    ),
    "12,500 list items": "- x\n" * 12500,
    "16,000 paragraphs": "x\n\n" * 16000,
    "table of 8,000 rows": "|a|b|\n|-|-|\n" + "|x|y|\n" * 8000,
    "3,000 definition lists": "a\n: b\n\n" * 3000,
    "900 references to one footnote": "[^1]" * 900 + "\n\n[^1]: x",
    "500 footnotes": "".join(f"[^{i}]" for i in range(500))
    + "\n\n"
    + "".join(f"[^{i}]: x\n" for i in range(500)),
    "abbreviation used 24,000 times": "*[x]: y\n" + "x " * 24000,
    "1,000 abbreviations": "".join(f"*[w{i}]: y\n" for i in range(1000)) + "w1 x " * 9000,
    # The dialect's own paths (school.markdown_dialect, school.markdown_extensions) and the
    # typographer (school.typography).
    "two-space list nested 1,000 levels": _nested(1000, lambda n: "  " * n + "- x\n"),
    "`1)` list nested 1,000 levels": _nested(1000, lambda n: "   " * n + "1) x\n"),
    "list items after paragraphs at the size limit": ("Текст:\n- x\n" * N)[:N],
    "lazy lines under a deep list": _nested(12, lambda n: "  " * n + "- x\n") + "y\n" * 40000,
    "tables after paragraphs": ("Текст\n| a | b |\n|---|---|\n| 1 | 2 |\n\n" * 2000)[:N],
    "fences in list items": ("- шаг\n  ```\n  код\n  ```\n" * 8000)[:N],
    "task-list items at the size limit": ("- [ ] x\n" * N)[:N],
    "backslash breaks at the size limit": ("x\\\n" * N)[:N],
    "bare URLs at the size limit": ("https://example.org/a--b " * N)[:N],
    "`www.` at the size limit": "www." * (N // 4),
    "`@` at the size limit": "a@" * (N // 2),
    '`"` at the size limit': '"' * N,
    '`"a` at the size limit': '"a' * (N // 2),
    "`'` between letters at the size limit": "a'" * (N // 2),
    "` - ` at the size limit": " - " * (N // 3),
    "`--` at the size limit": "--" * (N // 2),
    "`->` at the size limit": "->" * (N // 2),
    "one- and two-letter words at the size limit": ("в на ст. 5 № 1 10 000 ₽ " * N)[:N],
    "ordinary text at every limit": ((_WORDS * 8 + "\n\n") * 3000)[:N],
    "ordinary list at every limit": (("- " + _WORDS * 3 + "\n") * 3000)[:N],
}


@dataclass(frozen=True)
class Case:
    name: str
    length: int
    refused: list[str]  # the limits the form names on save; empty when it accepts the text
    check_s: float
    render_s: float

    @property
    def worst_s(self) -> float:
        return max(self.check_s, self.render_s)


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def measure(rounds: int = 3) -> list[Case]:
    """Each text's check and cold render, the median of ``rounds``; needs a request context."""
    cases = []
    for name, text in CORPUS.items():
        checks, renders = [], []
        for _ in range(rounds):
            checks.append(_timed(lambda text=text: limits.problems(text)))
            renderer._rendered.clear()
            renders.append(_timed(lambda text=text: renderer.render_markdown(text)))
        refused = [problem.code for problem in limits.problems(text)]
        cases.append(
            Case(name, len(text), refused, statistics.median(checks), statistics.median(renders))
        )
    return cases


def figures(cases: list[Case]) -> list[Figure]:
    worst = max(cases, key=lambda case: case.worst_s)
    slowest = sorted(cases, key=lambda case: case.worst_s, reverse=True)[1:4]
    refused = sum(1 for case in cases if case.refused)
    return [
        Figure(
            "Markdown",
            f"Pathological Markdown, worst of {len(cases)} texts: check + cold render",
            worst.worst_s * 1000,
            "ms",
            at_most(1000, "≤ 1 s each"),
            f"{worst.name} ({worst.length:,} chars): check {worst.check_s * 1000:.0f} ms, "
            f"render {worst.render_s * 1000:.0f} ms; next: "
            + ", ".join(f"{case.name} {case.worst_s * 1000:.0f} ms" for case in slowest)
            + f"; {refused} of {len(cases)} refused on save",
        )
    ]


def main() -> int:
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)  # only for the notices' gettext: no database, no instance folder
    Babel(app)
    with app.test_request_context():
        cases = measure()
    width = max(len(case.name) for case in cases)
    for case in sorted(cases, key=lambda case: case.worst_s, reverse=True):
        print(
            f"{case.name:{width}}  {case.length:>7,} chars  check {case.check_s * 1000:6.1f} ms"
            f"  render {case.render_s * 1000:6.1f} ms  refused: {', '.join(case.refused) or '-'}"
        )
    worst = max(cases, key=lambda case: case.worst_s)
    print(f"worst: {worst.name}, {worst.worst_s * 1000:.0f} ms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
