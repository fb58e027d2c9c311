"""Unit tests for the per-stage metrics: time in stage, bottleneck, rework, heatmap,
flow efficiency, value stream map data and XmR charts.

Golden numbers are worked out by hand in the comments; the property tests check
the vectorised code against the definitions on random small event logs.
"""

from __future__ import annotations

import itertools
import json
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.builders import dataset_from_events
from vsm_core.metrics.efficiency import flow_efficiency
from vsm_core.metrics.heatmap import _cell_medians, stage_week_heatmap
from vsm_core.metrics.scope import MetricOptions, build_scope
from vsm_core.metrics.stages import (
    _committed,
    bottleneck,
    rework,
    time_in_stage,
    time_in_stage_summary,
)
from vsm_core.metrics.value_stream import value_stream
from vsm_core.metrics.xmr import (
    XmR,
    cycle_time_xmr,
    daily_wip_xmr,
    weekly_throughput_xmr,
    weekly_wip_xmr,
    xmr,
)
from vsm_core.model import Category, Stage, Workflow, make_dataset

# Positions: 0 Backlog, 1 Prep (ACTIVE but before the commitment point), 2 Ready (waiting,
# the commitment stage), 3 Doing (active), 4 Review (waiting), 5 Done, 6 Cancelled.
WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", category=Category.BACKLOG),
        Stage(name="Prep", category=Category.ACTIVE),
        Stage(name="Ready", category=Category.WAITING),
        Stage(name="Doing", statuses=("In Progress", "Doing"), category=Category.ACTIVE),
        Stage(name="Review", category=Category.WAITING),
        Stage(name="Done", statuses=("Done", "Resolved"), category=Category.DONE),
        Stage(name="Cancelled", category=Category.CANCELLED),
    ),
    start="Ready",
)

# 2024-01-01 is a Monday. As-of is 2024-01-10 00:00 UTC; scope.days = Jan 1 .. Jan 10.
GOLDEN_EVENTS = [
    # A: straight through with a re-entry into Doing (Review -> Doing is a backward move).
    # Backlog 1d, Ready 1d, Doing 2d + 2d = 4d, Review 1d, Done 0. start 02, done 08: cycle 6d.
    ("A", "Backlog", "2024-01-01T00:00Z"),
    ("A", "Ready", "2024-01-02T00:00Z"),
    ("A", "In Progress", "2024-01-03T00:00Z"),
    ("A", "Review", "2024-01-05T00:00Z"),
    ("A", "Doing", "2024-01-06T00:00Z"),
    ("A", "Done", "2024-01-08T00:00Z"),
    # B: an active stage *before* the commitment point (Prep), skips Ready, same-day moves,
    # blocked_days = 1. Backlog 1d, Prep 2d, Doing 04 00:00 -> 05 12:00 = 1.5d and
    # 05 18:00 -> 07 00:00 = 1.25d (2.75d), Review 12:00 -> 18:00 = 0.25d.
    # start 04 (Prep does not start it), done 07: cycle 3d.
    ("B", "Backlog", "2024-01-01T00:00Z"),
    ("B", "Prep", "2024-01-02T00:00Z"),
    ("B", "Doing", "2024-01-04T00:00Z"),
    ("B", "Review", "2024-01-05T12:00Z"),
    ("B", "Doing", "2024-01-05T18:00Z"),
    ("B", "Resolved", "2024-01-07T00:00Z"),
    # C: reopened after done. Ready 1d, Doing 2d, Done (0), Doing 1d, Done.
    # start 01, done 06 (the return): cycle 5d; Doing 3d in all; Done -> Doing is backward.
    ("C", "Ready", "2024-01-01T00:00Z"),
    ("C", "Doing", "2024-01-02T00:00Z"),
    ("C", "Done", "2024-01-04T00:00Z"),
    ("C", "Doing", "2024-01-05T00:00Z"),
    ("C", "Done", "2024-01-06T00:00Z"),
    # D: cancelled. Backlog 2d, Ready 1d, Cancelled 0.
    ("D", "Backlog", "2024-01-01T00:00Z"),
    ("D", "Ready", "2024-01-03T00:00Z"),
    ("D", "Cancelled", "2024-01-04T00:00Z"),
    # E: goes back before the commitment point (Doing -> Backlog), comes back, and passes
    # through Review in zero time (two moves at the same instant, file order kept).
    # Ready 1d + 0.5d = 1.5d, Doing 1d + 1.5d = 2.5d, Backlog 1d, Review 0d.
    # start 02, done 07: cycle 5d, of which the Backlog day is not committed time.
    ("E", "Ready", "2024-01-02T00:00Z"),
    ("E", "Doing", "2024-01-03T00:00Z"),
    ("E", "Backlog", "2024-01-04T00:00Z"),
    ("E", "Ready", "2024-01-05T00:00Z"),
    ("E", "Doing", "2024-01-05T12:00Z"),
    ("E", "Review", "2024-01-07T00:00Z"),
    ("E", "Done", "2024-01-07T00:00Z"),
    # F: in progress at as-of. Ready 1d, Doing 07 -> as-of 10 = 3d.
    ("F", "Ready", "2024-01-06T00:00Z"),
    ("F", "Doing", "2024-01-07T00:00Z"),
    # G: done without a start. Backlog 2d, Done.
    ("G", "Backlog", "2024-01-01T00:00Z"),
    ("G", "Done", "2024-01-03T00:00Z"),
    # H: not started. Backlog 01 -> as-of 10 = 9d.
    ("H", "Backlog", "2024-01-01T00:00Z"),
]
AS_OF = pd.Timestamp("2024-01-10T00:00Z")


def dataset(events, *, blocked=None, timezone="UTC", workflow=WORKFLOW):
    """events: (item_id, status, ISO time); blocked: {item_id: blocked days} (missing = none)."""
    return dataset_from_events(
        events, workflow, timezone=timezone, blocked_days=(blocked or {}).get
    )


