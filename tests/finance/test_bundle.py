"""Entries as Markdown with YAML front matter in zips: parsing, checks, import, export."""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import bundle, services
from finance.models import Entry, EntryRevision, Status, Topic
from finance.seed import DEMO_DIR
from school.extensions import db
from tests.finance import factories as f

EN = {"Accept-Language": "en"}
ENTRY = """---
slug: pension-in-prison
language: ru
topics: [pensions]
question: "Как получать пенсию в колонии?"
short_answer: "Её перечисляют на лицевой счёт."
legal_references:
  - "ст. 99 Федерального закона № 229-ФЗ"
valid_as_of: 2025-03-01
status: approved
demo: true
---
Полный **ответ**.

### Что делать

- написать заявление.
"""
TOPICS = "- slug: pensions\n  title: Пенсии\n  title_en: Pensions\n  position: 2\n" \
         "- slug: housing\n  title: Жильё\n  position: 1\n"  # fmt: skip


def make_zip(files: dict[str, str | bytes], **infos) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            for key, value in infos.get(name, {}).items():
                setattr(info, key, value)
            archive.writestr(info, content)
    return buffer.getvalue()


def codes(data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(bundle.BundleError) as error:
        bundle.read_zip(data)
    return [(p.code, p.path) for p in error.value.problems]


# ------------------------------------------------------------------------------ pure


def test_parse_entry_file():
    entry, problems = bundle.parse_entry(ENTRY, "entries/a.md")
    assert problems == []
    assert entry.slug == "pension-in-prison" and entry.topics == ["pensions"]
    assert entry.valid_as_of == date(2025, 3, 1) and entry.status == "approved" and entry.demo
    assert entry.legal_references == ["ст. 99 Федерального закона № 229-ФЗ"]
    assert entry.full_answer.startswith("Полный **ответ**.")
    assert bundle.parse_entry(bundle.dump_entry(entry), "entries/a.md")[0] == entry


@pytest.mark.parametrize(
    ("text", "code", "key"),
    [
        ("no front matter", "no_front_matter", None),
        ("---\nslug: [unclosed\n---\n", "bad_yaml", None),
        ("---\n- a\n---\n", "not_mapping", None),
        ("---\nslug: a\n---\n", "missing", "question"),
        ("---\nslug: Bad Slug\nquestion: q\n---\n", "bad_value", "slug"),
        ("---\nslug: a\nquestion: q\nlanguage: de\n---\n", "bad_value", "language"),
        ("---\nslug: a\nquestion: q\nvalid_as_of: tomorrow\n---\n", "bad_value", "valid_as_of"),
        ("---\nslug: a\nquestion: q\nstatus: published\n---\n", "bad_value", "status"),
        ("---\nslug: a\nquestion: q\nstatus: approved\n---\n", "needs_valid_as_of", "valid_as_of"),
        (
            "---\nslug: a\nquestion: q\nvalid_as_off: 2025-01-01\n---\n",
            "unknown_key",
            "valid_as_off",
        ),
        ("---\nslug: a\nquestion: q\ndemo: yes please\n---\n", "bad_value", "demo"),
        ("---\nslug: a\nquestion: " + "я" * 301 + "\n---\n", "too_long", "question"),
        ("---\nslug: a\nquestion: q\ntopics: [Not A Slug]\n---\n", "bad_value", "topics"),
    ],
)
def test_parse_entry_problems(text, code, key):
    entry, problems = bundle.parse_entry(text, "x.md")
    assert entry is None
    assert (code, key) in [(p.code, p.param("key")) for p in problems]


texts = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\r\x85\u2028\u2029"
    ),
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(
    question=texts.filter(lambda s: s.strip()),
    short=texts,
    body=st.text(max_size=300).map(lambda s: s.replace("\r", "")),
    refs=st.lists(texts.filter(lambda s: s.strip()), max_size=3),
)
def test_dump_and_parse_round_trip(question, short, body, refs):
    entry = bundle.BundleEntry(
        slug="a-b",
        question=question.strip(),
        short_answer=short.strip(),
        full_answer=body.strip("\n"),
        legal_references=[r.strip() for r in refs],
        topics=["pensions"],
        valid_as_of=date(2025, 1, 31),
        status="approved",
        source="a.md",
    )
    parsed, problems = bundle.parse_entry(bundle.dump_entry(entry), "a.md")
    assert problems == []
    assert parsed == entry


