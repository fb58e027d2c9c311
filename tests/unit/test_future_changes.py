"""Future-state changes: the syntax, plain refusals, and what each change does to a model."""

from __future__ import annotations

import numpy as np
import pytest

from vsm_core.future import Change, ChangeError, parse_change, parse_changes
from vsm_core.future.model import StreamModel, apply_changes

STAGES = ("Ready", "In Progress", "Review", "Testing")


def test_every_kind_parses_with_stage_names_spelled_as_in_the_map():
    changes = parse_changes(
        [
            "scale:in progress=0.5",
            "wip: In Progress =3",
            "wip:*=8",
            "arrivals=1.2",
            "remove:READY",
            "merge:Review+Testing",
        ],
        STAGES,
    )
    # Structural changes first, then the rest in the order given.
    assert [c.as_json() for c in changes] == [
        {"change": "remove:READY", "kind": "remove", "stages": ["Ready"], "value": None},
        {
            "change": "merge:Review+Testing",
            "kind": "merge",
            "stages": ["Review", "Testing"],
            "value": None,
        },
        {
            "change": "scale:in progress=0.5",
            "kind": "scale",
            "stages": ["In Progress"],
            "value": 0.5,
        },
        {"change": "wip: In Progress =3", "kind": "wip", "stages": ["In Progress"], "value": 3},
        {"change": "wip:*=8", "kind": "wip", "stages": ["*"], "value": 8},
        {"change": "arrivals=1.2", "kind": "arrivals", "stages": [], "value": 1.2},
    ]


def test_a_merged_stage_can_be_named_by_later_changes():
    [merge, wip] = parse_changes(["wip:review+testing=4", "merge:Review+Testing"], STAGES)
    assert merge.kind == "merge"
    assert wip.stages == ("Review+Testing",) and wip.value == 4


def test_changes_in_words():
    words = [
        parse_change(text).describe()
        for text in ("scale:Review=0.5", "remove:Ready", "merge:A+B", "wip:X=3", "wip:*=5")
    ]
    assert words == [
        "Halving the time in Review",
        "Removing Ready",
        "Merging A and B",
        "A WIP limit of 3 on X",
        "A WIP limit of 5 on the work between commitment and done",
    ]
    assert parse_change("arrivals=1.2").describe() == "20 % more new work"
    assert parse_change("scale:Review=0.7").describe() == "Cutting by 30 % the time in Review"
    assert parse_change("scale:Review=1.25").describe() == "Raising by 25 % the time in Review"
    assert (
        parse_change("scale:Review=0.001").describe() == "Multiplying the time in Review by 0.001"
    )
    assert parse_change("arrivals=0.8").describe() == "20 % less new work"
    assert parse_change("arrivals=0.001").describe() == "0.001 times as much new work"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "scale:Revew=0.5",
            "'scale:Revew=0.5': no stage 'Revew' in the map; known: Ready, In "
            "Progress, Review, Testing",
        ),
        ("scale:Review=half", "'half' is not a number"),
        ("scale:Review=0", "the factor must be a number above 0"),
        ("scale:Review=-1", "the factor must be a number above 0"),
        ("scale:Review=nan", "the factor must be a number above 0"),
        ("scale:Review", "needs a value after ="),
        ("wip:Review=2.5", "a WIP limit is a whole number, not '2.5'"),
        ("wip:Review=0", "a WIP limit must be at least 1"),
        ("merge:Review", "merge two stages joined by +"),
        ("merge:Review+review", "merge two different stages"),
        ("remove:", "names no stage"),
        ("arrivals=0", "the factor must be a number above 0"),
        ("speed:Review=2", "is not a change; write scale:STAGE=FACTOR"),
        ("   ", "an empty change"),
    ],
)
def test_bad_changes_are_refused_with_the_change_named(text, message):
    with pytest.raises(ChangeError) as error:
        parse_changes([text], STAGES)
    assert message in str(error.value)


def test_refusals_that_need_the_whole_list():
    with pytest.raises(ChangeError, match="Review has two WIP limits"):
        parse_changes(["wip:Review=3", "wip:review=4"], STAGES)
    with pytest.raises(ChangeError, match="would leave no stage"):
        parse_changes(["remove:Ready"], ("Ready",))
    with pytest.raises(
        ChangeError, match="no stage 'Review' in the map; known: Ready, In Progress"
    ):
        parse_changes(["merge:Review+Testing", "scale:Review=0.5"], STAGES)


def _model() -> StreamModel:
    """Journeys: Ready 1, In Progress 2, Review 3, In Progress 1, Testing 4; Ready 2, Testing 1."""
    return StreamModel(
        stages=STAGES,
        categories=("waiting", "active", "waiting", "active"),
        offsets=np.array([0, 5, 7]),
        visit_stage=np.array([0, 1, 2, 1, 3, 0, 3]),
        visit_days=np.array([1.0, 2.0, 3.0, 1.0, 4.0, 2.0, 1.0]),
        visit_active=np.array([0.0, 2.0, 0.0, 1.0, 4.0, 0.0, 1.0]),
        backlog_days=np.array([5.0, 6.0]),
        arrivals_per_day=2.0,
    )


def test_remove_drops_the_stage_and_its_time():
    model = apply_changes(_model(), parse_changes(["remove:Review"], STAGES))
    assert model.stages == ("Ready", "In Progress", "Testing")
    # The two In Progress visits around Review become one.
    assert model.offsets.tolist() == [0, 3, 5]
    assert model.visit_stage.tolist() == [0, 1, 2, 0, 2]
    assert model.visit_days.tolist() == [1.0, 3.0, 4.0, 2.0, 1.0]
    assert model.visit_active.tolist() == [0.0, 3.0, 4.0, 0.0, 1.0]


def test_merge_adds_consecutive_visits_up_and_loops_between_them_disappear():
    model = apply_changes(_model(), parse_changes(["merge:In Progress+Review"], STAGES))
    assert model.stages == ("Ready", "In Progress+Review", "Testing")
    assert model.categories == ("waiting", "active", "active")
    assert model.visit_stage.tolist() == [0, 1, 2, 0, 2]
    assert model.visit_days.tolist() == [1.0, 6.0, 4.0, 2.0, 1.0]
    # Active time stays what it was: the Review part was waiting.
    assert model.visit_active.tolist() == [0.0, 3.0, 4.0, 0.0, 1.0]


def test_scale_arrivals_and_limits():
    model = apply_changes(
        _model(), parse_changes(["scale:Testing=0.5", "arrivals=1.5", "wip:*=4"], STAGES)
    )
    assert model.visit_days.tolist() == [1.0, 2.0, 3.0, 1.0, 2.0, 2.0, 0.5]
    assert model.visit_active.tolist() == [0.0, 2.0, 0.0, 1.0, 2.0, 0.0, 0.5]
    assert model.arrivals_per_day == 3.0
    assert model.limits == {"*": 4}
    assert isinstance(parse_change("wip:*=4"), Change)


def test_rework_rates_count_moves_back_per_journey():
    from vsm_core.future.model import rework_rates

    table = rework_rates(_model())
    assert table.to_dict("records") == [
        {"from_stage": "Review", "to_stage": "In Progress", "per_item": 0.5}
    ]
    merged = apply_changes(_model(), parse_changes(["merge:In Progress+Review"], STAGES))
    assert rework_rates(merged).empty  # the loop was inside the merged stage


def test_a_stage_name_with_a_plus_can_be_merged():
    [merge] = parse_changes(["merge:C++ review+testing"], ("C++ Review", "Testing"))
    assert merge.stages == ("C++ Review", "Testing")