def golden_scope(**options):
    options.setdefault("as_of", AS_OF)
    return build_scope(dataset(GOLDEN_EVENTS, blocked={"B": 1.0}), MetricOptions(**options))


def empty_scope():
    return build_scope(dataset([]))


def not_done_scope():
    """Items and events but nothing completed (one item in progress)."""
    ds = dataset([("X", "Backlog", "2024-01-01T00:00Z"), ("X", "Doing", "2024-01-02T06:00Z")])
    return build_scope(ds)


# --------------------------------------------------------------------------- time in stage


def test_time_in_stage_golden():
    got = time_in_stage(golden_scope())
    assert list(got.columns) == ["item_id", "stage", "stage_index", "category", "days"]
    assert str(got["item_id"].dtype) == "str" and got["days"].dtype == "float64"
    rows = {(r.item_id, r.stage): r.days for r in got.itertuples()}
    assert rows == pytest.approx(
        {
            ("A", "Backlog"): 1.0,
            ("A", "Ready"): 1.0,
            ("A", "Doing"): 4.0,  # 2 + 2: re-entries add up
            ("A", "Review"): 1.0,
            ("A", "Done"): 0.0,
            ("B", "Backlog"): 1.0,
            ("B", "Prep"): 2.0,
            ("B", "Doing"): 2.75,  # 1.5 + 1.25
            ("B", "Review"): 0.25,
            ("B", "Done"): 0.0,
            ("C", "Ready"): 1.0,
            ("C", "Doing"): 3.0,  # 2 + 1 (after the reopen)
            ("C", "Done"): 0.0,  # the day spent in Done before the reopen counts zero
            ("D", "Backlog"): 2.0,
            ("D", "Ready"): 1.0,
            ("D", "Cancelled"): 0.0,
            ("E", "Ready"): 1.5,
            ("E", "Doing"): 2.5,
            ("E", "Backlog"): 1.0,
            ("E", "Review"): 0.0,  # a zero-length visit is still a row
            ("E", "Done"): 0.0,
            ("F", "Ready"): 1.0,
            ("F", "Doing"): 3.0,  # the open stay runs to as-of
            ("G", "Backlog"): 2.0,
            ("G", "Done"): 0.0,
            ("H", "Backlog"): 9.0,
        }
    )
    # Items in item-table order, stages in workflow order.
    assert got.loc[got["item_id"] == "E", "stage"].tolist() == [
        "Backlog",
        "Ready",
        "Doing",
        "Review",
        "Done",
    ]
    assert got.loc[got["item_id"] == "B", "category"].tolist() == [
        "backlog",
        "active",
        "active",
        "waiting",
        "done",
    ]


def test_time_in_stage_summary_golden():
    summary = time_in_stage_summary(golden_scope())
    # Completed items: A, B, C, E, G (G done without a start still counts here).
    # Workflow order; Cancelled absent (no completed item visited it); Done present at 0.
    assert list(summary) == ["Backlog", "Prep", "Ready", "Doing", "Review", "Done"]
    expected = {
        # A 1, B 1, E 1, G 2 -> [1, 1, 1, 2]; p85 at position 0.85 * 3 = 2.55 -> 1 + 0.55 * 1
        "Backlog": {"p50": 1.0, "p85": 1.55, "mean": 1.25, "total": 5.0},
        "Prep": {"p50": 2.0, "p85": 2.0, "mean": 2.0, "total": 2.0},  # B only
        # A 1, C 1, E 1.5 -> p85 at 1.7 -> 1 + 0.7 * 0.5 = 1.35
        "Ready": {"p50": 1.0, "p85": 1.35, "mean": 3.5 / 3, "total": 3.5},
        # [2.5, 2.75, 3, 4]: p50 at 1.5 -> 2.875; p85 at 2.55 -> 3 + 0.55 = 3.55
        "Doing": {"p50": 2.875, "p85": 3.55, "mean": 12.25 / 4, "total": 12.25},
        # A 1, B 0.25, E 0 -> [0, 0.25, 1]: p50 0.25; p85 at 1.7 -> 0.25 + 0.7 * 0.75 = 0.775
        "Review": {"p50": 0.25, "p85": 0.775, "mean": 1.25 / 3, "total": 1.25},
        "Done": {"p50": 0.0, "p85": 0.0, "mean": 0.0, "total": 0.0},
    }
    for stage, values in expected.items():
        assert summary[stage] == pytest.approx(values), stage
    json.dumps(summary)


def test_time_in_stage_summary_follows_the_window():
    # Window Jan 7 - Jan 8: completed = B (07), E (07), A (08).
    summary = time_in_stage_summary(golden_scope(window=(date(2024, 1, 7), date(2024, 1, 8))))
    assert list(summary) == ["Backlog", "Prep", "Ready", "Doing", "Review", "Done"]
    assert summary["Doing"]["total"] == pytest.approx(4 + 2.75 + 2.5)
    assert summary["Backlog"]["total"] == pytest.approx(1 + 1 + 1)


# --------------------------------------------------------------------------- bottleneck & rework


def test_bottleneck_golden():
    # Committed active/waiting stages: Ready, Doing, Review. Time between start and done:
    # Ready A 1 + C 1 + E 1.5 = 3.5; Doing 4 + 2.75 + 3 + 2.5 = 12.25; Review 1 + 0.25 + 0.
    # Sum of elapsed cycle times: A 6 + B 3 + C 5 + E 5 = 19 (G has no start).
    assert bottleneck(golden_scope()) == {
        "stage": "Doing",
        "share": pytest.approx(12.25 / 19),
        "category": "active",
    }


