"""Filters, weekly throughput and the Home summary on small hand-computed data."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from vsm_core.filters import ItemFilter, in_window
from vsm_core.metrics.throughput import weekly_throughput
from vsm_core.model import Stage, Workflow, make_dataset
from vsm_core.summary import home_summary

WORKFLOW = Workflow(
    stages=[
        Stage(name="Backlog", category="backlog"),
        Stage(name="Doing", category="active"),
        Stage(name="Done", category="done"),
        Stage(name="Cancelled", category="cancelled"),
    ]
)


def _dataset():
    """Four items in one fortnight (Mon 2024-01-01 .. Sun 2024-01-14).

    A (Feature): Doing Mon 1 Jan 00:00 -> Done Wed 3 Jan 00:00  = 2.0 days, week 1
    B (Defect):  Doing Tue 2 Jan 12:00 -> Done Tue 9 Jan 00:00  = 6.5 days, week 2
    C (Defect):  Doing Mon 8 Jan 00:00, still in progress
    D (Feature): Backlog, then Cancelled on Wed 10 Jan
    """
    items = pd.DataFrame(
        {
            "item_id": ["A", "B", "C", "D"],
            "type": ["Feature", "Defect", "Defect", "Feature"],
            "attributes": [{"Priority": "High"}, {"Priority": "Low"}, {}, {"Priority": "High"}],
        }
    )
    events = pd.DataFrame(
        [
            ("A", "Doing", "2024-01-01T00:00Z"),
            ("A", "Done", "2024-01-03T00:00Z"),
            ("B", "Doing", "2024-01-02T12:00Z"),
            ("B", "Done", "2024-01-09T00:00Z"),
            ("C", "Doing", "2024-01-08T00:00Z"),
            ("D", "Backlog", "2024-01-01T09:00Z"),
            ("D", "Cancelled", "2024-01-10T00:00Z"),
        ],
        columns=["item_id", "status", "entered_at"],
    )
    return make_dataset(items, events, WORKFLOW)


def test_home_summary_counts_states_and_percentiles():
    summary = home_summary(_dataset())
    assert (summary.items, summary.completed, summary.in_progress) == (4, 2, 1)
    assert (summary.not_started, summary.cancelled) == (0, 1)
    # cycle times 2.0 and 6.5: p50 = 4.25, p85 = 2.0 + 0.85 * 4.5 = 5.825 (linear)
    assert summary.cycle_time_p50 == pytest.approx(4.25)
    assert summary.cycle_time_p85 == pytest.approx(5.825)
    # weeks of 1 Jan and 8 Jan each hold one done item
    assert summary.weekly["count"].tolist() == [1, 1]
    assert summary.throughput_per_week == pytest.approx(1.0)
    assert summary.as_of == pd.Timestamp("2024-01-10T00:00Z")


def test_type_filter_keeps_matching_items_and_their_events_only():
    summary = home_summary(_dataset(), item_filter=ItemFilter(work_types=("Defect",)))
    assert (summary.items, summary.completed, summary.in_progress) == (2, 1, 1)
    assert summary.cycle_time_p50 == pytest.approx(6.5)
    # as-of stays the whole dataset's last event even though D is filtered out
    assert summary.as_of == pd.Timestamp("2024-01-10T00:00Z")
    assert summary.filter_text == "types: Defect"


def test_attribute_filter():
    filtered = ItemFilter(attributes=(("Priority", ("High",)),)).apply(_dataset())
    assert filtered.items["item_id"].tolist() == ["A", "D"]
    assert set(filtered.events["item_id"]) == {"A", "D"}


def test_window_counts_completed_items_by_done_date_inclusive():
    summary = home_summary(_dataset(), window=(date(2024, 1, 9), date(2024, 1, 14)))
    assert summary.completed == 1  # B, done on 9 Jan (window start is inclusive)
    assert summary.in_progress == 1  # states are at as-of, not windowed
    assert summary.weekly["week_start"].tolist() == [date(2024, 1, 8)]


def test_in_window_uses_local_dates_of_the_dataset_time_zone():
    times = pd.Series(pd.to_datetime(["2024-01-08T23:30Z"], utc=True))
    assert in_window(times, (date(2024, 1, 9), date(2024, 1, 9)), "Europe/Berlin").tolist() == [
        True
    ]
    assert in_window(times, (date(2024, 1, 9), date(2024, 1, 9)), "UTC").tolist() == [False]


def test_weekly_throughput_is_zero_filled_and_monday_based():
    done = pd.Series(pd.to_datetime(["2024-01-03T10:00Z", "2024-01-21T23:00Z"], utc=True))
    weekly = weekly_throughput(
        done, timezone="UTC", first_day=date(2024, 1, 2), last_day=date(2024, 1, 22)
    )
    assert weekly["week_start"].tolist() == [
        date(2024, 1, 1),
        date(2024, 1, 8),
        date(2024, 1, 15),
        date(2024, 1, 22),
    ]
    assert weekly["count"].tolist() == [1, 0, 1, 0]


def test_weekly_throughput_of_nothing_is_all_zero_weeks():
    weekly = weekly_throughput(
        pd.Series([], dtype="datetime64[us, UTC]"),
        timezone="UTC",
        first_day=date(2024, 1, 1),
        last_day=date(2024, 1, 7),
    )
    assert weekly["count"].tolist() == [0]


def test_home_summary_of_an_empty_dataset():
    empty = make_dataset(
        pd.DataFrame({"item_id": []}),
        pd.DataFrame({"item_id": [], "status": [], "entered_at": []}),
        WORKFLOW,
    )
    summary = home_summary(empty)
    assert (summary.items, summary.completed, summary.in_progress) == (0, 0, 0)
    assert summary.weekly.empty
    assert pd.isna(summary.cycle_time_p50)
    assert pd.isna(summary.throughput_per_week)
    assert summary.as_of is None


def test_attribute_filter_matches_list_values_and_options_are_listed():
    from vsm_core.filters import attribute_options

    items = pd.DataFrame(
        {
            "item_id": ["A", "B", "C"],
            "attributes": [{"Sprint": ["S1", "S2"], "Priority": "High"}, {"Sprint": ["S3"]}, {}],
        }
    )
    events = pd.DataFrame(
        {
            "item_id": ["A", "B", "C"],
            "status": ["Doing"] * 3,
            "entered_at": ["2024-01-01T00:00Z"] * 3,
        }
    )
    dataset = make_dataset(items, events, WORKFLOW)
    kept = ItemFilter(attributes=(("Sprint", ("S2",)),)).apply(dataset)
    assert kept.items["item_id"].tolist() == ["A"]
    assert attribute_options(dataset.items) == {"Priority": ["High"], "Sprint": ["S1", "S2", "S3"]}
    assert attribute_options(dataset.items, max_values=2) == {"Priority": ["High"]}
