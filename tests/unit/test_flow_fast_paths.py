"""The fast paths of vsm_core.flow and vsm_core.model give exactly what the slow paths give.

* :func:`vsm_core.flow.event_order` (skip the sort when the log is already
  grouped by item and in time order; sort only the runs when just the items
  are out of order) against a stable ``np.lexsort`` and against
  :func:`vsm_core.flow._sorted_order`;
* :func:`vsm_core.model.item_positions` (look up run heads only) against a
  plain dictionary look-up;
* :func:`vsm_core.flow.build_flow` with the fast order against the same
  build forced through the full sort: unsorted logs, equal timestamps with
  the ``seq`` tie-break, NaT, interleaved items, a single item, no events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsm_core import flow as flow_module
from vsm_core.flow import FlowOptions, _sorted_order, build_flow, event_order
from vsm_core.model import (
    CanonicalDataset,
    Category,
    Stage,
    Workflow,
    item_positions,
    make_dataset,
)

WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", category=Category.BACKLOG),
        Stage(name="Doing", statuses=("In Progress",), category=Category.ACTIVE),
        Stage(name="Review", category=Category.WAITING),
        Stage(name="Done", category=Category.DONE),
        Stage(name="Cancelled", category=Category.CANCELLED),
    ),
    start="Doing",
)
STATUSES = ["Backlog", "In Progress", "Review", "Done", "Cancelled", "Unmapped"]
BASE = np.datetime64("2024-03-01T00:00", "us")


def _lexsort(item, times, seq) -> np.ndarray:
    """Independent reference: numpy's stable lexicographic sort (last key is primary)."""
    return np.lexsort((seq, times, item))


def _applied(order, n) -> np.ndarray:
    return np.arange(n) if order is None else order


# --------------------------------------------------------------------------- event_order


def _grouped_log(n_items: int, per_item: int, rng) -> tuple[np.ndarray, ...]:
    """A log grouped by item in item order, times increasing within each item."""
    item = np.repeat(np.arange(n_items), per_item)
    times = BASE + np.cumsum(rng.integers(0, 3, len(item))).astype("timedelta64[h]")
    return item, times, np.arange(len(item))


def test_event_order_of_an_ordered_log_is_none():
    item, times, seq = _grouped_log(50, 4, np.random.default_rng(1))
    assert event_order(item, times, seq) is None
    assert np.array_equal(_lexsort(item, times, seq), np.arange(len(item)))


def test_event_order_empty_and_single_rows():
    empty_t = np.empty(0, dtype="datetime64[us]")
    empty_i = np.empty(0, dtype=np.int64)
    assert event_order(empty_i, empty_t, empty_i) is None
    assert event_order(np.array([3]), np.array([BASE]), np.array([9])) is None


def test_event_order_single_item_with_ties_follows_seq():
    times = np.array([BASE, BASE, BASE + 1, BASE + 1, BASE])
    seq = np.array([2, 5, 0, 1, 3])
    item = np.zeros(5, dtype=np.int64)
    expected = _lexsort(item, times, seq)
    assert np.array_equal(_applied(event_order(item, times, seq), 5), expected)


def test_event_order_runs_out_of_item_order_are_moved_as_runs():
    rng = np.random.default_rng(2)
    item, times, seq = _grouped_log(30, 3, rng)
    relabel = rng.permutation(30)  # the same runs, but items no longer in table order
    item = relabel[item]
    order = event_order(item, times, seq)
    assert order is not None
    assert np.array_equal(order, _lexsort(item, times, seq))


