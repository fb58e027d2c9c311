"""Unit tests for vsm_core.experiments.evidence: each statistic on hand-made data, then the demo."""

from __future__ import annotations

import json
import math
import time
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from vsm_core.experiments._survival import (
    bootstrap_km_percentiles,
    km_percentile,
    km_percentiles_from_counts,
    km_percentiles_of_resamples,
    km_sort,
    logrank_p,
    mann_whitney_p,
    resample_picks,
)
from vsm_core.experiments.evidence import Window, evaluate, evidence_windows
from vsm_core.experiments.evidence_result import decide_target_met, decide_verdict
from vsm_core.experiments.spec import EvidenceSpec, ExperimentScope
from vsm_core.model import Category, Stage, Workflow, make_dataset
from vsm_core.sample_data import PROCESS_CHANGE_DATE, generate_demo_dataset

CONTRACT_KEYS = {
    "metric",
    "before",
    "after",
    "change_abs",
    "change_pct",
    "ci95",
    "p_value",
    "verdict",
    "target_met",
    "signals",
}

WORKFLOW = Workflow(
    stages=(
        Stage(name="To Do", category=Category.BACKLOG),
        Stage(name="Doing", category=Category.ACTIVE),
        Stage(name="Review", category=Category.WAITING),
        Stage(name="Done", category=Category.DONE),
        Stage(name="Cancelled", category=Category.CANCELLED),
    )
)


def build(events, types=None, *, timezone="UTC"):
    """``events``: (item_id, status, ISO time); ``types``: item_id -> work type (default Story)."""
    types = types or {}
    frame = pd.DataFrame(events, columns=["item_id", "status", "entered_at"])
    frame["entered_at"] = pd.to_datetime(frame["entered_at"], utc=True, format="ISO8601")
    ids = list(dict.fromkeys(frame["item_id"]))
    items = pd.DataFrame({"item_id": ids, "type": [types.get(i, "Story") for i in ids]})
    return make_dataset(items, frame, WORKFLOW, timezone=timezone)


def spec(metric, change, direction="decrease", **kwargs):
    return EvidenceSpec(metric=metric, direction=direction, change_date=change, **kwargs)


# --------------------------------------------------------------------------- Kaplan–Meier


def scipy_km_percentile(times, censored, q):
    """The reference: invert ``scipy.stats.ecdf`` of ``scipy.stats.CensoredData``."""
    times, censored = np.asarray(times, dtype=float), np.asarray(censored, dtype=bool)
    if times.size == 0 or censored.all():
        return float("nan")
    res = stats.ecdf(stats.CensoredData(uncensored=times[~censored], right=times[censored]))
    reached = np.flatnonzero(res.cdf.probabilities >= q / 100.0 - 1e-9)
    return float(res.cdf.quantiles[reached[0]]) if reached.size else float("nan")


def test_km_percentile_with_censoring_by_hand():
    # 2e 4e 4c 5e 6c 9e 10c 12e: S = 7/8, ·6/7, ·4/5, ·2/3, ·0 -> CDF .125 .25 .4 .6 1
    times = np.array([2, 4, 5, 9, 12, 4, 6, 10], dtype=float)
    censored = np.array([False] * 5 + [True] * 3)
    assert km_percentile(times, censored, 50) == 9.0
    assert km_percentile(times, censored, 85) == 12.0
    assert km_percentile(times, censored, 40) == 5.0  # CDF exactly 0.4 at 5 (round-off)
    # Dropping the unfinished items instead would say the median is 5.
    assert np.median(times[~censored]) == 5.0


def test_km_percentile_undefined_when_the_cdf_never_gets_there():
    times = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    censored = np.array([False, False, True, True, True])
    assert km_percentile(times, censored, 40) == 2.0  # CDF .2, .4
    assert math.isnan(km_percentile(times, censored, 50))
    assert math.isnan(km_percentile(times, censored, 85))
    assert math.isnan(km_percentile(np.array([]), np.array([], dtype=bool), 50))
    assert math.isnan(km_percentile(times, np.ones(5, dtype=bool), 50))


def test_uncensored_percentile_is_the_inverse_cdf():
    times = np.arange(1.0, 21.0)  # 20 items: CDF k/20
    none = np.zeros(20, dtype=bool)
    assert km_percentile(times, none, 85) == 17.0  # 17/20 == 0.85 despite round-off
    assert km_percentile(times, none, 50) == 10.0


def _random_sample(rng, n):
    times = np.round(rng.lognormal(1.0, 0.6, n), 1)  # rounded: plenty of ties
    censored = rng.random(n) < rng.uniform(0.0, 0.6)
    return times, censored


