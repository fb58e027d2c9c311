"""read_upload: containers, encodings, separators, headers, rows, and hostile files."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsm_core.importers.containers import delimited, lenient, read_upload
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import ImportOptions

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
MB = 1024 * 1024


def read(name: str, **options):
    return read_upload((DATA / name).read_bytes(), name, ImportOptions(**options))


def read_bytes(data: bytes, filename: str = "upload.csv", **options):
    return read_upload(data, filename, ImportOptions(**options))


def failure(data: bytes, filename: str = "upload.csv", **options) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        read_bytes(data, filename, **options)
    return caught.value


def cells(frame: pd.DataFrame, column: str) -> list:
    return [None if not isinstance(v, tuple) and pd.isna(v) else v for v in frame[column]]


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("utf8.csv", "utf-8"), ("utf8_bom.csv", "utf-8-sig"), ("utf16le_bom.csv", "utf-16")],
)
def test_unicode_encodings_are_detected(name, encoding):
    upload = read(name)
    table = upload.table
    assert upload.container == "csv"
    assert table.encoding == encoding
    assert table.columns == ["Key", "Owner", "Created"]  # no BOM glued to "Key"
    assert cells(table.frame, "Owner") == ["Müller", "Søren Ødegård"]
    assert table.rows.tolist() == [2, 3]


def test_cp1252_is_the_fallback_when_utf8_fails():
    table = read("cp1252.csv").table
    assert table.encoding == "cp1252"
    assert table.separator == ";"
    assert cells(table.frame, "Owner") == ["Müller", "Weiß"]
    assert cells(table.frame, "Note")[0] == "“smart” quotes – and €"
    assert any("Windows-1252" in note for note in table.notes)


def test_windows_1252_bytes_that_are_valid_utf8_are_read_as_utf8_unless_named():
    """The documented order: valid UTF-8 wins. "Ü" and a no-break space in Windows-1252
    (0xDC 0xA0) are also the UTF-8 of U+0720, so the file reads as UTF-8; the
    Import page's encoding choice (here ``encoding=``) reads it as written."""
    data = "D\n\xdc\xa0x\n".encode("latin-1")
    guessed = read_bytes(data).table
    assert guessed.encoding == "utf-8"
    assert cells(guessed.frame, "D") == ["\u0720x"]
    named = read_bytes(data, encoding="cp1252").table
    assert cells(named.frame, "D") == ["\xdc\xa0x"]


def test_an_explicit_encoding_is_used():
    data = "Name\nMüller\n".encode("latin-1")
    table = read_bytes(data, encoding="latin-1").table
    assert table.encoding == "iso8859-1"
    assert cells(table.frame, "Name") == ["Müller"]
    with pytest.raises(ImportFailed, match="not valid utf-8"):
        read_bytes(data, encoding="utf-8")
    with pytest.raises(ImportFailed, match="unknown encoding"):
        read_bytes(data, encoding="klingon")


def test_bytes_that_are_neither_utf8_nor_cp1252_fail_clearly():
    error = failure(b"Name\nab\x81c\n")
    assert "UTF-8 or Windows-1252" in str(error)
    assert error.problems[0].row == 2


def test_utf16_without_bom_is_recognised():
    table = read_bytes("Key,Title\nA-1,Hello\n".encode("utf-16-le")).table
    assert table.encoding == "utf-16-le"
    assert cells(table.frame, "Title") == ["Hello"]


# --- separators -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "separator", "title"),
    [
        ("semicolon.csv", ";", "Fix login, again"),
        ("tabs.tsv", "\t", "Fix login, again"),
        ("pipes.txt", "|", "Fix login, again; twice"),
        ("utf8.csv", ",", None),
    ],
)
def test_the_separator_is_sniffed(name, separator, title):
    table = read(name).table
    assert table.separator == separator
    if title is not None:
        assert cells(table.frame, "Title")[0] == title


def test_sniffing_ignores_separators_inside_quotes():
    data = b'a;b\n"x,y,z";1\n"p,q,r";2\n"1,2,3";3\n'
    table = read_bytes(data).table
    assert table.separator == ";"
    assert cells(table.frame, "a") == ["x,y,z", "p,q,r", "1,2,3"]


def test_an_explicit_separator_wins_and_a_single_column_is_fine():
    table = read_bytes(b"a,b\n1,2\n", separator=";").table
    assert table.columns == ["a,b"]
    table = read_bytes(b"Key\nA-1\nA-2\n").table
    assert table.columns == ["Key"]
    assert cells(table.frame, "Key") == ["A-1", "A-2"]
    assert read_bytes(b"a\tb\n1\t2\n", separator="tab").table.columns == ["a", "b"]
    with pytest.raises(ImportFailed, match="one character"):
        read_bytes(b"a,b\n1,2\n", separator=";;")


