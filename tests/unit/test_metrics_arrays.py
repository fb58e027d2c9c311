"""The shared array views of the metrics: stay rows, UTC wall times and the stay cover.

The metrics read the flow tables through read-only numpy views (no copies of
the large stays frame) and memoise the stay cover per scope; these tests pin
that the views equal the plain conversions, that the id-free stay look-up
equals a look-up by id (also on stays a caller filtered), and that nothing
writes through a view into the frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsm_core.flow import FlowTables
from vsm_core.metrics.efficiency import flow_efficiency
from vsm_core.metrics.report import calculate_metrics
from vsm_core.metrics.scope import build_scope
from vsm_core.metrics.stages import _stays, stay_items, time_in_stage_summary
from vsm_core.metrics.wip import daily_wip, range_counts, stay_cover
from vsm_core.model import Category, Stage, Workflow, item_positions, make_dataset
from vsm_core.timeutil import sortable_micros, utc_naive_us

WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", category=Category.BACKLOG),
        Stage(name="Doing", category=Category.ACTIVE),
        Stage(name="Review", category=Category.WAITING),
        Stage(name="Done", category=Category.DONE),
    ),
    start="Doing",
)
STATUSES = ["Backlog", "Doing", "Review", "Done", "Other"]
BASE = pd.Timestamp("2024-03-25", tz="UTC")


def _scope(rows, n_items: int):
    events = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    if events.empty:
        events = pd.DataFrame({"item_id": [], "status": [], "entered_at": []})
    items = pd.DataFrame({"item_id": [f"I{k}" for k in range(n_items)]})
    return build_scope(make_dataset(items, events, WORKFLOW, timezone="Europe/Berlin"))


logs = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(STATUSES), st.integers(0, 30)), max_size=30
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=logs, n_items=st.integers(1, 6))
def test_stay_items_equals_a_lookup_by_id(rows, n_items):
    rows = [(f"I{i % n_items}", s, BASE + pd.Timedelta(hours=h)) for i, s, h in rows]
    flow = _scope(rows, n_items).flow
    by_id = item_positions(flow.items["item_id"], flow.stays["item_id"])
    assert stay_items(flow).tolist() == by_id.tolist()


def test_stay_items_of_filtered_stays_falls_back_to_ids():
    rows = [
        ("I0", "Doing", BASE),
        ("I0", "Done", BASE + pd.Timedelta(hours=5)),
        ("I1", "Doing", BASE + pd.Timedelta(hours=1)),
        ("I2", "Review", BASE + pd.Timedelta(hours=2)),
    ]
    flow = _scope(rows, 3).flow
    assert stay_items(flow).tolist() == [0, 0, 1, 2]
    # Drop I1's only stay: the groups no longer line up with the items that have stays.
    kept = flow.stays[flow.stays["item_id"] != "I1"].reset_index(drop=True)
    filtered = FlowTables(kept, flow.items, flow.as_of, flow.workflow, flow.options, 0)
    assert stay_items(filtered).tolist() == [0, 0, 2]


def test_time_views_equal_the_conversion_and_are_read_only():
    times = pd.Series(pd.to_datetime(["2024-03-30T23:30Z", None, "2024-03-31T01:30Z"], utc=True))
    expected = times.dt.tz_convert(None).to_numpy(dtype="datetime64[us]")
    view = utc_naive_us(times)
    assert view.dtype == np.dtype("datetime64[us]")
    assert np.array_equal(view, expected, equal_nan=True)
    with pytest.raises(ValueError):
        view[0] = np.datetime64("2000-01-01")
    berlin = utc_naive_us(times.dt.tz_convert("Europe/Berlin"))  # any zone: UTC wall times
    assert np.array_equal(berlin, expected, equal_nan=True)
    nanoseconds = times.astype("datetime64[ns, UTC]") + pd.Timedelta(nanoseconds=999)
    assert np.array_equal(utc_naive_us(nanoseconds), expected, equal_nan=True)  # truncated
    assert utc_naive_us(pd.Series(["2024-03-30T23:30Z"]))[0] == expected[0]  # text is parsed
    naive = utc_naive_us(times.dt.tz_convert(None))  # naive times are taken as UTC
    assert np.array_equal(naive, expected, equal_nan=True)
    assert utc_naive_us(pd.Series([], dtype=object)).dtype == np.dtype("datetime64[us]")


def test_sortable_micros_order_like_the_times_with_missing_ones_last():
    times = pd.Series(pd.to_datetime(["2024-03-30T23:30Z", None, "1969-12-31T23:59Z"], utc=True))
    micros = sortable_micros(times)
    assert micros.dtype == np.int64 and micros.flags.writeable
    assert micros.tolist() == [1_711_841_400_000_000, np.iinfo(np.int64).max, -60_000_000]
    assert sortable_micros(pd.Series([], dtype="datetime64[us, UTC]")).tolist() == []


def test_views_leave_the_frames_writable_and_the_cover_is_memoised():
    rows = [("I0", "Doing", BASE), ("I0", "Done", BASE + pd.Timedelta(days=2))]
    report = calculate_metrics(
        make_dataset(
            pd.DataFrame({"item_id": ["I0"]}),
            pd.DataFrame(rows, columns=["item_id", "status", "entered_at"]),
            WORKFLOW,
        )
    )
    scope = report.scope
    assert stay_cover(scope) is stay_cover(scope)
    arrays = _stays(scope)
    assert not arrays.enter.flags.writeable and not arrays.days.flags.writeable
    stays = scope.flow.stays
    stays.loc[0, "duration_days"] = 9.0  # the frame itself is still writable
    assert stays.loc[0, "duration_days"] == 9.0


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(0, 12),
    ranges=st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 2), st.integers(-3, 5)),
        max_size=25,
    ),
    use_keys=st.booleans(),
    weighted=st.booleans(),
)
def test_range_counts_matches_a_loop(n, ranges, use_keys, weighted):
    """Sums of the ranges [lo, hi) covering each position; empty and reversed ranges add
    nothing, whichever path (one key, several keys, weights) is taken."""
    ranges = [(min(lo, n), min(hi, n), key, w) for lo, hi, key, w in ranges]
    lo = np.array([r[0] for r in ranges], dtype=np.int64)
    hi = np.array([r[1] for r in ranges], dtype=np.int64)
    n_keys = 3 if use_keys else 1
    keys = np.array([r[2] for r in ranges], dtype=np.int64) if use_keys else None
    weights = np.array([float(r[3]) for r in ranges]) if weighted else None
    expected = np.zeros((n, n_keys))
    for a, b, key, w in ranges:
        for j in range(a, b):
            expected[j, key if use_keys else 0] += w if weighted else 1
    got = range_counts(lo, hi, n, keys, n_keys, weights)
    assert got.shape == (n, n_keys)
    if not weighted:
        assert got.dtype == np.int64
    assert np.allclose(got, expected)


def test_daily_wip_frames_are_independent_of_the_memo():
    rows = [("I0", "Doing", BASE), ("I0", "Done", BASE + pd.Timedelta(days=2))]
    events = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    scope = build_scope(make_dataset(pd.DataFrame({"item_id": ["I0"]}), events, WORKFLOW))
    first = daily_wip(scope)
    first.loc[0, "count"] = 99  # a caller may change its copy
    assert daily_wip(scope)["count"].tolist() == [1, 0, 0]  # the move at 00:00 is seen


def test_memoised_results_are_handed_out_as_independent_copies():
    rows = [
        ("I0", "Doing", BASE),
        ("I0", "Review", BASE + pd.Timedelta(days=1)),
        ("I0", "Done", BASE + pd.Timedelta(days=3)),
    ]
    events = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    scope = build_scope(make_dataset(pd.DataFrame({"item_id": ["I0"]}), events, WORKFLOW))
    frame, summary = flow_efficiency(scope)
    frame.loc[0, "efficiency"] = -1.0
    summary["n"] = 99
    again, summary_again = flow_efficiency(scope)
    assert again["efficiency"].tolist() == [pytest.approx(1 / 3)]  # 1 active day of 3
    assert summary_again["n"] == 1
    tis = time_in_stage_summary(scope)
    tis["Doing"]["total"] = -1.0
    assert time_in_stage_summary(scope)["Doing"]["total"] == 1.0
