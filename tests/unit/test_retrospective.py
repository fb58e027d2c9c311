"""The retrospective core on hand-computed small cases, the demo, and empty input."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from tests.unit.builders import dataset_from_events
from vsm_core.metrics.scope import build_scope
from vsm_core.model import Category, Stage, Workflow
from vsm_core.retrospective import default_since, retrospective_view
from vsm_core.retrospective.aging import stage_most_past
from vsm_core.retrospective.signals import behaviour_charts
from vsm_core.retrospective.since import days_text, periods, round_days
from vsm_core.retrospective.suggest import CHANGE_PLACEHOLDER
from vsm_core.retrospective.view import data_days

WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", category=Category.BACKLOG),
        Stage(name="Doing", category=Category.ACTIVE),
        Stage(name="Review", category=Category.WAITING),
        Stage(name="Done", category=Category.DONE),
    ),
    start="Doing",
)

# 2024-01-01 is a Monday. The last event (F starts) is 2024-01-14 00:00: as-of, last day Jan 14.
#   item  Doing   Review  Done    cycle  review days
#   A     01-01   01-02   01-03   2      1
#   B     01-02   01-04   01-06   4      2
#   C     01-05   01-07   01-08   3      1
#   D     01-06   01-10   01-11   5      1
#   E     01-09   01-10   -       in progress, age 5, 4 days in Review
#   F     01-14   -       -       in progress, age 0
SMALL = [
    ("A", "Doing", "2024-01-01"),
    ("A", "Review", "2024-01-02"),
    ("A", "Done", "2024-01-03"),
    ("B", "Doing", "2024-01-02"),
    ("B", "Review", "2024-01-04"),
    ("B", "Done", "2024-01-06"),
    ("C", "Doing", "2024-01-05"),
    ("C", "Review", "2024-01-07"),
    ("C", "Done", "2024-01-08"),
    ("D", "Doing", "2024-01-06"),
    ("D", "Review", "2024-01-10"),
    ("D", "Done", "2024-01-11"),
    ("E", "Doing", "2024-01-09"),
    ("E", "Review", "2024-01-10"),
    ("F", "Doing", "2024-01-14"),
]


@pytest.fixture(scope="module")
def small():
    return dataset_from_events(SMALL, WORKFLOW, title=lambda i: f"Item {i}")


# --------------------------------------------------------------------------- periods


def test_the_period_before_has_the_same_length_and_needs_data():
    p = periods(since=date(2024, 1, 8), end=date(2024, 1, 14), first_day=date(2024, 1, 1))
    assert (p.current, p.length, p.previous) == (
        (date(2024, 1, 8), date(2024, 1, 14)),
        7,
        (date(2024, 1, 1), date(2024, 1, 7)),
    )
    assert p.before_words == "the week before"
    # one day longer: the period before would start on Dec 31, before the data
    p = periods(since=date(2024, 1, 7), end=date(2024, 1, 14), first_day=date(2024, 1, 1))
    assert (p.length, p.previous, p.before_words) == (8, None, "the 8 days before")
    # since after the data's end: an empty period, nothing to compare
    p = periods(since=date(2024, 2, 1), end=date(2024, 1, 14), first_day=date(2024, 1, 1))
    assert (p.length, p.previous) == (0, None)
    assert periods(
        since=date(2024, 1, 15), end=date(2024, 1, 28), first_day=date(2024, 1, 1)
    ).before_words == ("the fortnight before")


def test_days_are_whole_from_ten_and_to_a_tenth_below():
    assert [round_days(v) for v in (12.4, 9.96, 0.44)] == [12.0, 10.0, 0.4]
    assert [days_text(v) for v in (12.4, 1.0, 2.5, 0.04)] == [
        "12 days",
        "1 day",
        "2.5 days",
        "0 days",
    ]


# --------------------------------------------------------------------------- finished


def test_what_finished_against_the_week_before(small):
    view = retrospective_view(small, since=date(2024, 1, 8), sle_days=4.8)
    finished = view.finished
    # now: C (3 d, Jan 8) and D (5 d, Jan 11); before: A (2 d) and B (4 d)
    assert (finished.count, finished.previous_count) == (2, 2)
    assert list(finished.items["item_id"]) == ["C", "D"]
    # linear percentiles of [3, 5] and [2, 4]: p50 4 and 3, p85 3 + 0.85 * 2 and 2 + 0.85 * 2
    assert finished.percentiles["p50"] == pytest.approx(4.0)
    assert finished.percentiles["p85"] == pytest.approx(4.7)
    assert finished.previous_percentiles["p85"] == pytest.approx(3.7)
    assert finished.sentences() == [
        "2 items finished from 08 Jan to 14 Jan 2024 (7 days), against 2 in the week before.",
        "85 % of items finished within 4.7 days, 1 day slower than the week before.",
    ]


def test_faster_and_the_same_read_in_words(small):
    finished = retrospective_view(small, since=date(2024, 1, 8)).finished
    faster = type(finished)(
        finished.periods,
        finished.count,
        finished.previous_count,
        {"p85": 12.2},
        {"p85": 15.4},
        finished.items,
    )
    assert faster.percentile_sentence(85) == (
        "85 % of items finished within 12 days, 3 days faster than the week before."
    )
    same = type(finished)(finished.periods, 1, 1, {"p85": 3.71}, {"p85": 3.69}, finished.items)
    assert same.percentile_sentence(85).endswith("3.7 days, the same as the week before.")


# --------------------------------------------------------------------------- aging


def test_aging_flags_the_sle_and_the_stage_percentile(small):
    view = retrospective_view(small, since=date(2024, 1, 8), sle_days=4.8)
    [row] = view.aging.to_dict("records")
    # Review times of finished items [1, 2, 1, 1]: p85 = 1 + 0.55 * (2 - 1) = 1.55
    assert row["item_id"] == "E" and row["stage"] == "Review"
    assert row["age_days"] == pytest.approx(5.0)
    assert row["days_in_stage"] == pytest.approx(4.0)
    assert row["stage_p85_days"] == pytest.approx(1.55)
    assert row["past_sle"] and row["past_stage_p85"]
    # F (Doing for 0 days, age 0) is on track and not listed
    later = retrospective_view(small, since=date(2024, 1, 8), sle_days=6.0)
    assert later.aging["past_sle"].tolist() == [False]
    assert later.aging["past_stage_p85"].tolist() == [True]
    assert stage_most_past(later.aging) == ("Review", 1, pytest.approx(1.55))


def test_the_default_sle_is_the_85th_percentile_cycle_time(small):
    # every finished item's cycle time [2, 3, 4, 5]: p85 = 4 + 0.55 = 4.55, shown to 0.1
    view = retrospective_view(small, since=date(2024, 1, 8))
    assert view.sle_days == pytest.approx(4.55, abs=0.051)


def test_the_suggestion_names_the_stage_items_overstay(small):
    suggestion = retrospective_view(small, since=date(2024, 1, 8)).suggestion
    assert suggestion.metric == "time_in_stage_p85:Review"
    assert suggestion.direction == "decrease"
    assert suggestion.target == pytest.approx(1.55, abs=0.051)  # 1.55 to a tenth
    assert CHANGE_PLACEHOLDER in suggestion.hypothesis and "Review" in suggestion.hypothesis
    assert suggestion.reason.startswith("1 item is in Review longer than 85 % of finished items")


# --------------------------------------------------------------------------- signals


def _weekly(counts: list[int]):
    """Items started each Monday and done each Wednesday (2 days), ``counts[w]`` in week w."""
    monday = datetime(2024, 1, 1)
    events = []
    for week, count in enumerate(counts):
        start = monday + timedelta(weeks=week)
        for n in range(count):
            item = f"W{week}-{n}"
            events += [
                (item, "Doing", start.isoformat()),
                (item, "Done", (start + timedelta(days=2)).isoformat()),
            ]
    return dataset_from_events(events, WORKFLOW)


def test_a_week_beyond_the_baseline_limits_is_a_signal_since():
    # 8 baseline weeks alternating 1, 3: average 2, average moving range 2,
    # upper limit 2 + 2.66 * 2 = 7.32; the week of 26 Feb finishes 10.
    dataset = _weekly([1, 3, 1, 3, 1, 3, 1, 3, 10])
    since = date(2024, 2, 26)
    charts = {c.key: c for c in behaviour_charts(build_scope(dataset), since=since)}
    throughput = charts["throughput"]
    assert throughput.labels[0] == "2024-01-01" and len(throughput.labels) == 9
    assert (throughput.baseline, throughput.first_since) == (8, 8)
    assert throughput.result.centre == pytest.approx(2.0)
    assert throughput.result.unpl == pytest.approx(7.32)
    assert throughput.signals == [{"index": 8, "label": "2024-02-26", "rule": "beyond_limits"}]
    assert throughput.sentence(since) == (
        "Weekly throughput: 1 point since 26 Feb signal a change (beyond the natural process "
        "limits): week of 26 Feb (10)."
    )
    cycle = charts["cycle_time"]  # every item took 2 days: no signal
    assert (cycle.first_since, len(cycle.labels), cycle.signals) == (16, 26, [])
    assert cycle.sentence(since).endswith("no signal since 26 Feb; the process looks stable.")


def test_too_little_history_uses_every_point_and_says_so(small):
    charts = behaviour_charts(build_scope(small), since=date(2024, 1, 8))
    throughput = charts[0]
    assert (throughput.baseline, throughput.first_since) == (0, 1)
    assert "limits from every point" in throughput.sentence(date(2024, 1, 8))


def test_points_older_than_the_lookback_are_left_out():
    dataset = _weekly([2] * 40)
    since = date(2024, 1, 1) + timedelta(weeks=38)
    [throughput, _cycle, wip] = behaviour_charts(build_scope(dataset), since=since)
    first = date.fromisoformat(throughput.labels[0])
    assert since - timedelta(days=182) <= first < since - timedelta(days=175)
    assert throughput.first_since == 26 and len(throughput.labels) == 28
    assert np.allclose(throughput.result.values, 2.0)
    assert wip.labels[0] == throughput.labels[0]


# --------------------------------------------------------------------------- empty and demo


def test_no_events_gives_no_view():
    empty = dataset_from_events([], WORKFLOW)
    assert retrospective_view(empty, since=date(2024, 1, 1)) is None
    assert data_days(empty) is None
    assert default_since(None, None) is None


def test_a_since_after_the_data_says_nothing_can_have_finished(small):
    view = retrospective_view(small, since=date(2024, 3, 1))
    assert view.finished.count == 0 and view.finished.items.empty
    assert view.finished.sentences()[0].startswith("Nothing can have finished since 01 Mar 2024")
    assert all(chart.signals == [] for chart in view.charts)
    assert all("yet" in chart.sentence(date(2024, 3, 1)) for chart in view.charts)
    assert list(view.aging["item_id"]) == ["E"]  # aging is as of the data's last moment


def test_default_since_is_the_last_retrospective_else_14_days(small):
    last_day = data_days(small)[1]
    assert default_since(last_day, None) == date(2024, 1, 1)  # Jan 14 minus 13 days
    assert default_since(last_day, date(2024, 1, 10)) == date(2024, 1, 10)


def test_the_demo_fortnight(demo_dataset):
    since = default_since(data_days(demo_dataset)[1], None)
    view = retrospective_view(demo_dataset, since=since)
    assert since == date(2026, 9, 19)
    finished = view.finished
    assert finished.periods.before_words == "the fortnight before"
    assert finished.count == len(finished.items) > 0
    assert finished.items["done"].is_monotonic_increasing
    assert view.aging["age_days"].is_monotonic_decreasing
    assert (view.aging["past_sle"] | view.aging["past_stage_p85"]).all()
    assert [c.key for c in view.charts] == ["throughput", "cycle_time", "wip"]
    for chart in view.charts:
        assert all(s["index"] >= chart.first_since for s in chart.signals)


def test_a_filter_matching_nothing_gives_an_empty_view(demo_dataset):
    from vsm_core.filters import ItemFilter

    since = date(2026, 9, 19)
    view = retrospective_view(
        demo_dataset, since=since, item_filter=ItemFilter(work_types=("No such type",))
    )
    assert (view.finished.count, view.finished.previous_count, view.sle_days) == (0, 0, None)
    assert view.aging.empty
    assert view.finished.sentences()[1].startswith("No cycle time to report")
    assert all(chart.signals == [] for chart in view.charts)
    assert view.suggestion.metric == "cycle_time_p85" and view.suggestion.target is None


def test_the_cycle_time_baseline_keeps_the_last_200_items():
    dataset = _weekly([30] * 10)  # 300 items, 2 days each; since the last week
    since = date(2024, 1, 1) + timedelta(weeks=9)
    cycle = behaviour_charts(build_scope(dataset), since=since)[1]
    assert (cycle.baseline, cycle.first_since, len(cycle.labels)) == (200, 200, 230)