def test_the_demo_content_is_a_valid_bundle():
    demo = bundle.read_directory(DEMO_DIR)
    assert len(demo.entries) >= 30
    assert len({t for e in demo.entries for t in e.topics}) >= 6
    assert all(e.demo and e.language == "ru" and e.status == "approved" for e in demo.entries)
    assert [t.slug for t in demo.topics][:2] == ["housing", "alimony"]


@pytest.mark.parametrize(
    ("files", "infos", "expected"),
    [
        ({"../evil.md": ENTRY}, {}, ("unsafe_path", "../evil.md")),
        ({"entries/../../evil.md": ENTRY}, {}, ("unsafe_path", "entries/../../evil.md")),
        ({"/etc/evil.md": ENTRY}, {}, ("unsafe_path", "/etc/evil.md")),
        ({"entries\\evil.md": ENTRY}, {}, ("unsafe_path", "entries\\evil.md")),
        ({"C:evil.md": ENTRY}, {}, ("unsafe_path", "C:evil.md")),
        ({"a.md": b"\xff\xfe not utf-8"}, {}, ("not_utf8", "a.md")),
        ({"a.md": "x" * (bundle.MAX_MEMBER_BYTES + 1)}, {}, ("file_too_large", "a.md")),
        (
            {"link.md": "/etc/passwd"},
            {"link.md": {"external_attr": (stat.S_IFLNK | 0o777) << 16}},
            ("symlink", "link.md"),
        ),
        ({"readme.txt": "hello"}, {}, ("no_entries", "")),
    ],
)
def test_unsafe_or_broken_archives_are_refused(files, infos, expected):
    assert expected in codes(make_zip(files, **infos))


def test_not_a_zip_and_too_many_files():
    assert codes(b"PK\x03\x04 broken") == [("bad_zip", "")]
    assert codes(b"") == [("bad_zip", "")]
    many = make_zip({f"e/{n}.txt": "" for n in range(bundle.MAX_MEMBERS + 1)})
    assert codes(many) == [("too_many_files", "")]


def test_every_problem_is_reported_at_once():
    data = make_zip(
        {
            "topics.yaml": TOPICS,
            "entries/a.md": ENTRY,
            "entries/b.md": ENTRY,  # the same slug again
            "entries/c.md": "---\nslug: c\n---\n",
            ".hidden/ignored.md": "not checked",
            "README.md": "# not an entry",
        }
    )
    problems = codes(data)
    assert ("duplicate_slug", "entries/b.md") in problems
    assert ("missing", "entries/c.md") in problems
    assert len(problems) == 2


# ------------------------------------------------------------------------------ service


def test_import_is_all_or_nothing(app, make_user):
    staff = make_user("staff")
    bad = make_zip({"topics.yaml": TOPICS, "entries/a.md": ENTRY,
                    "entries/b.md": ENTRY.replace("pension-in-prison", "other")
                    .replace("[pensions]", "[unknown-topic]")})  # fmt: skip
    with pytest.raises(bundle.BundleError) as error:
        services.import_zip(staff, bad)
    assert [(p.code, p.path) for p in error.value.problems] == [("unknown_topic", "entries/b.md")]
    assert db.session.scalar(db.select(db.func.count(Entry.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Topic.id))) == 0


def test_import_creates_updates_and_skips_unchanged(app, make_user):
    staff = make_user("staff")
    data = make_zip({"topics.yaml": TOPICS, "entries/a.md": ENTRY})
    summary = services.import_zip(staff, data)
    assert (summary.created, summary.updated, summary.unchanged, summary.topics_created) == (
        1,
        0,
        0,
        2,
    )
    assert [t.slug for t in services.list_topics()] == ["housing", "pensions"]
    entry = services.entry_by_slug("pension-in-prison")
    published = entry.published_revision
    assert published.reviewer_id == staff.id and published.valid_as_of == date(2025, 3, 1)
    assert published.review_due == date(2026, 3, 1) and entry.demo
    assert services.search("пенсии").total == 1

    again = services.import_zip(staff, data)
    assert (again.created, again.updated, again.unchanged, again.topics_created) == (0, 0, 1, 0)
    assert len(db.session.get(Entry, entry.id).revisions) == 1

    changed = ENTRY.replace("Полный **ответ**.", "Исправленный ответ.").replace(
        "status: approved", "status: in_review"
    )
    summary = services.import_zip(staff, make_zip({"entries/a.md": changed}))
    assert summary.updated == 1
    entry = db.session.get(Entry, entry.id)
    assert entry.published_revision.number == 1  # still the approved text for readers
    assert entry.open_revision.status == Status.IN_REVIEW
    assert entry.open_revision.full_answer.startswith("Исправленный ответ.")