def test_bottleneck_uses_elapsed_cycle_time_in_inclusive_mode():
    got = bottleneck(golden_scope(cycle_time_mode="inclusive"))
    assert got["share"] == pytest.approx(12.25 / 19)


def test_bottleneck_can_be_a_waiting_stage():
    ds = dataset(
        [
            ("A", "Doing", "2024-01-01T00:00Z"),
            ("A", "Review", "2024-01-02T00:00Z"),  # Doing 1d
            ("A", "Done", "2024-01-05T00:00Z"),  # Review 3d
        ]
    )
    assert bottleneck(build_scope(ds)) == {
        "stage": "Review",
        "share": pytest.approx(0.75),
        "category": "waiting",
    }


def test_rework_golden():
    got = rework(golden_scope())
    assert list(got.columns) == ["from_stage", "to_stage", "moves"]
    # A and B: Review -> Doing; C: Done -> Doing (reopen); E: Doing -> Backlog.
    # Ties (1 move) in workflow order of the from-stage: Doing (3) before Done (5).
    assert got.to_dict("records") == [
        {"from_stage": "Review", "to_stage": "Doing", "moves": 2},
        {"from_stage": "Doing", "to_stage": "Backlog", "moves": 1},
        {"from_stage": "Done", "to_stage": "Doing", "moves": 1},
    ]
    scope = golden_scope()
    assert got["moves"].sum() == scope.flow.items["backward_moves"].sum()


# --------------------------------------------------------------------------- heatmap


def test_heatmap_golden():
    got = stage_week_heatmap(golden_scope())
    assert list(got.columns) == ["stage", "stage_index", "week_start", "median_days", "avg_wip"]
    stages = ["Backlog", "Prep", "Ready", "Doing", "Review"]  # Done/Cancelled are terminal
    assert got["stage"].tolist() == [s for s in stages for _ in range(2)]
    w1, w2 = date(2024, 1, 1), date(2024, 1, 8)
    assert got["week_start"].tolist() == [w1, w2] * 5
    assert all(type(d) is date for d in got["week_start"])
    cells = {(r.stage, r.week_start): (r.median_days, r.avg_wip) for r in got.itertuples()}
    # Week 1 = Jan 1-7 (7 days in scope); week 2 = Jan 8-10 (3 days in scope: the weeks are cut
    # to scope.days, which ends on the as-of day; nothing is after as-of, Jan 10 00:00).
    expected = {
        # A 1, B 1, D 2, E 1 (04-05), G 2, H 7 -> median (1 + 2) / 2; total 14 / 7 days
        ("Backlog", w1): (1.5, 14 / 7),
        ("Backlog", w2): (2.0, 2 / 3),  # H 08 -> 10
        ("Prep", w1): (2.0, 2 / 7),  # B
        ("Prep", w2): (math.nan, 0.0),
        # A 1, C 1, D 1, E 1 + 0.5 (re-entry in the same week: summed), F 1
        ("Ready", w1): (1.0, 5.5 / 7),
        ("Ready", w2): (math.nan, 0.0),
        # A 2 + 2, B 1.5 + 1.25, C 2 + 1, E 1 + 1.5, F 1 (07 -> 08) -> [1, 2.5, 2.75, 3, 4]
        ("Doing", w1): (2.75, 13.25 / 7),
        ("Doing", w2): (2.0, 2 / 3),  # F 08 -> as-of 10
        # A 1, B 0.25; E's zero-length visit overlaps nothing
        ("Review", w1): (0.625, 1.25 / 7),
        ("Review", w2): (math.nan, 0.0),
    }
    for key, (median, wip) in expected.items():
        got_median, got_wip = cells[key]
        if math.isnan(median):
            assert math.isnan(got_median), key
        else:
            assert got_median == pytest.approx(median), key
        assert got_wip == pytest.approx(wip), key


def test_heatmap_cuts_weeks_to_the_window():
    # Window Jan 3 - Jan 9: week 1 is Jan 3-7 (5 days), week 2 Jan 8-9 (2 days).
    got = stage_week_heatmap(golden_scope(window=(date(2024, 1, 3), date(2024, 1, 9))))
    backlog = got[got["stage"] == "Backlog"].reset_index(drop=True)
    assert backlog["week_start"].tolist() == [date(2024, 1, 1), date(2024, 1, 8)]
    # Week 1 from Jan 3: E 1 (04-05), H 5 (03-08); A, B, D, G left the backlog by Jan 3.
    assert backlog.loc[0, "median_days"] == pytest.approx(3.0)
    assert backlog.loc[0, "avg_wip"] == pytest.approx(6 / 5)
    # Week 2 up to the end of Jan 9: H 2 days over 2 days.
    assert backlog.loc[1, "median_days"] == pytest.approx(2.0)
    assert backlog.loc[1, "avg_wip"] == pytest.approx(1.0)


def test_heatmap_stays_on_week_boundaries():
    """A stay entering on a week's first instant is in that week; one leaving on it is not."""
    ds = dataset(
        [
            ("A", "Doing", "2024-01-08T00:00Z"),  # Monday of week 2 ...
            ("A", "Done", "2024-01-15T00:00Z"),  # ... to Monday of week 3: week 2 only
            ("B", "Doing", "2024-01-01T00:00Z"),  # the first instant of the scope
            ("B", "Done", "2024-01-22T00:00Z"),  # weeks 1, 2 and 3, each whole
            ("C", "Doing", "2024-01-10T12:00Z"),  # 4.5 days of week 2
            ("C", "Review", "2024-01-15T00:00Z"),  # weeks 3 and 4 whole ...
            ("C", "Done", "2024-01-29T00:00Z"),  # ... nothing of week 5 (as-of)
        ]
    )
    got = stage_week_heatmap(build_scope(ds))
    weeks = [date(2024, 1, d) for d in (1, 8, 15, 22, 29)]
    cells = {(r.stage, r.week_start): (r.median_days, r.avg_wip) for r in got.itertuples()}
    nan = math.nan
    expected = {  # week 5 holds one day of scope.days (the as-of day)
        "Doing": [(7.0, 1.0), (7.0, 18.5 / 7), (7.0, 1.0), (nan, 0.0), (nan, 0.0)],
        "Review": [(nan, 0.0), (nan, 0.0), (7.0, 1.0), (7.0, 1.0), (nan, 0.0)],
    }
    for stage, per_week in expected.items():
        for week, (median, wip) in zip(weeks, per_week, strict=True):
            got_median, got_wip = cells[(stage, week)]
            assert got_median == pytest.approx(median, nan_ok=True), (stage, week)
            assert got_wip == pytest.approx(wip), (stage, week)


