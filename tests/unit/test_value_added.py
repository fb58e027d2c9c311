"""Value-added time and process cycle efficiency (vsm_core.metrics.value_added): the worked
example of docs/metrics.md reproduced from the page itself, the stage flags (an active stage
that adds no value, a waiting stage that does), an unfinished item, blocked days, empty input,
the default rule on an old stored workflow, and the keys the value stream map and the
``metrics --json`` document gain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.unit.builders import dataset_from_events
from vsm_core.metrics.efficiency import flow_efficiency
from vsm_core.metrics.report import calculate_metrics
from vsm_core.metrics.scope import MetricOptions, build_scope
from vsm_core.metrics.value_added import VALUE_ADDED_COLUMNS, value_added, value_adding_stages
from vsm_core.metrics.value_stream import value_stream
from vsm_core.model import Workflow
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.workflow import parse_workflow_toml

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def _section() -> str:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("### Value-added time and process cycle efficiency")
    return text[start : text.index("\n## ", start)]


def docs_workflow() -> Workflow:
    """The worked example's workflow, read from docs/metrics.md (so the page and the test agree)."""
    [block] = re.findall(r"```toml\n(.*?)```", _section(), flags=re.S)
    return parse_workflow_toml(block)


EXAMPLE_EVENTS = [
    ("A", "Backlog", "2024-01-01T00:00Z"),
    ("A", "Ready", "2024-01-03T00:00Z"),
    ("A", "Build", "2024-01-04T00:00Z"),
    ("A", "Review", "2024-01-06T00:00Z"),
    ("A", "Sign-off", "2024-01-07T00:00Z"),
    ("A", "Done", "2024-01-08T00:00Z"),
    ("B", "Ready", "2024-01-02T00:00Z"),
    ("B", "Build", "2024-01-02T12:00Z"),
    ("B", "Review", "2024-01-05T12:00Z"),
    ("B", "Done", "2024-01-06T00:00Z"),
    ("C", "Ready", "2024-01-02T00:00Z"),
    ("C", "Build", "2024-01-03T00:00Z"),
]
CREATED = {"A": "2024-01-01T00:00Z", "B": "2024-01-02T00:00Z", "C": "2024-01-01T00:00Z"}
BLOCKED = {"A": 0.0, "B": 1.0, "C": 0.0}


def example_scope(events=EXAMPLE_EVENTS, workflow=None, **options):
    ds = dataset_from_events(
        events,
        workflow or docs_workflow(),
        created_at=lambda i: CREATED.get(i),
        blocked_days=lambda i: BLOCKED.get(i, 0.0),
    )
    return build_scope(ds, MetricOptions(**options))


def test_the_docs_workflow_flags_an_active_stage_off_and_a_waiting_stage_on():
    workflow = docs_workflow()
    assert {s.name: s.value_adding for s in workflow.stages} == {
        "Backlog": False,
        "Ready": False,
        "Build": True,  # active, the default
        "Review": True,  # waiting, flagged
        "Sign-off": False,  # active, flagged off
        "Done": False,
    }


def test_the_worked_example_of_the_docs():
    scope = example_scope()
    assert value_adding_stages(scope) == ["Build", "Review"]
    frame, summary = value_added(scope)
    assert list(frame.columns) == list(VALUE_ADDED_COLUMNS)
    # C never finished: left out.
    assert frame["item_id"].tolist() == ["A", "B"]
    # A: Build 2 + Review 1 (Sign-off's day does not count); lead 1st -> 8th = 7.
    # B: Build 3 - 1 blocked + Review 0.5 = 2.5; lead 2nd -> 6th = 4.
    assert frame["value_added_days"].tolist() == pytest.approx([3.0, 2.5])
    assert frame["lead_days"].tolist() == pytest.approx([7.0, 4.0])
    assert frame["pce"].tolist() == pytest.approx([3 / 7, 0.625])
    assert summary == {
        "process_cycle_efficiency": pytest.approx(5.5 / 11),
        "mean_of_ratios": pytest.approx((3 / 7 + 0.625) / 2),
        "value_added_days_mean": pytest.approx(2.75),
        "lead_days_mean": pytest.approx(5.5),
        "n": 2,
        "created_after_start": 0,
    }
    # Flow efficiency over the same items, for comparison: (2 + 1 + 3 - 1) / (5 + 4).
    assert flow_efficiency(scope)[1]["ratio_of_sums"] == pytest.approx(5 / 9)
    # The numbers the page states.
    section = _section()
    assert "5.5 ÷ 11 = **50 %**" in section
    assert "mean value-added\ntime 2.75 days" in section
    assert "mean of the per-item ratios 53 %" in section
    assert "= 5 ÷ 9 = 56 %" in section
    assert f"{(3 / 7 + 0.625) / 2:.0%}" == "53%"