# --- rows and headers -------------------------------------------------------------------------


def test_quoted_newlines_keep_row_numbers_right():
    table = read("multiline.csv").table
    assert cells(table.frame, "Key") == ["VSM-1", "VSM-2", "VSM-3", "VSM-4"]
    assert table.rows.tolist() == [2, 5, 6, 8]
    assert cells(table.frame, "Description")[0] == "first line\r\nsecond line\r\nthird, with comma"
    assert cells(table.frame, "Description")[1] == 'He said "hi"'


def test_repeated_sprint_headers_merge_into_tuples_and_repeated_header_rows_are_skipped():
    table = read("jira_sprints.csv").table
    assert table.columns == ["Issue key", "Summary", "Sprint", "Status"]
    assert table.repeated_headers == {"Sprint": 3}
    assert cells(table.frame, "Sprint") == [
        ("Sprint 1", "Sprint 2"),
        None,
        ("Sprint 3", "Sprint 4"),
    ]
    assert table.frame["Sprint"].dtype == object
    assert table.frame["Status"].dtype == "str"
    assert table.rows.tolist() == [2, 3, 6]
    assert any("1 repeated header row skipped (row 5)" in note for note in table.notes)


def test_cells_are_stripped_blank_cells_are_missing_and_blank_headers_are_named():
    table = read_bytes(b"\n\n Key , ,Status\n A-1 ,  , \n\n,,\nA-2,x,Done\n").table
    assert table.columns == ["Key", "column_2", "Status"]
    assert table.rows.tolist() == [4, 7]
    assert cells(table.frame, "Key") == ["A-1", "A-2"]
    assert cells(table.frame, "Status") == [None, "Done"]
    assert table.frame["Status"].isna().tolist() == [True, False]
    assert all(str(dtype) == "str" for dtype in table.frame.dtypes)


def test_every_ragged_row_is_reported_and_short_rows_are_padded():
    with pytest.raises(ImportFailed) as caught:
        read("ragged.csv")
    error = caught.value
    assert [(p.row, p.column, p.value) for p in error.problems] == [
        (3, None, "cells"),
        (5, None, "extra"),
    ]
    assert "4 cells but the header has 3" in error.problems[0].message
    table = read_bytes(b"a,b,c\n1\n2,3,4,,\n").table
    assert cells(table.frame, "c") == [None, "4"]


def test_an_unclosed_quote_is_an_error_not_a_swallowed_file():
    error = failure(b'a,b\n1,2\n3,"never closed\n4,5\n6,7\n')
    assert error.problems[0].row == 3
    assert "never closed" in error.problems[0].message


def test_empty_files_and_header_only_files():
    for data in (b"", b"   \n\t\r\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n\n"):
        assert str(failure(data)) == "the file is empty"
    assert str(failure(codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"))) == "the file is empty"
    assert str(failure(b"a,b,c\n")) == "the file has a header but no rows"
    assert str(failure(b"a,b,c\n\n,,\na,b,c\n")) == "the file has a header but no rows"


def test_a_giant_field_is_fine():
    big = "x" * (2 * MB)
    table = read_bytes(f'Key,Text\nA-1,"{big}"\nA-2,small\n'.encode()).table
    assert len(cells(table.frame, "Text")[0]) == 2 * MB
    assert table.rows.tolist() == [2, 3]


def test_a_field_over_the_cap_is_reported():
    big = "x" * (lenient.FIELD_LIMIT + 10)
    error = failure(f"Key,Text\nA-1,{big}\n".encode())
    assert error.problems[0].row == 2
    assert "larger than" in error.problems[0].message


# --- hostile and mislabelled files ------------------------------------------------------------


def test_the_size_limit_is_checked_first():
    error = failure(b"%PDF-" + b"x" * 3 * MB, max_bytes=2 * MB)
    assert str(error) == (
        "the file is 3.0 MiB (3,145,733 bytes); the limit is 2 MiB (2,097,152 bytes, "
        "VSM_MAX_UPLOAD_MB) — export fewer items or a shorter period"
    )


def test_nul_bytes_mean_a_binary_file():
    error = failure(b"Key,Title\nA-1,ok\nA-2,b\x00d\n")
    assert error.problems[0].row == 3
    assert "NUL bytes — is it a binary file renamed to .csv?" in str(error)


def test_jira_html_excel_export_is_refused_with_advice():
    with pytest.raises(ImportFailed) as caught:
        read("jira_excel_export.xls")
    error = caught.value
    assert "HTML page" in str(error)
    assert "export CSV" in str(error)
    assert "HTML page" in str(failure(b"  <table><tr><td>1</td></tr></table>", "x.csv"))


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "export.csv", "PDF document"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "export.csv", "gzip"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "export.txt", "PNG image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "old Excel .xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "secret.xlsx", "password"),
        (b"Key,Title\nA-1,x\n", "export.xlsx", "not a zip archive"),
    ],
)
def test_binary_signatures_are_refused_clearly(data, filename, expected):
    assert expected in str(failure(data, filename))


