"""Column results worked out on the reading thread equal what the parsers compute themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from vsm_core.importers import ahead, containers
from vsm_core.importers.dates import parse_timestamps
from vsm_core.importers.formats import common
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.pipeline import import_bytes


@pytest.fixture(autouse=True)
def _clean():
    ahead.forget()
    containers.forget_read_ahead()
    yield
    ahead.forget()
    containers.forget_read_ahead()


def _column(values: list) -> tuple[pa.Array, pd.Series]:
    cells = pa.array(["header", *values], type=pa.large_string()).slice(1)  # as a table has it
    return cells, pd.Series(pd.array(cells, dtype="str"))


@pytest.mark.parametrize(
    "values",
    [["B-2", "A-1", "B-2", None, "C-3", "A-1"], [None, None], ["x"], []],
)
def test_codes_worked_out_ahead_are_pd_factorize(values):
    cells, series = _column(values)
    expected_codes, expected_names = pd.factorize(series)
    ahead.work_out(cells, codes=True, timezone=None)
    codes, names = common.factorize_text(series)
    np.testing.assert_array_equal(codes, expected_codes)
    assert codes.dtype == np.int64
    pd.testing.assert_index_equal(names, expected_names)
    found_codes, found_names = common.factorize_ids(series)
    np.testing.assert_array_equal(found_codes, expected_codes)
    assert found_names.tolist() == expected_names.tolist()


@pytest.mark.parametrize("timezone", ["UTC", "Europe/Berlin"])
@pytest.mark.parametrize(
    "values",
    [
        ["2024-03-05T14:07:09Z", None, "2024-03-31T02:30:00Z"],
        ["2024-03-05T14:07:09+01:00", "2024-03-05T14:07:09-05:30"],
        ["2024-03-31 02:30:00", "2024-10-27 02:30:00", None],  # wall clock: DST in Berlin
        ["2024-02-30T00:00:00Z"],  # invalid: the general path reports it
        ["13/03/2024"],
    ],
)
def test_instants_read_ahead_equal_parse_timestamps(values, timezone):
    cells, series = _column(values)
    rows = np.arange(2, len(series) + 2)
    expected = parse_timestamps(series, column="t", rows=rows, timezone=timezone)
    ahead.work_out(cells, codes=False, timezone=timezone)
    found = parse_timestamps(series, column="t", rows=rows, timezone=timezone)
    pd.testing.assert_series_equal(found.values, expected.values)
    assert found.problems == expected.problems


def test_only_the_very_same_column_finds_the_results():
    cells, series = _column(["2024-03-05T14:07:09Z", "2024-03-06T14:07:09Z"])
    ahead.work_out(cells, codes=True, timezone="UTC")
    assert ahead.codes_of(series) is not None
    assert ahead.codes_of(series.astype("str")) is not None  # the same Arrow buffers
    assert ahead.instants_of(series, "UTC") is not None
    assert ahead.instants_of(series, "Europe/Berlin") is None  # another zone
    copy = pd.Series(pd.array(series.tolist(), dtype="str"))
    assert ahead.codes_of(copy) is None  # same text, other bytes
    assert ahead.codes_of(series.iloc[1:]) is None  # a slice
    assert ahead.codes_of(series.astype(object)) is None
    ahead.forget()
    assert ahead.codes_of(series) is None


def test_wall_clock_times_are_not_kept_outside_utc():
    cells, series = _column(["2024-03-05 14:07:09"])
    ahead.work_out(cells, codes=False, timezone="Europe/Berlin")
    assert ahead.instants_of(series, "Europe/Berlin") is None


def test_an_import_read_ahead_equals_one_that_was_not():
    statuses = ["To Do", "Doing", "Done"]
    rows = "".join(
        f"K-{n % 40},{statuses[n % 3]},2024-01-{n % 28 + 1:02d}T10:{n % 60:02d}:00Z,Item {n % 40}\n"
        for n in range(400)
    )
    data = ("Key,Status,Changed,Title\n" + rows).encode()
    options = ImportOptions()
    plain = import_bytes(data, "events.csv", options, quality=False)
    containers.read_ahead(data, "events.csv", options)
    assert len(ahead._COLUMNS) == 3  # ids and statuses factorised, timestamps read
    found = import_bytes(data, "events.csv", options, quality=False)
    pd.testing.assert_frame_equal(found.dataset.items, plain.dataset.items)
    pd.testing.assert_frame_equal(found.dataset.events, plain.dataset.events)
    assert found.workflow == plain.workflow
    assert found.status_counts == plain.status_counts
