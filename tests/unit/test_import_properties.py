"""Properties of the reader and of the whole import pipeline, and an Excel workbook end to end.

The reader's property: a table written as delimited text in any of the ways
exports write it (quoted or not, any separator, line ends inside quoted
cells, CRLF, empty lines, a byte-order mark, UTF-16 or Windows-1252) is read
back by Arrow with the cells and line numbers it was written with, which
are also what Python's csv module reads.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsm_core.importers.containers import delimited, read_upload
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import FORMATS, ImportOptions
from vsm_core.importers.pipeline import InternalImportError, import_bytes

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
        assert not isinstance(failure, InternalImportError), str(failure)
        assert not str(failure).startswith("could not read the file")
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


# --- the reader -------------------------------------------------------------------------------

_LINE_END = re.compile("\r\n|\r|\n")


@st.composite
def written_tables(draw) -> dict:
    """A table and its text as an export writes it, with what reading it must give back."""
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(1, 4))
    names = st.text(alphabet="KeySatusDonP", min_size=1, max_size=5)
    header = draw(st.lists(names, min_size=width, max_size=width, unique=True))
    pieces = ["a", "b", " ", "Ü", "é", '"', "\n", "\r\n", "\r", sep, ",", "\u3000", "\xa0"]
    cell = st.lists(st.sampled_from(pieces), max_size=5).map("".join)
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=6))
    quote_all = draw(st.booleans())
    newline = draw(st.sampled_from(["\n", "\r\n"]))

    def field(value: str) -> str:
        if quote_all or any(c in value for c in (sep, '"', "\r", "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    text = newline * draw(st.integers(0, 2))
    kept, lines = [], []
    for number, record in enumerate([header, *rows]):
        line = len(_LINE_END.findall(text)) + 1  # the line the record starts on
        text += sep.join(field(value) for value in record) + newline
        text += newline * draw(st.sampled_from([0, 0, 0, 1]))  # an empty line
        cells = [value.strip() or None for value in record]
        if number and any(cells) and cells != header:
            kept.append(cells)
            lines.append(line)
    if draw(st.booleans()):
        text = text.removesuffix(newline)  # no line end after the last record
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # U+3000 has no Windows-1252 byte
        data = text.encode("utf-8")
    if encoding == "cp1252" and _valid_utf8(data):
        # Windows-1252 bytes that are also valid UTF-8 ("Ü" then a no-break space is
        # U+0720) are read as UTF-8 by the documented rule (test_containers checks it);
        # this test is about cells and lines, so it writes such a table in UTF-8.
        data = text.encode("utf-8")
    return {"data": data, "text": text, "sep": sep, "header": header, "rows": kept, "lines": lines}


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _csv_module_reads(text: str, sep: str) -> tuple[list[list[str | None]], list[int]]:
    """(kept rows, their lines) as Python's csv module reads ``text``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True)
    rows, lines, header, previous = [], [], None, 0
    for record in reader:
        start, previous = previous + 1, reader.line_num
        cells = [cell.strip() or None for cell in record]
        if not any(cells):
            continue
        if header is None:
            header = cells
        elif cells != header:
            rows.append(cells)
            lines.append(start)
    return rows, lines


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=written_tables())
def test_a_written_table_is_read_back_by_arrow_with_its_cells_and_lines(table):
    expected = (table["rows"], table["lines"])
    assert _csv_module_reads(table["text"], table["sep"]) == expected
    read_by_arrow = []
    original = delimited.read_by_arrow

    def spy(text, sep):
        result = original(text, sep)
        read_by_arrow.append(result is not None)
        return result

    delimited.read_by_arrow = spy
    try:
        upload = read_upload(table["data"], "export.csv", ImportOptions(separator=table["sep"]))
    except ImportFailed as failure:
        assert not table["rows"]
        assert str(failure) == "the file has a header but no rows"
        return
    finally:
        delimited.read_by_arrow = original
    assert read_by_arrow == [True]
    read = upload.table
    assert read.columns == table["header"]
    frame = read.frame.astype(object).where(read.frame.notna(), None)
    assert (frame.values.tolist(), read.rows.tolist()) == expected
