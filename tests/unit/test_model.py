"""vsm_core.model.make_dataset: events of unknown items are rejected, whatever the log's order."""

from __future__ import annotations

import pandas as pd
import pytest

from vsm_core.model import Category, ModelError, Stage, Workflow, make_dataset

WORKFLOW = Workflow(stages=(Stage(name="Doing", category=Category.ACTIVE),))


def _events(ids: list[str]) -> pd.DataFrame:
    times = pd.date_range("2024-01-01", periods=len(ids), freq="h", tz="UTC")
    return pd.DataFrame({"item_id": ids, "status": "Doing", "entered_at": times})


@pytest.mark.parametrize(
    "ids",
    [
        ["A", "A", "B", "B"],  # grouped, runs follow the item table
        ["B", "A", "B", "A"],  # interleaved
        ["B", "B", "A"],  # grouped, items in another order
    ],
)
def test_known_items_pass(ids):
    ds = make_dataset(pd.DataFrame({"item_id": ["A", "B"]}), _events(ids), WORKFLOW)
    assert ds.events["item_id"].tolist() == ids


def test_unknown_items_are_named_first_seen_first():
    ids = ["A", "X", "X", "B", "Y", "A", "Z", "X", "W", "V", "U"]
    with pytest.raises(ModelError) as error:
        make_dataset(pd.DataFrame({"item_id": ["A", "B"]}), _events(ids), WORKFLOW)
    assert str(error.value) == "events refer to unknown items: ['X', 'Y', 'Z', 'W', 'V']"


def test_events_without_items():
    with pytest.raises(ModelError, match=r"unknown items: \['A'\]"):
        make_dataset(pd.DataFrame({"item_id": []}), _events(["A", "A"]), WORKFLOW)