def test_vectorised_km_equals_scipy_on_the_original_sample():
    rng = np.random.default_rng(1)
    for _ in range(300):
        n = int(rng.integers(1, 80))
        times, censored = _random_sample(rng, n)
        sorted_times, is_event = km_sort(times, censored)
        for q in (50.0, 85.0):
            expected = scipy_km_percentile(times, censored, q)
            from_counts = km_percentiles_from_counts(
                sorted_times, is_event, np.ones((1, n), dtype=np.int32), q
            )[0]
            from_rows = km_percentiles_of_resamples(
                sorted_times, is_event, np.arange(n)[None, :], q
            )[0]
            assert from_counts == pytest.approx(expected, nan_ok=True)
            assert from_rows == pytest.approx(expected, nan_ok=True)


def test_vectorised_km_equals_scipy_on_each_bootstrap_resample():
    rng = np.random.default_rng(2)
    for _ in range(40):
        n = int(rng.integers(2, 60))
        times, censored = _random_sample(rng, n)
        sorted_times, is_event = km_sort(times, censored)
        picks = resample_picks(n, 30, rng)
        counts = np.stack([np.bincount(row, minlength=n) for row in picks]).astype(np.int32)
        for q in (50.0, 85.0):
            rows = km_percentiles_of_resamples(sorted_times, is_event, picks, q)
            weighted = km_percentiles_from_counts(sorted_times, is_event, counts, q)
            scipy_each = [scipy_km_percentile(sorted_times[p], ~is_event[p], q) for p in picks]
            np.testing.assert_array_equal(rows, weighted)
            np.testing.assert_array_equal(rows, np.array(scipy_each))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.booleans()),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from([50.0, 85.0]),
)
def test_vectorised_km_matches_scipy_property(observations, q):
    times = np.array([t for t, _ in observations], dtype=float)
    censored = np.array([c for _, c in observations])
    sorted_times, is_event = km_sort(times, censored)
    got = km_percentiles_of_resamples(sorted_times, is_event, np.arange(len(times))[None], q)[0]
    assert got == pytest.approx(scipy_km_percentile(times, censored, q), nan_ok=True)
    assert km_percentile(times, censored, q) == pytest.approx(got, nan_ok=True)


def _same(a, b) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def test_km_percentile_is_scipys_exactly():
    """The point estimate is the same observed time scipy's ECDF gives, not just close."""
    rng = np.random.default_rng(11)
    for _ in range(400):
        times, censored = _random_sample(rng, int(rng.integers(1, 120)))
        if rng.random() < 0.25:
            censored[:] = False  # scipy's uncensored path: the plain ECDF
        for q in (40.0, 50.0, 85.0, 95.0):
            assert _same(km_percentile(times, censored, q), scipy_km_percentile(times, censored, q))


def test_km_percentile_refuses_nan_durations():
    with pytest.raises(ValueError):
        km_percentile(np.array([1.0, np.nan]), np.array([False, False]), 50)


# --------------------------------------------------------------------------- p-values


def _scipy_p(test, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        p = float(test(*args, **kwargs).pvalue)
    return p if math.isfinite(p) else None


def _censored(times, censored):
    times, censored = np.asarray(times, dtype=float), np.asarray(censored, dtype=bool)
    return stats.CensoredData(uncensored=times[~censored], right=times[censored])


def _assert_p_close(got, expected):
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_logrank_p_of_a_hand_computed_case():
    """Events at 1, 2 (before) and 3, 4 (after), none censored.

    At t=1: 4 at risk, 2 of them before, 1 event: expected 1/2, variance
    2·2·1·3 / (4²·3) = 1/4. At t=2: 3 at risk, 1 before: expected 1/3,
    variance 1·2·1·2 / (3²·2) = 2/9. Later times have no item of before at
    risk. z = (2 − 5/6) / √(17/36); p = erfc(|z| / √2) ≈ 0.0896.
    """
    z = (2 - 5 / 6) / math.sqrt(1 / 4 + 2 / 9)
    expected = math.erfc(abs(z) / math.sqrt(2))
    got = logrank_p(
        (np.array([1.0, 2.0]), np.zeros(2, bool)), (np.array([3.0, 4.0]), np.zeros(2, bool))
    )
    assert got == pytest.approx(expected, rel=1e-9)
    assert got == pytest.approx(0.0896, abs=1e-4)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (([5.0], [False]), ([5.0], [False])),  # every item at risk finishes together: 0/0
        (([3.0], [False]), ([1.0], [True])),  # one item at risk at the only event
        (([1.0, 2.0], [True, True]), ([1.0, 2.0], [True, True])),  # no event at all
    ],
)
def test_logrank_p_is_none_when_undefined(before, after):
    assert _scipy_p(stats.logrank, _censored(*before), _censored(*after)) is None
    assert logrank_p(before, after) is None