def test_heatmap_weeks_are_local_mondays():
    # New York is UTC-5 in January: local Monday Jan 8 starts at 05:00 UTC.
    ds = dataset(
        [
            ("A", "Doing", "2024-01-07T12:00Z"),  # Sunday 07:00 local
            ("A", "Done", "2024-01-08T17:00Z"),  # Monday 12:00 local
        ],
        timezone="America/New_York",
    )
    got = stage_week_heatmap(build_scope(ds))
    doing = got[got["stage"] == "Doing"].reset_index(drop=True)
    assert doing["week_start"].tolist() == [date(2024, 1, 1), date(2024, 1, 8)]
    # 12:00Z -> 05:00Z next day = 17 h in week 1; 05:00Z -> 17:00Z = 12 h in week 2.
    assert doing["median_days"].tolist() == pytest.approx([17 / 24, 12 / 24])
    # scope.days: Jan 7 (1 day of week 1) and Jan 8 (1 day of week 2), local.
    assert doing["avg_wip"].tolist() == pytest.approx([17 / 24, 12 / 24])


# --------------------------------------------------------------------------- flow efficiency


def test_flow_efficiency_golden():
    frame, summary = flow_efficiency(golden_scope())
    assert list(frame.columns) == ["item_id", "active_days", "cycle_days", "efficiency"]
    # G (done without a start) is excluded; scope.completed order (item-table order).
    assert frame["item_id"].tolist() == ["A", "B", "C", "E"]
    # A: Doing 4 of 6. B: Doing 2.75 - 1 blocked day = 1.75 of 3 (Prep, before the
    # commitment point, does not count). C: Doing 3 of 5. E: Doing 2.5 of 5.
    assert frame["active_days"].tolist() == pytest.approx([4.0, 1.75, 3.0, 2.5])
    assert frame["cycle_days"].tolist() == pytest.approx([6.0, 3.0, 5.0, 5.0])
    assert frame["efficiency"].tolist() == pytest.approx([4 / 6, 1.75 / 3, 0.6, 0.5])
    assert summary == {
        "ratio_of_sums": pytest.approx(11.25 / 19),
        "mean_of_ratios": pytest.approx((4 / 6 + 1.75 / 3 + 0.6 + 0.5) / 4),
        "n": 4,
    }


def test_flow_efficiency_denominator_is_elapsed_in_inclusive_mode():
    frame, summary = flow_efficiency(golden_scope(cycle_time_mode="inclusive"))
    assert frame["cycle_days"].tolist() == pytest.approx([6.0, 3.0, 5.0, 5.0])
    assert summary["ratio_of_sums"] == pytest.approx(11.25 / 19)


def test_blocked_days_never_push_active_time_below_zero():
    ds = dataset(
        [
            ("A", "Ready", "2024-01-01T00:00Z"),
            ("A", "Doing", "2024-01-02T00:00Z"),  # Ready 1d (waiting)
            ("A", "Done", "2024-01-03T00:00Z"),  # Doing 1d
        ],
        blocked={"A": 5.0},
    )
    frame, summary = flow_efficiency(build_scope(ds))
    assert frame["active_days"].tolist() == [0.0]
    assert frame["efficiency"].tolist() == [0.0]
    assert summary["ratio_of_sums"] == 0.0


def test_flow_efficiency_skips_zero_cycle_time():
    ds = dataset([("A", "Doing", "2024-01-01T00:00Z"), ("A", "Done", "2024-01-01T00:00Z")])
    frame, summary = flow_efficiency(build_scope(ds))
    assert frame.empty and summary == {"ratio_of_sums": None, "mean_of_ratios": None, "n": 0}


# --------------------------------------------------------------------------- value stream


