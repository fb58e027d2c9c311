"""Forecasts by hand (issue #12): how many, when, working days, joint teams, options, wording.

Datasets come from :func:`team_dataset`: a three-stage workflow (To Do backlog ->
Doing active -> Done done), ``counts[i]`` items started at 08:00 and done at
10:00 UTC on day ``i``, and two backlog items that pin the data's first day
(00:00 of day 0) and the as-of (23:00 of the last day: the last event).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from vsm_core import forecast
from vsm_core.filters import ItemFilter
from vsm_core.forecast import ForecastError, ForecastOptions
from vsm_core.forecast.montecarlo import at_least_percentiles, done_by_percentiles
from vsm_core.model import CanonicalDataset, Category, Stage, Workflow, make_dataset

WORKFLOW = Workflow(
    stages=(
        Stage(name="To Do", category=Category.BACKLOG),
        Stage(name="Doing", category=Category.ACTIVE),
        Stage(name="Done", category=Category.DONE),
    )
)
MONDAY = date(2026, 1, 5)


def team_dataset(
    counts, first_day: date = MONDAY, *, name: str | None = None, types=None
) -> CanonicalDataset:
    """``counts[i]`` items done on ``first_day + i`` (module docstring); vectorised."""
    counts = np.asarray(counts, dtype=np.int64)
    day = np.repeat(np.arange(len(counts)), counts)
    n = len(day)
    base = pd.Timestamp(first_day, tz="UTC")
    ids = [f"I{i}" for i in range(n)]
    midnight = base + pd.to_timedelta(day, unit="D")
    events = pd.DataFrame(
        {
            "item_id": ids + ids + ["first", "last"],
            "status": ["Doing"] * n + ["Done"] * n + ["To Do", "To Do"],
            "entered_at": list(midnight + pd.Timedelta(hours=8))
            + list(midnight + pd.Timedelta(hours=10))
            + [base, base + pd.Timedelta(days=len(counts) - 1, hours=23)],
        }
    )
    items = pd.DataFrame({"item_id": [*ids, "first", "last"]})
    if types is not None:
        items["type"] = [types(i) for i in range(n)] + [None, None]
    return make_dataset(items, events, WORKFLOW, metadata={"name": name} if name else {})


# --------------------------------------------------------------------------- percentile rules


def test_at_least_reading_by_hand():
    # 25 trials complete 0, 50 complete 1, 25 complete 2: P(>= 1) = 75 %, P(>= 2) = 25 %.
    outcomes = np.array([0] * 25 + [1] * 50 + [2] * 25)
    assert at_least_percentiles(outcomes, (50, 70, 75, 76, 85, 95)) == {
        50: 1,
        70: 1,
        75: 1,
        76: 0,
        85: 0,
        95: 0,
    }


def test_done_by_reading_by_hand():
    # 50 trials finish on day 1, 35 on day 2, 15 never: done by day 2 in 85 %.
    finish = np.array([1.0] * 50 + [2.0] * 35 + [np.inf] * 15)
    assert done_by_percentiles(finish, (50, 51, 85, 86, 95)) == {
        50: 1.0,
        51: 2.0,
        85: 2.0,
        86: np.inf,
        95: np.inf,
    }


# --------------------------------------------------------------------------- how many


def test_constant_throughput_gives_a_degenerate_distribution():
    dataset = team_dataset([2] * 84)  # 12 weeks from Monday 5 Jan: as-of day Sun 29 Mar
    result = forecast.how_many(dataset, days=14)
    assert result.start == date(2026, 3, 30)
    assert result.end == date(2026, 4, 12)
    assert result.percentiles == {50: 28, 70: 28, 85: 28, 95: 28}
    assert set(result.outcomes.tolist()) == {28}
    table = result.distribution()
    assert table.to_dict("list") == {
        "items": [28],
        "trials": [10_000],
        "share": [1.0],
        "at_least": [1.0],
    }
    assert result.as_json() == {
        "kind": "how_many",
        "days": 14,
        "start": "2026-03-30",
        "history": {"from": "2026-01-05", "to": "2026-03-29", "days": 84, "completed": 168},
        "percentiles": {"50": 28, "70": 28, "85": 28, "95": 28},
        "trials": 10_000,
    }
    assert result.sentences()[2] == (
        "85 % chance of at least 28 items in the 14 days from 30 Mar 2026 to 12 Apr 2026."
    )


def test_two_valued_history_matches_the_exact_distribution():
    # Days alternate 0 and 1 done: two days give 0, 1, 2 with chances 1/4, 1/2, 1/4.
    result = forecast.how_many(team_dataset([0, 1] * 42), days=2)
    shares = result.distribution().set_index("items")["share"]
    assert shares.to_dict() == pytest.approx({0: 0.25, 1: 0.5, 2: 0.25}, abs=0.015)
    assert result.percentiles == {50: 1, 70: 1, 85: 0, 95: 0}  # P(>= 1) = 75 %


def test_by_date_is_the_same_forecast_as_its_days():
    dataset = team_dataset(np.arange(84) % 4)
    by = forecast.how_many(dataset, by=date(2026, 4, 12))
    days = forecast.how_many(dataset, days=14)
    assert by.days == 14 and by.as_json() == days.as_json()
    np.testing.assert_array_equal(by.outcomes, days.outcomes)


def test_the_history_window_is_the_last_weeks_cut_to_the_data():
    dataset = team_dataset([1] * 100 + [3] * 40)
    assert forecast.how_many(dataset, days=1).as_json()["history"] == {
        "from": "2026-03-02",  # 84 days ending on the as-of day, 24 May
        "to": "2026-05-24",
        "days": 84,
        "completed": 44 * 1 + 40 * 3,
    }
    two_weeks = ForecastOptions(history_weeks=2)
    assert forecast.how_many(dataset, days=7, options=two_weeks).percentiles[95] == 21
    long = ForecastOptions(history_weeks=52)  # before the data began: unknown, not zero
    assert forecast.how_many(dataset, days=1, options=long).histories[0].first_day == MONDAY
    explicit = ForecastOptions(history_from=date(2026, 1, 1), history_to=date(2026, 4, 10))
    history = forecast.how_many(dataset, days=1, options=explicit).histories[0]
    assert (history.first_day, history.last_day, history.completed) == (
        MONDAY,
        date(2026, 4, 10),
        96,
    )
    assert forecast.how_many(dataset, days=7, options=explicit).percentiles[50] == 7


def test_seed_makes_forecasts_reproducible_and_changes_with_it():
    dataset = team_dataset(np.arange(84) % 5)
    first = forecast.how_many(dataset, days=30)
    again = forecast.how_many(dataset, days=30)
    other = forecast.how_many(dataset, days=30, options=ForecastOptions(seed=7))
    np.testing.assert_array_equal(first.outcomes, again.outcomes)
    assert not np.array_equal(first.outcomes, other.outcomes)
    assert first.trials == len(first.outcomes) == 10_000


def test_filters_apply_to_the_history():
    dataset = team_dataset([3] * 84, types=lambda i: "Defect" if i % 3 == 0 else "Feature")
    options = ForecastOptions(item_filter=ItemFilter(work_types=("Defect",)))
    assert forecast.how_many(dataset, days=10, options=options).percentiles[50] == 10


# --------------------------------------------------------------------------- when


def test_when_with_constant_throughput_is_one_date():
    result = forecast.when(team_dataset([2] * 84), items=30)
    # 2 a day from Mon 30 Mar: 30 items on the 15th day, 13 Apr.
    assert result.days == {50: 15, 70: 15, 85: 15, 95: 15}
    assert result.percentiles[85] == date(2026, 4, 13)
    assert result.as_json() == {
        "kind": "when",
        "items": 30,
        "start": "2026-03-30",
        "history": {"from": "2026-01-05", "to": "2026-03-29", "days": 84, "completed": 168},
        "percentiles": {q: "2026-04-13" for q in ("50", "70", "85", "95")},
        "days": {q: 15 for q in ("50", "70", "85", "95")},
        "trials": 10_000,
    }
    assert result.sentences()[2] == "85 % chance the 30 items are done by 13 Apr 2026 (in 15 days)."
    table = result.distribution()
    assert table[["days", "trials", "done_by"]].to_dict("list") == {
        "days": [15],
        "trials": [10_000],
        "done_by": [1.0],
    }
    assert table["date"].tolist() == [date(2026, 4, 13)]


def test_a_history_of_zeros_is_never_said_in_words():
    dataset = team_dataset([1] * 10 + [0] * 100)  # nothing done in the last 12 weeks
    result = forecast.when(dataset, items=5)
    assert result.percentiles == {50: None, 70: None, 85: None, 95: None}
    assert result.as_json()["days"] == {"50": None, "70": None, "85": None, "95": None}
    assert result.never_share == 1.0
    assert result.distribution().empty
    for sentence in result.sentences():
        assert "never" in sentence and "No item was completed in the history window" in sentence
    assert forecast.how_many(dataset, days=30).percentiles == {50: 0, 70: 0, 85: 0, 95: 0}


def test_too_slow_to_finish_within_the_cap_is_never_too():
    # One item in 84 days: 100 items need ~23 years, beyond the ten-year cap.
    result = forecast.when(team_dataset([0] * 83 + [1]), items=100)
    assert result.percentiles[50] is None
    assert "not within 10 years" in result.sentences()[0]


def test_when_is_consistent_with_how_many():
    # Done by day d in q % of trials <=> at least N items by day d in q % (running totals rise).
    dataset = team_dataset(np.random.default_rng(3).poisson(2.0, 84))
    result = forecast.when(dataset, items=40)
    for q in (50, 85):
        d = result.days[q]
        assert forecast.how_many(dataset, days=d).percentiles[q] >= 40 - 2
        earlier = forecast.how_many(dataset, days=d - 2).percentiles[q]
        assert earlier < 40


# --------------------------------------------------------------------------- working days


def test_workdays_leave_weekends_out_of_history_and_simulation():
    weekday = np.array([1, 1, 1, 1, 1, 0, 0] * 12)  # one item each weekday
    dataset = team_dataset(weekday)
    plain = forecast.how_many(dataset, days=14)
    assert plain.histories[0].days == 84 and plain.percentiles[50] < 14
    work = forecast.how_many(dataset, days=14, options=ForecastOptions(workdays=True))
    assert work.histories[0].days == 60 and work.simulated_days == 10
    assert work.percentiles == {50: 10, 70: 10, 85: 10, 95: 10}
    blackout = ForecastOptions(workdays=True, blackout=(date(2026, 4, 3), date(2026, 3, 6)))
    fewer = forecast.how_many(dataset, days=14, options=blackout)
    # 6 Mar (a Friday in the history, one item done) is not sampled; 3 Apr is not simulated.
    assert (fewer.histories[0].days, fewer.histories[0].completed) == (59, 59)
    assert fewer.simulated_days == 9 and fewer.percentiles[50] == 9
    when = forecast.when(dataset, items=10, options=ForecastOptions(workdays=True))
    assert when.percentiles[50] == date(2026, 4, 10)  # the 10th working day from Mon 30 Mar


# --------------------------------------------------------------------------- several datasets


def test_several_teams_add_up_per_trial():
    one, two = team_dataset([1] * 84, name="Alpha"), team_dataset([2] * 84, name="Beta")
    result = forecast.how_many([one, two], days=10)
    assert result.percentiles[85] == 30
    doc = result.as_json()
    assert doc["history"]["completed"] == 84 * 3
    assert [team["name"] for team in doc["teams"]] == ["Alpha", "Beta"]
    together = forecast.when([one, two], items=30)
    assert together.days[50] == 10  # 3 a day between them
    each = forecast.when([one, two], items=(10, 40))
    assert each.days[50] == 20  # Alpha 10 days, Beta 20: the later one
    assert each.as_json()["items"] == [10, 40]


def test_joint_forecasts_start_after_the_latest_as_of():
    early, late = team_dataset([1] * 84), team_dataset([1] * 90)
    assert forecast.how_many([early, late], days=7).start == date(2026, 4, 5)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: forecast.how_many(d), "either a number of days or an end date"),
        (lambda d: forecast.how_many(d, days=0), "at least one day"),
        (lambda d: forecast.how_many(d, by=date(2026, 3, 29)), "not after the as-of date"),
        (lambda d: forecast.when(d, items=0), "at least one item"),
        (lambda d: forecast.when([d, d], items=(1, 2, 3)), "one number of items per dataset"),
        (lambda d: forecast.how_many([], days=3), "at least one dataset"),
        (
            lambda d: forecast.how_many(
                d, days=3, options=ForecastOptions(history_to=date(2025, 1, 1))
            ),
            "holds no day with data",
        ),
    ],
)
def test_bad_input_says_why(call, message):
    with pytest.raises(ForecastError, match=message):
        call(team_dataset([1] * 84))


def test_options_refuse_nonsense():
    with pytest.raises(ForecastError):
        ForecastOptions(trials=0)
    with pytest.raises(ForecastError):
        ForecastOptions(history_weeks=0)
    with pytest.raises(ForecastError):
        ForecastOptions(history_from=date(2026, 2, 1), history_to=date(2026, 1, 1))


def test_as_of_moves_the_start_and_hides_later_events():
    dataset = team_dataset([1] * 84 + [5] * 14)
    options = ForecastOptions(as_of=date(2026, 3, 29))
    result = forecast.how_many(dataset, days=7, options=options)
    assert result.start == date(2026, 3, 30) and result.percentiles[50] == 7
    assert result.start - timedelta(days=1) == date(2026, 3, 29)


def test_each_dataset_can_have_its_own_filter():
    alpha = team_dataset([2] * 84, types=lambda i: "Bug" if i % 2 else "Story")
    beta = team_dataset([3] * 84, types=lambda i: "Defect")
    filters = [ItemFilter(work_types=("Bug",)), ItemFilter(work_types=("Defect",))]
    # Alpha's bugs: 1 a day; Beta's defects: 3 a day.
    assert forecast.how_many([alpha, beta], days=5, filters=filters).percentiles[50] == 20
    assert forecast.when([alpha, beta], items=8, filters=filters).days[50] == 2
    with pytest.raises(ForecastError, match="one filter per dataset"):
        forecast.how_many([alpha, beta], days=5, filters=filters[:1])
    assert forecast.forecast_start([alpha, beta], filters=filters) == date(2026, 3, 30)


def test_limits_keep_memory_and_time_in_reach():
    dataset = team_dataset([1] * 84)
    with pytest.raises(ForecastError, match="at most 3,650 days ahead"):
        forecast.how_many(dataset, days=3_651)
    few = ForecastOptions(trials=200)
    assert forecast.how_many(dataset, days=3_650, options=few).percentiles[50] == 3_650
    with pytest.raises(ForecastError, match="1 to 100,000 trials"):
        ForecastOptions(trials=100_001)
    with pytest.raises(ForecastError, match="1 to 5,200 weeks"):
        ForecastOptions(history_weeks=5_201)
    with pytest.raises(ForecastError, match="horizons of up to 366 days"):
        forecast.backtest(dataset, horizon_days=367)


def test_days_are_local_days_of_the_dataset_time_zone():
    # One item a day done at 03:00 UTC: 22:00 or 23:00 the evening before in New York.
    done = pd.Timestamp("2026-01-06 03:00", tz="UTC") + pd.to_timedelta(np.arange(84), unit="D")
    ids = [f"N{i}" for i in range(84)]
    events = pd.DataFrame(
        {
            "item_id": ids + ids,
            "status": ["Doing"] * 84 + ["Done"] * 84,
            "entered_at": list(done - pd.Timedelta(hours=2)) + list(done),
        }
    )
    dataset = make_dataset(
        pd.DataFrame({"item_id": ids}), events, WORKFLOW, timezone="America/New_York"
    )
    result = forecast.how_many(dataset, days=7)
    assert result.start == date(2026, 3, 30)  # as-of: 23:00 on Sun 29 Mar in New York
    assert result.as_json()["history"] == {
        "from": "2026-01-05",
        "to": "2026-03-29",
        "days": 84,
        "completed": 84,
    }
    assert result.percentiles[95] == 7