def test_event_order_interleaved_items_and_nat_take_the_full_sort():
    item = np.array([0, 1, 0, 1, 2])
    times = BASE + np.array([0, 0, 1, 1, 2]).astype("timedelta64[h]")
    seq = np.arange(5)
    assert np.array_equal(event_order(item, times, seq), _lexsort(item, times, seq))
    with_nat = times.copy()
    with_nat[1] = np.datetime64("NaT")
    item = np.array([0, 0, 1, 1, 2])
    assert np.array_equal(event_order(item, with_nat, seq), _sorted_order(item, with_nat, seq))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 6), st.integers(0, 8)), max_size=40),
    grouped=st.booleans(),
)
def test_event_order_matches_a_stable_lexsort(rows, grouped):
    item = np.array([r[0] for r in rows], dtype=np.int64)
    times = BASE + np.array([r[1] for r in rows], dtype=np.int64).astype("timedelta64[h]")
    seq = np.array([r[2] for r in rows], dtype=np.int64)  # repeats allowed: row order breaks ties
    if grouped:  # make the common shapes likely: grouped by item, often already in order
        by_item = np.argsort(item, kind="stable")
        item, times, seq = item[by_item], times[by_item], seq[by_item]
    expected = _lexsort(item, times, seq)
    got = _applied(event_order(item, times, seq), len(item))
    assert np.array_equal(got, expected)
    assert np.array_equal(_sorted_order(item, times, seq), expected)


# --------------------------------------------------------------------------- item_positions


def _reference_positions(item_ids, event_ids) -> list[int]:
    lookup = {item_id: k for k, item_id in enumerate(item_ids)}
    return [lookup.get(e, -1) for e in event_ids]


@settings(max_examples=200, deadline=None)
@given(
    n_items=st.integers(0, 6),
    events=st.lists(st.integers(0, 8), max_size=30),
    grouped=st.booleans(),
)
def test_item_positions_matches_a_dictionary_lookup(n_items, events, grouped):
    item_ids = [f"I{k}" for k in range(n_items)]
    event_ids = [f"I{k}" for k in (sorted(events) if grouped else events)]
    got = item_positions(pd.Series(item_ids, dtype="str"), pd.Series(event_ids, dtype="str"))
    assert got.dtype == np.int64
    assert got.tolist() == _reference_positions(item_ids, event_ids)


def test_item_positions_grouped_in_item_order_and_object_columns():
    item_ids = pd.Series(["A", "B", "C"], dtype=object)
    event_ids = pd.Series(["A", "A", "B", "C", "C", "C"], dtype=object)
    assert item_positions(item_ids, event_ids).tolist() == [0, 0, 1, 2, 2, 2]
    assert item_positions(item_ids, pd.Series(["C", "X", None, None])).tolist() == [2, -1, -1, -1]


# --------------------------------------------------------------------------- build_flow


@pytest.fixture
def slow_order(monkeypatch):
    """Force build_flow through the full sort."""

    def build_slow(dataset, options=None):
        with monkeypatch.context() as patch:
            patch.setattr(flow_module, "event_order", _sorted_order)
            return build_flow(dataset, options or FlowOptions())

    return build_slow


def _assert_same_flow(fast, slow):
    pd.testing.assert_frame_equal(fast.stays, slow.stays)
    pd.testing.assert_frame_equal(fast.items, slow.items)
    assert fast.as_of == slow.as_of
    assert fast.unmapped_events == slow.unmapped_events
    assert fast.first_event_at == slow.first_event_at


def _dataset(rows, item_ids=None, seq=None) -> CanonicalDataset:
    events = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    events["entered_at"] = pd.to_datetime(events["entered_at"], utc=True)
    if seq is not None:
        events["seq"] = seq
    if item_ids is None:
        item_ids = list(dict.fromkeys(events["item_id"]))
    return make_dataset(pd.DataFrame({"item_id": item_ids}), events, WORKFLOW)


def _random_rows(rng, n_items: int, n_events: int) -> list[tuple[str, str, pd.Timestamp]]:
    ids = rng.integers(0, n_items, n_events)
    hours = rng.integers(0, 12, n_events)  # few distinct hours: many equal timestamps
    status = rng.integers(0, len(STATUSES), n_events)
    base = pd.Timestamp("2024-03-01", tz="UTC")
    return [
        (f"I{i}", STATUSES[s], base + pd.Timedelta(hours=int(h)))
        for i, h, s in zip(ids, hours, status, strict=True)
    ]