def test_value_stream_golden():
    got = value_stream(golden_scope())
    json.dumps(got)  # JSON-able
    # Committed active/waiting stages in workflow order; Prep (before commitment) excluded.
    assert [s["stage"] for s in got["stages"]] == ["Ready", "Doing", "Review"]
    ready, doing, review = got["stages"]
    # Ready: A 1, C 1, E 1.5 (3 of the 5 completed items visited it).
    assert ready == {
        "stage": "Ready",
        "stage_index": 2,
        "category": "waiting",
        "adds_value": False,  # waiting, not flagged: the default
        "median_days": pytest.approx(1.0),
        "mean_days": pytest.approx(3.5 / 3),
        "visited": 3,
        "visited_share": pytest.approx(3 / 5),
    }
    # Doing: A 4, B 2.75, C 3, E 2.5 -> median (2.75 + 3) / 2
    assert doing["median_days"] == pytest.approx(2.875)
    assert doing["mean_days"] == pytest.approx(12.25 / 4)
    assert doing["visited"] == 4 and doing["visited_share"] == pytest.approx(0.8)
    # Review: A 1, B 0.25, E 0 (a zero-length visit is a visit)
    assert review["median_days"] == pytest.approx(0.25)
    assert review["visited"] == 3
    assert got["completed"] == 5
    # Lead times: A 01->08 = 7, B 6, C 5, E 02->07 = 5, G 2 -> median 5.
    assert got["lead_time_median_days"] == pytest.approx(5.0)
    # Cycle times: A 6, B 3, C 5, E 5 -> median 5.
    assert got["cycle_time_median_days"] == pytest.approx(5.0)
    assert got["cycle_time_mode"] == "elapsed"
    assert got["flow_efficiency"] == pytest.approx(11.25 / 19)
    # The ladder's ends: per item of the flow-efficiency ratio (A, B, C, E), active days
    # 4 + 1.75 + 3 + 2.5 = 11.25 and the rest of the cycle time 19 - 11.25 = 7.75, over 4.
    assert got["work_days_mean"] == pytest.approx(11.25 / 4)
    assert got["wait_days_mean"] == pytest.approx(7.75 / 4)
    work, wait = got["work_days_mean"], got["wait_days_mean"]
    assert work / (work + wait) == pytest.approx(got["flow_efficiency"])
    # Before the commitment point (Ready): Backlog and Prep, with the hand-checked medians of
    # test_time_in_stage_summary_golden (Backlog 1.0 over A, B, C, E...; Prep 2.0, B only).
    assert got["pre_commitment"] == [
        {"stage": "Backlog", "category": "backlog", "median_days": pytest.approx(1.0)},
        {"stage": "Prep", "category": "active", "median_days": pytest.approx(2.0)},
    ]
    # start - created: A 1, B 3, C 0, E 0 -> median 0.5.
    assert got["backlog_median_days"] == pytest.approx(0.5)


# --------------------------------------------------------------------------- XmR


def test_xmr_limits_clipped_lower_limit_and_frozen_baseline():
    values = [2, 4, 2, 4, 2, 4, 5, 5, 5, 5, 5, 5, 5, 5, 9]
    chart = xmr(values, baseline=6)
    # Baseline 2,4,2,4,2,4: centre 3; moving ranges all 2 -> mR-bar 2.
    assert chart.baseline == 6
    assert chart.centre == pytest.approx(3.0)
    assert chart.mr_bar == pytest.approx(2.0)
    assert chart.unpl == pytest.approx(3 + 2.66 * 2)  # 8.32
    assert chart.lnpl == 0.0  # 3 - 5.32 < 0 -> clipped
    assert chart.url == pytest.approx(3.268 * 2)
    assert chart.values == [float(v) for v in values]
    assert chart.moving_ranges == [2.0] * 5 + [1.0] + [0.0] * 7 + [4.0]
    # Signals are looked for in every point. Above the centre line from index 5 (4 > 3)
    # through 14: a run of 10, marked whole; 9 > 8.32 is beyond the limits.
    runs = [s["index"] for s in chart.signals if s["rule"] == "run_of_8"]
    beyond = [s["index"] for s in chart.signals if s["rule"] == "beyond_limits"]
    assert runs == list(range(5, 15))
    assert beyond == [14]
    assert chart.signals[-2:] == [
        {"index": 14, "rule": "beyond_limits"},
        {"index": 14, "rule": "run_of_8"},
    ]


def test_xmr_without_baseline_uses_every_point():
    # 10 12 11 13 12 11 12 30: centre 111 / 8 = 13.875; ranges 2 1 2 1 1 1 18 -> 26 / 7.
    chart = xmr([10, 12, 11, 13, 12, 11, 12, 30])
    assert chart.centre == pytest.approx(13.875)
    assert chart.mr_bar == pytest.approx(26 / 7)
    assert chart.unpl == pytest.approx(13.875 + 2.66 * 26 / 7)  # 23.755
    assert chart.lnpl == pytest.approx(13.875 - 2.66 * 26 / 7)  # 3.995, not clipped
    # 30 > 23.755; seven points below the centre (indices 0-6) are a run of 7: no signal.
    assert chart.signals == [{"index": 7, "rule": "beyond_limits"}]


def test_xmr_run_of_exactly_8_and_point_on_centre_breaks_runs():
    # Frozen on 0, 10: centre 5, mR-bar 10 -> unpl 31.6, lnpl max(5 - 26.6, 0) = 0.
    below = [1, 2, 1, 2, 1, 2, 1]  # 7 points below the centre line
    chart = xmr([0, 10, *below, 5, *below, 3], baseline=2)
    # Index 0 below, 1 above; 2..8 are 7 below (no signal); 9 is on the centre line and
    # breaks the run; 10..16 are 7 below and 17 (3) makes it 8: indices 10..17, all marked.
    # 0 is not below lnpl (0 < 0 is false).
    assert [s["index"] for s in chart.signals] == list(range(10, 18))
    assert {s["rule"] for s in chart.signals} == {"run_of_8"}


def test_xmr_below_lower_limit():
    # Baseline 10, 11, 10, 11: centre 10.5, mR-bar 1 -> lnpl 7.84, unpl 13.16.
    chart = xmr([10, 11, 10, 11, 7], baseline=4)
    assert chart.lnpl == pytest.approx(10.5 - 2.66)
    assert chart.signals == [{"index": 4, "rule": "beyond_limits"}]


def test_xmr_limits_are_cut_at_the_bounds_the_quantity_can_take():
    # 0.1, 0.9, 0.1, 0.9: centre 0.5, mR-bar 0.8 -> 0.5 ± 2.128, beyond 0..1 on both sides.
    values = [0.1, 0.9, 0.1, 0.9]
    default = xmr(values)
    assert default.lnpl == 0.0 and default.unpl == pytest.approx(0.5 + 2.66 * 0.8)
    rate = xmr(values, bounds=(0.0, 1.0))
    assert (rate.lnpl, rate.unpl) == (0.0, 1.0)
    assert rate.centre == default.centre and rate.mr_bar == default.mr_bar
    free = xmr(values, bounds=(None, None))
    assert free.lnpl == pytest.approx(0.5 - 2.66 * 0.8)
    # a point at the bound is not beyond it
    assert xmr([*values, 1.0], baseline=4, bounds=(0.0, 1.0)).signals == []