def test_blocked_days_never_come_out_of_a_waiting_stage_or_below_zero():
    # B blocked 10 days: its Build time (3) goes to 0, Review's 0.5 stays.
    BLOCKED["B"] = 10.0
    try:
        frame, _ = value_added(example_scope())
    finally:
        BLOCKED["B"] = 1.0
    assert frame["value_added_days"].tolist() == pytest.approx([3.0, 0.5])


def test_time_before_commitment_and_after_a_move_back_does_not_count():
    events = [
        ("D", "Ready", "2024-01-01T00:00Z"),
        ("D", "Build", "2024-01-02T00:00Z"),  # 1 day
        ("D", "Backlog", "2024-01-03T00:00Z"),  # back before commitment: 2 days not counted
        ("D", "Build", "2024-01-05T00:00Z"),  # 1 day
        ("D", "Done", "2024-01-06T00:00Z"),
    ]
    frame, summary = value_added(example_scope(events))
    assert frame["value_added_days"].tolist() == pytest.approx([2.0])
    assert frame["lead_days"].tolist() == pytest.approx([5.0])  # created: first event
    assert summary["process_cycle_efficiency"] == pytest.approx(0.4)


def test_done_without_a_start_and_zero_lead_time_are_left_out():
    events = [
        ("E", "Backlog", "2024-01-01T00:00Z"),
        ("E", "Done", "2024-01-02T00:00Z"),  # done without a start
        ("F", "Ready", "2024-01-02T00:00Z"),
        ("F", "Done", "2024-01-02T00:00Z"),  # lead time 0 (created = first event)
        ("G", "Ready", "2024-01-01T00:00Z"),
        ("G", "Build", "2024-01-01T12:00Z"),
        ("G", "Done", "2024-01-02T00:00Z"),
    ]
    frame, summary = value_added(example_scope(events))
    assert frame["item_id"].tolist() == ["G"]
    assert summary["process_cycle_efficiency"] == pytest.approx(0.5)


def test_a_created_time_after_the_start_is_counted_not_hidden():
    CREATED["B"] = "2024-01-04T00:00Z"  # after B's start on the 2nd
    try:
        frame, summary = value_added(example_scope())
    finally:
        CREATED["B"] = "2024-01-02T00:00Z"
    assert summary["created_after_start"] == 1
    assert frame.set_index("item_id").loc["B", "pce"] > 1  # 2.5 days of a 2-day lead time


@pytest.mark.parametrize(
    "events",
    [[], [("C", "Ready", "2024-01-02T00:00Z"), ("C", "Build", "2024-01-03T00:00Z")]],
    ids=["no-events", "nothing-done"],
)
def test_empty_input(events):
    frame, summary = value_added(example_scope(events))
    assert frame.empty and list(frame.columns) == list(VALUE_ADDED_COLUMNS)
    assert frame["value_added_days"].dtype == "float64"
    assert summary == {
        "process_cycle_efficiency": None,
        "mean_of_ratios": None,
        "value_added_days_mean": None,
        "lead_days_mean": None,
        "n": 0,
        "created_after_start": 0,
    }
    vsm = value_stream(example_scope(events))
    assert vsm["process_cycle_efficiency"] is None and vsm["value_added_days_mean"] is None


def test_inclusive_mode_still_uses_elapsed_lead_time():
    _, elapsed = value_added(example_scope())
    _, inclusive = value_added(example_scope(cycle_time_mode="inclusive"))
    assert inclusive == elapsed


def test_an_old_stored_workflow_reads_with_the_default_and_equal_numbers():
    """The demo's workflow as it was stored before the flag existed: value-added time is flow
    efficiency's active time, item by item."""
    demo = generate_demo_dataset(n_items=200)
    stored = json.loads(json.dumps(demo.workflow.model_dump(mode="json")))
    assert all("adds_value" not in stage for stage in stored["stages"])
    old = Workflow.model_validate(stored)
    assert old == demo.workflow
    scope = build_scope(
        type(demo)(demo.items, demo.events, old, demo.timezone, demo.metadata), MetricOptions()
    )
    added, summary = value_added(scope)
    active, _ = flow_efficiency(scope)
    both = added.merge(active, on="item_id")
    assert len(both) == len(active) == summary["n"] > 50
    np.testing.assert_allclose(both["value_added_days"], both["active_days"])
    assert value_adding_stages(scope) == ["In Progress", "Testing"]  # the active stages


