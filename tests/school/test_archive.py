"""The one archive reader: limits, unsafe names, links, YAML that cannot crash, round trips."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from school import archive
from school.archive import BundleError, Limits


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, content in files.items():
            out.writestr(name, content)
    return buffer.getvalue()


def codes(error: pytest.ExceptionInfo) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in error.value.problems]


def test_reads_wanted_members_by_safe_path():
    data = make_zip({"a/b.md": b"x", "a/c.txt": b"y", "__MACOSX/a/._b.md": b"z", ".git/x": b"w"})
    files = archive.read_zip(data, wanted=lambda p: p.suffix == ".md")
    assert files == {PurePosixPath("a/b.md"): b"x"}


@pytest.mark.parametrize(
    "name", ["../x.md", "a/../../x.md", "/etc/x.md", "a\\x.md", "C:x.md", "c:/x.md"]
)
def test_names_that_could_escape_are_refused(name):
    with pytest.raises(BundleError) as error:
        archive.read_zip(make_zip({name: b"x"}))
    assert codes(error) == [("unsafe_path", name)]


def test_names_equal_after_normalisation_or_case_folding_are_refused():
    data = make_zip({"Курс/урок.md": b"1", "курс/УРОК.md": b"2"})
    with pytest.raises(BundleError) as error:
        archive.read_zip(data)
    assert codes(error) == [("duplicate_entry", "курс/УРОК.md")]


def test_limits_are_checked_on_what_is_read():
    limits = Limits(archive_bytes=10_000, members=3, member_bytes=100, unpacked_bytes=150)
    with pytest.raises(BundleError) as error:
        archive.read_zip(make_zip({f"{i}.md": b"x" for i in range(4)}), limits)
    assert codes(error) == [("too_many_files", "")]
    with pytest.raises(BundleError) as error:
        archive.read_zip(make_zip({"big.md": b"x" * 101}), limits)
    assert codes(error) == [("file_too_large", "big.md")]
    with pytest.raises(BundleError) as error:
        archive.read_zip(make_zip({"a.md": b"x" * 80, "b.md": b"x" * 80}), limits)
    assert codes(error) == [("too_large_unpacked", "")]
    with pytest.raises(BundleError) as error:
        archive.read_zip(b"not a zip", limits)
    assert codes(error) == [("bad_zip", "")]


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_yaml_nested_past_the_stack_is_a_problem(depth):
    value, problem = archive.load_yaml("a: " + "[" * depth + "]" * depth, "x.md", first_line=2)
    if problem is not None:
        assert (problem.code, problem.path) == ("too_deep", "x.md")
    else:
        assert value is not None


def test_bad_yaml_names_the_line_people_see():
    _value, problem = archive.load_yaml("title: a\nslug: [b\n", "x.md", first_line=2)
    assert problem.code == "bad_yaml" and problem.params["line"] == 3


def test_messages_of_the_archive_are_translated_and_features_may_word_their_own(app):
    problem = archive.Problem("symlink", "a/b.md")
    with app.test_request_context("/"):
        assert archive.message(problem) == "a/b.md — ссылка. Ссылки в архиве не допускаются."
        assert archive.message(problem, {"symlink": "%(path)s!"}) == "a/b.md!"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=40), max_size=5))
def test_front_matter_reads_back_exactly(meta):
    head, body = archive.split_front_matter(archive.dump_front_matter(meta, "Текст\n"))
    value, problem = archive.load_yaml(head)
    assert problem is None and (value or {}) == meta and body == "Текст\n"
