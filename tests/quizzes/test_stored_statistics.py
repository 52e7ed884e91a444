"""Histograms kept per question give the figures of item_analysis over the same attempts,
whatever order the attempts came in and went out."""

from __future__ import annotations

import json
import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.statistics import (
    AttemptData,
    Contribution,
    Histograms,
    ItemResponse,
    decode_option,
    encode_option,
    item_analysis,
)

OPTIONS = st.one_of(
    st.integers(0, 3),
    st.booleans(),
    st.tuples(st.integers(0, 2), st.integers(0, 2)),
    st.sampled_from(["суд", "прокурор", "court"]),
    st.sampled_from([1.5, 2.0, -3.25]),
)
ITEM = st.builds(ItemResponse, st.sampled_from([0, 0.25, 0.5, 1 / 3, 0.75, 1]),
                 st.frozensets(OPTIONS, max_size=2))  # fmt: skip
ATTEMPT = st.builds(
    AttemptData,
    st.sampled_from([i / 20 for i in range(21)] + [1 / 3, 2 / 3]),
    st.dictionaries(st.integers(1, 5), ITEM, max_size=5),
)


def assert_same(stored, expected) -> None:
    assert stored.attempts == expected.attempts
    if expected.mean_total is None:
        assert stored.mean_total is None
    else:
        assert math.isclose(stored.mean_total, expected.mean_total, abs_tol=1e-9)
    assert [q.key for q in stored.questions] == [q.key for q in expected.questions]
    for got, want in zip(stored.questions, expected.questions, strict=True):
        assert (got.attempts, got.unanswered, got.option_counts) == (
            want.attempts, want.unanswered, want.option_counts)  # fmt: skip
        for name in ("facility", "discrimination"):
            a, b = getattr(got, name), getattr(want, name)
            assert (a is None) == (b is None), name
            if a is not None:
                assert math.isclose(a, b, abs_tol=1e-9), (name, a, b)
        assert got.flags == want.flags


@settings(max_examples=150, deadline=None)
@given(st.lists(ATTEMPT, max_size=30), st.lists(ATTEMPT, max_size=8), st.randoms())
def test_histograms_match_item_analysis(kept, removed, rng: random.Random):
    options = {1: [0, 1, 2, 3], 2: [True, False]}
    parts = [Contribution.of(i, a) for i, a in enumerate(kept + removed, start=1)]
    histograms = Histograms()
    for part in rng.sample(parts, len(parts)):  # any order
        histograms.add(part)
    for part in parts[len(kept) :]:
        histograms.add(part, sign=-1)
    # Through JSON, as the database keeps them.
    again = Histograms(json.loads(json.dumps(histograms.to_dict())))
    assert_same(again.analysis(options=options), item_analysis(kept, options=options))


def test_every_attempt_removed_leaves_nothing():
    attempt = AttemptData(0.5, {1: ItemResponse(1, {0})})
    histograms = Histograms()
    histograms.add(Contribution.of(1, attempt))
    histograms.add(Contribution.of(1, attempt), sign=-1)
    assert histograms.to_dict() == {"attempts": 0, "totals": {}, "questions": {}}


def test_option_keys_keep_their_type():
    for key in (0, True, (1, 2), "суд", 2.5, False, 1):
        back = decode_option(encode_option(key))
        assert back == key and type(back) is type(key)