@pytest.mark.parametrize(
    ("values", "baseline"), [([], None), ([5.0], None), ([1, 2, 3], 1), ([1, 2, 3], 0)]
)
def test_xmr_fewer_than_two_baseline_points_gives_nan_limits(values, baseline):
    chart = xmr(values, baseline=baseline)
    assert math.isnan(chart.centre) and math.isnan(chart.mr_bar)
    assert math.isnan(chart.unpl) and math.isnan(chart.lnpl)
    assert chart.signals == []
    assert chart.values == [float(v) for v in values]
    json.dumps(chart.to_dict())
    assert chart.to_dict()["unpl"] is None


def test_xmr_baseline_longer_than_the_series_is_capped_and_negative_rejected():
    assert xmr([1, 2, 3], baseline=10).baseline == 3
    with pytest.raises(ValueError):
        xmr([1, 2, 3], baseline=-1)


def test_cycle_time_xmr_golden():
    chart = cycle_time_xmr(golden_scope())
    # Done order: C (06), B and E (07 00:00, tie -> item-table order), A (08); G has no cycle.
    assert chart.labels == ["C", "B", "E", "A"]
    assert chart.values == pytest.approx([5.0, 3.0, 5.0, 6.0])
    assert chart.centre == pytest.approx(19 / 4)
    assert chart.mr_bar == pytest.approx((2 + 2 + 1) / 3)


def test_weekly_throughput_xmr_golden():
    chart = weekly_throughput_xmr(golden_scope())
    # Week of Jan 1: G (03), C (06), B (07), E (07) = 4; week of Jan 8: A = 1.
    assert chart.labels == ["2024-01-01", "2024-01-08"]
    assert chart.values == [4.0, 1.0]
    assert chart.centre == pytest.approx(2.5) and chart.mr_bar == pytest.approx(3.0)


def test_daily_wip_xmr_golden():
    chart = daily_wip_xmr(golden_scope())
    assert chart.labels == [f"2024-01-{d:02d}" for d in range(1, 11)]
    # Sampled at the end of each day (next midnight UTC); the last two samples are both
    # as-of (Jan 10 00:00). In progress = in Ready/Doing/Review at that moment:
    # Jan 2 00:00: A Ready, C Doing, E Ready -> 3
    # Jan 3: A Doing, C Doing, D Ready, E Doing -> 4 (B is in Prep: before commitment)
    # Jan 4: A, B Doing -> 2 (C in Done, D cancelled, E back in the Backlog)
    # Jan 5: A Review, B Doing, C Doing, E Ready -> 4
    # Jan 6: A, B, E Doing, F Ready -> 4 (C done)
    # Jan 7: A Doing, F Doing -> 2 (E's zero-length Review covers no moment)
    # Jan 8, 9, 10 (x2): F -> 1
    assert chart.values == [3.0, 4.0, 2.0, 4.0, 4.0, 2.0, 1.0, 1.0, 1.0, 1.0]


def test_weekly_wip_xmr_is_the_mean_of_each_weeks_daily_samples():
    chart = weekly_wip_xmr(golden_scope())
    # 2024-01-01 is a Monday. The daily samples (test above): Jan 1-7 -> 3,4,2,4,4,2,1
    # (mean 20/7); Jan 8-10 -> 1,1,1 (a partial week: the mean of its covered days).
    assert chart.labels == ["2024-01-01", "2024-01-08"]
    assert chart.values == pytest.approx([20 / 7, 1.0])
    assert chart.centre == pytest.approx((20 / 7 + 1) / 2)


def test_flow_view_charts_wip_behaviour_weekly():
    from vsm_core.metrics.views import flow_view

    view = flow_view(golden_scope())
    assert view.xmr_wip.labels == ["2024-01-01", "2024-01-08"]


# --------------------------------------------------------------------------- empty input


def test_every_function_on_an_empty_dataset():
    scope = empty_scope()
    tis = time_in_stage(scope)
    assert tis.empty
    assert list(tis.columns) == ["item_id", "stage", "stage_index", "category", "days"]
    assert time_in_stage_summary(scope) == {}
    assert bottleneck(scope) is None
    rw = rework(scope)
    assert rw.empty and list(rw.columns) == ["from_stage", "to_stage", "moves"]
    hm = stage_week_heatmap(scope)
    assert hm.empty
    assert list(hm.columns) == ["stage", "stage_index", "week_start", "median_days", "avg_wip"]
    frame, summary = flow_efficiency(scope)
    assert frame.empty and summary == {"ratio_of_sums": None, "mean_of_ratios": None, "n": 0}
    vs = value_stream(scope)
    json.dumps(vs)
    assert vs["completed"] == 0 and vs["lead_time_median_days"] is None
    assert vs["flow_efficiency"] is None and vs["backlog_median_days"] is None
    assert vs["work_days_mean"] is None and vs["wait_days_mean"] is None
    assert vs["pre_commitment"] == []
    assert [s["visited_share"] for s in vs["stages"]] == [0.0, 0.0, 0.0]
    for build in (cycle_time_xmr, weekly_throughput_xmr, daily_wip_xmr, weekly_wip_xmr):
        chart = build(scope)
        assert isinstance(chart, XmR) and chart.values == [] and chart.signals == []


