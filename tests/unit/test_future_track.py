"""vsm_core.future.track on hand-computed data: the experiment a design proposes, and how far a
prediction was from what happened after the change.

The stream: Backlog -> Work -> Done (or Cancelled), UTC. The change is on 2026-06-01 and the
after window runs to 2026-08-23 (12 weeks). Started in it and done: A1..A4 with cycle times
2, 4, 6 and 8 days; A5 started and is still open; A6 started and was cancelled; B1 started
before the change, L1 after the window. So 5 started (A1..A5), 4 done, median 5 days and
85th percentile 6 + 0.55 × (8 − 6) = 7.1 days (linear interpolation at position 2.55).
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from tests.unit.builders import dataset_from_events
from vsm_core.filters import ItemFilter
from vsm_core.future.track import (
    TRACK_COLUMNS,
    AfterChange,
    LinkedDesign,
    after_change,
    error_pct,
    experiment_result_sentence,
    item_filter_of,
    linked_design,
    predicted_against_actual,
    proposed_experiment,
    track_record,
)
from vsm_core.model import Category, Stage, Workflow

WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", category=Category.BACKLOG),
        Stage(name="Work", category=Category.ACTIVE),
        Stage(name="Done", category=Category.DONE),
        Stage(name="Cancelled", category=Category.CANCELLED),
    )
)
CHANGE, AFTER_END = date(2026, 6, 1), date(2026, 8, 23)
TYPES = {"A4": "Defect"}


def _events():
    rows = []
    for item, start, end, last in [
        ("B1", "2026-05-20", "2026-05-30", "Done"),
        ("A1", "2026-06-01", "2026-06-03", "Done"),
        ("A2", "2026-06-02", "2026-06-06", "Done"),
        ("A3", "2026-06-05", "2026-06-11", "Done"),
        ("A4", "2026-06-10", "2026-06-18", "Done"),
        ("A6", "2026-06-03", "2026-06-04", "Cancelled"),
        ("L1", "2026-08-24", "2026-08-25", "Done"),
    ]:
        rows += [
            (item, "Backlog", "2026-05-01T09:00:00Z"),
            (item, "Work", f"{start}T09:00:00Z"),
            (item, last, f"{end}T09:00:00Z"),
        ]
    rows += [("A5", "Backlog", "2026-05-01T09:00:00Z"), ("A5", "Work", "2026-06-12T09:00:00Z")]
    return rows


@pytest.fixture(scope="module")
def stream():
    return dataset_from_events(_events(), WORKFLOW, type=lambda i: TYPES.get(i, "Feature"))


def test_after_the_change_counts_the_items_started_in_the_window(stream):
    after = after_change(stream, CHANGE, AFTER_END)
    assert (after.started, after.done) == (5, 4)
    assert after.p50 == pytest.approx(5.0)
    assert after.p85 == pytest.approx(7.1)


def test_after_the_change_in_a_scope(stream):
    # Without the defect A4: cycle times 2, 4, 6 -> median 4, p85 at 1.7 -> 4 + 0.7 * 2 = 5.4.
    after = after_change(stream, CHANGE, AFTER_END, ItemFilter(work_types=("Feature",)))
    assert (after.started, after.done) == (4, 3)
    assert (after.p50, after.p85) == pytest.approx((4.0, 5.4))


def test_nothing_started_after_gives_no_percentiles(stream):
    after = after_change(stream, date(2026, 9, 1), date(2026, 9, 30))
    assert (after.started, after.done, after.p50, after.p85) == (0, 0, None, None)


def test_the_error_is_predicted_minus_measured_over_measured():
    assert error_pct(6.0, 5.0) == pytest.approx(20.0)
    assert error_pct(6.39, 7.1) == pytest.approx(-10.0)
    assert error_pct(None, 5.0) is None and error_pct(5.0, None) is None
    assert error_pct(5.0, 0.0) is None


def test_the_track_record_has_one_row_per_linked_design(stream):
    linked = [
        LinkedDesign("Limit WIP", "3: Try it", CHANGE, AFTER_END, 6.0, 6.39),
        LinkedDesign(
            "Features only", "4: Again", CHANGE, AFTER_END, 4.4, None, ItemFilter(("Feature",))
        ),
    ]
    table = track_record(stream, linked)
    assert tuple(table.columns) == TRACK_COLUMNS
    first, second = table.to_dict("records")
    assert (first["design"], first["experiment"], first["started"], first["done"]) == (
        "Limit WIP",
        "3: Try it",
        5,
        4,
    )
    assert [first[k] for k in ("measured_p50", "error_p50_pct", "measured_p85")] == (
        pytest.approx([5.0, 20.0, 7.1])
    )
    assert first["error_p85_pct"] == pytest.approx(-10.0)
    assert second["measured_p50"] == pytest.approx(4.0)
    assert second["error_p50_pct"] == pytest.approx(10.0)
    assert table["error_p85_pct"].isna().tolist() == [False, True]  # nothing predicted


def test_a_stored_design_and_its_experiment_make_a_linked_design():
    design = SimpleNamespace(
        name="Limit WIP",
        record={
            "prediction": {"future": {"cycle_time_days": {"p50": 8.6, "p85": 14.6}}},
            "scope": {"work_types": ["Feature"], "teams": ["A"], "attributes": {"x": ["1"]}},
        },
    )
    experiment = SimpleNamespace(
        id=7, title="Try it", change_date=CHANGE, baseline_from=None, baseline_to=None
    )
    linked = linked_design(design, experiment)
    assert linked.after_end == AFTER_END  # 12 weeks from the change date, the last day included
    assert (linked.predicted_p50, linked.predicted_p85) == (8.6, 14.6)
    assert linked.experiment == "7: Try it"
    assert linked.item_filter == ItemFilter(("Feature",), ("A",), (("x", ("1",)),))
    assert item_filter_of({}) == ItemFilter()


RECORD = {
    "changes": ["scale:Review=0.5"],
    "changes_in_words": ["Halving the time in Review"],
    "scope": {"work_types": [], "teams": ["A", "B"], "attributes": {}},
    "prediction": {
        "current": {"simulated": {"cycle_time_days": {"p85": 17.2}}},
        "future": {"cycle_time_days": {"p50": 7.0, "p85": 13.26}},
    },
    "sentences": ["Checked against today: ok.", "Halving the time in Review would bring it."],
}


def test_the_proposed_experiment_takes_its_target_from_the_prediction():
    fields = proposed_experiment(
        name="Halve Review", record=RECORD, dataset_id=3, change_date=CHANGE, owner="Ana"
    )
    assert fields["metric"] == "cycle_time_p85"
    assert (fields["direction"], fields["target"]) == ("decrease", 13.3)
    assert fields["hypothesis"] == "Halving the time in Review would bring it."
    assert fields["action"] == "Halving the time in Review"
    assert fields["scope"] == {"work_types": [], "team": None, "attributes": {}}  # two teams
    assert (fields["title"], fields["owner"], fields["dataset_id"]) == ("Halve Review", "Ana", 3)
    assert fields["change_date"] == CHANGE and fields["review_date"] is None


def test_a_prediction_above_today_proposes_an_increase_and_none_is_refused():
    slower = {**RECORD, "prediction": {**RECORD["prediction"]}}
    slower["prediction"]["future"] = {"cycle_time_days": {"p50": 9.0, "p85": 20.0}}
    fields = proposed_experiment(
        name="x", record=slower, dataset_id=1, change_date=CHANGE, owner="Ana"
    )
    assert (fields["direction"], fields["target"]) == ("increase", 20.0)
    nothing = {"prediction": {"future": {"cycle_time_days": {"p50": None, "p85": None}}}}
    with pytest.raises(ValueError, match="no target"):
        proposed_experiment(name="x", record=nothing, dataset_id=1, change_date=CHANGE, owner="A")


def test_predicted_against_actual_in_one_sentence():
    record = {
        "prediction": {
            "future": {"cycle_time_days": {"p85": 14.6, "p85_interval": [13.2, 15.9]}},
        }
    }
    after = AfterChange(started=164, done=161, p50=8.9, p85=15.0)
    assert predicted_against_actual("Limit WIP", record, after) == (
        "The design 'Limit WIP' predicted an 85th percentile cycle time of about 14.6 days "
        "(13.2–15.9); the 161 items done of the 164 that started after the change took 15.0, "
        "off by -3 %."
    )
    nothing_yet = AfterChange(started=4, done=0, p50=None, p85=None)
    assert predicted_against_actual("X", record, nothing_yet).endswith(
        "no item that started after the change is done yet."
    )
    assert predicted_against_actual("X", {}, after) == "The design 'X' predicted no cycle time."


def test_an_experiments_result_sentence_measures_its_after_window(stream):
    design = SimpleNamespace(
        name="Limit WIP",
        record={"prediction": {"future": {"cycle_time_days": {"p85": 7.81}}}},
    )
    experiment = SimpleNamespace(
        id=7, title="Try it", change_date=CHANGE, baseline_from=None, baseline_to=None
    )
    # 4 done of 5 started, p85 7.1 (module docstring); (7.81 - 7.1) / 7.1 = +10 %.
    assert experiment_result_sentence(stream, design, experiment) == (
        "The design 'Limit WIP' predicted an 85th percentile cycle time of about 7.8 days; the "
        "4 items done of the 5 that started after the change took 7.1, off by +10 %."
    )
