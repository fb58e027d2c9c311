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


# --------------------------------------------------------------------------- Home's story


def _fortnights():
    """Two fortnights (Mon 1 Jan .. Sun 14 Jan, Mon 15 Jan .. Sun 28 Jan 2024), UTC.

    Every move is at noon. Days are sampled at their end (the last day at the last
    event, 28 Jan 12:00), so an item in progress from day a to day b counts on
    days a .. b - 1.

    First fortnight: A Doing 1 Jan -> Done 5 Jan (4.0 d, in progress on 4 days),
    B Doing 2 Jan -> Done 12 Jan (10.0 d, 10 days).
    Second fortnight: C 15 -> 17 Jan (2.0 d, 2 days), D 16 -> 19 Jan (3.0 d, 3 days),
    E 22 -> 24 Jan (2.0 d, 2 days); still in progress at the last event:
    F since 28 Jan (1 day, age 0), G since 26 Jan (3 days, age 2.0 d),
    H since 25 Jan (4 days, age 3.0 d).
    """
    rows = [
        ("A", "Doing", "2024-01-01T12:00Z"),
        ("A", "Done", "2024-01-05T12:00Z"),
        ("B", "Doing", "2024-01-02T12:00Z"),
        ("B", "Done", "2024-01-12T12:00Z"),
        ("C", "Doing", "2024-01-15T12:00Z"),
        ("C", "Done", "2024-01-17T12:00Z"),
        ("D", "Doing", "2024-01-16T12:00Z"),
        ("D", "Done", "2024-01-19T12:00Z"),
        ("E", "Doing", "2024-01-22T12:00Z"),
        ("E", "Done", "2024-01-24T12:00Z"),
        ("H", "Doing", "2024-01-25T12:00Z"),
        ("G", "Doing", "2024-01-26T12:00Z"),
        ("F", "Doing", "2024-01-28T12:00Z"),
    ]
    events = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    items = pd.DataFrame({"item_id": list("ABCDEFGH"), "type": ["Feature"] * 8})
    return make_dataset(items, events, WORKFLOW)


SECOND = (date(2024, 1, 15), date(2024, 1, 28))


def test_home_compares_the_window_with_the_fortnight_before():
    summary = home_summary(_fortnights(), window=SECOND)
    lately = summary.lately
    assert lately.period == SECOND
    assert lately.previous_period == (date(2024, 1, 1), date(2024, 1, 14))
    measures = {m.key: m for m in lately.measures}
    # Throughput: weeks of 15 Jan (C, D) and 22 Jan (E) = 1.5 / week; before 1 and 1 = 1.0.
    assert measures["throughput_per_week"].value == pytest.approx(1.5)
    assert measures["throughput_per_week"].previous == pytest.approx(1.0)
    assert measures["throughput_per_week"].words() == (
        "0.5 items per week more than the 2 weeks before (better)"
    )
    # Cycle time p85 (linear): [2, 2, 3] -> 2 + 0.7 * 1 = 2.7; before [4, 10] -> 9.1.
    assert measures["cycle_time_p85"].value == pytest.approx(2.7)
    assert measures["cycle_time_p85"].previous == pytest.approx(9.1)
    assert measures["cycle_time_p85"].change == pytest.approx(-6.4)
    assert measures["cycle_time_p85"].words() == "6.4 days shorter than the 2 weeks before (better)"
    # WIP: C 2 + D 3 + E 2 + H 4 + G 3 + F 1 = 15 item-days over 14; before A 4 + B 10 = 14.
    assert measures["wip_mean"].value == pytest.approx(15 / 14)
    assert measures["wip_mean"].previous == pytest.approx(1.0)
    assert measures["wip_mean"].words() == "0.1 items more than the 2 weeks before (worse)"
    # Every stay is active: flow efficiency 100 % in both.
    assert measures["flow_efficiency"].change == pytest.approx(0.0)
    assert measures["flow_efficiency"].comparison() == "the same as the 2 weeks before"
    assert lately.completed == 3