def test_every_function_without_completed_items():
    scope = not_done_scope()
    assert len(time_in_stage(scope)) == 2
    assert time_in_stage_summary(scope) == {}
    assert bottleneck(scope) is None
    assert rework(scope).empty
    assert not stage_week_heatmap(scope).empty
    frame, summary = flow_efficiency(scope)
    assert frame.empty and summary["n"] == 0
    vs = value_stream(scope)
    assert vs["completed"] == 0 and all(s["median_days"] is None for s in vs["stages"])
    assert cycle_time_xmr(scope).values == []
    assert weekly_throughput_xmr(scope).values == [0.0]
    # Sampled at Jan 2 00:00 (still in the Backlog) and at as-of, Jan 2 06:00 (in Doing).
    assert daily_wip_xmr(scope).values == [0.0, 1.0]


def test_bottleneck_none_when_completed_items_have_no_cycle_time():
    ds = dataset([("A", "Backlog", "2024-01-01T00:00Z"), ("A", "Done", "2024-01-02T00:00Z")])
    assert bottleneck(build_scope(ds)) is None


# --------------------------------------------------------------------------- properties

STATUSES = ["Backlog", "Prep", "Ready", "Doing", "In Progress", "Review", "Done", "Cancelled"]
BASE = pd.Timestamp("2024-03-25", tz="UTC")  # a Monday; Berlin's DST change is on the 31st


def item_paths(max_gap_hours: int):
    """Per item: status moves with gaps (0 = same instant), often finishing with Done."""
    moves = st.lists(
        st.tuples(st.sampled_from(STATUSES), st.integers(0, max_gap_hours)), min_size=1, max_size=8
    )
    return st.lists(st.tuples(moves, st.booleans()), min_size=1, max_size=5)


def random_scope(paths, timezone, blocked=None):
    rows = []
    for k, (moves, finish) in enumerate(paths):
        hours = 3 * k
        for status, gap in [*moves, *([("Done", 7)] if finish else [])]:
            hours += gap
            rows.append((f"I{k}", status, BASE + pd.Timedelta(hours=hours)))
    ev = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    ids = [f"I{k}" for k in range(len(paths))]
    blocked = [0.0] * len(ids) if blocked is None else blocked[: len(ids)]
    items = pd.DataFrame({"item_id": ids, "blocked_days": blocked})
    return build_scope(make_dataset(items, ev, WORKFLOW, timezone=timezone))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paths=item_paths(36), timezone=st.sampled_from(["UTC", "Europe/Berlin"]))