def test_logrank_p_of_empty_or_nan_samples_is_none():
    some = (np.array([1.0, 2.0]), np.array([False, True]))
    assert logrank_p((np.array([]), np.array([], dtype=bool)), some) is None
    assert logrank_p(some, (np.array([np.nan]), np.array([False]))) is None


def test_mann_whitney_p_of_hand_computed_cases():
    """Exact: 3 values all below 3 others is 1 of C(6,3) = 20 orderings, each tail: p = 2/20.

    With ties the normal approximation applies: U = 0 for [1]*3 vs [2]*3,
    σ² = 3·3/12 · (7 − (3³−3 + 3³−3)/(6·5)) = 4.05, z = (4.5 − ½)/√4.05.
    """
    got = mann_whitney_p(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
    assert got == pytest.approx(0.1, rel=1e-12)
    z = (4.5 - 0.5) / math.sqrt(4.05)
    tied = mann_whitney_p(np.array([1.0] * 3), np.array([2.0] * 3))
    assert tied == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([1.0], [2.0]),
        ([3.0, 3.0, 3.0], [3.0, 3.0]),  # every value tied: σ = 0
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
        ([1.0] * 10, [2.0] * 12),
        (list(range(8)), list(range(100, 160))),  # exact, far apart
        (list(range(9)), list(range(100, 160))),  # normal approximation
    ],
)
def test_mann_whitney_p_edge_cases_are_scipys(before, after):
    before, after = np.array(before, dtype=float), np.array(after, dtype=float)
    expected = _scipy_p(stats.mannwhitneyu, before, after, alternative="two-sided")
    _assert_p_close(mann_whitney_p(before, after), expected)


def test_mann_whitney_p_of_empty_or_nan_samples_is_none():
    assert mann_whitney_p(np.array([]), np.array([1.0])) is None
    assert mann_whitney_p(np.array([np.nan, 1.0]), np.array([1.0])) is None


@pytest.mark.parametrize("n", [1, 7, 1537, 40_000])
def test_resample_picks_are_sorted_resamples_of_the_seeded_draws(n):
    picks = resample_picks(n, 20, np.random.default_rng(5))
    # The dtype decides the generator's draws, so every recorded interval depends on it.
    dtype = np.int16 if n <= 32_767 else np.int64
    assert picks.shape == (20, n) and picks.dtype == dtype
    assert (picks[:, 1:] >= picks[:, :-1]).all()
    draws = np.random.default_rng(5).integers(0, n, size=(20, n), dtype=dtype)
    for row, drawn in zip(picks, draws, strict=True):  # the same positions, sorted
        assert np.bincount(row, minlength=n).tolist() == np.bincount(drawn, minlength=n).tolist()


