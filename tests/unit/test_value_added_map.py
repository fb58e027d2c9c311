"""The value stream map shows value-added time and process cycle efficiency beside flow
efficiency, and marks the stages whose "adds value" flag differs from the default."""

from __future__ import annotations

import pytest

from tests.unit.test_value_added import example_scope
from vsm_core.charts.value_stream import value_stream_map
from vsm_core.metrics.stages import rework
from vsm_core.metrics.value_stream import value_stream


def _notes(fig, name: str) -> str:
    return " ".join(a.text for a in fig.layout.annotations if a.name == name)


def _all_notes(fig) -> str:
    return " ".join(a.text or "" for a in fig.layout.annotations)


def test_the_summary_box_shows_both_efficiencies_and_value_added_time():
    scope = example_scope()
    fig = value_stream_map(value_stream(scope), rework=rework(scope))
    summary = _notes(fig, "summary")
    for label in (
        "Lead time (median)",
        "Cycle time (median)",
        "Flow efficiency",
        "Value-added time (mean)",
        "Process cycle efficiency",
    ):
        assert label in summary
    assert "<b>56%</b>" in summary  # flow efficiency 5 / 9
    assert "<b>50%</b>" in summary  # process cycle efficiency 5.5 / 11
    assert "<b>2.8 d</b>" in summary  # value-added time 2.75 days
    # Every summary line sits inside the box.
    [box] = [s for s in fig.layout.shapes if s.name == "summary"]
    ys = [a.y for a in fig.layout.annotations if a.name == "summary"]
    assert all(box.y0 < y <= box.y1 for y in ys)


def test_the_definition_under_the_map_says_how_pce_is_computed():
    fig = value_stream_map(value_stream(example_scope()))
    text = _all_notes(fig)
    assert "Process cycle efficiency = time in stages that add value ÷ lead time" in text
    assert "Flow efficiency = active time ÷ cycle time" in text


def test_flags_that_differ_from_the_default_are_marked():
    fig = value_stream_map(value_stream(example_scope()))
    text = _all_notes(fig)
    assert "wait (median)<br>adds value" in text  # Review: waiting, adds value
    assert "work (median) · no value added" in text  # Sign-off: active, adds none
    [hover] = [t for t in fig.data if t.name == "steps"]
    by_stage = {text.split("</b>")[0].removeprefix("<b>"): text for text in hover.hovertext}
    assert list(by_stage) == ["Backlog", "Ready", "Build", "Review", "Sign-off"]
    assert "value" not in by_stage["Backlog"]  # the time before commitment: no flag
    assert "does not add value" in by_stage["Ready"]
    assert "<br>adds value" in by_stage["Build"]
    assert "<br>adds value" in by_stage["Review"]
    assert "does not add value" in by_stage["Sign-off"]
    assert text.count("no value added") == 1 and text.count("<br>adds value") == 1


def test_without_value_added_numbers_the_box_shows_dashes():
    vsm = value_stream(example_scope())
    old = {
        k: v
        for k, v in vsm.items()
        if k not in ("value_added_days_mean", "process_cycle_efficiency")
    }
    for stage in old["stages"]:
        stage.pop("adds_value")  # a dict from before the flag: nothing marked
    fig = value_stream_map(old)
    summary = _notes(fig, "summary")
    assert summary.count("<b>–</b>") == 2
    assert "no value added" not in _all_notes(fig)


@pytest.mark.parametrize("n", [1, 8])
def test_the_box_does_not_cover_the_ladder_totals(n):
    from vsm_core.charts.value_stream import LADDER_HIGH

    vsm = value_stream(example_scope())
    vsm["stages"] = [dict(vsm["stages"][1], stage=f"S{i}") for i in range(n)]
    fig = value_stream_map(vsm)
    [box] = [s for s in fig.layout.shapes if s.name == "summary"]
    assert box.y0 > LADDER_HIGH + 8  # the ladder's "wait" total is written at LADDER_HIGH