@pytest.mark.parametrize("shape", ["interleaved", "grouped", "grouped_sorted", "items_reversed"])
def test_build_flow_fast_order_equals_full_sort(shape, slow_order):
    rng = np.random.default_rng(11)
    rows = _random_rows(rng, 25, 300)
    item_ids = [f"I{k}" for k in range(25)]
    frame = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    frame["seq"] = rng.permutation(len(frame))  # file order differs from row order
    frame["number"] = frame["item_id"].str[1:].astype(int)
    if shape == "grouped":  # grouped by item, times and seq still shuffled within items
        frame = frame.sort_values("number", kind="stable")
    elif shape != "interleaved":  # grouped and in (time, seq) order: the usual export
        frame = frame.sort_values(["number", "entered_at", "seq"], kind="stable")
    seq = frame["seq"].to_numpy()
    rows = list(frame[["item_id", "status", "entered_at"]].itertuples(index=False))
    if shape == "items_reversed":
        item_ids = item_ids[::-1]
    ds = _dataset(rows, item_ids, seq)
    for as_of in (None, pd.Timestamp("2024-03-01T06:00", tz="UTC")):
        for mode in ("elapsed", "inclusive"):
            options = FlowOptions(as_of=as_of, cycle_time_mode=mode)
            _assert_same_flow(build_flow(ds, options), slow_order(ds, options))


def test_build_flow_equal_timestamps_follow_seq_on_both_paths(slow_order):
    t = "2024-03-01T09:00Z"
    rows = [("A", "Done", t), ("A", "In Progress", t), ("A", "Review", t), ("B", "Doing", t)]
    ds = _dataset(rows, seq=[2, 0, 1, 3])  # file order: In Progress, Review, Done
    fast = build_flow(ds)
    _assert_same_flow(fast, slow_order(ds))
    assert fast.stays.loc[fast.stays["item_id"] == "A", "stage"].tolist() == [
        "Doing",
        "Review",
        "Done",
    ]


def test_build_flow_single_item_and_no_events(slow_order):
    one = _dataset([("A", "In Progress", "2024-03-01T00:00Z"), ("A", "Done", "2024-03-02T00:00Z")])
    _assert_same_flow(build_flow(one), slow_order(one))
    none = make_dataset(
        pd.DataFrame({"item_id": ["A"]}),
        pd.DataFrame({"item_id": [], "status": [], "entered_at": []}),
        WORKFLOW,
    )
    options = FlowOptions(as_of=pd.Timestamp("2024-03-05", tz="UTC"))  # not "now": comparable
    _assert_same_flow(build_flow(none, options), slow_order(none, options))


def test_build_flow_with_a_nat_event_drops_it_on_both_paths(slow_order):
    ds = _dataset(
        [
            ("A", "In Progress", "2024-03-01T00:00Z"),
            ("A", "Review", "2024-03-02T00:00Z"),
            ("B", "In Progress", "2024-03-01T12:00Z"),
            ("B", "Done", "2024-03-03T00:00Z"),
        ]
    )
    events = ds.events.copy()
    events.loc[1, "entered_at"] = pd.NaT  # make_events rejects this; build_flow must cope
    with_nat = CanonicalDataset(ds.items, events, ds.workflow, ds.timezone)
    options = FlowOptions(as_of=pd.Timestamp("2024-03-05", tz="UTC"))
    fast = build_flow(with_nat, options)
    _assert_same_flow(fast, slow_order(with_nat, options))
    assert fast.stays["item_id"].tolist() == ["A", "B", "B"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_items=st.integers(1, 6),
    n_events=st.integers(0, 40),
    grouped=st.booleans(),
)
def test_build_flow_paths_agree_on_random_logs(seed, n_items, n_events, grouped):
    rng = np.random.default_rng(seed)
    rows = _random_rows(rng, n_items, n_events)
    seq = rng.integers(0, max(n_events, 1), n_events)  # repeated seq: row order breaks ties
    if grouped:
        by_item = np.argsort([int(r[0][1:]) for r in rows], kind="stable")
        rows, seq = [rows[k] for k in by_item], seq[by_item]
    if not rows:
        rows = pd.DataFrame({"item_id": [], "status": [], "entered_at": []})
    ds = _dataset(rows, [f"I{k}" for k in range(n_items)], seq if n_events else None)
    # Without events as-of would be "now", which moves between the two builds.
    options = FlowOptions(as_of=None if n_events else pd.Timestamp("2024-03-05", tz="UTC"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flow_module, "event_order", _sorted_order)
        slow = build_flow(ds, options)
    _assert_same_flow(build_flow(ds, options), slow)
