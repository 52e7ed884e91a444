"""The course folder format: reading, writing, round trips and refusals (pure, no app)."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from courses import bundle
from courses.bundle import BundleError, CourseData, ItemData, ModuleData

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "courses" / "demo" / "public-defender-basics"

COURSE_MD = """---
title: Основы защиты
slug: osnovy
summary: Коротко о главном.
language: ru
demo: true
---
Описание **курса**.
"""


def make_zip(files: dict[str, bytes | str], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def lesson(title: str = "Урок", body: str = "Текст урока.", **extra) -> str:
    meta = {"title": title, "kind": "lesson", "required": True, **extra}
    return bundle.dump_document(meta, body)


def good_files(prefix: str = "osnovy/") -> dict[str, str]:
    return {
        f"{prefix}course.md": COURSE_MD,
        f"{prefix}01-vvedenie/module.md": "---\ntitle: Введение\n---\nО модуле.\n",
        f"{prefix}01-vvedenie/01-pervyj-urok.md": lesson("Первый урок"),
        f"{prefix}01-vvedenie/02-vtoroj-urok.md": lesson("Второй урок"),
        f"{prefix}02-praktika/module.md": "---\ntitle: Практика\n---\n",
        f"{prefix}02-praktika/01-test.md": bundle.dump_document(
            {"title": "Тест", "kind": "quiz", "required": True, "pass_mark": 70}, "Вступление."
        ),
        f"{prefix}02-praktika/01-test.gift": "::В1:: Вопрос {T}\n",
    }


def problems(excinfo) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in excinfo.value.problems]


# --------------------------------------------------------------------------- reading


def test_reads_a_course_archive():
    course = bundle.read_zip(make_zip(good_files()))
    assert (course.slug, course.title, course.language, course.demo) == (
        "osnovy",
        "Основы защиты",
        "ru",
        True,
    )
    assert course.summary == "Коротко о главном."
    assert course.description == "Описание **курса**."
    assert [m.slug for m in course.modules] == ["vvedenie", "praktika"]
    assert [m.title for m in course.modules] == ["Введение", "Практика"]
    assert [i.slug for i in course.modules[0].items] == ["pervyj-urok", "vtoroj-urok"]
    quiz = course.modules[1].items[0]
    assert (quiz.kind, quiz.required, quiz.body) == ("quiz", True, "Вступление.")
    assert quiz.front_matter["pass_mark"] == 70
    assert quiz.files == {".gift": "::В1:: Вопрос {T}\n".encode()}


def test_files_may_sit_at_the_archive_root():
    course = bundle.read_zip(make_zip(good_files(prefix="")))
    assert course.slug == "osnovy"
    assert len(course.modules) == 2


def test_numbers_give_the_order_not_the_names():
    files = good_files()
    files["osnovy/10-zaklyuchenie/module.md"] = "---\ntitle: Итог\n---\n"
    files["osnovy/03-dopolnenie/module.md"] = "---\ntitle: Дополнение\n---\n"
    files["osnovy/01-vvedenie/9-poslednij.md"] = lesson("Последний")
    course = bundle.read_zip(make_zip(files))
    assert [m.slug for m in course.modules] == [
        "vvedenie",
        "praktika",
        "dopolnenie",
        "zaklyuchenie",
    ]
    assert course.modules[0].items[-1].slug == "poslednij"


def test_slug_defaults_to_the_folder_name_and_kind_to_lesson():
    files = good_files()
    files["osnovy/course.md"] = "---\ntitle: Без адреса\n---\n"
    files["osnovy/01-vvedenie/01-pervyj-urok.md"] = "---\ntitle: Урок\n---\nТекст\n"
    course = bundle.read_zip(make_zip(files))
    assert course.slug == "osnovy"
    assert course.language == "ru" and course.demo is False
    item = course.modules[0].items[0]
    assert (item.kind, item.required) == ("lesson", True)


def test_archiver_metadata_is_ignored():
    files = good_files()
    files["__MACOSX/osnovy/._course.md"] = "junk"
    files["osnovy/.DS_Store"] = "junk"
    files["osnovy/01-vvedenie/.hidden.md"] = "junk"
    assert len(bundle.read_zip(make_zip(files)).modules) == 2


def test_windows_line_endings_and_bom_are_accepted():
    files = good_files()
    files["osnovy/01-vvedenie/01-pervyj-urok.md"] = "\ufeff---\r\ntitle: Урок\r\n---\r\nА\r\nБ\r\n"
    item = bundle.read_zip(make_zip(files)).modules[0].items[0]
    assert (item.title, item.body) == ("Урок", "А\nБ")


def test_reads_the_demo_course_folder():
    course = bundle.read_folder(DEMO)
    assert course.slug == "public-defender-basics" and course.demo
    assert len(course.modules) >= 3
    lessons = [i for m in course.modules for i in m.items if i.kind == "lesson"]
    quizzes = [i for m in course.modules for i in m.items if i.kind == "quiz"]
    assert len(lessons) >= 8 and len(quizzes) >= 2
    assert all(".gift" in q.files for q in quizzes)


# --------------------------------------------------------------------------- round trip


def test_write_then_read_gives_the_same_course_and_the_same_bytes():
    course = bundle.read_folder(DEMO)
    data = bundle.write_zip(course)
    again = bundle.read_zip(data)
    assert again == course
    assert bundle.write_zip(again) == data


def test_written_archive_is_one_folder_with_numbered_names():
    names = zipfile.ZipFile(io.BytesIO(bundle.write_zip(bundle.read_folder(DEMO)))).namelist()
    assert all(name.startswith("public-defender-basics/") for name in names)
    assert "public-defender-basics/course.md" in names
    assert (
        "public-defender-basics/02-beseda-dopros-zaderzhanie/03-test-zaderzhanie-obysk-beseda.gift"
        in names
    )


def test_write_folder_reads_back(tmp_path):
    course = bundle.read_folder(DEMO)
    folder = bundle.write_folder(course, tmp_path)
    assert folder == tmp_path / course.slug
    assert bundle.read_folder(folder) == course


slug_text = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
plain = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=60
)
titles = plain.map(lambda t: " ".join(bundle.normalize_text(t).split())).filter(bool)
bodies = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200).map(
    bundle.normalize_text
)


@st.composite
def courses(draw) -> CourseData:
    modules = []
    for m_slug in draw(st.lists(slug_text, max_size=3, unique=True)):
        items = []
        for i_slug in draw(st.lists(slug_text, max_size=3, unique=True)):
            kind = draw(st.sampled_from(["lesson", "quiz", "poll"]))
            title = draw(titles)
            required = draw(st.booleans())
            extra = draw(st.dictionaries(st.sampled_from(["pass_mark", "note"]), st.integers()))
            files = draw(
                st.dictionaries(st.sampled_from([".gift", ".txt"]), st.binary(max_size=20))
            )
            items.append(
                ItemData(
                    slug=i_slug,
                    title=title,
                    kind=kind,
                    required=required,
                    body=draw(bodies),
                    front_matter={"title": title, "kind": kind, "required": required, **extra},
                    files=dict(sorted(files.items())),
                )
            )
        modules.append(ModuleData(m_slug, draw(titles), draw(bodies), items))
    return CourseData(
        slug=draw(slug_text),
        title=draw(titles),
        summary=draw(bodies.map(lambda t: t[:100])).strip(),
        language=draw(st.sampled_from(["ru", "en"])),
        demo=draw(st.booleans()),
        description=draw(bodies),
        modules=modules,
    )


@settings(max_examples=60, deadline=None)
@given(courses())
def test_any_course_survives_the_round_trip(course):
    assert bundle.read_zip(bundle.write_zip(course)) == course


# --------------------------------------------------------------------------- refusals


def test_malformed_zip_is_refused():
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(b"this is not a zip file")
    assert problems(excinfo) == [("bad_zip", "")]
    truncated = make_zip(good_files())[:200]
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(truncated)
    assert problems(excinfo)[0][0] in {"bad_zip", "bad_entry"}


@pytest.mark.parametrize(
    "name",
    ["../evil.md", "osnovy/../../evil.md", "/etc/evil.md", "osnovy\\..\\..\\evil.md", "C:/evil.md"],
)
def test_entries_outside_the_folder_are_refused(name):
    files = good_files()
    files[name] = "x"
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(make_zip(files))
    assert ("unsafe_path", name) in problems(excinfo)


def test_symlinks_are_refused():
    data = make_zip(good_files(), symlinks={"osnovy/01-vvedenie/03-link.md": "/etc/passwd"})
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(data)
    assert problems(excinfo) == [("symlink", "osnovy/01-vvedenie/03-link.md")]


def test_symlinks_in_a_folder_are_refused(tmp_path):
    folder = bundle.write_folder(bundle.read_folder(DEMO), tmp_path)
    (folder / "01-vstrecha-s-policiej" / "09-link.md").symlink_to("/etc/passwd")
    with pytest.raises(BundleError) as excinfo:
        bundle.read_folder(folder)
    assert problems(excinfo) == [("symlink", "01-vstrecha-s-policiej/09-link.md")]


def test_files_beside_the_course_folder_are_refused():
    files = good_files()
    files["other/notes.md"] = "x"
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(make_zip(files))
    assert problems(excinfo) == [("outside_folder", "other/notes.md")]


def test_archive_larger_than_the_limit_is_refused():
    data = make_zip(good_files())
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(data + b"\0" * 100, max_bytes=len(data))
    assert problems(excinfo) == [("too_large", "")]
    assert bundle.MAX_ZIP_BYTES == 20 * 1024 * 1024


def test_zip_bomb_is_refused_before_unpacking():
    files = good_files()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for n in range(4):
            archive.writestr(f"osnovy/01-vvedenie/0{n + 3}-zeros.md", b"\0" * (20 * 1024 * 1024))
    data = bomb.getvalue()
    assert len(data) < 1024 * 1024  # small on the wire
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(data)
    assert problems(excinfo) == [("too_large_unpacked", "")]


def test_bad_yaml_names_the_file_and_line():
    files = good_files()
    files["osnovy/01-vvedenie/02-vtoroj-urok.md"] = "---\ntitle: Урок\nkind: [lesson\n---\nТекст\n"
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(make_zip(files))
    [problem] = excinfo.value.problems
    assert (problem.code, problem.path) == ("bad_yaml", "osnovy/01-vvedenie/02-vtoroj-urok.md")
    assert problem.params["line"] in (3, 4)


@pytest.mark.parametrize(
    ("path", "content", "code"),
    [
        (
            "osnovy/01-vvedenie/01-pervyj-urok.md",
            "---\nkind: lesson\n---\nТекст\n",
            "missing_title",
        ),
        ("osnovy/01-vvedenie/01-pervyj-urok.md", "---\ntitle: '   '\n---\n", "missing_title"),
        ("osnovy/01-vvedenie/01-pervyj-urok.md", "Без заголовка\n", "no_front_matter"),
        ("osnovy/01-vvedenie/01-pervyj-urok.md", "---\n- a\n- b\n---\n", "bad_front_matter"),
        ("osnovy/01-vvedenie/01-pervyj-urok.md", lesson(required="yes"), "bad_value"),
        ("osnovy/01-vvedenie/01-pervyj-urok.md", "---\ntitle: У\nkind: Quiz!\n---\n", "bad_value"),
        ("osnovy/01-vvedenie/01-pervyj-urok.md", "Текст".encode("cp1251"), "not_utf8"),
        ("osnovy/course.md", "---\ntitle: Курс\nlanguage: de\n---\n", "bad_language"),
        ("osnovy/course.md", "---\ntitle: Курс\nslug: Not A Slug\n---\n", "bad_slug"),
        ("osnovy/course.md", "---\ntitle: " + "Д" * 201 + "\n---\n", "value_too_long"),
        ("osnovy/01-vvedenie/02-Bad_Name.md", lesson(), "bad_slug"),
        ("osnovy/01-vvedenie/intro.md", lesson(), "bad_name"),
        ("osnovy/01-vvedenie/01-eshche-odin.md", lesson(), "duplicate_number"),
        ("osnovy/02-vvedenie/module.md", "---\ntitle: Дубль\n---\n", "duplicate_slug"),
        ("osnovy/01-vvedenie/05-sirota.gift", "x", "orphan_file"),
        ("osnovy/README.txt", "x", "unexpected_file"),
        ("osnovy/01-vvedenie/sub/01-x.md", lesson(), "unexpected_file"),
        ("osnovy/03-pustoj/01-urok.md", lesson(), "missing_module_file"),
    ],
)
def test_invalid_content_is_refused_with_the_file_named(path, content, code):
    files = good_files()
    files[path] = content
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(make_zip(files))
    found = problems(excinfo)
    assert code in {c for c, _p in found}, found
    folder = str(Path(path).parent)
    assert any(p == folder or str(Path(p).parent) == folder for c, p in found if c == code), found


def test_missing_course_md_is_refused():
    files = good_files()
    del files["osnovy/course.md"]
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(make_zip(files))
    assert problems(excinfo) == [("no_course", "")]


def test_lesson_over_200_kb_is_refused():
    files = good_files()
    files["osnovy/01-vvedenie/01-pervyj-urok.md"] = lesson(body="Щ" * (101 * 1024))
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(make_zip(files))
    [problem] = excinfo.value.problems
    assert problem.code == "too_long"
    assert problem.params == {"size_kb": 202, "limit_kb": 200}


def test_every_problem_is_reported_at_once():
    files = good_files()
    files["osnovy/01-vvedenie/01-pervyj-urok.md"] = "---\nkind: lesson\n---\n"
    files["osnovy/02-praktika/module.md"] = "no front matter"
    files["osnovy/02-praktika/07-x.txt"] = "orphan"
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(make_zip(files))
    assert {c for c, _p in problems(excinfo)} == {"missing_title", "no_front_matter", "orphan_file"}


def test_front_matter_parsing_edge_cases():
    assert bundle.split_document("---\n---\nbody") == ("", "body")
    assert bundle.split_document("---\ntitle: x\n---\nbody\n---\nmore") == (
        "title: x\n",
        "body\n---\nmore",
    )
    assert bundle.split_document("no front matter") == (None, "no front matter")


@pytest.mark.parametrize("mark", ["\x85", "\u2028", "\u2029"])
def test_text_with_characters_yaml_reads_as_line_breaks_survives_the_round_trip(mark):
    course = CourseData(slug="osnovy", title="Основы", summary=f"Права{mark}и обязанности")
    assert bundle.read_zip(bundle.write_zip(course)).summary == f"Права{mark}и обязанности"


@pytest.mark.parametrize("depth", [5000, 50_000])
def test_deeply_nested_yaml_is_a_problem_not_a_crash(depth):
    files = good_files()
    files["osnovy/course.md"] = (
        "---\ntitle: Основы\nextra: " + "[" * depth + "]" * depth + "\n---\n"
    )
    with pytest.raises(BundleError) as excinfo:
        bundle.read_zip(make_zip(files))
    assert problems(excinfo)[0][1] == "osnovy/course.md"
    assert problems(excinfo)[0][0] == "too_deep"
