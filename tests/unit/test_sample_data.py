"""Tests for the deterministic demo-team generator (vsm_core.sample_data)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import pytest

from vsm_core.model import CanonicalDataset, Category
from vsm_core.sample_data import (
    DEMO_DATASET_NAME,
    DEMO_TEAM,
    PROCESS_CHANGE_DATE,
    SPAN_END,
    SPAN_START,
    demo_workflow,
    generate_demo_dataset,
)

END_OF_SPAN = pd.Timestamp(datetime.combine(SPAN_END + timedelta(days=1), time(0), tzinfo=UTC))


@pytest.fixture(scope="module")
def demo() -> CanonicalDataset:
    return generate_demo_dataset()


def _ordered_events(ds: CanonicalDataset) -> pd.DataFrame:
    """Events sorted the way metrics read them, with stage position and category."""
    events = ds.events.sort_values(["item_id", "entered_at", "seq"], kind="stable").reset_index(
        drop=True
    )
    positions = ds.workflow.stage_positions(events["status"])
    categories = ds.workflow.categories
    return events.assign(
        position=positions.astype("int64"),
        category=[categories[p] for p in positions.astype("int64")],
    )


def _last_events(events: pd.DataFrame) -> pd.DataFrame:
    return events.groupby("item_id", sort=False).tail(1).set_index("item_id")


def _stage_index(ds: CanonicalDataset, name: str) -> int:
    return ds.workflow.stage_names.index(name)


# --- constants and workflow ---------------------------------------------------


def test_public_constants() -> None:
    assert DEMO_DATASET_NAME == "Demo team"
    assert DEMO_TEAM == "Demo team"
    assert isinstance(PROCESS_CHANGE_DATE, date)
    assert SPAN_START < PROCESS_CHANGE_DATE < SPAN_END
    # ~12+ weeks of data after the change
    assert (SPAN_END - PROCESS_CHANGE_DATE).days >= 12 * 7


def test_workflow_stages_and_commitment() -> None:
    wf = demo_workflow()
    assert wf.stage_names == [
        "Backlog",
        "Ready",
        "In Progress",
        "Review",
        "Testing",
        "Done",
        "Cancelled",
    ]
    assert wf.categories == [
        Category.BACKLOG,
        Category.WAITING,
        Category.ACTIVE,
        Category.WAITING,
        Category.ACTIVE,
        Category.DONE,
        Category.CANCELLED,
    ]
    assert wf.commitment_stage == "Ready"
    assert any(len(stage.statuses) >= 2 for stage in wf.stages)


# --- determinism ----------------------------------------------------------------


def test_same_seed_gives_identical_frames(demo: CanonicalDataset) -> None:
    again = generate_demo_dataset(seed=7)
    pd.testing.assert_frame_equal(demo.items, again.items)
    pd.testing.assert_frame_equal(demo.events, again.events)
    assert demo.workflow == again.workflow
    assert demo.metadata == again.metadata


def test_different_seed_gives_different_data(demo: CanonicalDataset) -> None:
    other = generate_demo_dataset(seed=8)
    assert not demo.events.equals(other.events)
    assert not demo.items["created_at"].equals(other.items["created_at"])


def test_n_items_is_respected() -> None:
    small = generate_demo_dataset(seed=3, n_items=25)
    assert len(small.items) == 25
    assert small.items["item_id"].iloc[0] == "DEMO-101"
    with pytest.raises(ValueError):
        generate_demo_dataset(n_items=0)


# --- shape ------------------------------------------------------------------------


def test_items_shape(demo: CanonicalDataset) -> None:
    items = demo.items
    assert 550 <= len(items) <= 650
    assert set(items["type"]) == {"Feature", "Defect", "Risk", "Debt"}
    shares = items["type"].value_counts(normalize=True)
    assert 0.4 < shares["Feature"] < 0.6
    assert 0.2 < shares["Defect"] < 0.4
    assert items["item_id"].str.fullmatch(r"DEMO-\d+").all()
    assert (items["team"] == DEMO_TEAM).all()
    assert items["title"].str.match(r"(Feature|Defect|Risk|Debt): \S").all()
    assert items.apply(lambda row: row["title"].startswith(row["type"] + ": "), axis=1).all()
    assert items["labels"].map(lambda labels: isinstance(labels, tuple) and len(labels) <= 2).all()
    assert (items["labels"].map(len) > 0).any()
    assert items["attributes"].map(lambda a: a.get("Priority") in {"High", "Medium", "Low"}).all()
    assert str(items["created_at"].dtype) == "datetime64[us, UTC]"
    assert items["created_at"].is_monotonic_increasing
    assert (items["blocked_days"] >= 0).all()


def test_events_shape(demo: CanonicalDataset) -> None:
    events = demo.events
    assert demo.timezone == "UTC"
    assert str(events["entered_at"].dtype) == "datetime64[us, UTC]"
    assert not demo.workflow.stage_positions(events["status"]).isna().any()
    assert events["item_id"].isin(demo.items["item_id"]).all()
    assert demo.items["item_id"].isin(events["item_id"]).all()
    assert list(events["seq"]) == list(range(len(events)))
    # per-item events are strictly increasing in time, in file order
    gaps = events.groupby("item_id", sort=False)["entered_at"].diff().dropna()
    assert (gaps > pd.Timedelta(0)).all()
    # every item starts with its Backlog entry at creation
    first = events.groupby("item_id", sort=False).head(1).set_index("item_id")
    created = demo.items.set_index("item_id")["created_at"]
    assert (first["entered_at"] == created.reindex(first.index)).all()
    assert (demo.workflow.stage_positions(first["status"]) == _stage_index(demo, "Backlog")).all()
    # whole seconds at most
    assert (events["entered_at"].dt.microsecond == 0).all()


def test_span_is_about_nine_months(demo: CanonicalDataset) -> None:
    first, last = demo.first_event_at, demo.last_event_at
    assert first >= pd.Timestamp(SPAN_START, tz="UTC")
    assert last < END_OF_SPAN
    assert 250 <= (last - first).days <= 290


def test_status_changes_happen_on_working_days(demo: CanonicalDataset) -> None:
    moves = demo.events.groupby("item_id", sort=False).tail(-1)["entered_at"]
    assert (moves.dt.day_of_week < 5).mean() > 0.95
    assert moves.dt.hour.between(8, 18).mean() > 0.95


# --- realism -----------------------------------------------------------------------


def test_has_cancelled_in_progress_and_backlog_items(demo: CanonicalDataset) -> None:
    last = _last_events(_ordered_events(demo))
    cancelled = (last["category"] == Category.CANCELLED).sum()
    in_progress = last["category"].isin([Category.ACTIVE, Category.WAITING]).sum()
    in_backlog = (last["category"] == Category.BACKLOG).sum()
    assert 10 <= cancelled <= 60
    assert in_progress >= 10
    assert in_backlog >= 10


def test_has_blocked_items(demo: CanonicalDataset) -> None:
    blocked = demo.items.loc[demo.items["blocked_days"] > 0]
    assert 5 <= len(blocked) <= 40
    # a blocked item stays at least that long in one stage
    events = _ordered_events(demo)
    stays = events.groupby("item_id")["entered_at"].diff(-1).abs() / pd.Timedelta(days=1)
    longest = stays.groupby(events["item_id"]).max()
    ended = longest.reindex(blocked["item_id"]).dropna()
    assert len(ended) > 0
    assert (
        ended.to_numpy() >= blocked.set_index("item_id").loc[ended.index, "blocked_days"].to_numpy()
    ).all()


def test_has_rework(demo: CanonicalDataset) -> None:
    events = _ordered_events(demo)
    previous = events.groupby("item_id")["position"].shift()
    backward = (previous == _stage_index(demo, "Review")) & (
        events["position"] == _stage_index(demo, "In Progress")
    )
    reworked = events.loc[backward, "item_id"].nunique()
    assert 0.05 * len(demo.items) <= reworked <= 0.15 * len(demo.items)


def test_has_skipped_stages(demo: CanonicalDataset) -> None:
    events = _ordered_events(demo)
    last = _last_events(events)
    done_ids = last.index[last["category"] == Category.DONE]
    visited = events[events["item_id"].isin(done_ids)].groupby("item_id")["position"].agg(set)
    for stage in ("Ready", "Review", "Testing"):
        skipped = visited.map(lambda positions, s=stage: _stage_index(demo, s) not in positions)
        assert skipped.sum() > 0, f"no done item skipped {stage}"
    assert visited.map(lambda positions: _stage_index(demo, "In Progress") in positions).all()


# --- the process change -----------------------------------------------------------------


def _cycle_times(ds: CanonicalDataset) -> pd.DataFrame:
    """Per done item: start (first committed entry) and cycle time in calendar days."""
    events = _ordered_events(ds)
    committed = events[
        (events["position"] >= ds.workflow.commitment_index)
        & events["category"].isin([Category.ACTIVE, Category.WAITING])
    ]
    start = committed.groupby("item_id")["entered_at"].min()
    last = _last_events(events)
    done = last.loc[last["category"] == Category.DONE, "entered_at"]
    frame = pd.DataFrame({"start": start.reindex(done.index), "done": done}).dropna()
    frame["days"] = (frame["done"] - frame["start"]) / pd.Timedelta(days=1)
    return frame


def test_process_change_cuts_cycle_time(demo: CanonicalDataset) -> None:
    cycle = _cycle_times(demo)
    assert (cycle["days"] > 0).all()
    after = cycle["start"] >= pd.Timestamp(PROCESS_CHANGE_DATE, tz="UTC")
    before_days, after_days = cycle.loc[~after, "days"], cycle.loc[after, "days"]
    assert len(before_days) >= 80
    assert len(after_days) >= 80
    ratio = after_days.median() / before_days.median()
    assert 0.6 <= ratio <= 0.8, f"after/before median cycle time ratio {ratio:.3f}"


def test_defects_flow_faster_than_features(demo: CanonicalDataset) -> None:
    cycle = _cycle_times(demo)
    types = demo.items.set_index("item_id")["type"].reindex(cycle.index)
    assert (
        cycle.loc[types == "Defect", "days"].median()
        < cycle.loc[types == "Feature", "days"].median()
    )


@pytest.mark.parametrize("seed", [0, 1, 123])
def test_invariants_hold_for_other_seeds(seed: int) -> None:
    ds = generate_demo_dataset(seed=seed)
    events = ds.events
    assert not ds.workflow.stage_positions(events["status"]).isna().any()
    assert events["item_id"].isin(ds.items["item_id"]).all()
    assert (
        events.groupby("item_id", sort=False)["entered_at"].diff().dropna() > pd.Timedelta(0)
    ).all()
    assert ds.last_event_at < END_OF_SPAN
    assert ds.first_event_at >= pd.Timestamp(SPAN_START, tz="UTC")