def test_bootstrap_is_seeded_and_marks_undefined_resamples():
    times = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    censored = np.array([False, False, False, False, True, True])
    a = bootstrap_km_percentiles(times, censored, 85, 2000, np.random.default_rng(7))
    b = bootstrap_km_percentiles(times, censored, 85, 2000, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert np.isnan(a).any() and not np.isnan(a).all()
    assert set(a[~np.isnan(a)]) <= {1.0, 2.0, 3.0, 4.0}


# --------------------------------------------------------------------------- windows


def test_default_windows_are_twelve_weeks_each_side():
    s = spec("cycle_time_p85", date(2026, 6, 1))
    before, after, warnings = evidence_windows(s, date(2026, 1, 5), date(2026, 10, 2))
    assert before == Window(date(2026, 3, 9), date(2026, 5, 31))
    assert after == Window(date(2026, 6, 1), date(2026, 8, 23))
    assert before.days == after.days == 84
    assert warnings == []
    assert len(before.whole_weeks()) == 12 and before.whole_weeks()[0] == date(2026, 3, 9)
    assert after.whole_weeks()[-1] == date(2026, 8, 17)


def test_windows_when_the_data_starts_later_than_twelve_weeks_before():
    s = spec("throughput_per_week", date(2026, 6, 1))
    before, after, warnings = evidence_windows(s, date(2026, 4, 15), date(2026, 10, 2))
    assert before == Window(date(2026, 4, 15), date(2026, 5, 31))  # 47 days
    assert after == Window(date(2026, 6, 1), date(2026, 7, 17))  # the same 47 days
    # whole weeks only: Wed 15 Apr starts a partial week; the week of Fri 17 Jul is cut
    assert before.whole_weeks() == [date(2026, 4, d) for d in (20, 27)] + [
        date(2026, 5, d) for d in (4, 11, 18, 25)
    ]
    assert after.whole_weeks() == [date(2026, 6, d) for d in (1, 8, 15, 22, 29)] + [
        date(2026, 7, 6)
    ]
    assert any("starts at the first day of the data, 2026-04-15" in w for w in warnings)
    assert any("47 days long, shorter than 12 weeks" in w for w in warnings)


def test_windows_cut_by_the_end_of_the_data_and_a_given_baseline():
    s = spec(
        "wip_mean",
        date(2026, 6, 3),
        baseline_from=date(2026, 5, 4),
        baseline_to=date(2026, 5, 31),
    )
    before, after, warnings = evidence_windows(s, date(2026, 1, 5), date(2026, 6, 20))
    assert before == Window(date(2026, 5, 4), date(2026, 5, 31))
    assert after == Window(date(2026, 6, 3), date(2026, 6, 20))
    assert after.whole_weeks() == [date(2026, 6, 8)]  # 3-7 Jun and 15-21 Jun are partial
    assert any("cut by the end of the data" in w and "18 of 28 days" in w for w in warnings)
    assert Window(date(2026, 6, 3), date(2026, 6, 2)).empty


def test_window_dates_are_local_dates_of_the_dataset_time_zone():
    events = [
        ("Z", "To Do", "2026-02-01T23:30:00Z"),  # 2 Feb 00:30 in Berlin
        ("A", "Doing", "2026-02-10T12:00:00Z"),
        ("A", "Done", "2026-03-10T12:00:00Z"),
    ]
    result = evaluate(
        build(events, timezone="Europe/Berlin"), spec("cycle_time_p50", date(2026, 3, 2))
    )
    assert result.before["from"] == "2026-02-02"
    assert result.before["to"] == "2026-03-01"
    utc = evaluate(build(events), spec("cycle_time_p50", date(2026, 3, 2)))
    assert utc.before["from"] == "2026-02-01"


# --------------------------------------------------------------------------- per-item cohorts


def _km_events():
    """Baseline: 10 items, cycle times 1..10 days, all done (B-9 finishes after the change).

    After: A-1..A-5 done after 2, 4, 5, 9, 12 days; A-6..A-8 still going at the as-of
    (2026-03-31 12:00): censored at 10, 6 and 4 days; X-1 cancelled.
    """
    events = [("Z", "To Do", "2026-02-02T09:00:00Z"), ("Z", "To Do", "2026-03-31T12:00:00Z")]
    for k in range(10):
        start = pd.Timestamp("2026-02-03T12:00:00Z") + pd.Timedelta(days=2 * k)
        events += [
            (f"B-{k}", "To Do", "2026-02-02T10:00:00Z"),
            (f"B-{k}", "Doing", start.isoformat()),
            (f"B-{k}", "Done", (start + pd.Timedelta(days=k + 1)).isoformat()),
        ]
    after = [(10, 2), (11, 4), (12, 5), (13, 9), (14, 12), (21, None), (25, None), (27, None)]
    for i, (day, days) in enumerate(after, start=1):
        start = pd.Timestamp(f"2026-03-{day:02d}T12:00:00Z")
        events += [(f"A-{i}", "To Do", "2026-03-02T10:00:00Z"), (f"A-{i}", "Doing", str(start))]
        if days is not None:
            events.append((f"A-{i}", "Done", str(start + pd.Timedelta(days=days))))
    events += [
        ("X-1", "Doing", "2026-03-15T12:00:00Z"),
        ("X-1", "Cancelled", "2026-03-16T12:00:00Z"),
    ]
    return events


def test_start_cohorts_with_censoring_by_hand():
    result = evaluate(build(_km_events()), spec("cycle_time_p50", date(2026, 3, 2), target=8.0))
    out = result.to_dict()
    assert out["before"] == {"value": 5.0, "n": 10, "from": "2026-02-02", "to": "2026-03-01"}
    assert out["after"] == {"value": 9.0, "n": 8, "from": "2026-03-02", "to": "2026-03-29"}
    assert out["censored"] == {"before": 0, "after": 3}
    assert out["change_abs"] == pytest.approx(4.0)
    assert out["change_pct"] == pytest.approx(0.8)
    assert out["target_met"] is False
    assert out["assign"] == "start" and out["straddlers"] is None
    after = {row["label"]: (row["value"], row["censored"]) for row in out["distribution"]["after"]}
    assert after["A-6"] == (pytest.approx(10.0), True)
    assert after["A-7"] == (pytest.approx(6.0), True)
    assert after["A-8"] == (pytest.approx(4.0), True)
    assert after["A-5"] == (pytest.approx(12.0), False)
    assert "X-1" not in after
    # 3 of the 8 after items are censored: many resamples never reach 50 %, so there is
    # no interval (more than 5 % undefined) even though both values are defined.
    assert out["ci95"] == [None, None]
    assert out["verdict"] == "not enough data"
    assert 0.0 <= out["p_value"] <= 1.0
    assert out["p_value_method"].startswith("log-rank")
    assert "Kaplan–Meier" in out["label"] and "not the metrics pages'" in out["label"]
    warnings = " | ".join(out["warnings"])
    assert "1 cancelled item(s) left out" in warnings
    assert "after window holds only 8 item(s)" in warnings
    assert "38% of the after cohort is unfinished" in warnings
    assert "28 days long, shorter than 12 weeks" in warnings
    assert "undefined in" in warnings and "bootstrap resamples" in warnings
    # chart: finished items only, in start order; limits frozen on the 10 baseline points
    assert [p["label"] for p in out["points"]] == [f"B-{k}" for k in range(10)] + [
        f"A-{i}" for i in range(1, 6)
    ]
    assert out["limits"]["centre"] == pytest.approx(5.5)


def test_undefined_percentile_gives_not_enough_data():
    result = evaluate(build(_km_events()), spec("cycle_time_p85", date(2026, 3, 2)))
    # CDF of the after cohort: .125 .25 .4 .6 1.0 -> p85 = 12 days
    assert result.after["value"] == pytest.approx(12.0)
    events = [e for e in _km_events() if not (e[0] == "A-5" and e[1] == "Done")]
    result = evaluate(build(events), spec("cycle_time_p85", date(2026, 3, 2)))
    assert result.verdict == "not enough data"
    assert result.after["value"] is None
    assert result.ci95 == (None, None)
    assert result.change_abs is None and result.target_met is None
    assert any("never reaches 85%" in w for w in result.warnings)


def test_lead_time_counts_from_created_and_censors_at_as_of():
    out = evaluate(build(_km_events()), spec("lead_time_p50", date(2026, 3, 2))).to_dict()
    before = {row["label"]: row for row in out["distribution"]["before"]}
    after = {row["label"]: row for row in out["distribution"]["after"]}
    # B-0: created 2 Feb 10:00, done 4 Feb 12:00
    assert before["B-0"]["value"] == pytest.approx(2 + 2 / 24)
    # created 2 Mar 10:00, still going at 31 Mar 12:00
    assert after["A-6"]["value"] == pytest.approx(29 + 2 / 24) and after["A-6"]["censored"]


def test_done_date_assignment_counts_straddlers():
    result = evaluate(build(_km_events()), spec("cycle_time_p50", date(2026, 3, 2), method="done"))
    out = result.to_dict()
    assert out["assign"] == "done"
    # before: B-0..B-8 done in Feb (1..9 days); after: B-9 (10, started 21 Feb) + A-1..A-5
    assert out["before"]["n"] == 9 and out["before"]["value"] == 5.0
    assert out["after"]["n"] == 6
    assert sorted(r["value"] for r in out["distribution"]["after"]) == pytest.approx(
        [2, 4, 5, 9, 10, 12]
    )
    assert out["after"]["value"] == 5.0  # CDF 3/6 at 5 days
    assert out["censored"] == {"before": 0, "after": 0}
    assert out["straddlers"] == {"count": 1, "items": ["B-9"]}
    assert any("straddlers" in w for w in out["warnings"])
    assert "finished in each window" in out["label"]


def test_time_in_stage_sums_visits_and_censors_open_items():
    events = [
        ("Z", "To Do", "2026-02-02T09:00:00Z"),
        ("Z", "To Do", "2026-03-31T12:00:00Z"),
        # B: two visits to Review (1 + 2 days), done
        ("B", "Doing", "2026-02-10T12:00:00Z"),
        ("B", "Review", "2026-02-11T12:00:00Z"),
        ("B", "Doing", "2026-02-12T12:00:00Z"),
        ("B", "Review", "2026-02-13T12:00:00Z"),
        ("B", "Done", "2026-02-15T12:00:00Z"),
        # C: never in Review -> not in the Review cohort
        ("C", "Doing", "2026-02-10T12:00:00Z"),
        ("C", "Done", "2026-02-12T12:00:00Z"),
        # D: left Review, not done -> censored at its 4 days so far
        ("D", "Doing", "2026-03-03T12:00:00Z"),
        ("D", "Review", "2026-03-04T12:00:00Z"),
        ("D", "Doing", "2026-03-08T12:00:00Z"),
        # E: still in Review -> censored (25 Mar 12:00 .. 31 Mar 12:00 = 6 days)
        ("E", "Doing", "2026-03-24T12:00:00Z"),
        ("E", "Review", "2026-03-25T12:00:00Z"),
    ]
    out = evaluate(build(events), spec("time_in_stage_p85:review", date(2026, 3, 2))).to_dict()
    assert out["distribution"]["before"] == [{"label": "B", "value": 3.0, "censored": False}]
    assert out["distribution"]["after"] == [
        {"label": "D", "value": 4.0, "censored": True},
        {"label": "E", "value": 6.0, "censored": True},
    ]
    assert out["verdict"] == "not enough data"  # one item before; after entirely censored
    unknown = evaluate(build(events), spec("time_in_stage_p85:QA", date(2026, 3, 2)))
    assert unknown.verdict == "not enough data"
    assert any("'QA' is not in the workflow" in w for w in unknown.warnings)


# --------------------------------------------------------------------------- calendar metrics


def _calendar_events():
    """4 whole weeks (Mon 2 Mar .. Sun 29 Mar 2026, UTC); change Mon 16 Mar; moves at noon.

    A Story: Doing 3rd, Done 5th (cycle 2, active 2).   B Bug: Doing 4th, Review 5th,
    Done 8th (cycle 4, active 1). C Story: Doing 9th, Review 11th, Done 13th (4, 2).
    D Bug: Doing 10th, Done 24th (14, 14). E Story: Doing 17th, Done 19th (2, 2).
    F Story: Doing 18th, still in progress at the as-of (29 Mar 12:00).
    """
    events = [("Z", "To Do", "2026-03-02T08:00:00Z"), ("Z", "To Do", "2026-03-29T12:00:00Z")]
    moves = {
        "A": [("Doing", 3), ("Done", 5)],
        "B": [("Doing", 4), ("Review", 5), ("Done", 8)],
        "C": [("Doing", 9), ("Review", 11), ("Done", 13)],
        "D": [("Doing", 10), ("Done", 24)],
        "E": [("Doing", 17), ("Done", 19)],
        "F": [("Doing", 18)],
    }
    for item, steps in moves.items():
        events.append((item, "To Do", "2026-03-02T09:00:00Z"))
        events += [(item, status, f"2026-03-{day:02d}T12:00:00Z") for status, day in steps]
    return build(events, types={"B": "Bug", "D": "Bug"})


WEEKS = ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"]


def _weekly(metric, direction="decrease"):
    out = evaluate(_calendar_events(), spec(metric, date(2026, 3, 16), direction)).to_dict()
    assert [w["week_start"] for w in out["weekly"]] == WEEKS
    assert [w["window"] for w in out["weekly"]] == ["before"] * 2 + ["after"] * 2
    return out, [w["value"] for w in out["weekly"]]


def test_calendar_windows_of_the_tiny_dataset():
    out, _ = _weekly("throughput_per_week", "increase")
    assert out["before"]["from"] == "2026-03-02" and out["before"]["to"] == "2026-03-15"
    assert out["after"]["from"] == "2026-03-16" and out["after"]["to"] == "2026-03-29"
    assert out["assign"] is None and out["censored"] is None
    assert any("2 whole week(s) (fewer than 4)" in w for w in out["warnings"])
    assert out["p_value_method"].startswith("Mann–Whitney U")


def test_weekly_throughput_by_hand():
    out, values = _weekly("throughput_per_week", "increase")
    assert values == [2.0, 1.0, 1.0, 1.0]
    assert out["before"]["value"] == 1.5 and out["after"]["value"] == 1.0
    assert out["change_abs"] == -0.5
    assert out["change_pct"] == pytest.approx(-1 / 3)
    assert out["before"]["n"] == 2
    # resampled means: before {1, 1.5, 2} (1/4, 1/2, 1/4), after always 1 -> [-1, 0]
    assert out["ci95"] == [-1.0, 0.0]
    assert out["verdict"] == "no clear change"


def test_weekly_wip_mean_by_hand():
    # daily WIP at each day's end: wk1 0 1 2 1 1 1 0; wk2 1 2 2 2 1 1 1;
    # wk3 1 2 3 2 2 2 2; wk4 2 1 1 1 1 1 1 (the last sample is the as-of)
    out, values = _weekly("wip_mean")
    assert values == pytest.approx([6 / 7, 10 / 7, 14 / 7, 8 / 7])
    assert out["before"]["value"] == pytest.approx(8 / 7)
    assert out["after"]["value"] == pytest.approx(11 / 7)


def test_weekly_flow_efficiency_by_hand():
    _, values = _weekly("flow_efficiency", "increase")
    # wk1: (2 + 1) / (2 + 4); wk2: 2 / 4; wk3: 2 / 2; wk4: 14 / 14
    assert values == pytest.approx([0.5, 0.5, 1.0, 1.0])


def test_weekly_work_item_age_p85_by_hand():
    out, values = _weekly("work_item_age_p85")
    # Sun 8 Mar: nothing in progress; Sun 15: D 5.5 days; Sun 22: D 12.5, F 4.5 -> linear
    # p85 = 4.5 + 0.85 * 8; Sun 29 (the as-of, 12:00): F 11 days
    assert values[0] is None
    assert values[1:] == pytest.approx([5.5, 4.5 + 0.85 * 8, 11.0])
    assert out["before"]["n"] == 1
    assert out["verdict"] == "not enough data"
    # both values exist, so the change is shown even without an interval
    assert out["change_abs"] == pytest.approx((4.5 + 0.85 * 8 + 11.0) / 2 - 5.5)
    assert out["ci95"] == [None, None]
    assert any("1 whole week(s) of the before window have no value" in w for w in out["warnings"])
    assert any("needs at least 2" in w for w in out["warnings"])


def test_weekly_share_of_type_by_hand():
    out, values = _weekly("share_of_type:Bug")
    assert values == pytest.approx([0.5, 0.0, 0.0, 1.0])
    assert out["before"]["value"] == pytest.approx(0.25)
    assert out["after"]["value"] == pytest.approx(0.5)
    missing = evaluate(_calendar_events(), spec("share_of_type:Epic", date(2026, 3, 16)))
    assert any("no item has the type 'Epic'" in w for w in missing.warnings)


def test_calendar_distribution_points_and_frozen_limits():
    out, values = _weekly("throughput_per_week", "increase")
    assert out["distribution"]["before"] == [
        {"label": "2026-03-02", "value": 2.0, "censored": False},
        {"label": "2026-03-09", "value": 1.0, "censored": False},
    ]
    assert [p["value"] for p in out["points"]] == values
    # limits on the two baseline weeks: centre 1.5, mR 1, UNPL 1.5 + 2.66
    assert out["limits"]["centre"] == 1.5
    assert out["limits"]["unpl"] == pytest.approx(1.5 + 2.66)
    assert out["limits"]["lnpl"] == 0.0


# --------------------------------------------------------------------------- decisions


@pytest.mark.parametrize(
    ("direction", "ci", "verdict"),
    [
        ("decrease", (-3.0, -0.5), "improved"),
        ("decrease", (0.5, 3.0), "worsened"),
        ("decrease", (-1.0, 2.0), "no clear change"),
        ("decrease", (-1.0, 0.0), "no clear change"),
        ("increase", (0.5, 3.0), "improved"),
        ("increase", (-3.0, -0.5), "worsened"),
        ("increase", (0.0, 1.0), "no clear change"),
        ("increase", (None, None), "not enough data"),
        ("decrease", (float("nan"), 1.0), "not enough data"),
    ],
)
def test_verdict_from_the_interval(direction, ci, verdict):
    assert decide_verdict(direction, ci) == verdict


def test_target_met():
    assert decide_target_met("decrease", 10.0, 9.5) is True
    assert decide_target_met("decrease", 10.0, 10.0) is True
    assert decide_target_met("decrease", 10.0, 10.5) is False
    assert decide_target_met("increase", 0.6, 0.7) is True
    assert decide_target_met("increase", 0.6, 0.5) is False
    assert decide_target_met("increase", None, 0.5) is None
    assert decide_target_met("decrease", 10.0, None) is None


# --------------------------------------------------------------------------- not enough data


def test_data_problems_never_raise():
    km = build(_km_events())
    before_data = evaluate(km, spec("cycle_time_p85", date(2026, 1, 1)))
    assert before_data.verdict == "not enough data"
    assert any("no baseline" in w for w in before_data.warnings)
    after_data = evaluate(km, spec("throughput_per_week", date(2026, 5, 1)))
    assert after_data.verdict == "not enough data"
    assert any("no after window" in w for w in after_data.warnings)
    nobody = evaluate(
        km, spec("cycle_time_p50", date(2026, 3, 2), scope=ExperimentScope(work_types=("Epic",)))
    )
    assert nobody.verdict == "not enough data"
    assert any("holds no items" in w for w in nobody.warnings)
    empty = make_dataset(
        pd.DataFrame({"item_id": ["A"]}),
        pd.DataFrame({"item_id": [], "status": [], "entered_at": []}),
        WORKFLOW,
    )
    result = evaluate(empty, spec("wip_mean", date(2026, 3, 2)))
    assert result.verdict == "not enough data"
    assert result.before["from"] is None
    assert json.loads(json.dumps(result.to_dict()))["verdict"] == "not enough data"


def test_random_small_datasets_never_raise():
    rng = np.random.default_rng(11)
    metrics = [
        "cycle_time_p85",
        "lead_time_p50",
        "time_in_stage_p85:Review",
        "throughput_per_week",
        "wip_mean",
        "flow_efficiency",
        "work_item_age_p85",
        "share_of_type:Bug",
    ]
    statuses = ["To Do", "Doing", "Review", "Done", "Cancelled", "Unmapped"]
    for _ in range(12):
        n_items, n_events = int(rng.integers(1, 12)), int(rng.integers(0, 40))
        times = np.datetime64("2026-01-01T00:00", "s") + rng.integers(
            0, 150 * 86_400, n_events
        ).astype("timedelta64[s]")
        events = pd.DataFrame(
            {
                "item_id": [f"I{i}" for i in rng.integers(0, n_items, n_events)],
                "status": rng.choice(statuses, n_events),
                "entered_at": pd.to_datetime(times).tz_localize("UTC"),
            }
        )
        items = pd.DataFrame(
            {
                "item_id": [f"I{i}" for i in range(n_items)],
                "type": rng.choice(["Bug", "A"], n_items),
            }
        )
        timezone = str(rng.choice(["UTC", "Europe/Berlin", "Pacific/Auckland"]))
        dataset = make_dataset(items, events, WORKFLOW, timezone=timezone)
        for metric in metrics:
            change = (
                date(2026, 1, 1) + pd.Timedelta(days=int(rng.integers(-10, 160))).to_pytimedelta()
            )
            method = "done" if rng.random() < 0.5 else "start"
            result = evaluate(dataset, spec(metric, change, target=1.0, method=method))
            out = json.loads(json.dumps(result.to_dict(), allow_nan=False))
            assert out["verdict"] in ("improved", "worsened", "no clear change", "not enough data")
            if out["verdict"] == "not enough data":
                assert out["warnings"]


def test_arguments_are_checked():
    km = build(_km_events())
    with pytest.raises(ValueError, match="'start' or 'done'"):
        spec("cycle_time_p50", date(2026, 3, 2), method="created")
    with pytest.raises(ValueError, match="2000"):
        evaluate(km, spec("cycle_time_p50", date(2026, 3, 2)), resamples=500)


# --------------------------------------------------------------------------- demo team


@pytest.fixture(scope="module")
def demo():
    return generate_demo_dataset()


def test_demo_cycle_time_p85_improves_after_the_process_change(demo):
    started = time.perf_counter()
    result = evaluate(demo, spec("cycle_time_p85", PROCESS_CHANGE_DATE, target=16.0))
    elapsed = time.perf_counter() - started
    out = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(out) >= CONTRACT_KEYS
    assert out["verdict"] == "improved"
    assert out["ci95"][1] < 0
    assert out["after"]["value"] < out["before"]["value"]
    assert out["before"]["from"] == "2026-03-09" and out["after"]["to"] == "2026-08-23"
    assert out["p_value"] < 0.05
    assert out["target_met"] is True
    assert out["resamples"] == 2000 and out["seed"] == 20261121
    n_before = sum(p["window"] == "before" for p in out["points"])
    after_labels = {p["label"] for p in out["points"][n_before:]}
    assert out["signals"] and all(s["label"] in after_labels for s in out["signals"])
    assert {s["rule"] for s in out["signals"]} <= {"beyond_limits", "run_of_8"}
    assert elapsed < 2.0
    # deterministic with the fixed seed
    again = evaluate(demo, spec("cycle_time_p85", PROCESS_CHANGE_DATE, target=16.0))
    assert again.ci95 == result.ci95


def test_demo_change_date_without_an_effect_is_no_clear_change(demo):
    result = evaluate(demo, spec("cycle_time_p85", date(2026, 3, 16)))
    assert result.verdict == "no clear change"
    low, high = result.ci95
    assert low < 0 < high
