"""The sanity check refuses readings that cannot be right, and only those."""

from __future__ import annotations

import pandas as pd

from vsm_core.importers.sanity import implausibilities
from vsm_core.model import Category, Stage, Workflow, make_dataset

NOW = pd.Timestamp("2026-12-07T12:00:00Z")
FLOW = Workflow(
    stages=(
        Stage(name="To Do", category=Category.BACKLOG),
        Stage(name="Doing", category=Category.ACTIVE),
        Stage(name="Done", category=Category.DONE),
    )
)


def _dataset(times: list[str], statuses: list[str] | None = None, workflow=FLOW):
    n = len(times)
    statuses = statuses or ["Doing", "Done"] * (n // 2)
    events = pd.DataFrame(
        {
            "item_id": [f"A-{i // 2}" for i in range(n)],
            "status": statuses,
            "entered_at": pd.to_datetime(times, utc=True),
        }
    )
    items = pd.DataFrame({"item_id": sorted(set(events["item_id"]), key=lambda k: int(k[2:]))})
    return make_dataset(items, events, workflow)


def test_a_plausible_log_passes():
    dataset = _dataset(["2026-01-01", "2026-01-05", "2026-02-01", "2026-02-03"])
    assert implausibilities(dataset, format_name="events", now=NOW) == ()


def test_most_events_in_the_future_is_refused_but_a_few_are_not():
    future = _dataset(["2026-01-01", "2027-01-05", "2027-02-01", "2027-02-03"])
    [finding] = implausibilities(future, format_name="events", now=NOW)
    assert finding.startswith("75% of the events are dated in the future")
    some = _dataset(["2026-01-01", "2026-01-05", "2026-02-01", "2027-02-03"])
    assert implausibilities(some, format_name="events", now=NOW) == ()


def test_most_events_before_2000_is_refused():
    old = _dataset(["1970-01-01", "1970-01-02", "1999-02-01", "2026-02-03"])
    [finding] = implausibilities(old, format_name="events", now=NOW)
    assert "before 2000" in finding


def test_shared_ids_only_matter_for_one_row_per_item_formats():
    dataset = _dataset(["2026-01-01", "2026-01-05", "2026-02-01", "2026-02-03"])
    ids = pd.Series(["A", "A", "A", "B"])
    [finding] = implausibilities(dataset, format_name="stages", raw_item_ids=ids, now=NOW)
    assert finding.startswith("75% of the rows share their item id")
    assert implausibilities(dataset, format_name="events", raw_item_ids=ids, now=NOW) == ()


def test_nothing_can_finish_when_no_status_maps_to_done():
    dataset = _dataset(
        ["2026-01-01", "2026-01-05", "2026-02-01", "2026-02-03"],
        statuses=["To Do", "Doing", "To Do", "Doing"],
    )
    [finding] = implausibilities(dataset, format_name="events", now=NOW)
    assert finding.startswith("no item can ever finish")


def test_an_empty_log_has_nothing_to_refuse():
    dataset = _dataset([])
    assert implausibilities(dataset, format_name="events", now=NOW) == ()
