"""Small hand-written datasets for the metric tests.

``from tests.unit.builders import dataset_from_events`` (tests run with
``pythonpath = ["."]``, so ``tests`` is importable as a package root).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from vsm_core.model import CanonicalDataset, Workflow, make_dataset


def dataset_from_events(
    events: Sequence[tuple[str, str, str]],
    workflow: Workflow,
    *,
    timezone: str = "UTC",
    **item_columns: Callable[[str], object],
) -> CanonicalDataset:
    """A validated dataset from ``(item_id, status, ISO 8601 time)`` event tuples.

    The items are the event ids in order of first appearance; each keyword
    adds an item column whose value for an item is ``function(item_id)``
    (``None`` = missing), e.g. ``type={"A": "Defect"}.get`` or
    ``title=lambda i: f"title {i}"``. No events gives an empty dataset.
    """
    frame = pd.DataFrame(list(events), columns=["item_id", "status", "entered_at"])
    frame["entered_at"] = pd.to_datetime(frame["entered_at"], utc=True, format="ISO8601")
    ids = list(dict.fromkeys(frame["item_id"]))
    items = pd.DataFrame({"item_id": pd.Series(ids, dtype="str")})
    for name, value_of in item_columns.items():
        items[name] = pd.Series([value_of(i) for i in ids], dtype="object")
    return make_dataset(items, frame, workflow, timezone=timezone)