def test_the_value_stream_map_data_carries_the_flags_and_the_numbers():
    vsm = value_stream(example_scope())
    json.dumps(vsm)
    assert [(s["stage"], s["adds_value"]) for s in vsm["stages"]] == [
        ("Ready", False),
        ("Build", True),
        ("Review", True),
        ("Sign-off", False),
    ]
    assert vsm["process_cycle_efficiency"] == pytest.approx(0.5)
    assert vsm["value_added_days_mean"] == pytest.approx(2.75)
    assert vsm["lead_days_mean"] == pytest.approx(5.5)
    assert vsm["flow_efficiency"] == pytest.approx(5 / 9)  # unchanged beside it


def test_the_metrics_document_gains_two_keys_and_keeps_the_others():
    demo = generate_demo_dataset(n_items=150)
    document = calculate_metrics(demo).document
    json.dumps(document)
    assert document["process_cycle_efficiency"] == pytest.approx(
        value_added(calculate_metrics(demo).scope)[1]["process_cycle_efficiency"]
    )
    assert 0 < document["process_cycle_efficiency"] < document["flow_efficiency"]["ratio_of_sums"]
    assert document["value_added_days_mean"] > 0
    for key in (
        "as_of",
        "counts",
        "cycle_time_days",
        "lead_time_days",
        "throughput",
        "wip",
        "flow_efficiency",
        "time_in_stage_days",
        "bottleneck",
        "flow_distribution",
        "aging_wip",
        "definitions",
        "flags",
    ):
        assert key in document
    assert set(document["flow_efficiency"]) == {"ratio_of_sums", "mean_of_ratios", "n"}


def test_the_metrics_document_of_the_example():
    ds = dataset_from_events(
        EXAMPLE_EVENTS,
        docs_workflow(),
        created_at=lambda i: CREATED.get(i),
        blocked_days=lambda i: BLOCKED.get(i, 0.0),
    )
    document = calculate_metrics(ds).document
    assert document["process_cycle_efficiency"] == pytest.approx(0.5)
    assert document["value_added_days_mean"] == pytest.approx(2.75)
    empty = calculate_metrics(dataset_from_events(EXAMPLE_EVENTS[-2:], docs_workflow())).document
    assert empty["process_cycle_efficiency"] is None
    assert empty["value_added_days_mean"] is None


def test_the_frame_is_a_copy_per_call():
    scope = example_scope()
    first, summary = value_added(scope)
    first["pce"] = 0.0
    summary["n"] = 99
    again, summary_again = value_added(scope)
    assert again["pce"].tolist() == pytest.approx([3 / 7, 0.625])
    assert summary_again["n"] == 2
    assert isinstance(again, pd.DataFrame)


SMALL = Path(__file__).resolve().parents[1] / "data" / "metrics" / "small.csv"


def test_metrics_json_on_the_hand_computed_file(capsys, tmp_path):
    """tests/data/metrics/small.csv (see test_metrics_cli.py): A spends 2 days In Progress and
    1 in Review, lead time 4 days; B 6 days In Progress, lead time 7 d 23 h."""
    from vsm_core.cli import main

    assert main(["metrics", str(SMALL), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    lead = 4.0 + 7.958333333
    assert doc["value_added_days_mean"] == pytest.approx(4.0)
    assert doc["process_cycle_efficiency"] == pytest.approx(8.0 / lead)
    assert doc["flow_efficiency"]["ratio_of_sums"] == pytest.approx(8.0 / 9.0)  # unchanged

    # The same file with Review flagged as adding value: A gains its Review day.
    workflow = tmp_path / "workflow.toml"
    workflow.write_text(
        '[[stage]]\nname = "To Do"\ncategory = "backlog"\n'
        '[[stage]]\nname = "In Progress"\ncategory = "active"\n'
        '[[stage]]\nname = "Review"\ncategory = "waiting"\nadds_value = true\n'
        '[[stage]]\nname = "Done"\ncategory = "done"\n'
        '[[stage]]\nname = "Cancelled"\ncategory = "cancelled"\n',
        encoding="utf-8",
    )
    assert main(["metrics", str(SMALL), "--workflow", str(workflow), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["value_added_days_mean"] == pytest.approx(4.5)
    assert doc["process_cycle_efficiency"] == pytest.approx(9.0 / lead)
    assert doc["flow_efficiency"]["ratio_of_sums"] == pytest.approx(8.0 / 9.0)
