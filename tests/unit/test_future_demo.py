"""The demo check (issue #14): predict, from the demo data before 2026-06-01 only, the WIP limit the
demo team introduced that day, and compare with what the data shows afterwards.

The change the demo applies (vsm_core.sample_data.demo_experiments: "WIP limit of 3 on Ready and on
Review") is designed as ``wip:Ready=3`` and ``wip:Review=3``. What happened afterwards: the cycle
times of the items that started from 2026-06-01 to 2026-08-15 (all but a few of them done by the
end of the data on 2026-10-02). The prediction must be within 20 % of both percentiles; the results
are written down in docs/future-state.md, *The demo check*.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from vsm_core.flow import build_flow
from vsm_core.future import FutureOptions, design
from vsm_core.sample_data import PROCESS_CHANGE_DATE, demo_experiments, generate_demo_dataset

BEFORE = date(2026, 5, 31)
AFTER_STARTS = ("2026-06-01", "2026-08-16")  # started on or after, before


@pytest.fixture(scope="module")
def demo():
    return generate_demo_dataset()


@pytest.fixture(scope="module")
def prediction(demo):
    return design(demo, ["wip:Ready=3", "wip:Review=3"], FutureOptions(as_of=BEFORE))


def _after_change(demo) -> np.ndarray:
    items = build_flow(demo).items
    started = (items["start"] >= AFTER_STARTS[0]) & (items["start"] < AFTER_STARTS[1])
    done = started & (items["state"] == "done")
    assert done.sum() >= 0.95 * started.sum()  # hardly any censoring
    return items.loc[done, "cycle_time_days"].to_numpy(dtype="float64")


def test_the_designed_change_is_the_one_the_demo_applies():
    [experiment, _] = demo_experiments(dataset_id=1)
    assert experiment["change_date"] == PROCESS_CHANGE_DATE == date(2026, 6, 1)
    assert "WIP limit of 3 on Ready and on Review" in experiment["action"]


def test_the_model_only_saw_data_before_the_change(prediction):
    assert prediction.history.last == BEFORE
    assert prediction.history.as_of.date() == BEFORE


def test_the_simulator_reproduces_the_current_cycle_time(prediction):
    cycle_rows = [row for row in prediction.validation if row["measure"].startswith("cycle")]
    assert [row["within"] for row in cycle_rows] == [True, True]


def test_the_prediction_is_within_20_percent_of_what_happened(demo, prediction):
    actual_p50, actual_p85 = np.percentile(_after_change(demo), [50, 85])
    future = prediction.future
    assert future["cycle_p50"] == pytest.approx(actual_p50, rel=0.2)
    assert future["cycle_p85"] == pytest.approx(actual_p85, rel=0.2)
    # And the change is a real improvement on the simulated current state.
    assert future["cycle_p85"] < 0.9 * prediction.simulated["cycle_p85"]