def test_a_zip_renamed_to_csv_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert "zip archive, not a table" in str(failure(buffer.getvalue(), "export.csv"))
    assert "not an Excel workbook" in str(failure(buffer.getvalue(), "export.xlsx"))
    assert "damaged zip" in str(failure(b"PK\x03\x04garbage", "export.xlsx"))


def test_text_named_xls_is_read_as_text():
    table = read_bytes(b"Key\tTitle\nA-1\tx\n", "export.xls").table
    assert table.separator == "\t"
    assert table.columns == ["Key", "Title"]
    assert any(".xls" in note for note in table.notes)


# --- Excel ------------------------------------------------------------------------------------


def workbook_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    hidden = workbook.active
    hidden.title = "Lookup"
    hidden["A1"] = "not this one"
    hidden.sheet_state = "hidden"
    sheet = workbook.create_sheet("Issues")
    sheet.append(["Key", "Created", "Points", "Estimate", "Sprint", "Sprint", "Done"])
    sheet.append(["A-1", dt.datetime(2024, 1, 5, 10, 0), 3, 2.5, "S1", "S2", True])
    sheet.append(["A-2", dt.date(2024, 2, 1), 8.0, 45292, None, "S3", False])
    sheet.append([])  # row 4 stays empty
    sheet.append(
        ["  A-3 ", dt.datetime(2024, 3, 1, 9, 30, 15, 250000), None, None, None, None, None]
    )
    sheet.append(["Key", "Created", "Points", "Estimate", "Sprint", "Sprint", "Done"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_round_trip():
    data = workbook_bytes()
    upload = read_bytes(data, "export.xlsx")
    table = upload.table
    assert upload.container == table.container == "xlsx"
    assert table.separator is None
    assert table.columns == ["Key", "Created", "Points", "Estimate", "Sprint", "Done"]
    assert table.rows.tolist() == [2, 3, 5]
    frame = table.frame
    assert cells(frame, "Key") == ["A-1", "A-2", "A-3"]
    assert cells(frame, "Created") == [
        "2024-01-05T10:00:00",
        "2024-02-01T00:00:00",
        "2024-03-01T09:30:15.250000",
    ]
    assert cells(frame, "Points") == ["3", "8", None]
    assert cells(frame, "Estimate") == ["2.5", "45292", None]
    assert cells(frame, "Sprint") == [("S1", "S2"), ("S3",), None]
    assert cells(frame, "Done") == ["TRUE", "FALSE", None]
    assert table.repeated_headers == {"Sprint": 2}
    assert any("repeated header row" in note for note in table.notes)
    assert any("'Issues'" in note for note in table.notes)


def test_an_xlsx_named_csv_is_read_as_xlsx():
    upload = read_bytes(workbook_bytes(), "export.csv")
    assert upload.container == "xlsx"
    assert any("read it as .xlsx" in note for note in upload.table.notes)


def zip_bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", bytes(size))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb(50 * MB)


def test_a_zip_bomb_is_refused_before_openpyxl_sees_it(bomb, monkeypatch):
    assert len(bomb) < MB

    def must_not_run(*args, **kwargs):
        raise AssertionError("openpyxl was called")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_run)
    error = failure(bomb, "bomb.xlsx")
    assert "zip bomb" in str(error)
    assert "expands" in str(error)  # the ratio guard
    error = failure(bomb, "bomb.xlsx", max_bytes=MB)  # unpack limit: the 16 MiB floor
    assert "would unpack to 50.0 MiB (the limit is 16 MiB); it looks like a zip bomb" in str(error)


# --- JSON -------------------------------------------------------------------------------------


def test_json_array_of_objects():
    data = json.dumps([{"key": "A-1"}, {"key": "A-2", "n": 2}]).encode()
    upload = read_bytes(data, "items.json")
    assert upload.container == "json"
    assert upload.table is None
    assert upload.records == [{"key": "A-1"}, {"key": "A-2", "n": 2}]


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("jira_search.json", ["VSM-1", "VSM-2"]),
        ("jira_pages.json", ["VSM-1", "VSM-2", "VSM-3"]),
    ],
)
def test_jira_search_pages(name, keys):
    assert [record["key"] for record in read(name).records] == keys