def test_home_counts_items_at_risk_of_the_default_sle():
    summary = home_summary(_fortnights(), window=SECOND)
    # SLE = p85 of the window's cycle times = 2.7 d; warn from 0.7 * 2.7 = 1.89 d.
    assert summary.sle_days == pytest.approx(2.7)
    # H (3.0 d) is past it, G (2.0 d) at risk, F (0 d) on track.
    assert (summary.at_risk, summary.breached) == (2, 1)


def test_home_compares_only_the_last_four_weeks_of_a_longer_window():
    whole = home_summary(_fortnights())
    # The data's last day is 28 Jan: its last four weeks start on 1 Jan, and the
    # four weeks before would start before the data: no comparison.
    assert whole.lately.period == (date(2024, 1, 1), date(2024, 1, 28))
    assert all(m.previous is None for m in whole.lately.measures)
    assert whole.lately.measures[0].comparison() == "no previous period to compare with"
    week = home_summary(_fortnights(), window=(date(2024, 1, 22), date(2024, 1, 28)))
    assert week.lately.period == (date(2024, 1, 22), date(2024, 1, 28))
    assert week.lately.previous_period == (date(2024, 1, 15), date(2024, 1, 21))
    # Week of 22 Jan: E only; week of 15 Jan: C and D.
    throughput = week.lately.measures[0]
    assert (throughput.value, throughput.previous) == (1.0, 2.0)
    assert throughput.words() == "1 item per week less than the week before (worse)"


def test_home_comparison_follows_the_filters():
    summary = home_summary(
        _fortnights(), window=SECOND, item_filter=ItemFilter(work_types=("Defect",))
    )
    throughput = summary.lately.measures[0]
    assert (throughput.value, throughput.previous) == (0.0, 0.0)
    assert summary.lately.completed == 0
    assert summary.lately.bottleneck is None
    assert (summary.sle_days, summary.at_risk) == (None, 0)


def test_previous_period_is_the_same_length_just_before():
    from vsm_core.experiments.checkin_flow import previous_period, recent_period

    assert previous_period((date(2024, 1, 15), date(2024, 1, 28))) == (
        date(2024, 1, 1),
        date(2024, 1, 14),
    )
    assert previous_period((date(2024, 3, 1), date(2024, 3, 1))) == (
        date(2024, 2, 29),
        date(2024, 2, 29),
    )
    assert recent_period(date(2024, 1, 28)) == (date(2024, 1, 1), date(2024, 1, 28))
    assert recent_period(date(2024, 1, 28), first=date(2024, 1, 20)) == (
        date(2024, 1, 20),
        date(2024, 1, 28),
    )


def test_home_story_of_an_empty_dataset_is_empty():
    empty = make_dataset(
        pd.DataFrame({"item_id": []}),
        pd.DataFrame({"item_id": [], "status": [], "entered_at": []}),
        WORKFLOW,
    )
    summary = home_summary(empty)
    assert summary.lately is None
    assert (summary.sle_days, summary.at_risk, summary.breached) == (None, 0, 0)


def test_a_scope_rewindowed_is_the_scope_built_for_that_window():
    from vsm_core.experiments.checkin_flow import period_measures
    from vsm_core.metrics.scope import MetricOptions, build_scope, with_window

    data = _fortnights()
    whole = build_scope(data)
    for window in (
        SECOND,
        (date(2024, 1, 1), date(2024, 1, 14)),
        (date(2023, 12, 1), date(2024, 2, 1)),
    ):
        built = build_scope(data, MetricOptions(window=window))
        moved = with_window(whole, window)
        assert moved.flow is whole.flow  # the flow is not built again
        assert moved.options == built.options
        pd.testing.assert_frame_equal(moved.completed, built.completed)
        pd.testing.assert_index_equal(moved.days, built.days)
        pd.testing.assert_series_equal(moved.sample_times, built.sample_times)
        assert period_measures(moved) == period_measures(built)
