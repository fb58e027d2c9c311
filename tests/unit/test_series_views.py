"""A series by week and month, and its run chart: hand-computed values, empty input, and the
limits' calibration on simulated series (fixed seeds)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from vsm_core.charts.series import series_figure
from vsm_core.metrics.xmr import xmr
from vsm_core.series import period_values, run_chart, series_span, weekly_values


def _points(rows, team="A") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": team,
            "metric": [m for m, _d, _v in rows],
            "day": pd.to_datetime([d for _m, d, _v in rows]),
            "value": [float(v) for _m, _d, v in rows],
        }
    )


#: Mon 2026-01-05 .. Sun 2026-01-11 is one ISO week; 2026-01-12 starts the next.
POINTS = _points(
    [
        ("CSAT", "2026-01-05", 4),  # Monday
        ("CSAT", "2026-01-11", 2),  # Sunday, same week: mean 3
        ("CSAT", "2026-01-12", 5),  # next Monday
        ("CSAT", "2026-01-26", 1),  # a week later, skipping one
        ("CSAT", "2026-02-02", 3),
        ("NPS", "2026-01-06", -20),
    ]
)
MONDAYS = np.array(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"], dtype="datetime64[D]")


def test_weekly_values_are_the_mean_of_each_iso_week():
    assert weekly_values(POINTS, "CSAT", MONDAYS).tolist()[:2] == [3.0, 5.0]
    values = weekly_values(POINTS, "CSAT", MONDAYS)
    assert math.isnan(values[2])  # no value that week
    assert values[3] == 1.0
    assert weekly_values(POINTS, "NPS", MONDAYS)[0] == -20.0


def test_weekly_values_follow_the_order_of_the_mondays_given():
    reversed_mondays = MONDAYS[::-1]
    assert weekly_values(POINTS, "CSAT", reversed_mondays)[::-1].tolist()[:2] == [3.0, 5.0]


def test_weekly_values_take_date_objects_and_refuse_a_day_that_is_not_a_monday():
    as_dates = POINTS.assign(day=POINTS["day"].dt.date)
    assert weekly_values(as_dates, "CSAT", MONDAYS)[:2].tolist() == [3.0, 5.0]
    with pytest.raises(ValueError, match="Monday"):
        weekly_values(POINTS, "CSAT", np.array(["2026-01-06"], dtype="datetime64[D]"))


def test_weekly_values_of_nothing_are_nan():
    empty = POINTS.iloc[:0]
    assert np.isnan(weekly_values(empty, "CSAT", MONDAYS)).all()
    assert weekly_values(POINTS, "CSAT", MONDAYS[:0]).size == 0
    assert np.isnan(weekly_values(POINTS, "unknown", MONDAYS)).all()


def test_series_span():
    assert series_span(POINTS, "CSAT") == (date(2026, 1, 5), date(2026, 2, 2))
    assert series_span(POINTS, "unknown") is None
    assert series_span(POINTS.iloc[:0], "CSAT") is None


def test_period_values_by_week_and_month():
    weekly = period_values(POINTS, "CSAT", "week")
    assert weekly["period_start"].tolist() == [
        date(2026, 1, 5),
        date(2026, 1, 12),
        date(2026, 1, 26),
        date(2026, 2, 2),
    ]
    assert weekly["value"].tolist() == [3.0, 5.0, 1.0, 3.0]
    assert weekly["count"].tolist() == [2, 1, 1, 1]
    monthly = period_values(POINTS, "CSAT", "month")
    assert monthly["period_start"].tolist() == [date(2026, 1, 1), date(2026, 2, 1)]
    assert monthly["value"].tolist() == [3.0, 3.0]  # (4 + 2 + 5 + 1) / 4, then 3
    windowed = period_values(POINTS, "CSAT", "week", start=date(2026, 1, 11), end=date(2026, 1, 26))
    assert windowed["value"].tolist() == [2.0, 5.0, 1.0]


def test_the_run_chart_of_hand_computed_points():
    chart = run_chart(POINTS, "CSAT", "week")
    # points 3, 5, 1, 3: average 3, moving ranges 2, 4, 2 -> mean 8/3
    assert chart.xmr.centre == pytest.approx(3.0)
    assert chart.xmr.mr_bar == pytest.approx(8 / 3)
    assert chart.xmr.unpl == pytest.approx(3 + 2.66 * 8 / 3)
    assert chart.xmr.lnpl == pytest.approx(3 - 2.66 * 8 / 3)  # below zero: not cut
    assert chart.xmr.signals == []
    document = chart.to_dict()
    assert document["points"][0] == {"period_start": "2026-01-05", "value": 3.0, "count": 2}


def test_the_lower_limit_is_not_cut_at_zero_and_signals_below_it():
    values = np.array([10.0, 11, 9, 10, 11, 9, 10, -30])
    chart = xmr(values, labels=[str(i) for i in range(8)], bounds=(None, None))
    assert chart.lnpl < 0
    assert {"index": 7, "rule": "beyond_limits"} in chart.signals


def test_empty_input_gives_an_empty_chart():
    chart = run_chart(POINTS.iloc[:0], "CSAT", "month")
    assert chart.starts == [] and chart.values.size == 0
    assert math.isnan(chart.xmr.centre)
    figure = series_figure(chart)
    assert figure.data == () or all(len(t.y or ()) == 0 for t in figure.data)


def test_one_point_has_no_limits():
    chart = run_chart(POINTS, "NPS", "week")
    assert chart.values.tolist() == [-20.0]
    assert chart.to_dict()["unpl"] is None


def test_the_figure_draws_the_limits_and_names_the_measure_literally():
    points = POINTS.assign(metric=POINTS["metric"].replace("CSAT", "<b>CSAT</b> & co"))
    figure = series_figure(run_chart(points, "<b>CSAT</b> & co", "week"))
    assert figure.layout.title.text.startswith("&lt;b&gt;CSAT&lt;/b&gt; &amp; co")
    names = [trace.name for trace in figure.data]
    assert names[0] == "Values"
    assert any(name.startswith("UNPL") for name in names)
    assert any(name.startswith("LNPL -") for name in names)


def test_limits_are_calibrated_on_a_stable_process():
    """On 400 simulated stable series of 52 weekly means, few points fall outside the limits
    (about 0.3 % for normal data with known sigma; the moving-range estimate adds a little)."""
    rng = np.random.default_rng(1401)
    outside = total = 0
    for _ in range(400):
        values = rng.normal(70.0, 8.0, size=52)
        chart = xmr(values, bounds=(None, None))
        outside += sum(s["rule"] == "beyond_limits" for s in chart.signals)
        total += values.size
    assert outside / total < 0.01


def test_limits_detect_a_shift_of_three_sigma():
    """A mean shifted by 3 sigma for the last 10 of 40 points is flagged in most series."""
    rng = np.random.default_rng(1402)
    detected = 0
    for _ in range(200):
        values = rng.normal(0.0, 1.0, size=40)
        values[30:] += 3.0
        chart = xmr(values, bounds=(None, None))
        detected += any(s["index"] >= 30 for s in chart.signals)
    assert detected / 200 > 0.8
