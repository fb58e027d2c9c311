"""Forecast chart builders: structure and numbers, from hand-made trials and tables."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from vsm_core.charts import forecast as charts
from vsm_core.charts.aging import aging_wip_chart
from vsm_core.charts.forecast import (
    MAX_BARS,
    MAX_ITEMS,
    backtest_chart,
    how_many_chart,
    item_forecast_chart,
    when_chart,
)

HOSTILE = 'Pairing "A" <b>&</b> co'


def named(fig, name: str) -> list:
    return [a for a in fig.layout.annotations if a.name == name]


def trace(fig, name: str):
    [found] = [t for t in fig.data if t.name == name]
    return found


# --------------------------------------------------------------------------- how many


def test_how_many_bars_are_shares_and_the_line_is_the_chance_of_at_least():
    outcomes = np.array([3, 3, 4, 4, 4, 5, 5, 5, 5, 6])  # 10 trials
    fig = how_many_chart(outcomes, {50: 5, 85: 4})
    bars = trace(fig, "Share of trials")
    assert list(bars.x) == [3, 4, 5, 6]
    assert list(bars.y) == pytest.approx([20, 30, 40, 10])
    line = trace(fig, "Chance of at least this many")
    assert line.yaxis == "y2"
    # at least 3: all; at least 4: 80 %; at least 5: 50 %; at least 6: 10 %
    assert list(line.y) == pytest.approx([100, 80, 50, 10])
    assert list(line.x) == [2.5, 3.5, 4.5, 5.5]  # each step spans its bar
    assert list(line.customdata) == [3, 4, 5, 6]
    labels = {a.name: a.text for a in fig.layout.annotations}
    assert labels["percentile:50"] == "50 %: 5 or more"
    assert labels["percentile:85"] == "85 %: 4 or more"


def test_constant_throughput_draws_one_bar_of_every_trial():
    fig = how_many_chart(np.full(10_000, 14), {50: 14, 70: 14, 85: 14, 95: 14})
    bars = trace(fig, "Share of trials")
    assert list(bars.x) == [14] and list(bars.y) == pytest.approx([100])
    assert len([s for s in fig.layout.shapes if s.name.startswith("percentile:")]) == 4


def test_wide_outcomes_are_grouped_into_equal_bins_and_still_sum_to_all_trials():
    outcomes = np.random.default_rng(3).integers(0, 1_000, 20_000)
    fig = how_many_chart(outcomes)
    bars = trace(fig, "Share of trials")
    assert len(bars.x) <= MAX_BARS
    assert float(np.sum(bars.y)) == pytest.approx(100)
    assert "–" in bars.customdata[0]  # a range of counts per bar
    line = trace(fig, "Chance of at least this many")
    assert line.y[0] == pytest.approx(100)
    assert np.all(np.diff(line.y) <= 0)


def test_how_many_without_trials_says_so():
    fig = how_many_chart(np.array([], dtype=int))
    assert named(fig, "empty")[0].text == "No trials to show"


# --------------------------------------------------------------------------- when


def _dates(offsets, start="2027-01-04"):
    return pd.Timestamp(start) + pd.to_timedelta(np.asarray(offsets), unit="D")


def test_when_line_is_the_chance_of_being_done_by_each_date_and_never_stays_below_100():
    finish = pd.Series(_dates([0, 0, 1, 2, 2, 2, 3, 3, 3, 3]))
    finish[[8, 9]] = pd.NaT  # two of ten trials never finished
    fig = when_chart(finish, {50: "2027-01-06", 85: None})
    bars = trace(fig, "Share of trials")
    assert list(bars.y) == pytest.approx([20, 10, 30, 20])
    assert list(bars.customdata) == ["04 Jan 2027", "05 Jan 2027", "06 Jan 2027", "07 Jan 2027"]
    line = trace(fig, "Chance of being done by this date")
    assert list(line.y) == pytest.approx([20, 30, 60, 80])
    assert named(fig, "never")[0].text == "20.0 % of trials never finished"
    assert named(fig, "percentile:50")[0].text == "50 %: by 06 Jan"
    assert not named(fig, "percentile:85")  # a missing percentile is not drawn


def test_long_when_spans_are_grouped_by_week():
    offsets = np.random.default_rng(1).integers(0, 300, 5_000)
    fig = when_chart(_dates(offsets))
    bars = trace(fig, "Share of trials")
    assert len(bars.x) <= 300 // 7 + 1
    assert float(np.sum(bars.y)) == pytest.approx(100)
    assert trace(fig, "Chance of being done by this date").y[-1] == pytest.approx(100)


def test_when_that_never_finishes_says_so_in_words():
    fig = when_chart(pd.Series([pd.NaT] * 50))
    assert "never done" in named(fig, "empty")[0].text


# --------------------------------------------------------------------------- track record


def _points(actual):
    n = len(actual)
    return pd.DataFrame(
        {
            "date": pd.date_range("2026-03-02", periods=n, freq="7D"),
            "p50": np.full(n, 10.0),
            "p70": np.full(n, 9.0),
            "p85": np.full(n, 7.0),
            "p95": np.full(n, 5.0),
            "actual": actual,
        }
    )


def test_backtest_marks_hits_and_misses_against_the_85_percent_forecast():
    fig = backtest_chart(_points([12, 7, 6, 3, 9]), horizon_days=14)
    hits = trace(fig, "Actual: 85 % forecast came true (3)")
    misses = trace(fig, "Actual: fell short of it (2)")
    assert list(hits.y) == [12, 7, 9]  # reaching the 85 % value exactly is a hit
    assert list(misses.y) == [6, 3]
    assert fig.layout.legend.traceorder == "normal"
    band = trace(fig, "85 %–50 % forecast")
    assert band.fill == "tonexty" and list(band.y) == [10.0] * 5
    assert "14 days" in fig.layout.title.text


def test_backtest_without_points_says_there_is_not_enough_history():
    fig = backtest_chart(_points([]), horizon_days=14)
    assert "Not enough history" in named(fig, "empty")[0].text


# --------------------------------------------------------------------------- items


def _items():
    return pd.DataFrame(
        {
            "item_id": ["A-1", HOSTILE, "C-3"],
            "title": ["first", HOSTILE, "third"],
            "stage": ["Dev", "Test", "Dev"],
            "p50_done": pd.to_datetime(["2027-01-10", "2027-01-08", None]),
            "p85_done": pd.to_datetime(["2027-01-20", "2027-01-15", None]),
            "past_sle": [True, False, False],
        }
    )


def test_item_forecasts_sort_by_85_percent_date_and_colour_the_ones_past_the_sle():
    fig = item_forecast_chart(_items(), as_of="2027-01-05")
    ticks = list(fig.layout.yaxis.ticktext)
    # latest at the top (last row); an unknown 85 % date is later than any known one
    assert ticks == ['Pairing "A" &lt;b&gt;&amp;&lt;/b&gt; co', "A-1", "C-3"]
    past = trace(fig, "50 %–85 %, past the SLE")
    assert [pd.Timestamp(x) for x in past.x[:2]] == [
        pd.Timestamp("2027-01-10"),
        pd.Timestamp("2027-01-20"),
    ]
    assert list(trace(fig, "85 % date unknown").y[:2]) == [2, 2]
    [hover] = [t for t in fig.data if t.hovertemplate and "85 %" in t.hovertemplate]
    assert hover.customdata[2][4] == "later than the history can tell"
    assert hover.customdata[0][3] == "by 08 Jan 2027"
    assert named(fig, "as_of")


def test_item_forecast_hover_keeps_user_text_inert():
    fig = item_forecast_chart(_items(), as_of="2027-01-05")
    spec = json.loads(fig.to_json())
    text = json.dumps(spec["data"])
    assert "<b>&</b>" not in text
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in text


def test_item_forecasts_show_at_most_the_cap_and_say_how_many():
    n = MAX_ITEMS + 15
    items = pd.DataFrame(
        {
            "item_id": [f"I-{i}" for i in range(n)],
            "p50_done": pd.Timestamp("2027-01-06") + pd.to_timedelta(np.arange(n), unit="D"),
            "p85_done": pd.Timestamp("2027-01-08") + pd.to_timedelta(np.arange(n), unit="D"),
        }
    )
    fig = item_forecast_chart(items, as_of="2027-01-05")
    assert len(fig.layout.yaxis.ticktext) == MAX_ITEMS
    assert fig.layout.yaxis.ticktext[-1] == f"I-{n - 1}"
    assert named(fig, "more")[0].text.startswith(f"{MAX_ITEMS} of {n} items")


def test_item_forecasts_without_items_say_so():
    fig = item_forecast_chart(_items().head(0), as_of="2027-01-05")
    assert named(fig, "empty")[0].text == "No work in progress"


def test_sle_dates_are_when_each_item_reaches_the_sle():
    reach = charts.sle_dates([2.0, 10.0], as_of=pd.Timestamp("2027-01-05 12:00"), sle_days=8.0)
    assert list(reach) == [pd.Timestamp("2027-01-11"), pd.Timestamp("2027-01-03")]
    assert charts.sle_dates([1.0], as_of="2027-01-05", sle_days=None).isna().all()


# --------------------------------------------------------------------------- the aging chart


def _aging():
    return pd.DataFrame(
        {
            "item_id": pd.Series(["B-1", "B-2", "B-3", HOSTILE], dtype="str"),
            "title": pd.Series(["one", "two", "three", "four"], dtype="str"),
            "type": pd.Series(["Bug", "Story", "Story", "Bug"], dtype="str"),
            "stage": pd.Series(["Ready", "Doing", "Doing", "Review"], dtype="str"),
            "stage_index": [1, 2, 2, 3],
            "start": pd.to_datetime(["2026-03-01"] * 4, utc=True),
            "age_days": [1.0, 5.0, 7.0, 20.0],
        }
    )


def _forecasts():
    # B-3 has no row: no forecast; HOSTILE's 85 % is unknown (censoring) and it is past the SLE.
    return pd.DataFrame(
        {
            "item_id": ["B-1", "B-2", HOSTILE],
            "p50_done": [
                date.fromisoformat("2026-03-10"),
                date.fromisoformat("2026-03-12"),
                None,
            ],
            "p85_done": [
                date.fromisoformat("2026-03-14"),
                date.fromisoformat("2026-03-20"),
                None,
            ],
            "p50_cycle_days": [4.0, 8.0, np.nan],
            "p85_cycle_days": [8.0, 16.0, np.nan],
        }
    )


def test_aging_chart_without_forecasts_is_unchanged():
    plain = aging_wip_chart(_aging(), percentiles={50: 4, 85: 9}, sle_days=12.0)
    again = aging_wip_chart(_aging(), percentiles={50: 4, 85: 9}, sle_days=12.0, forecasts=None)
    assert plain.to_json() == again.to_json()
    assert all(len(row) == 4 for t in plain.data for row in t.customdata)


def test_aging_chart_shows_each_items_completion_dates_and_the_ones_past_the_sle():
    fig = aging_wip_chart(
        _aging(), percentiles={50: 4, 85: 9}, sle_days=12.0, forecasts=_forecasts()
    )
    dots = [t for t in fig.data if t.customdata is not None]
    rows = {row[0]: row[4] for t in dots for row in t.customdata}
    assert rows["B-1"] == "Done by: 50 % 10 Mar 2026, 85 % 14 Mar 2026"
    assert rows["B-3"] == "No forecast"
    assert rows['Pairing "A" &lt;b&gt;&amp;&lt;/b&gt; co'] == "Done by: 50 % unknown, 85 % unknown"
    assert all("%{customdata[4]}" in t.hovertemplate for t in dots)
    segments = trace(fig, "Expected age when done (50–85 %)")
    ys = list(segments.y)
    assert ys[0:2] == [4.0, 8.0] and ys[3:5] == [8.0, 16.0] and len(ys) == 6
    assert fig.layout.yaxis.range[1] >= 16.0  # the expected ages fit on the chart
    ring = trace(fig, "85 % date past the SLE")
    # B-2's 85 % cycle time (16 d) is past the 12-day SLE; HOSTILE's is unknown but its age
    # (20 d) already is; B-3 has no forecast and gets no ring.
    assert sorted(ring.y) == [5.0, 20.0]


def test_aging_chart_rings_nothing_without_an_sle():
    fig = aging_wip_chart(_aging(), percentiles={50: 4}, forecasts=_forecasts())
    assert "85 % date past the SLE" not in {t.name for t in fig.data}
