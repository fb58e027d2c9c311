"""Properties of the whole import pipeline, and an Excel workbook end to end."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import FORMATS, ImportOptions
from vsm_core.importers.pipeline import import_bytes

CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "A-1",
            "A-2",
            "To Do",
            "Done",
            "In Progress",
            "2024-01-05",
            "05/13/2024",
            "13/05/2024",
            "2024-01-05T10:00:00+01:00",
            "45356.5",
            "=1+1",
            "x|y",
            '"q"',
        ]
    ),
    st.text(max_size=12),
)
HEADER = st.sampled_from(
    [
        "ID",
        "Key",
        "Status",
        "From",
        "To",
        "Timestamp",
        "Created",
        "Started",
        "Done",
        "Type",
        "Title",
        "Labels",
        "Backlog",
        "Doing",
        "Sprint",
    ]
)


@st.composite
def csv_files(draw) -> bytes:
    headers = draw(st.lists(HEADER, min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(CELL, min_size=len(headers), max_size=len(headers)), max_size=8))
    separator = draw(st.sampled_from([",", ";", "\t"]))
    lines = [separator.join(headers)] + [
        separator.join(cell.replace(separator, " ").replace("\n", " ") for cell in row)
        for row in rows
    ]
    return "\n".join(lines).encode(
        draw(st.sampled_from(["utf-8", "utf-16", "cp1252"])), errors="replace"
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=csv_files(), fmt=st.sampled_from(["auto", *FORMATS]))
def test_only_import_failed_ever_escapes(data, fmt):
    try:
        result = import_bytes(data, "random.csv", ImportOptions(format=fmt))
    except ImportFailed as failure:
        assert failure.problems and all(p.message for p in failure.problems)
        # The pipeline turns unexpected errors into ImportFailed as a last resort;
        # none of these inputs may need it (that would be a bug, not bad input).
        assert failure.__cause__ is None or isinstance(failure.__cause__, ImportFailed | ValueError)
        assert not str(failure).startswith(("could not import the file", "could not read the file"))
        return
    # A file that imports gives a valid dataset: every event belongs to an item.
    events, items = result.dataset.events, result.dataset.items
    assert set(events["item_id"]) <= set(items["item_id"])
    assert events["entered_at"].notna().all()


def test_an_excel_workbook_imports_like_its_csv():
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Key", "Status", "Changed", "Type"])
    sheet.append(["X-1", "To Do", datetime(2024, 1, 2, 9, 0), "Story"])
    sheet.append(["X-1", "In Progress", datetime(2024, 1, 3, 9, 0), "Story"])
    sheet.append(["X-1", "Done", datetime(2024, 1, 5, 21, 0), "Story"])
    sheet.append([1234, "To Do", 45293.5, "Bug"])  # a numeric id and an Excel serial time
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_bytes(buffer.getvalue(), "board.xlsx")
    assert result.format == "events"
    assert result.upload.container == "xlsx"
    assert set(result.dataset.items["item_id"]) == {"X-1", "1234"}
    times = result.dataset.events.set_index("item_id")["entered_at"]
    assert str(times.loc["1234"]) == "2024-01-02 12:00:00+00:00"  # serial 45293.5
