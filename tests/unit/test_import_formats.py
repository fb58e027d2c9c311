"""Each table format on a small hand-written file, and the real exports in ../shared/fixtures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vsm_core.flow import build_flow
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.pipeline import import_bytes

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
STAGES_FIXTURES = FIXTURES / "actionableagile-stages"


def _import(name: str, **options):
    path = DATA / name
    return import_bytes(path.read_bytes(), path.name, ImportOptions(**options))


def _utc(text: str) -> pd.Timestamp:
    return (
        pd.Timestamp(text).tz_convert("UTC")
        if "+" in text or "Z" in text
        else pd.Timestamp(text, tz="UTC")
    )


def _item(result, item_id: str):
    items = build_flow(result.dataset).items.set_index("item_id")
    return items.loc[item_id]


def test_events_collapse_repeats_and_read_every_timestamp_style():
    result = _import("events.csv")
    assert result.format == "events"
    assert result.mapping["status"] == "Status" and result.mapping["timestamp"] == "Entered"
    assert result.date_orders == {"Entered": None}  # ISO needs no day/month order
    events = result.dataset.events
    a1 = events[events["item_id"] == "A-1"]
    assert a1["status"].tolist() == ["To Do", "In Progress", "Review", "Done"]
    assert a1["entered_at"].tolist() == [
        _utc("2024-03-01T09:00Z"),
        _utc("2024-03-04T09:00Z"),  # 10:00+01:00
        _utc("2024-03-06T12:00Z"),  # naive, taken as UTC
        _utc("2024-03-07T12:00:00.123456Z"),  # 7 fraction digits, truncated to µs
    ]
    assert len(events) == 6
    items = result.dataset.items.set_index("item_id")
    assert items.loc["A-1", "title"] == "Export invoices"
    assert items.loc["A-2", "attributes"] == {"Priority": "Low"}
    assert [s.category.value for s in result.workflow.stages] == [
        "backlog",
        "active",
        "waiting",
        "done",
    ]
    # start 4 Mar 09:00, done 7 Mar 12:00:00.123456 -> 3 days 3 h 0.123456 s
    assert _item(result, "A-1")["cycle_time_days"] == pytest.approx(3 + 3 / 24 + 0.123456 / 86400)
    assert result.quality.summary()["zero_or_negative_durations"] == 1  # A-2, same instant


def test_events_in_a_named_time_zone():
    result = _import("events.csv", timezone="Europe/Berlin")
    review = result.dataset.events.query("item_id == 'A-1' and status == 'Review'")
    assert review["entered_at"].iloc[0] == _utc("2024-03-06T11:00Z")  # 12:00 CET


def test_transitions_start_in_the_first_from_status_at_created():
    result = _import("transitions.csv")
    assert result.format == "transitions"
    events = result.dataset.events
    j1 = events[events["item_id"] == "J-1"]
    assert list(zip(j1["status"], j1["entered_at"], strict=True)) == [
        ("Open", _utc("2024-01-02T08:00Z")),
        ("In Progress", _utc("2024-01-03T09:00Z")),
        ("Closed", _utc("2024-01-05T17:30Z")),
    ]
    assert len(result.dataset.items) == 3  # J-3 had no change and is still an item
    assert len(events) == 5
    items = result.dataset.items.set_index("item_id")
    assert items.loc["J-1", "attributes"]["Sprint"] == ["S1", "S2"]  # repeated header kept
    categories = {s.name: s.category.value for s in result.workflow.stages}
    assert categories == {
        "Open": "backlog",
        "In Progress": "active",
        "Closed": "done",
        "Rejected": "cancelled",
    }
    assert _item(result, "J-1")["cycle_time_days"] == pytest.approx(2 + 8.5 / 24)
    assert _item(result, "J-2")["state"] == "cancelled"
    assert result.quality.summary()["items_without_events"] == 1


def test_snapshots_collapse_to_state_changes_and_keep_latest_attributes():
    result = _import("snapshots.csv")
    assert result.format == "snapshots"
    assert result.dataset.events["status"].tolist() == ["New", "In Progress", "Resolved", "Closed"]
    item = result.dataset.items.iloc[0]
    assert (item["title"], item["team"]) == ("Printer down (floor 2)", "Field team")
    # Resolved -> Closed are both done: done from Resolved, 2 Feb 10:00 -> 4 Feb 10:00
    assert _item(result, "INC1")["cycle_time_days"] == pytest.approx(2.0)


def test_stages_columns_day_first_dates_blocked_ranges_and_labels():
    result = _import("stages.csv")
    assert result.format == "stages"
    assert result.workflow.stage_names == ["Backlog", "Analysis", "Doing", "Done"]
    # 13/02/2024 in Done settles day-first for every stage column
    assert set(result.date_orders.values()) == {"dayfirst"}
    assert len(result.dataset.events) == 7
    items = result.dataset.items.set_index("item_id")
    assert items.loc["S-1", "labels"] == ("ui", "api")
    assert items.loc["S-1", "blocked_days"] == 3.0  # 6..8 Feb, both ends included
    assert "Link" not in items.loc["S-1", "attributes"]
    s1 = _item(result, "S-1")
    assert s1["cycle_time_days"] == pytest.approx(10.0)  # Analysis 3 Feb -> Done 13 Feb
    assert _item(result, "S-2")["state"] == "in_progress"
    assert _item(result, "S-3")["state"] == "not_started"
    assert result.quality.summary()["skipped_stages"] == 0  # S-2 is not done yet


def test_stages_with_only_ambiguous_dates_asks_for_the_date_order(tmp_path):
    from vsm_core.importers.dates import AmbiguousDateOrder

    data = b"ID,Backlog,Done\nX-1,01/02/2024,03/04/2024\n"
    with pytest.raises(AmbiguousDateOrder):
        import_bytes(data, "ambiguous.csv")
    result = import_bytes(data, "ambiguous.csv", ImportOptions(date_order="monthfirst"))
    assert result.dataset.events["entered_at"].tolist() == [
        _utc("2024-01-02T00:00Z"),
        _utc("2024-03-04T00:00Z"),
    ]


def test_dates_format_builds_created_started_done():
    result = _import("dates.csv")
    assert result.format == "dates"
    assert result.workflow.stage_names == ["Created", "Started", "Done"]
    assert _item(result, "L-1")["cycle_time_days"] == pytest.approx(7.0)
    assert _item(result, "L-2")["state"] == "in_progress"
    assert _item(result, "L-3")["state"] == "not_started"
    items = result.dataset.items.set_index("item_id")
    assert items.loc["L-1", "attributes"] == {"Estimate": "3"}


def test_map_overrides_a_suggestion():
    result = _import("events.csv", mapping={"title": "Priority"})
    assert result.dataset.items.set_index("item_id").loc["A-1", "title"] == "High"


def test_a_missing_required_column_lists_the_columns():
    with pytest.raises(ImportFailed) as failure:
        import_bytes(b"Item,When\nA,2024-01-01\n", "x.csv", ImportOptions(format="events"))
    message = str(failure.value.problems[0])
    assert "'status'" in message and "'Item'" in message and "--map status=" in message


def test_every_bad_row_is_reported_at_once():
    data = (
        b"Item,Status,Entered\n"
        b"A,To Do,2024-01-01\n"
        b",Doing,2024-01-02\n"
        b"A,,2024-01-03\n"
        b"A,Done,not a date\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_bytes(data, "bad.csv")
    found = {(p.row, p.column) for p in failure.value.problems}
    assert {(3, "Item"), (4, "Status"), (5, "Entered")} <= found


# --------------------------------------------------------------------------- real exports

needs_fixtures = pytest.mark.skipif(
    not STAGES_FIXTURES.exists(), reason="../shared/fixtures is not beside this checkout"
)


@needs_fixtures
def test_real_actionableagile_export():
    path = STAGES_FIXTURES / "jira-to-analytics-export.csv"
    result = import_bytes(path.read_bytes(), path.name)
    assert result.format == "stages"
    assert result.workflow.stage_names == [
        "Backlog",
        "In Analyse",
        "Ready for Development",
        "In Development",
        "In Sign Off",
        "Done",
    ]
    flow = build_flow(result.dataset).items
    assert len(flow) == 209
    assert (flow["state"] == "done").sum() == 118
    assert (flow["state"] != "done").sum() == 91  # the README's unfinished items
    quality = result.quality.summary()
    # README: 86 of the 118 finished items skipped a stage. 8 of them went straight to
    # Done (done without start); the other 78 skipped a stage after starting.
    assert quality["skipped_stages"] + quality["done_without_start"] == 86
    assert quality["zero_or_negative_durations"] > 0  # same-day transitions
    assert set(result.dataset.items["type"]) >= {"Story", "Aufgabe"}


@needs_fixtures
def test_real_export_cleaned_by_its_author():
    path = STAGES_FIXTURES / "cleaned-by-author.csv"
    result = import_bytes(path.read_bytes(), path.name)
    assert result.format == "stages"  # "Done" is a stage column here, not a done-date role
    assert len(result.dataset.items) == 200
    assert "TaskPentest" in set(result.dataset.items["type"])  # dirty data kept as it is


def test_a_column_settled_by_another_that_turns_out_not_to_hold_dates_is_no_stage():
    # Backlog reads both ways until Done settles day-first; then "02" is no date, so
    # Backlog holds too few dates to be a stage (it was an internal AttributeError).
    data = b"ID,Name,Backlog,Doing,Done\nS-1,a,01/02/2024,05/02/2024,13/02/2024\nS-2,b,02,,\n"
    result = import_bytes(data, "stages.csv", ImportOptions(format="stages"))
    assert [stage.name for stage in result.workflow.stages] == ["Doing", "Done"]
    assert result.dataset.items["attributes"][1]["Backlog"] == "02"