def test_ado_value_list():
    records = read("ado_workitems.json").records
    assert [record["id"] for record in records] == [1, 2]


def test_invalid_json_reports_line_and_column():
    error = failure(b'[\n  {"a": 1},\n  {"a": }\n]', "items.json")
    assert error.problems[0].row == 3
    assert "line 3, column 9" in str(error)
    assert "JSON Lines" in str(failure(b'{"a": 1}\n{"a": 2}\n', "items.json"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'"just a string"', "a string, not an array"),
        (b'{"user": {"name": "x"}}', "no list of records"),
        (b"[]", "no records"),
        (b'[{"a": 1}, 2]', "record 2 is a number"),
    ],
)
def test_json_that_holds_no_records(data, expected):
    assert expected in str(failure(data, "x.json"))


def test_jsonl_reports_every_bad_line():
    with pytest.raises(ImportFailed) as caught:
        read("events_bad_line.jsonl")
    error = caught.value
    assert [p.row for p in error.problems] == [4]
    error = failure(b'{"a": 1}\n[1, 2]\n{bad\n\n{"a": 2}\n', "events.ndjson")
    assert [p.row for p in error.problems] == [2, 3]
    records = read_bytes(b'{"a": 1}\n\n{"a": 2}\r\n', "events.jsonl").records
    assert records == [{"a": 1}, {"a": 2}]


def test_unknown_extensions_are_sniffed():
    assert read_bytes(b'[{"a": 1}]', "export").container == "json"
    assert read_bytes(b'{"a": 1}\n{"a": 2}\n', "export.dat").container == "jsonl"
    assert read_bytes(b"a;b\n1;2\n", "export.dat").table.separator == ";"


# --- the upload itself ------------------------------------------------------------------------


def test_hash_size_and_filename():
    data = (DATA / "utf8.csv").read_bytes()
    upload = read_bytes(data, "folder/utf8.csv")
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert upload.size_bytes == len(data)
    assert upload.filename == "folder/utf8.csv"


def test_unexpected_errors_become_import_failed(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(delimited, "build_table", explode)
    error = failure(b"a,b\n1,2\n")
    assert str(error) == "could not read the file: boom"
    assert isinstance(error.__cause__, RuntimeError)


def test_rows_are_integer_arrays():
    table = read("utf8.csv").table
    assert isinstance(table.rows, np.ndarray)
    assert table.rows.dtype == np.int64
    assert len(table.rows) == len(table.frame)


EXTENSIONS = [".csv", ".tsv", ".txt", ".json", ".jsonl", ".xlsx", ".xls"]


def _either_upload_or_import_failed(data: bytes, extension: str) -> None:
    try:
        upload = read_upload(data, "upload" + extension, ImportOptions())
    except ImportFailed as error:
        assert error.problems
        return
    assert upload.size_bytes == len(data)
    if upload.table is not None:
        assert len(upload.table.rows) == len(upload.table.frame) > 0
    else:
        assert upload.records and all(isinstance(r, dict) for r in upload.records)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), extension=st.sampled_from(EXTENSIONS))
def test_arbitrary_bytes_give_an_upload_or_import_failed(data, extension):
    _either_upload_or_import_failed(data, extension)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=500), extension=st.sampled_from(EXTENSIONS))
def test_arbitrary_text_gives_an_upload_or_import_failed(text, extension):
    _either_upload_or_import_failed(text.encode("utf-8"), extension)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.lists(st.text(alphabet='ab,;\t|"\n ', max_size=6), min_size=1, max_size=4),
        min_size=1,
        max_size=6,
    ),
    extension=st.sampled_from([".csv", ".tsv", ".txt"]),
)
def test_csv_shaped_text_gives_an_upload_or_import_failed(rows, extension):
    text = "\n".join(",".join(row) for row in rows)
    _either_upload_or_import_failed(text.encode("utf-8"), extension)


def test_nan_is_never_a_string():
    frame = read_bytes(b"a,b\n1,\n").table.frame
    assert math.isnan(frame["b"].iloc[0])