def test_export_then_import_round_trip(app, make_user):
    staff = make_user("staff")
    pensions = f.topic("pensions", "Пенсии")
    f.entry(staff, "pension", "Как получать пенсию?", topics=[pensions], demo=True,
            full_answer="Ответ с *курсивом*.\n\n- пункт", review_due=date(2026, 1, 1))  # fmt: skip
    f.entry(staff, "draft", "Черновой вопрос?", topics=[pensions], valid_as_of=None)
    exported = services.export_zip()
    assert exported == services.export_zip()  # deterministic, diff-friendly
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert sorted(archive.namelist()) == [
            "entries/draft.md",
            "entries/pension.md",
            "topics.yaml",
        ]
        text = archive.read("entries/pension.md").decode()
    assert "status: approved" in text and "valid_as_of: 2025-03-01" in text

    # Into an empty knowledge base: the same entries, states and dates.
    db.session.execute(db.delete(EntryRevision).execution_options(synchronize_session=False))
    db.session.execute(db.delete(Entry))
    db.session.execute(db.delete(Topic))
    db.session.commit()
    summary = services.import_zip(staff, exported)
    assert (summary.created, summary.topics_created) == (2, 1)
    assert services.entry_by_slug("draft").open_revision.status == Status.DRAFT
    assert services.entry_by_slug("pension").published_revision.review_due == date(2026, 1, 1)
    assert services.export_zip() == exported


def test_import_page_reports_problems_and_keeps_nothing(login):
    client = login("staff")
    data = {"archive": (io.BytesIO(make_zip({"../evil.md": ENTRY})), "kb.zip")}
    response = client.post("/finance/manage/import", data=data, headers=EN,
                           content_type="multipart/form-data")  # fmt: skip
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in text and "../evil.md: unsafe file name" in text

    response = client.post("/finance/manage/import", data={}, headers=EN)
    assert response.status_code == 400 and "Choose a zip file." in response.get_data(as_text=True)

    good = {
        "archive": (io.BytesIO(make_zip({"topics.yaml": TOPICS, "entries/a.md": ENTRY})), "kb.zip")
    }
    response = client.post("/finance/manage/import", data=good, content_type="multipart/form-data")
    assert response.status_code == 302
    export = client.get("/finance/manage/export.zip?which=latest")
    assert export.status_code == 200 and export.mimetype == "application/zip"
    assert client.get("/finance/manage/export.zip?which=nonsense").status_code == 404


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("full_answer", "[" * 1001, "The text has 1,001 square brackets «[»; the limit is 1,000."),
        ("full_answer", "".join("> " * n + "x\n" for n in range(1, 31)), "nested 30 levels"),
        ("short_answer", "*" * 5001, "5,001 emphasis and code marks"),
    ],
)
def test_import_refuses_markdown_past_the_render_limits(login, key, text, message):
    client = login("staff")
    if key == "full_answer":
        entry = ENTRY.replace("Полный **ответ**.", text)
    else:
        entry = ENTRY.replace('"Её перечисляют на лицевой счёт."', f'"{text}"')
    data = {"archive": (io.BytesIO(make_zip({"topics.yaml": TOPICS, "entries/a.md": entry})),
                        "kb.zip")}  # fmt: skip
    response = client.post("/finance/manage/import", data=data, headers=EN,
                           content_type="multipart/form-data")  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"entries/a.md, {key}: " in page and message in page
    assert db.session.scalar(db.select(db.func.count(Entry.id))) == 0
