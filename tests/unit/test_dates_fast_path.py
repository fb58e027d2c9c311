"""ISO 8601 columns read by Arrow's cast give what the general path of parse_timestamps gives.

Every test parses the same column twice, once as it is and once with the
Arrow cast (``dates._iso_by_arrow``) switched off, and requires the same
instants, the same problems and the same day/month outcome, whether the
cast read the column or left it to the general path. Hand-written
instants pin the results themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_core.importers import dates
from vsm_core.importers.dates import parse_timestamps

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe")


def both(values, *, timezone: str = "UTC", dtype="str") -> bool:
    """Parse with and without the Arrow cast, assert equal results; whether it read them."""
    series = pd.Series(values, dtype=dtype, index=pd.RangeIndex(10, 10 + len(values)), name="t")
    rows = np.arange(2, len(series) + 2)
    fast = parse_timestamps(series, column="t", rows=rows, timezone=timezone)
    general = dates._iso_by_arrow
    try:
        dates._iso_by_arrow = lambda _values, _timezone: None
        slow = parse_timestamps(series, column="t", rows=rows, timezone=timezone)
    finally:
        dates._iso_by_arrow = general
    pd.testing.assert_series_equal(fast.values, slow.values)
    assert fast.problems == slow.problems
    assert (fast.date_order_used, fast.ambiguous) == (slow.date_order_used, slow.ambiguous)
    return dates._iso_by_arrow(series, timezone) is not None


@pytest.mark.parametrize("timezone", ZONES)
@pytest.mark.parametrize(
    "values",
    [
        ["2025-01-06T00:05:57Z", "2025-01-11T10:02:02Z"],
        ["2024-03-05T14:07:00+01:00", "2024-03-05T14:07:00-05:30", "2024-03-05T14:07:00+00:00"],
        ["2024-03-05T14:07:00+0100", "2024-03-05T14:07:00-0930"],
        ["2024-03-05T14:07:00+01", "2024-03-05T14:07:00-11"],
        ["2024-03-05T14:07:00+23:59", "2024-03-05T14:07:00-23:59"],
        ["2024-03-05T14:07", "2024-12-31T23:59"],
        ["2024-03-05", "2024-02-29", "2100-12-27", "1900-01-05"],
        ["2024-03-05T14:07:00.1234567Z", "2024-03-05T14:07:00.9999999Z"],
        ["2024-03-05T14:07:00.123456789Z", "1969-12-31T23:59:59.9999999Z"],
        ["2024-03-05T14:07:00.5", "2024-03-05T14:07:00.0"],
        ["2024-03-05T14:07:00.123+01:00", "2024-03-05T14:07:00.999-01:00"],
        # daylight saving: a nonexistent and a repeated wall time in Europe and America
        ["2024-03-31T02:30:00", "2024-10-27T02:30:00", "2024-03-10T02:30:00"],
        ["2024-11-03T01:30:00", "2024-03-31 02:00:00"],
        ["2040-07-01T12:00:00", "2099-10-25T02:30:00"],  # summer time after 2037 too
        # T and a space, and offsets of every style, mixed in one column
        ["2024-03-05T14:07:00Z", "2024-03-05 14:07:00Z"],
        ["2024-03-05T14:07:00Z", "2024-03-05T14:07:00+01", "2024-03-05 14:07+0530"],
        ["2024-03-05", "2024-03-05T14:07", "2024-03-05 14:07:09.5"],
    ],
)
def test_columns_arrow_reads_give_the_general_paths_instants(values, timezone):
    assert both(values, timezone=timezone)


@pytest.mark.parametrize(
    "values",
    [
        ["2024-03-05", None, "2024-03-06", ""],  # blanks are skipped, not read
        [None, "2024-03-05T14:07:00Z", np.nan],
    ],
)
def test_blank_cells_stay_missing_and_the_rest_is_read_by_arrow(values):
    assert both(values)
    assert both(values, dtype=object)


@pytest.mark.parametrize(
    "values",
    [
        ["2024-03-05T14:07:60Z"],  # second 60
        ["2024-03-05T24:00:00Z"],  # hour 24
        ["2024-02-30T00:00:00Z"],  # no 30 February
        ["2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z"],  # 2023 is no leap year
        ["2024-04-31"],
        ["2024-13-01", "2024-00-10", "2024-01-00"],
        ["2024-03-05T14:07:00+24:00"],
        ["2024-03-05T14:07:00+14:60"],
        ["1899-12-31T23:30:00-01:00"],  # year outside 1900-2100
        ["2101-01-01", "2024-01-01"],
        ["0001-01-01"],
        ["1900-01-01", "2024-01-01"],  # within two days of the range's ends: the general path
        ["2100-12-31T23:30:00-01:00"],
        ["1900-01-01T00:30:00+01:00", "2100-12-31T23:30:00-01:00"],
        [" 2024-03-05"],  # surrounding space: the general path strips it
        ["2024-03-05 14:07:00 +01:00", "2024-03-05 14:07:00 -01:00"],  # a space before it
        ["2024-03-05T14:07:00 Z"],
        ["2024-03-05T14:07:00.000000000001Z"],  # more than 9 fraction digits
        ["2024-03-05T14:07:00Z", "2024-03-05T14:07:00"],  # an offset on some cells only
        ["2024-03-05T14:07:00Z", "2024/03/05T14:07:00Z"],
        ["2024-03-05t14:07:00z"],
        ["２０２４-03-05"],  # other scripts' digits
        ["2024-03-05", "13/03/2024"],
        ["2024-03-05T14:07:00.Z"],
        ["2024-03-05Z"],  # an offset needs a time
        ["2024-03-05T14"],  # an hour without minutes: Arrow reads it, the general path not
        ["2024-03-05T14Z", "2024-03-05 14+01:00"],
        ["2024-03-05T14:07", "2024-03-05T14"],
        [None, None],
        [],
        [""],
        ["45356.5", "45357"],
    ],
)
def test_anything_else_is_left_to_the_general_path_with_the_same_problems(values):
    assert not both(values)


@pytest.mark.parametrize(
    ("text", "timezone", "instant"),
    [
        ("2025-01-06T00:05:57Z", "Europe/Berlin", "2025-01-06 00:05:57"),
        ("2024-03-05T14:07:09+01:30", "UTC", "2024-03-05 12:37:09"),
        ("2024-03-05T14:07:09-0930", "UTC", "2024-03-05 23:37:09"),
        ("2024-03-05T14:07:09.9999999Z", "UTC", "2024-03-05 14:07:09.999999"),  # cut
        ("1969-12-31T23:59:59.9999999Z", "UTC", "1969-12-31 23:59:59.999999"),
        ("2024-07-01 12:00", "Europe/Berlin", "2024-07-01 10:00"),
        ("2040-07-01 12:00", "Europe/Berlin", "2040-07-01 10:00"),  # summer time after 2037
        ("2024-03-31T02:30:00", "Europe/Berlin", "2024-03-31 01:00"),  # skipped: 03:00
        ("2024-10-27T02:30:00", "Europe/Berlin", "2024-10-27 00:30"),  # repeated: the first
        ("2024-03-05", "America/New_York", "2024-03-05 05:00"),
    ],
)
def test_instants_read_by_arrow_are_the_ones_written(text, timezone, instant):
    assert both([text], timezone=timezone)
    parsed = parse_timestamps(
        pd.Series([text], dtype="str"), column="t", rows=np.array([2]), timezone=timezone
    )
    assert parsed.values.tolist() == [pd.Timestamp(instant, tz="UTC")]
    assert parsed.problems == []


def test_non_text_cells_are_left_to_the_general_path():
    assert not both([1, 2, 3], dtype=object)
    assert not both(["2024-03-05", 5], dtype=object)


def test_a_sliced_arrow_column_is_read_from_its_own_offset():
    column = pd.Series(["x", "2024-03-05T14:07:00Z", "2024-03-06T14:07:00Z"], dtype="str")
    assert both(column.iloc[1:].tolist())
    sliced = column.iloc[1:]
    parsed = parse_timestamps(sliced, column="t", rows=np.array([3, 4]))
    assert parsed.values.tolist() == [
        pd.Timestamp("2024-03-05 14:07", tz="UTC"),
        pd.Timestamp("2024-03-06 14:07", tz="UTC"),
    ]
    assert parsed.values.index.tolist() == [1, 2]


def _field(draw, width: int, valid_max: int, plausible: bool, low: int = 0) -> str:
    """A zero-padded field: within ``low..valid_max`` (edges included) when ``plausible``."""
    bounds = (low, valid_max) if plausible else (0, 10**width - 1)
    return str(draw(st.integers(*bounds))).zfill(width)


@st.composite
def _cell(draw, layout, plausible: bool):
    """A cell of ``layout``; plausible fields are in range but for 29-31 in short months."""
    year = draw(st.sampled_from(["1899", "1900", "1970", "2023", "2024", "2100", "2101"]))
    text = f"{year}-{_field(draw, 2, 12, plausible, 1)}-{_field(draw, 2, 31, plausible, 1)}"
    separator, seconds, fraction, offset = layout
    if separator is None:
        return text
    text += f"{separator}{_field(draw, 2, 23, plausible)}:{_field(draw, 2, 59, plausible)}"
    if seconds:
        text += f":{_field(draw, 2, 59, plausible)}"
        if fraction:
            text += "." + _field(draw, fraction, 10**fraction - 1, False)
    if offset == "Z":
        text += "Z"
    elif offset:
        sign = draw(st.sampled_from("+-"))
        hours, minutes = _field(draw, 2, 23, plausible), _field(draw, 2, 59, plausible)
        text += sign + offset.replace("hh", hours).replace("mm", minutes)
    return text


_LAYOUTS = st.tuples(
    st.sampled_from([None, "T", " "]),
    st.booleans(),
    st.sampled_from([0, 1, 3, 6, 7, 9]),
    st.sampled_from(["", "Z", "hh:mm", "hhmm", "hh", " Z", " hh:mm"]),
)


@settings(max_examples=200, deadline=None)
@given(
    layout=_LAYOUTS,
    data=st.data(),
    size=st.integers(1, 8),
    timezone=st.sampled_from(ZONES),
    plausible=st.booleans(),
    blanks=st.lists(st.sampled_from([None, ""]), max_size=2),
)
def test_random_columns_read_the_same_with_and_without_arrow(
    layout, data, size, timezone, plausible, blanks
):
    cells = [data.draw(_cell(layout, plausible)) for _ in range(size)] + blanks
    both(data.draw(st.permutations(cells)), timezone=timezone)


def test_the_benchmark_layout_is_read_by_arrow():
    stamps = pd.date_range("2025-01-01", periods=5000, freq="37min", tz="UTC")
    assert both(stamps.strftime("%Y-%m-%dT%H:%M:%SZ").tolist())
    assert both(stamps.strftime("%Y-%m-%d %H:%M:%S").tolist(), timezone="Europe/Berlin")


#: Pieces of ISO-like text, glued at random: hours without minutes, stray spaces, odd
#: separators, too many digits, for what Arrow may read and the general path not.
_PIECES = st.sampled_from(
    [
        *("2024-03-05", "1999-12-31", "2024-02-30", "T", " ", "t", "14", ":07", ":09", ".5"),
        *(".1234567890", "Z", "z", "+01", "+0130", "-05:30", " +01:00", "+24:00", "", "/"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(st.lists(_PIECES, min_size=1, max_size=7).map("".join), max_size=4),
    timezone=st.sampled_from(ZONES),
)
def test_iso_like_text_reads_the_same_with_and_without_arrow(cells, timezone):
    both(cells, timezone=timezone)
