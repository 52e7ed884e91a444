"""Progress, completion and "continue where you left off" (pure logic, no app)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from courses import progress
from courses.progress import Entry
from school.reorder import reorder

OUTLINE = [Entry(1), Entry(2), Entry(3, required=False), Entry(4), Entry(5)]


def test_only_required_items_count():
    state = progress.compute(OUTLINE, {1, 3})
    assert (state.done_required, state.total_required) == (1, 4)
    assert (state.done_items, state.total_items) == (2, 5)
    assert state.percent == 25
    assert not state.complete
    assert progress.compute(OUTLINE, {1, 2, 4, 5}).complete


def test_ids_outside_the_outline_are_ignored():
    assert progress.compute(OUTLINE, {1, 99}).done_required == 1


def test_course_without_required_items_is_never_complete():
    optional = [Entry(1, required=False)]
    assert not progress.compute(optional, {1}).complete
    assert progress.compute(optional, {1}).percent == 0
    assert not progress.compute([], set()).complete


def test_percent_rounds_down_and_reaches_100_only_when_complete():
    outline = [Entry(i) for i in range(3)]
    assert progress.compute(outline, {0, 1}).percent == 66
    assert progress.compute(outline, {0, 1, 2}).percent == 100


def test_next_item_resumes_the_last_opened_item_if_not_done():
    assert progress.next_item(OUTLINE, {1, 2}, last_item_id=4) == 4


def test_next_item_after_a_done_item_is_the_next_not_done():
    assert progress.next_item(OUTLINE, {1, 2, 4}, last_item_id=2) == 3
    assert progress.next_item(OUTLINE, {1, 2, 3, 4}, last_item_id=2) == 5


def test_next_item_wraps_around_to_items_skipped_earlier():
    assert progress.next_item(OUTLINE, {2, 3, 4, 5}, last_item_id=5) == 1


def test_next_item_without_history_is_the_first_not_done():
    assert progress.next_item(OUTLINE, set()) == 1
    assert progress.next_item(OUTLINE, {1}) == 2
    assert progress.next_item(OUTLINE, {1}, last_item_id=42) == 2


def test_nothing_next_when_everything_is_done():
    assert progress.next_item(OUTLINE, {1, 2, 3, 4, 5}, last_item_id=3) is None
    assert progress.next_item([], set()) is None


def test_neighbours_cross_modules_and_stop_at_the_ends():
    assert progress.neighbours(OUTLINE, 1) == (None, 2)
    assert progress.neighbours(OUTLINE, 3) == (2, 4)
    assert progress.neighbours(OUTLINE, 5) == (4, None)
    assert progress.neighbours(OUTLINE, 42) == (None, None)


def test_reorder_swaps_with_the_neighbour():
    assert reorder([10, 20, 30], 20, -1) == [20, 10, 30]
    assert reorder([10, 20, 30], 20, 1) == [10, 30, 20]
    assert reorder([10, 20, 30], 10, -1) is None
    assert reorder([10, 20, 30], 30, 1) is None
    assert reorder([10, 20, 30], 99, 1) is None
    assert reorder([10, 20, 30], 10, 2) is None


outlines = st.lists(st.booleans(), min_size=0, max_size=30).map(
    lambda flags: [Entry(i + 1, required) for i, required in enumerate(flags)]
)


@given(outlines, st.data())
def test_next_item_is_never_done_and_none_only_when_all_done(outline, data):
    ids = [e.id for e in outline]
    done = data.draw(st.sets(st.sampled_from(ids))) if ids else set()
    last = data.draw(st.one_of(st.none(), st.sampled_from(ids))) if ids else None
    result = progress.next_item(outline, done, last)
    if result is None:
        assert set(ids) <= done
    else:
        assert result in ids and result not in done


@given(outlines, st.data())
def test_progress_counts_are_consistent(outline, data):
    ids = [e.id for e in outline]
    done = data.draw(st.sets(st.sampled_from(ids))) if ids else set()
    state = progress.compute(outline, done)
    assert 0 <= state.done_required <= state.total_required
    assert 0 <= state.percent <= 100
    assert state.complete == (state.total_required > 0 and state.percent == 100)
    required_ids = {e.id for e in outline if e.required}
    assert state.complete == (bool(required_ids) and required_ids <= done)


@given(st.lists(st.integers(), min_size=1, max_size=20, unique=True), st.data())
def test_reorder_is_a_permutation_and_undoable(ids, data):
    moving = data.draw(st.sampled_from(ids))
    offset = data.draw(st.sampled_from([-1, 1]))
    order = reorder(ids, moving, offset)
    if order is None:
        index = ids.index(moving)
        assert index + offset in (-1, len(ids))
    else:
        assert sorted(order) == sorted(ids)
        assert reorder(order, moving, -offset) == ids
