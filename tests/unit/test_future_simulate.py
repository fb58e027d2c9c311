"""The simulator on hand-made streams with known answers (docs/future-state.md, *Validation*).

* one stage with fixed times: every number follows by hand;
* an M/M/1 stage (a WIP limit of 1 on exponential work) against the queueing formula;
* an M/D/1 wait before the commitment point, a WIP limit raising the waiting upstream;
* a limited waiting stage pulled first in, first out keeps today's mean wait without a cap
  (its calibration) and holds at most the limit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vsm_core.future import FutureError, FutureOptions, design
from vsm_core.future.changes import parse_changes
from vsm_core.future.model import StreamModel, apply_changes, measure
from vsm_core.future.predict import simulated_outcome
from vsm_core.future.simulate import queue_stages, simulate
from vsm_core.model import Category, Stage, Workflow, make_dataset

WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", category=Category.BACKLOG),
        Stage(name="Work", category=Category.ACTIVE),
        Stage(name="Done", category=Category.DONE),
    )
)


def _fixed_stream(n: int = 200, every_days: float = 1.0):
    """Item i created on day i, committed a day later, in Work for exactly 2 days, done."""
    day0 = pd.Timestamp("2026-01-05", tz="UTC")
    created = day0 + pd.to_timedelta(np.arange(n) * every_days, unit="D")
    ids = pd.Series([f"F-{i}" for i in range(n)], dtype="str")
    events = pd.DataFrame(
        {
            "item_id": pd.concat([ids, ids, ids], ignore_index=True),
            "status": ["Backlog"] * n + ["Work"] * n + ["Done"] * n,
            "entered_at": np.concatenate(
                [created, created + pd.Timedelta(days=1), created + pd.Timedelta(days=3)]
            ),
        }
    ).sort_values(["item_id", "entered_at"], kind="stable")
    items = pd.DataFrame({"item_id": ids, "created_at": created})
    return make_dataset(items, events, WORKFLOW)


def test_one_stage_with_fixed_times_gives_the_hand_computed_numbers():
    result = design(_fixed_stream(), (), FutureOptions(runs=5, seed=3))
    measured, simulated = result.measured, result.simulated
    assert result.history.last.isoformat() == "2026-07-26"  # the day of the last event
    assert measured["cycle_p50"] == measured["cycle_p85"] == pytest.approx(2.0)
    assert measured["lead_p50"] == measured["lead_p85"] == pytest.approx(3.0)
    assert measured["flow_efficiency"] == pytest.approx(1.0)
    # One item starts a day; 12 weeks of history: 7 a week, 2 in progress on average.
    assert measured["throughput_per_week"] == pytest.approx(7.0, rel=0.02)
    assert measured["wip_mean"] == pytest.approx(2.0, rel=0.02)
    # The simulation replays 2 days of work and 1 of backlog for every item.
    assert simulated["cycle_p50"] == simulated["cycle_p85"] == pytest.approx(2.0)
    assert simulated.intervals["cycle_p85"] == pytest.approx((2.0, 2.0))
    assert simulated["lead_p50"] == simulated["lead_p85"] == pytest.approx(3.0)
    assert simulated["flow_efficiency"] == pytest.approx(1.0)
    # Poisson arrivals at 1 a day: throughput and Little's law hold on average.
    assert simulated["throughput_per_week"] == pytest.approx(7.0, rel=0.1)
    assert simulated["wip_mean"] == pytest.approx(2.0, rel=0.1)
    assert [row["within"] for row in result.validation] == [True] * 4
    # Without a change the future is the simulated current state.
    assert result.as_json()["future"] == result.as_json()["current"]["simulated"]
    assert result.changes == ()
    maps = result.maps()
    assert maps[["state", "stage", "category"]].values.tolist() == [
        ["Now", "Work", "active"],
        ["Future", "Work", "active"],
    ]
    assert maps["median_days"].tolist() == pytest.approx([2.0, 2.0])
    assert maps["wip_mean"].iloc[0] is None
    assert maps["wip_mean"].iloc[1] == pytest.approx(2.0, rel=0.1)
    assert result.rework.empty
    table = result.comparison()
    assert table["measure"].tolist()[:2] == [
        "Cycle time, 50th percentile (days)",
        "Cycle time, 85th percentile (days)",
    ]
    assert table.loc[0, ["measured", "simulated", "future", "low", "high"]].tolist() == (
        pytest.approx([2.0, 2.0, 2.0, 2.0, 2.0])
    )
    record = result.record()
    assert record["changes"] == [] and record["runs"] == 5 and record["seed"] == 3
    assert record["prediction"] == result.as_json()


def test_scaling_and_arrivals_on_fixed_times():
    result = design(_fixed_stream(), ["scale:work=0.5", "arrivals=2"], FutureOptions(runs=5))
    assert result.future["cycle_p50"] == result.future["cycle_p85"] == pytest.approx(1.0)
    assert result.future["lead_p85"] == pytest.approx(2.0)
    assert result.future["throughput_per_week"] == pytest.approx(14.0, rel=0.1)
    assert result.future["wip_mean"] == pytest.approx(2.0, rel=0.1)  # twice as many, half as long
    assert "Halving the time in Work and 100 % more new work would bring" in result.sentences()[1]


def _model(days: np.ndarray, *, arrivals: float, stages=("Work",), categories=("active",)):
    """A model of one-visit journeys with the given days (no backlog)."""
    n = days.size
    return StreamModel(
        stages=stages,
        categories=categories,
        offsets=np.arange(n + 1),
        visit_stage=np.zeros(n, dtype=np.int64),
        visit_days=days,
        visit_active=days if categories[0] == "active" else np.zeros(n),
        backlog_days=np.zeros(n),
        arrivals_per_day=arrivals,
    )


def _limited(model: StreamModel, *changes: str) -> StreamModel:
    return apply_changes(model, parse_changes(changes, model.stages))


def test_a_wip_limit_of_one_on_exponential_work_is_an_mm1_queue():
    """lambda = 0.5, mu = 1: sojourn ~ Exponential(mu - lambda), mean 2, p50 ln 2 / 0.5, p85."""
    days = np.random.default_rng(11).exponential(1.0, size=20_000)
    model = _limited(_model(days, arrivals=0.5), "wip:Work=1")
    simulation = simulate(model, horizon_days=4000, warmup_days=200, runs=4, seed=5)
    outcome = simulated_outcome(simulation)
    rate = 1.0 - 0.5
    assert outcome["lead_p50"] == pytest.approx(np.log(2) / rate, rel=0.1)
    assert outcome["lead_p85"] == pytest.approx(-np.log(0.15) / rate, rel=0.1)
    lead = np.concatenate([r.done - r.created for r in simulation.runs])
    assert np.nanmean(lead) == pytest.approx(1.0 / rate, rel=0.1)
    # The wait is before the commitment point: cycle time is the work alone (mean 1).
    assert outcome["cycle_p50"] == pytest.approx(np.log(2), rel=0.1)
    # Little: L = lambda * W in service only (cycle), utilisation 0.5.
    assert outcome["wip_mean"] == pytest.approx(0.5, rel=0.1)


def test_a_limit_on_the_first_stage_is_an_md1_wait_before_commitment():
    """Fixed 1-day work, lambda = 0.8: the M/D/1 wait is rho / (2 mu (1 - rho)) = 2 days."""
    model = _limited(_model(np.ones(100), arrivals=0.8), "wip:Work=1")
    simulation = simulate(model, horizon_days=6000, warmup_days=200, runs=3, seed=2)
    waits = np.concatenate([r.start - r.created for r in simulation.runs])
    assert np.nanmean(waits) == pytest.approx(2.0, rel=0.15)
    outcome = simulated_outcome(simulation)
    assert outcome["cycle_p50"] == outcome["cycle_p85"] == pytest.approx(1.0)


def test_the_whole_span_limit_holds_work_before_commitment():
    """wip:*=1 on fixed 1-day work at lambda = 0.5: M/D/1 wait 0.5 days, never two in progress."""
    model = _limited(_model(np.ones(100), arrivals=0.5), "wip:*=1")
    simulation = simulate(model, horizon_days=6000, warmup_days=100, runs=3, seed=4)
    waits = np.concatenate([r.start - r.created for r in simulation.runs])
    assert np.nanmean(waits) == pytest.approx(0.5, rel=0.15)
    for run in simulation.runs:
        started = ~np.isnan(run.start)
        ends = np.where(np.isnan(run.done), np.inf, run.done)[started]
        order = np.argsort(run.start[started])
        # One at a time: each item starts no earlier than the one before it finished.
        assert (run.start[started][order][1:] >= ends[order][:-1] - 1e-9).all()


def _two_stage_stream():
    """A (active, 1 day) then B (active, 2 days) for every item; lambda 0.4."""
    n = 200
    return StreamModel(
        stages=("A", "B"),
        categories=("active", "active"),
        offsets=np.arange(0, 2 * n + 1, 2),
        visit_stage=np.tile([0, 1], n),
        visit_days=np.tile([1.0, 2.0], n),
        visit_active=np.tile([1.0, 2.0], n),
        backlog_days=np.zeros(n),
        arrivals_per_day=0.4,
    )


def test_a_wip_limit_makes_items_wait_upstream():
    from vsm_core.future.predict import simulated_map

    model = _two_stage_stream()
    free = simulate(model, horizon_days=2000, warmup_days=50, runs=2, seed=1)
    held = simulate(_limited(model, "wip:B=1"), horizon_days=2000, warmup_days=50, runs=2, seed=1)
    free_map, held_map = simulated_map(free), simulated_map(held)
    assert free_map["mean_days"].tolist() == pytest.approx([1.0, 2.0])
    # B still takes 2 days; the wait for room in B is spent in A, so A grows.
    assert held_map.loc[1, "mean_days"] == pytest.approx(2.0)
    assert held_map.loc[0, "mean_days"] > 1.5
    assert held_map.loc[1, "wip_mean"] <= 1.0 + 1e-9
    assert simulated_outcome(held)["cycle_p85"] > simulated_outcome(free)["cycle_p85"]
    assert (
        simulated_outcome(held)["flow_efficiency"]
        < 1.0
        == pytest.approx(simulated_outcome(free)["flow_efficiency"])
    )


def test_a_limited_queue_keeps_todays_mean_wait_without_a_cap_and_holds_the_limit():
    days = np.random.default_rng(3).lognormal(0.0, 0.8, size=5000)  # mean about 1.38 days
    model = _model(days, arrivals=1.0, stages=("Queue",), categories=("waiting",))
    uncapped = _limited(model, "wip:Queue=100000")
    assert queue_stages(uncapped).tolist() == [0]
    simulation = simulate(uncapped, horizon_days=5000, warmup_days=100, runs=2, seed=8)
    spent = np.concatenate([r.visit_exit - r.visit_enter for r in simulation.runs])
    assert np.nanmean(spent) == pytest.approx(days.mean(), rel=0.1)
    capped = simulate(
        _limited(model, "wip:Queue=2"), horizon_days=2000, warmup_days=100, runs=2, seed=8
    )
    from vsm_core.future.predict import simulated_map

    assert simulated_map(capped).loc[0, "wip_mean"] <= 2.0
    # The queue beyond the limit waits before commitment: cycle time falls, lead time does not.
    now, later = simulated_outcome(simulation), simulated_outcome(capped)
    assert later["cycle_p50"] < 0.8 * now["cycle_p50"]
    assert later["lead_p50"] == pytest.approx(now["lead_p50"], rel=0.15)


def test_rework_is_replayed_at_its_measured_rate():
    # Journeys: a third go Work, Check, Work, Check (one rework); the rest Work, Check.
    n = 300
    loops = np.arange(n) % 3 == 0
    lengths = np.where(loops, 4, 2)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    stage = np.concatenate([[0, 1, 0, 1] if loop else [0, 1] for loop in loops])
    model = StreamModel(
        stages=("Work", "Check"),
        categories=("active", "waiting"),
        offsets=offsets,
        visit_stage=stage,
        visit_days=np.ones(stage.size),
        visit_active=(stage == 0).astype(float),
        backlog_days=np.zeros(n),
        arrivals_per_day=1.0,
    )
    simulation = simulate(model, horizon_days=3000, warmup_days=10, runs=2, seed=6)
    run = simulation.runs[0]
    back = (np.diff(run.visit_stage) < 0) & (run.visit_item[1:] == run.visit_item[:-1])
    assert back.sum() / run.done.size == pytest.approx(1 / 3, rel=0.1)


def test_same_seed_same_result_and_measure_refuses_an_empty_history():
    dataset = _fixed_stream()
    first = design(dataset, ["wip:Work=1"], FutureOptions(runs=3, seed=9)).as_json()
    again = design(dataset, ["wip:Work=1"], FutureOptions(runs=3, seed=9)).as_json()
    assert first == again
    with pytest.raises(FutureError, match="no item with a start finished between"):
        measure(dataset, as_of=pd.Timestamp("2026-01-06", tz="UTC"))
    with pytest.raises(FutureError, match="runs must be between 1 and 1000"):
        design(dataset, (), FutureOptions(runs=0))


def test_a_stream_without_limits_computed_directly_equals_the_event_run():
    model = _two_stage_stream()
    days = np.random.default_rng(1).exponential(1.0, model.visit_days.size)
    model = StreamModel(**{**model.__dict__, "visit_days": days, "visit_active": days / 2})
    # One journey with no visit at all.
    model = StreamModel(
        **{
            **model.__dict__,
            "offsets": np.concatenate([[0, 0], model.offsets[1:]]),
            "backlog_days": np.append(model.backlog_days, 0.0),
        }
    )
    from vsm_core.future.simulate import simulate_run

    for seed in (1, 2):
        direct = simulate_run(model, np.random.default_rng(seed), 120.0)
        events = simulate_run(model, np.random.default_rng(seed), 120.0, engine="simpy")
        for name in direct.__dataclass_fields__:
            np.testing.assert_array_equal(
                getattr(direct, name), getattr(events, name), err_msg=name
            )
        assert np.isnan(direct.done).any() and np.isnan(direct.visit_exit).any()


def test_a_future_where_nothing_finishes_is_said_in_words():
    result = design(_fixed_stream(), ["arrivals=0.0001"], FutureOptions(runs=2))
    assert result.future["cycle_p50"] is None and result.future["throughput_per_week"] == 0.0
    assert result.as_json()["future"]["cycle_time_days"] == {
        "p50": None,
        "p85": None,
        "p50_interval": None,
        "p85_interval": None,
    }
    assert result.sentences()[1:] == [
        "0.0001 times as much new work would leave no item finished in the simulated stretch."
    ]


def test_an_event_simulation_too_large_is_refused_in_words():
    dataset = _fixed_stream()
    with pytest.raises(FutureError, match=r"simulating about [\d,]+ items over 20 runs would take"):
        design(dataset, ["arrivals=200", "wip:Work=5"], FutureOptions())
    # Without a limit the same stream is computed directly, whatever its size.
    result = design(dataset, ["arrivals=200"], FutureOptions(runs=2))
    assert result.future["throughput_per_week"] == pytest.approx(1400, rel=0.05)
