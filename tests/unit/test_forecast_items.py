"""When will each item finish (issue #12): conditional Kaplan–Meier percentiles by hand.

The sample (as-of 1 Mar 2026 12:00 UTC, elapsed days): five items done 10 days
before as-of with cycle times 2, 4, 4, 6 and 8 days, three in progress aged
3, 5 and 9 days (censored), and one item done 100 days before as-of (outside
the 12-week history window: left out).

Kaplan–Meier by hand, observations in order 2, 3+, 4, 4, 5+, 6, 8, 9+ (n = 8):

    S(2) = 7/8;  S(4) = 7/8 * 4/6 = 7/12;  S(6) = 7/12 * 2/3 = 7/18;  S(8) = 7/18 * 1/2 = 7/36

Item aged 3: S(3) = 7/8. 50 %: the first S <= 7/16 = 0.4375 is S(6) = 0.389 ->
cycle 6, 3 days to go, done 4 Mar. 85 %: S never falls to 0.15 * 7/8 = 0.131
(S(8) = 0.194): undefined. Item aged 5: S(5) = 7/12; 50 %: S <= 7/24 = 0.292
first at S(8) = 0.194 -> cycle 8, 3 days to go; 85 %: undefined. Item aged 9:
S(9) = 7/36; S never falls below it: both undefined.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.unit.test_forecast import WORKFLOW
from vsm_core import forecast
from vsm_core.forecast import ForecastOptions
from vsm_core.forecast.items import conditional_percentile, km_curve
from vsm_core.model import make_dataset

AS_OF = pd.Timestamp("2026-03-01 12:00", tz="UTC")
OPTIONS = ForecastOptions(as_of=AS_OF)


def sample_dataset(cycle_times=(2, 4, 4, 6, 8), ages=(3, 5, 9)):
    """The module docstring's sample (``cycle_times`` done 10 days before as-of, ``ages``)."""
    rows = []
    for i, cycle in enumerate(cycle_times):
        done = AS_OF - pd.Timedelta(days=10)
        rows += [(f"D{i}", "Doing", done - pd.Timedelta(days=cycle)), (f"D{i}", "Done", done)]
    old = AS_OF - pd.Timedelta(days=100)
    rows += [("OLD", "Doing", old - pd.Timedelta(days=1)), ("OLD", "Done", old)]
    rows += [(f"W{age}", "Doing", AS_OF - pd.Timedelta(days=age)) for age in ages]
    events = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    items = pd.DataFrame({"item_id": list(dict.fromkeys(events["item_id"]))})
    return make_dataset(items, events, WORKFLOW)


def test_the_curve_matches_the_hand_computation():
    times = np.array([2, 4, 4, 6, 8, 3, 5, 9], dtype=float)
    censored = np.array([False] * 5 + [True] * 3)
    times_sorted, survival = km_curve(times, censored)
    assert times_sorted.tolist() == [2, 3, 4, 4, 5, 6, 8, 9]
    expected = [7 / 8, 7 / 8, 7 / 8 * 5 / 6, 7 / 12, 7 / 12, 7 / 18, 7 / 36, 7 / 36]
    assert survival == pytest.approx(expected)


def test_the_curve_matches_scipy_on_a_random_censored_sample():
    rng = np.random.default_rng(5)
    times = np.round(rng.lognormal(1.5, 0.6, 200), 1)  # rounded: many ties
    censored = rng.random(200) < 0.3
    times_sorted, survival = km_curve(times, censored)
    # Within a run of equal times the curve steps one item at a time: compare after each run.
    last_of_run = np.flatnonzero(np.append(np.diff(times_sorted) > 0, True))
    reference = stats.ecdf(
        stats.CensoredData(uncensored=times[~censored], right=times[censored])
    ).sf.evaluate(times_sorted[last_of_run])
    assert survival[last_of_run] == pytest.approx(reference)


def test_item_forecasts_by_hand():
    result = forecast.item_forecasts(sample_dataset(), options=OPTIONS)
    assert (result.finished, result.censored) == (5, 3)
    table = result.table
    assert table["item_id"].tolist() == ["W9", "W5", "W3"]  # aging order: oldest first
    assert table["p50_cycle_days"].tolist()[1:] == pytest.approx([8.0, 6.0])
    assert np.isnan(table["p50_cycle_days"].iloc[0])
    assert table["p50_days"].tolist()[1:] == pytest.approx([3.0, 3.0])
    assert table["p50_done"].tolist() == [None, date(2026, 3, 4), date(2026, 3, 4)]
    assert table["p85_done"].tolist() == [None, None, None]
    assert result.as_json() == {
        "as_of": "2026-03-01",
        "items": [
            {
                "item_id": "W9",
                "stage": "Doing",
                "age_days": 9.0,
                "p50_done": None,
                "p85_done": None,
            },
            {
                "item_id": "W5",
                "stage": "Doing",
                "age_days": 5.0,
                "p50_done": "2026-03-04",
                "p85_done": None,
            },
            {
                "item_id": "W3",
                "stage": "Doing",
                "age_days": 3.0,
                "p50_done": "2026-03-04",
                "p85_done": None,
            },
        ],
    }


def test_item_forecasts_without_the_oldest_item():
    # 2, 3+, 4, 4, 5+, 6, 8 (n = 7): S = 6/7, 18/35, 9/35, 0.
    # Aged 3 (S = 6/7): 50 % at S <= 3/7 -> 6 (3 days); 85 % at S <= 0.129 -> 8 (5 days).
    # Aged 5 (S = 18/35): 50 % at S <= 9/35 -> 6 (1 day); 85 % -> 8 (3 days).
    result = forecast.item_forecasts(sample_dataset(ages=(3, 5)), options=OPTIONS)
    table = result.table.set_index("item_id")
    assert table.loc[["W3", "W5"], "p50_days"].tolist() == pytest.approx([3.0, 1.0])
    assert table.loc[["W3", "W5"], "p85_days"].tolist() == pytest.approx([5.0, 3.0])
    assert table.loc["W5", "p50_done"] == date(2026, 3, 2)
    assert table.loc["W3", "p85_done"] == date(2026, 3, 6)
    past = result.past_sle(7.5)
    assert past["item_id"].tolist() == ["W5", "W3"]  # both 85 % cycle times are 8 days
    assert result.past_sle(8.0).empty


def test_past_the_sle_lists_undefined_items_already_older_than_it():
    result = forecast.item_forecasts(sample_dataset(), options=OPTIONS)
    assert result.past_sle(7)["item_id"].tolist() == ["W9"]
    assert result.sentences(7)[1] == (
        "1 of 3 items in progress have their 85 % date past the service level expectation "
        "of 7 days."
    )
    assert result.sentences()[0].startswith("Based on 5 items finished from 8 Dec 2025")


def test_conditional_percentile_at_age_zero_is_the_plain_percentile():
    times = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dtype=float)
    times_sorted, survival = km_curve(times, np.zeros(10, dtype=bool))
    assert conditional_percentile(times_sorted, survival, np.array([0.0]), 50) == [5.0]
    assert conditional_percentile(times_sorted, survival, np.array([0.0]), 85) == [9.0]
    # Aged 5.5: items 6..10 remain; half of them finish by 8.
    assert conditional_percentile(times_sorted, survival, np.array([5.5]), 50) == [8.0]


def test_no_item_in_progress_gives_an_empty_table():
    result = forecast.item_forecasts(sample_dataset(ages=()), options=OPTIONS)
    assert result.table.empty and result.as_json()["items"] == []