def test_committed_time_sums_to_cycle_time(paths, timezone):
    """A done item that never reopened, never went back before the commitment stage and
    never sat in Cancelled spends its whole (elapsed) cycle time in committed stages."""
    scope = random_scope(paths, timezone)
    flow = scope.flow
    commitment = WORKFLOW.commitment_index
    tis = time_in_stage(scope)
    committed = _committed(scope)
    frame, _ = flow_efficiency(scope)
    for row, it in enumerate(scope.completed.itertuples()):
        if pd.isna(it.start):
            continue
        stays = flow.stays[flow.stays["item_id"] == it.item_id].reset_index(drop=True)
        after_start = stays[stays["entered_at"] >= it.start]
        went_back = (after_start["stage_index"] < commitment).any()
        cancelled = (stays["category"] == "cancelled").any()
        if it.reopened or went_back or cancelled:
            continue
        cycle = (it.done - it.start) / pd.Timedelta(days=1)
        own = tis[(tis["item_id"] == it.item_id) & (tis["stage_index"] >= commitment)]
        assert own["days"].sum() == pytest.approx(cycle, abs=1e-9)
        # The same through the start..done cut used by bottleneck / value stream.
        assert committed.days[committed.row == row].sum() == pytest.approx(cycle, abs=1e-9)
        # Flow efficiency's active time is the Doing time (blocked_days are 0 here).
        doing = own.loc[own["stage"] == "Doing", "days"].sum()
        eff = frame[frame["item_id"] == it.item_id]
        if cycle > 0:
            assert eff["active_days"].iloc[0] == pytest.approx(doing, abs=1e-9)
            assert eff["cycle_days"].iloc[0] == pytest.approx(cycle, abs=1e-9)
        else:
            assert eff.empty


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paths=item_paths(36),
    timezone=st.sampled_from(["UTC", "Europe/Berlin"]),
    blocked=st.lists(st.floats(0, 3), min_size=5, max_size=5),
)
def test_general_invariants(paths, timezone, blocked):
    scope = random_scope(paths, timezone, blocked)
    flow = scope.flow
    tis = time_in_stage(scope)
    # Time in stage per item = the sum of its stay durations.
    per_item = tis.groupby("item_id")["days"].sum()
    stays = flow.stays.groupby("item_id")["duration_days"].sum()
    assert per_item.sort_index().to_numpy() == pytest.approx(stays.sort_index().to_numpy())
    frame, summary = flow_efficiency(scope)
    assert ((frame["efficiency"] >= 0) & (frame["efficiency"] <= 1 + 1e-12)).all()
    assert summary["n"] == len(frame)
    b = bottleneck(scope)
    if b is not None:
        assert 0 <= b["share"] <= 1 + 1e-12
    assert rework(scope)["moves"].sum() == flow.items["backward_moves"].sum()
    vs = value_stream(scope)
    json.dumps(vs)
    assert all(0 <= s["visited_share"] <= 1 for s in vs["stages"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paths=item_paths(36),
    timezone=st.sampled_from(["UTC", "Europe/Berlin"]),
    window_days=st.none() | st.tuples(st.integers(0, 4), st.integers(0, 4)),
)
def test_time_in_stage_summary_equals_the_per_item_table(paths, timezone, window_days):
    """The summary (a grid over the completed items) equals the per-item table restricted
    to the completed items, bit for bit: same sums, taken in item-table order."""
    scope = random_scope(paths, timezone)
    if window_days is not None:
        first = BASE.date() + pd.Timedelta(days=window_days[0])
        window = (first, first + pd.Timedelta(days=window_days[1]))
        scope = build_scope(
            make_dataset(
                scope.flow.items[["item_id", "blocked_days"]],
                _events_of(scope),
                WORKFLOW,
                timezone=timezone,
            ),
            MetricOptions(window=window),
        )
    table = time_in_stage(scope)
    table = table[table["item_id"].isin(scope.completed["item_id"])]
    expected = {}
    for index, name in enumerate(WORKFLOW.stage_names):
        values = table.loc[table["stage_index"] == index, "days"].to_numpy()
        if values.size:
            p50, p85 = np.percentile(values, [50, 85])
            expected[name] = {
                "p50": float(p50),
                "p85": float(p85),
                "mean": float(values.mean()),
                "total": float(values.sum()),
            }
    assert time_in_stage_summary(scope) == expected


def _events_of(scope) -> pd.DataFrame:
    """The mapped moves of a scope as an event log (its stays' entries), for rebuilding it."""
    stays = scope.flow.stays
    return pd.DataFrame(
        {"item_id": stays["item_id"], "status": stays["stage"], "entered_at": stays["entered_at"]}
    )


def reference_heatmap(scope) -> pd.DataFrame:
    """Slow, loop-based heatmap straight from the definition (test oracle)."""
    info_terminal = {"done", "cancelled"}
    tz = scope.timezone
    days = scope.days
    first, last = days[0], days[-1]
    monday = first - pd.Timedelta(days=first.weekday())
    rows = []
    stays = scope.flow.stays
    while monday <= last:
        lo_local = max(monday, first)
        hi_local = min(monday + pd.Timedelta(days=7), last + pd.Timedelta(days=1))
        n_days = (hi_local - lo_local).days
        lo = lo_local.tz_localize(tz, nonexistent="shift_forward", ambiguous=True).tz_convert("UTC")
        hi = hi_local.tz_localize(tz, nonexistent="shift_forward", ambiguous=True).tz_convert("UTC")
        for index, stage in enumerate(WORKFLOW.stages):
            if str(stage.category) in info_terminal:
                continue
            per_item: dict[str, float] = {}
            for s in stays[stays["stage_index"] == index].itertuples():
                overlap = (min(s.exited_at, hi) - max(s.entered_at, lo)) / pd.Timedelta(days=1)
                if overlap > 0:
                    per_item[s.item_id] = per_item.get(s.item_id, 0.0) + overlap
            values = list(per_item.values())
            rows.append(
                {
                    "stage": stage.name,
                    "week_start": monday.date(),
                    "median_days": float(np.median(values)) if values else math.nan,
                    "avg_wip": sum(values) / n_days,
                }
            )
        monday += pd.Timedelta(days=7)
    frame = pd.DataFrame(rows)
    order = {s.name: i for i, s in enumerate(WORKFLOW.stages)}
    frame["k"] = frame["stage"].map(order)
    return frame.sort_values(["k", "week_start"], kind="stable").reset_index(drop=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paths=item_paths(24 * 12),  # stays of up to 12 days: some cover whole weeks
    timezone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"]),
)
def test_heatmap_matches_a_loop_reference(paths, timezone):
    scope = random_scope(paths, timezone)
    got = stage_week_heatmap(scope)
    ref = reference_heatmap(scope)
    assert got["stage"].tolist() == ref["stage"].tolist()
    assert got["week_start"].tolist() == ref["week_start"].tolist()
    np.testing.assert_allclose(got["median_days"], ref["median_days"], atol=1e-9)
    np.testing.assert_allclose(got["avg_wip"], ref["avg_wip"], atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 20), max_size=40),
    baseline=st.none() | st.integers(0, 45),
)
def test_xmr_matches_a_loop_reference(values, baseline):
    chart = xmr(values, baseline=baseline)
    n = len(values) if baseline is None else min(baseline, len(values))
    if n < 2:
        assert chart.signals == [] and math.isnan(chart.unpl)
        return
    base = values[:n]
    centre = sum(base) / n
    mr_bar = sum(abs(b - a) for a, b in itertools.pairwise(base)) / (n - 1)
    unpl, lnpl = centre + 2.66 * mr_bar, max(centre - 2.66 * mr_bar, 0.0)
    assert chart.centre == pytest.approx(centre) and chart.mr_bar == pytest.approx(mr_bar)
    expected = set()
    for i, v in enumerate(values):
        if v > unpl or v < lnpl:
            expected.add((i, "beyond_limits"))
    start = 0
    for i in range(1, len(values) + 1):
        side = lambda k: (values[k] > centre) - (values[k] < centre)  # noqa: E731
        if i == len(values) or side(i) != side(start):
            if side(start) != 0 and i - start >= 8:
                expected |= {(k, "run_of_8") for k in range(start, i)}
            start = i
    assert {(s["index"], s["rule"]) for s in chart.signals} == expected


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(
        st.tuples(st.lists(st.integers(0, 100), max_size=7), st.integers(0, 9)), max_size=6
    )
)
def test_cell_medians_match_numpy_median_with_the_copies(cells):
    """Heatmap medians: each cell's partial values plus its copies of the week length (which
    no partial value exceeds, here 100) give numpy's median, exactly."""
    full_value = np.full(len(cells), 100, dtype=np.int64)
    cell = np.array([k for k, (values, _) in enumerate(cells) for _ in values], dtype=np.int64)
    values = np.array([v for values, _ in cells for v in values], dtype=np.int64)
    n_values = np.array([len(values) for values, _ in cells], dtype=np.int64)
    n_full = np.array([full for _, full in cells], dtype=np.int64)
    got = _cell_medians(cell, values, n_values, n_full, full_value)
    expected = [
        float(np.median(values + [100] * full)) if values or full else math.nan
        for values, full in cells
    ]
    assert got.tolist() == pytest.approx(expected, nan_ok=True, abs=0, rel=0)
