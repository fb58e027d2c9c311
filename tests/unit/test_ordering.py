"""The shared row orders: the "already grouped by item in time order" check and first appearance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_core.ordering import first_appearance, grouped_time_order, in_time_order


def _arrays(*columns):
    return [np.asarray(column, dtype=np.int64) for column in columns]


# --------------------------------------------------------------------------- time order


def test_equal_times_are_in_order_unless_the_file_order_steps_back():
    t, seq = _arrays([5, 5, 5, 5, 6], [1, 2, 2, 1, 0])
    # 5/1 -> 5/2 later in the file; 5/2 -> 5/2 the same row key; 5/2 -> 5/1 back; 5 -> 6 later.
    assert in_time_order(t, seq).tolist() == [True, True, False, True]


def test_equal_time_and_seq_keep_file_order_without_a_sort():
    # Two events of one item at the same instant and the same seq (a file that repeats seq):
    # a stable sort would leave them where they are, so the check says "in order".
    item, t, seq = _arrays([0, 0, 0, 1], [3, 7, 7, 1], [0, 1, 1, 2])
    assert grouped_time_order(item, t, seq) is None


def test_equal_times_are_ordered_by_seq():
    item, t, seq = _arrays([0, 0, 0], [7, 7, 7], [2, 0, 1])
    assert grouped_time_order(item, t, seq).tolist() == [1, 2, 0]


def test_a_sort_keeps_file_order_among_equal_keys():
    # Item 1 comes before item 0 (forces the sort); its two rows tie on (t, seq).
    item, t, seq = _arrays([1, 1, 0], [4, 4, 9], [0, 0, 1])
    assert grouped_time_order(item, t, seq).tolist() == [2, 0, 1]


def test_items_out_of_first_appearance_order_or_interleaved_are_sorted():
    item, t, seq = _arrays([0, 1, 0], [1, 2, 3], [0, 1, 2])
    assert grouped_time_order(item, t, seq).tolist() == [0, 2, 1]
    item, t, seq = _arrays([0, 0, 1], [5, 4, 1], [0, 1, 2])  # a time steps back in item 0
    assert grouped_time_order(item, t, seq).tolist() == [1, 0, 2]


def test_short_logs_need_no_order():
    assert grouped_time_order(*_arrays([], [], [])) is None
    assert grouped_time_order(*_arrays([3], [1], [0])) is None


def test_missing_times_mapped_to_the_largest_value_sort_last():
    big = np.iinfo(np.int64).max
    item, t, seq = _arrays([0, 0, 0], [big, 2, 3], [0, 1, 2])
    assert grouped_time_order(item, t, seq).tolist() == [1, 2, 0]


def test_a_nat_is_never_in_order():
    times = np.array(["2024-01-01", "NaT", "NaT"], dtype="datetime64[us]")
    assert in_time_order(times, np.arange(3)).tolist() == [False, False]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)), max_size=25),
    by_first_appearance=st.booleans(),
)
def test_grouped_time_order_is_the_stable_lexsort_or_none_when_that_moves_nothing(
    rows, by_first_appearance
):
    item, t, seq = _arrays(*zip(*rows, strict=True)) if rows else _arrays([], [], [])
    if by_first_appearance:  # as the callers number items
        item = pd.factorize(item)[0].astype(np.int64)
    expected = np.lexsort((seq, t, item))
    got = grouped_time_order(item, t, seq)
    if got is None:
        assert expected.tolist() == list(range(len(item)))
    else:
        assert got.tolist() == expected.tolist()


# --------------------------------------------------------------------------- first appearance


def test_first_appearance_in_file_order_skips_missing_and_absent_codes():
    code = np.array([2, -1, 0, 2, 0, 4], dtype=np.int64)
    assert first_appearance(code, 6).tolist() == [2, 0, 4]  # 1 and 3 never occur


def test_first_appearance_in_time_order_then_seq_then_position():
    code = np.array([0, 1, 2, 3], dtype=np.int64)
    t = np.array([9, 5, 5, 5], dtype=np.int64)
    seq = np.array([0, 3, 1, 1], dtype=np.int64)
    # t 5 first; among those seq 1 (codes 2 and 3), tied: by position; then seq 3; then t 9.
    assert first_appearance(code, 4, (t, seq)).tolist() == [2, 3, 1, 0]


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(-1, 4), st.integers(0, 3), st.integers(0, 3)), max_size=25),
    with_keys=st.booleans(),
)
def test_first_appearance_is_the_order_of_first_rows_after_a_stable_sort(rows, with_keys):
    code, t, seq = _arrays(*zip(*rows, strict=True)) if rows else _arrays([], [], [])
    keys = (t, seq) if with_keys else ()
    order = np.lexsort((seq, t)) if with_keys else np.arange(len(code))
    in_order = code[order]
    expected = pd.unique(in_order[in_order >= 0]).tolist()
    assert first_appearance(code, 5, keys).tolist() == expected


def test_ranks_of_first_appearance():
    code = np.array([1, 0, 1, 2], dtype=np.int64)
    t = np.array([3, 4, 1, 2], dtype=np.int64)
    # first rows by time: code 1 at t 1, code 2 at t 2, code 0 at t 4.
    assert np.argsort(first_appearance(code, 3, (t,))).tolist() == [2, 0, 1]


@pytest.mark.parametrize("count", [0, 3])
def test_first_appearance_of_nothing(count):
    assert first_appearance(np.empty(0, dtype=np.int64), count).tolist() == []
