"""vsm_core.filters.ItemFilter.apply keeps the matching items and exactly their events."""

from __future__ import annotations

import pandas as pd
import pytest

from vsm_core.filters import ItemFilter
from vsm_core.model import Category, Stage, Workflow, make_dataset

WORKFLOW = Workflow(stages=(Stage(name="Doing", category=Category.ACTIVE),))


def _dataset(event_ids: list[str]):
    items = pd.DataFrame(
        {
            "item_id": ["A", "B", "C", "D"],
            "type": ["Bug", "Story", "Bug", None],
            "attributes": [{"Area": "web"}, {"Area": "api"}, {"Area": ["web", "app"]}, {}],
        }
    )
    times = pd.date_range("2024-01-01", periods=len(event_ids), freq="h", tz="UTC")
    events = pd.DataFrame({"item_id": event_ids, "status": "Doing", "entered_at": times})
    return make_dataset(items, events, WORKFLOW)


@pytest.mark.parametrize(
    "event_ids",
    [
        ["A", "A", "B", "C", "C", "D"],  # grouped in item order
        ["C", "A", "D", "B", "A", "C"],  # interleaved
        ["D", "C", "C", "B", "A", "A"],  # grouped, items in reverse
    ],
)
@pytest.mark.parametrize(
    ("item_filter", "kept"),
    [
        (ItemFilter(work_types=("Bug",)), ["A", "C"]),
        (ItemFilter(attributes=(("Area", ("web",)),)), ["A", "C"]),
        (ItemFilter(work_types=("Story", "Bug"), attributes=(("Area", ("app",)),)), ["C"]),
        (ItemFilter(teams=("Nobody",)), []),
    ],
)
def test_apply_keeps_matching_items_and_their_events_in_file_order(event_ids, item_filter, kept):
    ds = _dataset(event_ids)
    out = item_filter.apply(ds)
    assert out.items["item_id"].tolist() == kept
    expected = ds.events[ds.events["item_id"].isin(kept)].reset_index(drop=True)
    pd.testing.assert_frame_equal(out.events, expected)
