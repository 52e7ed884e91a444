import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.statistics import (
    AttemptData,
    Flag,
    ItemResponse,
    Thresholds,
    discrimination_index,
    item_analysis,
)

FAST = settings(max_examples=60, deadline=None)

# Ten attempts, best first. With n = 10 the upper and lower groups hold round(0.27 * 10) = 3
# attempts each: A1-A3 (totals 0.95, 0.90, 0.85) and A8-A10 (0.40, 0.30, 0.20).
#
# q1, a single choice whose option 0 is right:
#   fractions 1 1 0 1 1 0 1 0 1 0  -> facility 6/10 = 0.6
#   upper (A1-A3) 1+1+0 = 2/3, lower (A8-A10) 0+1+0 = 1/3 -> D = 1/3
#   options chosen: 0 six times, 1 by A3 and A8, 2 by A6; A10 left it unanswered.
# q2, right only for weak students:
#   fractions 0 0 0 0 0 0 0 1 0 0.5 -> facility 1.5/10 = 0.15 (too hard)
#   upper 0, lower (1 + 0 + 0.5)/3 = 0.5 -> D = -0.5 (negative)
# q3, everybody right: facility 1.0 (too easy), D = 1 - 1 = 0 (low).
# q4, in four attempts only (A1, A4, A7, A10): groups of round(0.27 * 4) = 1,
#   upper A1 = 1, lower A10 = 0 -> D = 1; facility 2/4 = 0.5; too few attempts to flag.
TOTALS = [0.95, 0.90, 0.85, 0.70, 0.60, 0.55, 0.50, 0.40, 0.30, 0.20]
Q1 = [
    (1, {0}),
    (1, {0}),
    (0, {1}),
    (1, {0}),
    (1, {0}),
    (0, {2}),
    (1, {0}),
    (0, {1}),
    (1, {0}),
    (0, ()),
]
Q2 = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0.5]
Q4 = {0: 1, 3: 1, 6: 0, 9: 0}


def known_attempts() -> list[AttemptData]:
    attempts = []
    for i, total in enumerate(TOTALS):
        items = {
            "q1": ItemResponse(Q1[i][0], Q1[i][1]),
            "q2": ItemResponse(Q2[i], {"b"} if Q2[i] else {"a"}),
            "q3": ItemResponse(1.0, {True}),
        }
        if i in Q4:
            items["q4"] = ItemResponse(Q4[i], {Q4[i]})
        attempts.append(AttemptData(total, items))
    return attempts


def test_known_data_set():
    stats = item_analysis(known_attempts(), options={"q1": [0, 1, 2, 3]})
    assert stats.attempts == 10
    assert stats.mean_total == pytest.approx(sum(TOTALS) / 10)
    assert [q.key for q in stats.questions] == ["q1", "q2", "q3", "q4"]

    q1 = stats.question("q1")
    assert q1.attempts == 10
    assert q1.facility == pytest.approx(0.6)
    assert q1.discrimination == pytest.approx(1 / 3)
    assert q1.option_counts == {0: 6, 1: 2, 2: 1, 3: 0}
    assert q1.unanswered == 1
    assert q1.option_share(0) == pytest.approx(0.6)
    assert q1.option_share(3) == 0
    assert q1.flags == ()

    q2 = stats.question("q2")
    assert q2.facility == pytest.approx(0.15)
    assert q2.discrimination == pytest.approx(-0.5)
    assert q2.flags == (Flag.TOO_HARD, Flag.NEGATIVE_DISCRIMINATION)
    assert q2.option_counts == {"a": 8, "b": 2}

    q3 = stats.question("q3")
    assert q3.facility == 1.0
    assert q3.discrimination == 0
    assert q3.flags == (Flag.TOO_EASY, Flag.LOW_DISCRIMINATION)

    q4 = stats.question("q4")
    assert q4.attempts == 4
    assert q4.facility == pytest.approx(0.5)
    assert q4.discrimination == pytest.approx(1.0)
    assert q4.flags == ()  # fewer than Thresholds.min_attempts
    with pytest.raises(KeyError):
        stats.question("q5")


def test_custom_thresholds():
    stats = item_analysis(known_attempts(), thresholds=Thresholds(min_attempts=1))
    assert stats.question("q4").flags == ()
    strict = Thresholds(min_facility=0.7, min_discrimination=0.5, min_attempts=1)
    q1 = item_analysis(known_attempts(), thresholds=strict).question("q1")
    assert q1.flags == (Flag.TOO_HARD, Flag.LOW_DISCRIMINATION)


def test_result_does_not_depend_on_attempt_order():
    forward = item_analysis(known_attempts())
    backward = item_analysis(list(reversed(known_attempts())))
    assert {q.key: q.discrimination for q in forward.questions} == {
        q.key: q.discrimination for q in backward.questions
    }


def test_ties_at_the_group_boundary_share_the_places():
    # n = 4, groups of 1. The two attempts tied at 0.9 share the single upper place:
    # upper = (1 + 0) / 2 = 0.5; lower = the 0.1 attempt = 0 -> D = 0.5, whatever the order.
    pairs = [(0.9, 1.0), (0.9, 0.0), (0.5, 1.0), (0.1, 0.0)]
    assert discrimination_index(pairs) == pytest.approx(0.5)
    assert discrimination_index(reversed(pairs)) == pytest.approx(0.5)


def test_zero_variance_and_tiny_samples():
    assert discrimination_index([(0.5, 1.0), (0.5, 0.0), (0.5, 1.0), (0.5, 0.0)]) == 0
    assert discrimination_index([(0.7, 1.0), (0.3, 0.0)]) == 1
    assert discrimination_index([(0.7, 1.0)]) is None
    assert discrimination_index([]) is None
    same = [AttemptData(0.5, {"q": ItemResponse(0.0)}) for _ in range(6)]
    q = item_analysis(same).question("q")
    assert q.facility == 0 and q.discrimination == 0
    assert q.unanswered == 6
    assert q.flags == (Flag.TOO_HARD, Flag.LOW_DISCRIMINATION)


def test_zero_attempts():
    stats = item_analysis([])
    assert stats.attempts == 0 and stats.mean_total is None and stats.questions == ()
    listed = item_analysis([], options={"q": [0, 1]}).question("q")
    assert listed.attempts == 0
    assert listed.facility is None and listed.discrimination is None
    assert listed.option_counts == {0: 0, 1: 0}
    assert listed.option_share(0) == 0
    assert listed.flags == ()


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="fraction"):
        ItemResponse(math.nan)
    with pytest.raises(ValueError, match="total"):
        AttemptData(math.inf, {})
    assert ItemResponse(1, [0, 0, 1]).chosen == frozenset({0, 1})


@FAST
@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.floats(0, 1), st.sets(st.integers(0, 3))),
        max_size=40,
    )
)
def test_values_stay_in_range(rows):
    attempts = [AttemptData(t, {"q": ItemResponse(f, c)}) for t, f, c in rows]
    stats = item_analysis(attempts)
    if not rows:
        assert stats.questions == ()
        return
    q = stats.question("q")
    assert 0 <= q.facility <= 1
    if len(rows) < 2:
        assert q.discrimination is None
    else:
        assert -1 - 1e-9 <= q.discrimination <= 1 + 1e-9
    assert q.unanswered == sum(1 for _, _, c in rows if not c)
