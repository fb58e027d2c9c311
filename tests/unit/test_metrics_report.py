"""vsm_core.metrics.report: the column-wise JSON records equal the value-by-value walk."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from vsm_core.metrics.report import json_records, started, to_json_ready


def _slow(frame: pd.DataFrame) -> list[dict]:
    """What metrics_document built before: records of an object frame, walked value by value."""
    return to_json_ready(frame.astype(object).to_dict("records"))


def test_json_records_equals_to_json_ready_of_records():
    frame = pd.DataFrame(
        {
            "item_id": pd.Series(["A-1", "B-2", None, "D-4"], dtype="str"),
            "stage": pd.Series(["Doing", "Review", "Doing", None], dtype="str"),
            "age_days": pd.Series([1.5, np.nan, 0.0, 12.25], dtype="float64"),
            "count": pd.Series([1, 2, 3, 4], dtype="int64"),
            "start": pd.Series(
                pd.to_datetime(["2024-01-01T00:00Z", None, "2024-01-03T12:00Z", None], utc=True)
            ),
            "flag": pd.Series([True, False, True, False], dtype="bool"),
        }
    )
    got = json_records(frame)
    assert got == _slow(frame)
    assert json.dumps(got) == json.dumps(_slow(frame))  # same types and key order
    assert got[1]["age_days"] is None and got[2]["item_id"] is None
    assert type(got[0]["age_days"]) is float and type(got[0]["item_id"]) is str


def test_json_records_of_an_empty_frame():
    frame = pd.DataFrame(
        {"item_id": pd.Series([], dtype="str"), "age_days": pd.Series([], dtype="float64")}
    )
    assert json_records(frame) == [] == _slow(frame)


def test_started_drops_only_items_done_without_a_start():
    completed = pd.DataFrame(
        {"item_id": ["A", "B", "C"], "done_without_start": [False, True, False]}
    )
    pd.testing.assert_frame_equal(started(completed), completed[~completed["done_without_start"]])
    all_started = completed[~completed["done_without_start"]].reset_index(drop=True)
    assert started(all_started) is all_started  # nothing to drop: no copy
    pd.testing.assert_frame_equal(
        started(all_started), all_started[~all_started["done_without_start"]]
    )
