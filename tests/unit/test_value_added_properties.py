"""Property tests of value-added time and process cycle efficiency on random small event
logs: the flags split the committed time exactly, the default flags give flow efficiency's
active time, and value-added time <= cycle time <= lead time (so 0 <= PCE <= 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsm_core.metrics.efficiency import flow_efficiency
from vsm_core.metrics.scope import MetricOptions, build_scope
from vsm_core.metrics.value_added import value_added
from vsm_core.metrics.value_stream import value_stream
from vsm_core.model import Category, Stage, Workflow, make_dataset

STATUSES = ["Backlog", "Prep", "Ready", "Doing", "Review", "Done", "Cancelled"]
BASE = pd.Timestamp("2024-03-25", tz="UTC")
#: The stages whose flag is drawn (active or waiting, at or after the commitment point).
FLAGGABLE = ("Ready", "Doing", "Review")


def workflow(flags: dict[str, bool | None]) -> Workflow:
    def stage(name: str, category: Category) -> Stage:
        return Stage(name=name, category=category, adds_value=flags.get(name))

    return Workflow(
        stages=(
            stage("Backlog", Category.BACKLOG),
            stage("Prep", Category.ACTIVE),  # active, before the commitment point: never counts
            stage("Ready", Category.WAITING),
            stage("Doing", Category.ACTIVE),
            stage("Review", Category.WAITING),
            stage("Done", Category.DONE),
            stage("Cancelled", Category.CANCELLED),
        ),
        start="Ready",
    )


paths = st.lists(
    st.tuples(
        st.lists(st.tuples(st.sampled_from(STATUSES), st.integers(0, 40)), min_size=1, max_size=8),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)
flag_sets = st.fixed_dictionaries({name: st.booleans() for name in FLAGGABLE})


def scope_of(item_paths, flags, blocked=None):
    rows = []
    for k, (moves, finish) in enumerate(item_paths):
        hours = 5 * k
        for status, gap in [*moves, *([("Done", 9)] if finish else [])]:
            hours += gap
            rows.append((f"I{k}", status, BASE + pd.Timedelta(hours=hours)))
    events = pd.DataFrame(rows, columns=["item_id", "status", "entered_at"])
    ids = [f"I{k}" for k in range(len(item_paths))]
    items = pd.DataFrame(
        {
            "item_id": ids,
            "blocked_days": (blocked or [0.0] * len(ids))[: len(ids)],
            # Created a day before the first event, so lead time >= cycle time.
            "created_at": [BASE - pd.Timedelta(days=1)] * len(ids),
        }
    )
    return build_scope(make_dataset(items, events, workflow(flags)), MetricOptions())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item_paths=paths, flags=flag_sets)
def test_a_flag_set_and_its_complement_split_the_committed_time(item_paths, flags):
    chosen, _ = value_added(scope_of(item_paths, flags))
    other, _ = value_added(scope_of(item_paths, {k: not v for k, v in flags.items()}))
    everything, _ = value_added(scope_of(item_paths, dict.fromkeys(FLAGGABLE, True)))
    nothing, summary = value_added(scope_of(item_paths, dict.fromkeys(FLAGGABLE, False)))
    total = chosen["value_added_days"].to_numpy() + other["value_added_days"].to_numpy()
    np.testing.assert_allclose(total, everything["value_added_days"], atol=1e-9)
    assert (nothing["value_added_days"] == 0).all()
    assert summary["process_cycle_efficiency"] in (None, 0.0)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    item_paths=paths,
    flags=flag_sets,
    blocked=st.lists(st.floats(0, 3), min_size=6, max_size=6),
)
def test_bounds_and_the_default_flags(item_paths, flags, blocked):
    scope = scope_of(item_paths, flags, blocked)
    frame, summary = value_added(scope)
    cycle = flow_efficiency(scope)[0].set_index("item_id")["cycle_days"]
    assert summary["n"] == len(frame)
    assert (frame["value_added_days"] >= 0).all()
    # Value-added time lies within the cycle time, and the cycle time within the lead time.
    for row in frame.itertuples():
        if row.item_id in cycle.index:
            assert row.value_added_days <= cycle[row.item_id] + 1e-9
            assert cycle[row.item_id] <= row.lead_days + 1e-9
    assert ((frame["pce"] >= 0) & (frame["pce"] <= 1 + 1e-12)).all()
    if summary["n"]:
        assert 0 <= summary["process_cycle_efficiency"] <= 1 + 1e-12
        assert summary["value_added_days_mean"] == pytest.approx(frame["value_added_days"].mean())
    assert value_stream(scope)["process_cycle_efficiency"] == summary["process_cycle_efficiency"]
    # The default flags (no flag given): value-added time is flow efficiency's active time.
    plain = scope_of(item_paths, {}, blocked)
    added, _ = value_added(plain)
    active = flow_efficiency(plain)[0].set_index("item_id")["active_days"]
    both = added.set_index("item_id").join(active, how="inner")
    np.testing.assert_allclose(both["value_added_days"], both["active_days"], atol=1e-9)
