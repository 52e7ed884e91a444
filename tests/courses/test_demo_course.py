"""The demo course and the demo webinars are data files: check their shape and their text.

Most of these tests need no app and no database. They read ``courses/demo/public-defender-basics``
the way the course importer does (numbered folders, YAML front matter, GIFT quizzes) and
``webinars/demo/webinars.yaml``. The heading-order test seeds the demo course and reads its pages.
"""

from __future__ import annotations

import importlib.util
import re
import zoneinfo
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COURSE_DIR = ROOT / "courses" / "demo" / "public-defender-basics"
WEBINARS_FILE = ROOT / "webinars" / "demo" / "webinars.yaml"

NAME_RE = re.compile(r"^(?P<prefix>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
DISCLAIMER_RES = (
    re.compile(r"демонстрационн\w* материал", re.IGNORECASE),
    re.compile(r"не\s+(?:является\s+)?юридическ\w*\s+консультаци", re.IGNORECASE),
)
QUIZ_KEYS = {
    "title",
    "kind",
    "required",
    "pass_mark",
    "max_attempts",
    "grading",
    "time_limit_minutes",
    "shuffle_questions",
    "shuffle_answers",
    "review",
    "review_when",
}
GIFT_KINDS = {
    "single",
    "multiple_weighted",
    "true",
    "false",
    "short",
    "numeric_tolerance",
    "numeric_range",
    "numeric_multi",
    "matching",
    "missing_word",
}


# --- reading the course ----------------------------------------------------------------------


def split_front_matter(path: Path) -> tuple[dict, str]:
    """Return the YAML front matter (a dict) and the Markdown body of ``path``."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path}: no front matter"
    head, sep, body = text[4:].partition("\n---\n")
    assert sep, f"{path}: front matter is not closed"
    meta = yaml.safe_load(head)
    assert isinstance(meta, dict), f"{path}: front matter is not a mapping"
    return meta, body


def modules() -> list[Path]:
    return sorted(p for p in COURSE_DIR.iterdir() if p.is_dir())


def items(module: Path) -> list[Path]:
    return sorted(p for p in module.iterdir() if p.is_file() and p.name != "module.md")


def item_files(kind: str) -> list[Path]:
    found = []
    for module in modules():
        for path in items(module):
            if path.suffix == ".md" and split_front_matter(path)[0].get("kind") == kind:
                found.append(path)
    return found


def lessons() -> list[Path]:
    return item_files("lesson")


def quizzes() -> list[Path]:
    return item_files("quiz")


def gift_files() -> list[Path]:
    return sorted(COURSE_DIR.glob("*/*.gift"))


def rel(path: Path) -> str:
    return str(path.relative_to(COURSE_DIR))


# --- the course's shape ----------------------------------------------------------------------


def test_course_front_matter_and_disclaimer():
    meta, body = split_front_matter(COURSE_DIR / "course.md")
    assert meta["slug"] == COURSE_DIR.name
    assert meta["language"] == "ru"
    assert meta["demo"] is True
    assert meta["title"].strip()
    assert meta["summary"].strip()
    for pattern in DISCLAIMER_RES:
        assert pattern.search(body), f"course.md must say: {pattern.pattern}"


def test_modules_are_numbered_and_titled():
    found = modules()
    assert len(found) >= 3
    prefixes = [NAME_RE.match(p.name)["prefix"] for p in found if NAME_RE.match(p.name)]
    assert len(prefixes) == len(found), [p.name for p in found]
    assert len(set(prefixes)) == len(prefixes)
    for module in found:
        meta, _body = split_front_matter(module / "module.md")
        assert str(meta.get("title", "")).strip(), f"{module.name}/module.md has no title"


@pytest.mark.parametrize("module", modules(), ids=lambda p: p.name)
def test_module_items_are_numbered_uniquely(module):
    stems: dict[str, str] = {}
    for path in items(module):
        assert path.suffix in {".md", ".gift"}, f"unexpected file {rel(path)}"
        match = NAME_RE.match(path.stem)
        assert match, f"{rel(path)} is not named NN-slug"
        other = stems.setdefault(match["prefix"], path.stem)
        assert other == path.stem, f"prefix {match['prefix']} used twice in {module.name}"


def test_course_is_big_enough():
    assert len(lessons()) >= 8
    assert len(quizzes()) >= 2
    assert len({path.parent for path in quizzes()}) >= 2, "quizzes must be in different modules"


@pytest.mark.parametrize("path", lessons(), ids=rel)
def test_lesson_front_matter(path):
    meta, _body = split_front_matter(path)
    assert str(meta["title"]).strip()
    assert meta["kind"] == "lesson"
    assert meta["required"] is True


@pytest.mark.parametrize("path", quizzes(), ids=rel)
def test_quiz_front_matter_and_gift_sibling(path):
    meta, body = split_front_matter(path)
    assert meta.keys() >= QUIZ_KEYS, QUIZ_KEYS - meta.keys()
    assert meta["required"] is True
    assert isinstance(meta["pass_mark"], int) and 0 < meta["pass_mark"] <= 100
    assert meta["max_attempts"] is None or (
        isinstance(meta["max_attempts"], int) and meta["max_attempts"] > 0
    )
    assert meta["grading"] in {"highest", "last"}
    assert meta["time_limit_minutes"] is None or (
        isinstance(meta["time_limit_minutes"], int) and meta["time_limit_minutes"] > 0
    )
    assert isinstance(meta["shuffle_questions"], bool)
    assert isinstance(meta["shuffle_answers"], bool)
    assert meta["review"] in {"score", "answers"}
    assert meta["review_when"] in {"immediately", "after_close"}
    assert body.strip(), "a quiz needs a short introduction"
    assert path.with_suffix(".gift").is_file(), f"{rel(path)} has no .gift"


@pytest.mark.parametrize("path", gift_files(), ids=rel)
def test_every_gift_belongs_to_a_quiz(path):
    meta, _body = split_front_matter(path.with_suffix(".md"))
    assert meta["kind"] == "quiz"


def test_first_lesson_states_the_disclaimer():
    first_module = modules()[0]
    first = next(p for p in items(first_module) if p.suffix == ".md")
    _meta, body = split_front_matter(first)
    for pattern in DISCLAIMER_RES:
        assert pattern.search(body), f"{rel(first)} must say: {pattern.pattern}"


# --- the text --------------------------------------------------------------------------------

LINK_RE = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]*)[^)]*\)")
EMOJI_RE = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
ARROWS = ("->", "=>", "<-", "→", "←", "↔", "⇒", "⇐")
WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def all_markdown_files() -> list[Path]:
    return [COURSE_DIR / "course.md", *(m / "module.md" for m in modules()), *lessons(), *quizzes()]


@pytest.mark.parametrize("path", all_markdown_files(), ids=rel)
def test_markdown_renders_and_follows_typography(path):
    _meta, body = split_front_matter(path)
    html = markdown.markdown(body, extensions=["extra", "sane_lists"])
    assert html.strip()
    assert '"' not in body, "use «ёлочки», not straight quotes"
    assert not re.search(r"\S[ \t]+-{1,2}[ \t]", body), "use an em dash with spaces"
    assert "₽" not in body
    assert not EMOJI_RE.search(body)
    assert not any(arrow in body for arrow in ARROWS)
    assert "![" not in body and "<img" not in html, "no images"
    assert not re.search(r"https?://|www\.", body), "no external links"
    links = LINK_RE.findall(body)
    assert len(links) <= 1
    for target in links:
        assert not urlsplit(target).scheme and not target.startswith("//"), target


@pytest.mark.parametrize("path", lessons(), ids=rel)
def test_lesson_has_practical_shape(path):
    _meta, body = split_front_matter(path)
    words = len(WORD_RE.findall(body))
    assert 300 <= words <= 700, f"{words} words"
    # The lesson page's h1 is the lesson's title, so the lesson's own headings start at ##.
    headings = re.findall(r"^## (.+)$", body, re.MULTILINE)
    assert len(headings) >= 3
    assert headings[-1].strip() == "Главное", "a lesson ends with «Главное»"
    assert re.search(r"^#+ ", body, re.MULTILINE)[0] == "## ", "the first heading is a ##"
    assert re.search(r"^(?:- |\d+\. )", body, re.MULTILINE), "a lesson has lists"
    html = markdown.markdown(body, extensions=["extra", "sane_lists"])
    assert "<h2>Главное</h2>" in html


class HeadingLevels(HTMLParser):
    """The levels of a page's h1–h6 in document order, each with its text."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self._open: int | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if re.fullmatch(r"h[1-6]", tag):
            self._open = int(tag[1])
            self.headings.append((self._open, ""))

    def handle_endtag(self, tag) -> None:
        if self._open is not None and tag == f"h{self._open}":
            self._open = None

    def handle_data(self, data) -> None:
        if self._open is not None:
            level, text = self.headings[-1]
            self.headings[-1] = (level, " ".join(f"{text} {data}".split()))


def heading_levels(html: str) -> list[tuple[int, str]]:
    parser = HeadingLevels()
    parser.feed(html)
    parser.close()
    return parser.headings


def first_skip(headings: list[tuple[int, str]]) -> str | None:
    """The first heading more than one level below the one before it (axe's heading-order)."""
    for (before, _), (after, text) in pairwise(headings):
        if after > before + 1:
            return f"h{before} then h{after} «{text}»"
    return None


def test_heading_check_finds_a_skipped_level():
    skipping = heading_levels("<h1>Урок</h1><p>т</p><h3>Раздел <em>1</em></h3>")
    assert skipping == [(1, "Урок"), (3, "Раздел 1")]
    assert first_skip(skipping) == "h1 then h3 «Раздел 1»"
    assert first_skip(heading_levels("<h1>У</h1><h2>Р</h2><h3>П</h3><h2>Р</h2><h2>Г</h2>")) is None


def test_no_demo_lesson_page_skips_a_heading_level(client, make_user):
    from courses import services
    from school import hooks

    _order, seeder = hooks.demo_seeders["courses"]
    seeder({"instructor": make_user("instructor")}, lambda _line: None)
    course = services.course_by_slug("public-defender-basics")
    seeded = [item for item in course.items() if item.kind == "lesson"]
    assert len(seeded) == len(lessons()) >= 8
    for item in seeded:
        response = client.get(f"/courses/{course.slug}/items/{item.id}")
        assert response.status_code == 200, item.title
        headings = heading_levels(response.get_data(as_text=True))
        levels = [level for level, _text in headings]
        assert headings[0] == (1, item.title), headings[:2]
        assert levels.count(1) == 1, headings
        assert len(levels) > 3, f"{item.title}: the lesson's own headings are missing"
        assert first_skip(headings) is None, f"{item.title}: {first_skip(headings)}"


# --- GIFT: a small independent check that every question type is there -----------------------

ESCAPE_RE = re.compile(r"\\[\\:~=#{}n]")


def _mask(text: str) -> str:
    """Blank out escaped characters so they never count as syntax (keeps positions)."""
    return ESCAPE_RE.sub(lambda m: "\0" * len(m.group()), text)


def _options(answer: str) -> list[str]:
    """The ``=``/``~`` options of an answer block (without general feedback)."""
    parts = re.split(r"(?:^|(?<=\s))[=~](?=\S)", answer.strip())
    return [part.strip() for part in parts if part.strip()]


def gift_questions(text: str) -> list[dict]:
    """Split GIFT text into questions and name each question's kind."""
    questions = []
    lines = [line for line in text.split("\n") if not line.lstrip().startswith("//")]
    for block in re.split(r"\n\s*\n", "\n".join(lines)):
        block = block.strip()
        if not block or block.startswith("$CATEGORY:"):
            continue
        masked = _mask(block)
        assert masked.count("{") == 1 and masked.count("}") == 1, block[:60]
        opening, closing = masked.index("{"), masked.index("}")
        answer, sep, general = masked[opening + 1 : closing].partition("####")
        answer = answer.strip()
        question = {
            "title": re.match(r"^::([^:]+)::", masked),
            "general": general.strip() if sep else "",
            "tail": masked[closing + 1 :].strip(),
            "kinds": set(),
            "feedback": True,
        }
        if answer.startswith("#"):
            spec = answer[1:].strip()
            if spec.startswith("="):
                question["kinds"].add("numeric_multi")
                question["feedback"] = all("#" in o for o in _options(spec))
            elif re.match(r"[\d.,+-]+\s*\.\.", spec):
                question["kinds"].add("numeric_range")
                question["feedback"] = "#" in spec
            elif re.match(r"[\d.,+-]+\s*:", spec):
                question["kinds"].add("numeric_tolerance")
                question["feedback"] = "#" in spec
        elif re.fullmatch(r"(?:T|F|TRUE|FALSE)(?:#.*)?", answer, re.DOTALL):
            question["kinds"].add("true" if answer.startswith("T") else "false")
            question["feedback"] = answer.count("#") == 2
        elif "->" in answer:
            question["kinds"].add("matching")
            question["feedback"] = None  # matching pairs take no feedback
            assert len(_options(answer)) >= 3
        else:
            options = _options(answer)
            question["feedback"] = all("#" in o for o in options)
            if "~" not in answer:
                question["kinds"].add("short")
            elif re.search(r"~\s*%-\d+(?:\.\d+)?%", answer):
                question["kinds"].add("multiple_weighted")
            elif answer.count("=") == 1:
                question["kinds"].add("single")
        if question["tail"]:
            question["kinds"].add("missing_word")
        questions.append(question)
    return questions


@pytest.mark.parametrize("path", gift_files(), ids=rel)
def test_gift_file_has_every_question_type(path):
    text = path.read_text(encoding="utf-8")
    first_line = next(line for line in text.splitlines() if line.strip())
    assert first_line.startswith("$CATEGORY:")
    assert re.search(r"^//", text, re.MULTILINE), "a // comment"
    assert re.search(r"\\[:=]", text), "at least one escaped character"
    questions = gift_questions(text)
    assert 6 <= len(questions) <= 10
    for number, question in enumerate(questions, start=1):
        assert question["kinds"], f"question {number}: unknown kind"
        assert question["title"], f"question {number}: no ::title::"
        assert question["general"], f"question {number}: no ####general feedback"
        assert question["feedback"] is not False, f"question {number}: an answer lacks #feedback"
    found = set().union(*(q["kinds"] for q in questions))
    assert found >= GIFT_KINDS, f"missing: {sorted(GIFT_KINDS - found)}"


@pytest.mark.parametrize("path", gift_files(), ids=rel)
def test_gift_file_loads_with_the_project_parser(path):
    if importlib.util.find_spec("quizzes.gift") is None:
        pytest.skip("quizzes/gift.py is not written yet")
    from quizzes.gift import load_gift

    text = path.read_text(encoding="utf-8")
    questions = load_gift(text)  # raises GiftSyntaxError listing every problem
    assert len(questions) == len(gift_questions(text))


# --- demo webinars ---------------------------------------------------------------------------

WEBINAR_KEYS = {
    "slug",
    "title",
    "summary",
    "presenters",
    "series",
    "starts_in_days",
    "local_time",
    "timezone",
    "duration_minutes",
    "capacity",
    "join_url",
    "demo",
}


def load_webinars() -> list[dict]:
    data = yaml.safe_load(WEBINARS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def test_demo_webinars_load_with_upcoming_and_past():
    webinars = load_webinars()
    assert len({w["slug"] for w in webinars}) == len(webinars)
    upcoming = [w for w in webinars if w["starts_in_days"] > 0]
    past = [w for w in webinars if w["starts_in_days"] < 0]
    assert len(upcoming) >= 3
    assert len(past) >= 1
    for webinar in past:
        assert webinar.get("recording_url") is None
        assert str(webinar.get("materials") or "").strip(), f"{webinar['slug']}: no materials"


@pytest.mark.parametrize("webinar", load_webinars(), ids=lambda w: w["slug"])
def test_demo_webinar_fields(webinar):
    assert webinar.keys() >= WEBINAR_KEYS, WEBINAR_KEYS - webinar.keys()
    assert NAME_RE.match(f"00-{webinar['slug']}")
    assert webinar["demo"] is True
    assert webinar["presenters"] and all(str(name).strip() for name in webinar["presenters"])
    assert re.fullmatch(r"(?:[01]\d|2[0-3]):[0-5]\d", webinar["local_time"])
    zoneinfo.ZoneInfo(webinar["timezone"])
    assert isinstance(webinar["duration_minutes"], int) and webinar["duration_minutes"] > 0
    assert webinar["capacity"] is None or (
        isinstance(webinar["capacity"], int) and webinar["capacity"] > 0
    )
    url = urlsplit(webinar["join_url"])
    assert url.scheme == "https" and url.hostname.endswith("example.org")
    markdown.markdown(webinar["summary"])
    if webinar.get("materials"):
        markdown.markdown(webinar["materials"], extensions=["extra", "sane_lists"])
