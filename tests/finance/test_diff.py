"""Readable word-level differences between revisions (pure)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from finance.diff import CONTEXT, Segment, diff_contents, diff_text, tokenize


def _side(segments: list[Segment], keep: str) -> str:
    return "".join(s.text for s in segments if s.op in ("equal", keep))


def test_changed_words_are_shown_not_whole_paragraphs():
    old = "Пенсию перечисляют на лицевой счёт осуждённого."
    new = "Пенсию переводят на банковский счёт осуждённого, если он попросит."
    assert diff_text(old, new) == [
        Segment("equal", "Пенсию "),
        Segment("delete", "перечисляют"),
        Segment("insert", "переводят"),
        Segment("equal", " на "),
        Segment("delete", "лицевой"),
        Segment("insert", "банковский"),
        Segment("equal", " счёт осуждённого"),
        Segment("insert", ", если он попросит"),
        Segment("equal", "."),
    ]


def test_replaced_phrase_reads_as_one_change():
    segments = diff_text("платит муж сам", "платят родные мужа сам")
    assert Segment("delete", "платит муж") in segments
    assert Segment("insert", "платят родные мужа") in segments


def test_long_unchanged_text_is_shortened():
    words = " ".join(f"слово{n}" for n in range(200))
    segments = diff_text(words + " конец.", words + " финал.")
    assert [s.op for s in segments] == ["equal", "skip", "equal", "delete", "insert", "equal"]
    assert len(tokenize(segments[2].text)) == CONTEXT


def test_field_diffs_of_revisions():
    old = {
        "question": "Вопрос?",
        "short_answer": "Да.",
        "full_answer": "A",
        "legal_references": ["ст. 1"],
    }
    new = {**old, "legal_references": ["ст. 1", "ст. 2"]}
    fields = {d.name: d for d in diff_contents(old, new)}
    assert not fields["question"].changed and fields["legal_references"].changed
    assert fields["legal_references"].inserted == 2  # "ст" and "2"
    assert fields["legal_references"].deleted == 0


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="аб вг.\n,", max_size=60),
    st.text(alphabet="аб вг.\n,", max_size=60),
)
def test_both_texts_can_be_read_back_from_the_diff(old, new):
    segments = diff_text(old, new, shorten=False)
    assert _side(segments, "delete") == old
    assert _side(segments, "insert") == new
    assert "".join(tokenize(old)) == old
