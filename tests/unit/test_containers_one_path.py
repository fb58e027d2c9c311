"""Delimited text takes one path: Arrow reads it, quoted or not, and rows keep their lines.

Expectations are written by hand, or come from Python's ``csv`` module
reading the same text (the reference for quoting, stripping and line
numbers, see :func:`oracle`). A spy tells whether Arrow read the table or
left it to the csv module (:mod:`vsm_core.importers.containers.lenient`),
which only happens for text Arrow would read otherwise.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_core.importers import containers
from vsm_core.importers.arrow_text import byte_lengths
from vsm_core.importers.containers import delimited, encoding, lenient, separator
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import ImportOptions

DATA = Path(__file__).resolve().parents[1] / "data"
TEXT_FILES = sorted(
    path
    for folder in ("import", "formats")
    for path in (DATA / folder).iterdir()
    if path.suffix in {".csv", ".tsv", ".txt"}
)
#: Test files Arrow does not read: ragged rows (the csv module reports them).
LENIENT_FILES = {"ragged.csv"}


def read(data: bytes, filename: str = "upload.csv", **options):
    """(the Upload or the (row, value, message) of each problem, whether Arrow read it)."""
    calls: list[bool] = []
    original = delimited.read_by_arrow

    def spy(text, sep):
        result = original(text, sep)
        calls.append(result is not None)
        return result

    delimited.read_by_arrow = spy
    try:
        outcome = containers.read_upload(data, filename, ImportOptions(**options))
    except ImportFailed as failure:
        outcome = [(p.row, p.value, p.message) for p in failure.problems]
    finally:
        delimited.read_by_arrow = original
    return outcome, any(calls)


def oracle(text: str, sep: str) -> tuple[list[list[str | None]], list[int]]:
    """(kept rows' stripped cells, their lines) as Python's csv module reads ``text``.

    Each record starts on the line after the one the previous ended on
    (``reader.line_num``); blank records and records equal to the header
    are dropped; the header is the first record with a non-blank cell.
    """
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
    return [header, *rows], lines


def cells_of(upload) -> list[list[str | None]]:
    """The header and the rows of an upload's table (no merged columns), None for blank."""
    table = upload.table
    frame = table.frame.astype(object).where(table.frame.notna(), None)
    return [table.columns, *frame.values.tolist()]


# --- the whitespace str.strip() removes ---------------------------------------------------------


def test_python_whitespace_is_what_str_strip_removes():
    computed = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert computed == delimited.PY_WHITESPACE


# --- test files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda path: path.name)
def test_every_test_file_is_read_by_arrow_as_the_csv_module_reads_it(path):
    data = path.read_bytes()
    upload, by_arrow = read(data, path.name)
    assert by_arrow is (path.name not in LENIENT_FILES)
    if isinstance(upload, list):
        return  # ragged.csv: its problems are tested in test_containers.py
    text = encoding.decode(data, None, path.suffix)[0]
    expected, lines = oracle(text, upload.table.separator)
    if not upload.table.repeated_headers:
        assert cells_of(upload) == expected
    assert upload.table.rows.tolist() == lines


# --- hand-written cases -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "cells", "lines"),
    [
        (b"a,b\n1,2\n", [["a", "b"], ["1", "2"]], [2]),
        (b'"a","b"\n"1","2"\n', [["a", "b"], ["1", "2"]], [2]),  # every field quoted
        (b'a,b\n"x, y",2\n', [["a", "b"], ["x, y", "2"]], [2]),
        (b'a,b\n"say ""hi""",2\n', [["a", "b"], ['say "hi"', "2"]], [2]),  # doubled quotes
        (b'a,b\n"",""\n3,4\n', [["a", "b"], ["3", "4"]], [3]),  # quoted blanks: a blank row
        # a line end inside a quoted cell: the next rows keep their lines
        (b'a,b\n"one\ntwo",2\n3,4\n', [["a", "b"], ["one\ntwo", "2"], ["3", "4"]], [2, 4]),
        (
            b'a,b\r\n"one\r\n\r\nthree",2\r\n3,"4\r\n"\r\n5,6',
            [["a", "b"], ["one\r\n\r\nthree", "2"], ["3", "4"], ["5", "6"]],
            [2, 5, 7],
        ),
        (b'"a\nb",c\n1,2\n', [["a\nb", "c"], ["1", "2"]], [3]),  # a header over two lines
        (b"a;b\n1;2\n", [["a", "b"], ["1", "2"]], [2]),
        (b"a\tb\n 1 \t 2 \n", [["a", "b"], ["1", "2"]], [2]),
        (b"a,b\r\n1,2\r\n\r\n3,4\r\n", [["a", "b"], ["1", "2"], ["3", "4"]], [2, 4]),
        (b"a,b\r1,2\r3,4", [["a", "b"], ["1", "2"], ["3", "4"]], [2, 3]),  # lone CR line ends
        (b"\n\r\n\na,b\n\n1,2\n\n\n", [["a", "b"], ["1", "2"]], [6]),  # empty lines
        (b"a,b\n1,2\na,b\n a , b \n3,4\n", [["a", "b"], ["1", "2"], ["3", "4"]], [2, 5]),
        (b"a,b\n,\n1,\n", [["a", "b"], ["1", None]], [3]),  # a blank row, a blank cell
        (b"\xef\xbb\xbfa,b\n1,2\n", [["a", "b"], ["1", "2"]], [2]),  # BOM
        (b"\xef\xbb\xbf\xef\xbb\xbfa,b\n1,2\n", [["a", "b"], ["1", "2"]], [2]),  # two BOMs
        ("a;b\nMüller;“x”\n".encode("cp1252"), [["a", "b"], ["Müller", "“x”"]], [2]),
        (
            '"a"\t"b"\n"1\n2"\t3\n4\t5\n'.encode("utf-16"),
            [["a", "b"], ["1\n2", "3"], ["4", "5"]],
            [2, 4],
        ),
        ("a,b\n1,2\n".encode("utf-16-le"), [["a", "b"], ["1", "2"]], [2]),
        ("K\nA-1\n \u3000\nB\n".encode(), [["K"], ["A-1"], ["B"]], [2, 4]),
        (b'a,b\n"\xc2\xa0x\xe2\x80\x83",2\n', [["a", "b"], ["x", "2"]], [2]),  # NBSP, EM SPACE
    ],
)
def test_arrow_reads_every_well_formed_file(data, cells, lines):
    upload, by_arrow = read(data)
    assert by_arrow
    assert cells_of(upload) == cells
    assert upload.table.rows.tolist() == lines
    assert upload.table.rows.dtype == np.int64


@pytest.mark.parametrize(
    ("data", "cells", "lines"),
    [
        (b'a,b\n1, "x, y"\n', [["a", "b"], ["1", "x, y"]], [2]),  # spaces before a quote
        (b'a,b\n5" screen,2\n"x\ny",3\n', [["a", "b"], ['5" screen', "2"], ["x\ny", "3"]], [2, 3]),
        (b"a,b,c\n1\n2,3,4,,\n", [["a", "b", "c"], ["1", None, None], ["2", "3", "4"]], [2, 3]),
        (b",,\na,b,c\n1,2,3\n", [["a", "b", "c"], ["1", "2", "3"]], [3]),  # blank first record
        (b"a,b\n  \n1,2\n", [["a", "b"], ["1", "2"]], [3]),  # a line of spaces: one cell
    ],
)
def test_what_arrow_would_read_otherwise_is_read_by_the_csv_module(data, cells, lines):
    upload, by_arrow = read(data)
    assert not by_arrow
    assert cells_of(upload) == cells
    assert upload.table.rows.tolist() == lines


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        (
            b'a,b\n1,2\n3,"never closed\n4,5\n',
            [(3, None, 'a quoted cell starting in this row is never closed (a missing ")')],
        ),
        (
            b'a,b\n"x"y,2\n3,4\n',
            [
                (
                    2,
                    None,
                    "text follows a closing quote; a quote inside a quoted cell must be "
                    'doubled ("")',
                )
            ],
        ),
        (
            b'a,b\n"two\nlines",2\n1,2,3\n4,5,6,7\n',
            [
                (4, "3", "the row has 3 cells but the header has 2"),
                (5, "6,7", "the row has 4 cells but the header has 2"),
            ],
        ),
        (b"a,b\n\n,\n", [(None, None, "the file has a header but no rows")]),
    ],
)
def test_files_arrow_refuses_are_explained_with_their_lines(data, problems):
    outcome, by_arrow = read(data)
    assert not by_arrow
    assert outcome == problems


def test_repeated_header_names_merge_and_repeated_header_rows_are_counted():
    data = b'"Key","Sprint","Sprint"\n"A-1","S1",""\n"Key","Sprint","Sprint"\n"B","","S2"\n'
    upload, by_arrow = read(data)
    assert by_arrow
    table = upload.table
    assert table.columns == ["Key", "Sprint"]
    assert table.frame["Sprint"].tolist() == [("S1",), ("S2",)]
    assert table.repeated_header_rows == 1
    assert table.rows.tolist() == [2, 4]
    assert any("1 repeated header row skipped (row 3)" in note for note in table.notes)


def test_a_separator_arrow_cannot_split_at_is_left_to_the_csv_module():
    upload, by_arrow = read("a§b\n1§2\n".encode(), separator="§")
    assert not by_arrow
    assert cells_of(upload) == [["a", "b"], ["1", "2"]]
    upload, by_arrow = read(b"a:b\n1:2\n", separator=":")
    assert by_arrow
    assert cells_of(upload) == [["a", "b"], ["1", "2"]]


def test_giant_cells_are_left_to_the_csv_module(monkeypatch):
    monkeypatch.setattr(lenient, "FIELD_LIMIT", 8)
    problems, by_arrow = read(b'Key,Text\nA-1,"123456789"\n')
    assert not by_arrow
    assert problems[0][0] == 2 and "larger than" in problems[0][2]
    upload, by_arrow = read(b"Key,Text\nA-1,1234567\n")
    assert by_arrow
    assert cells_of(upload) == [["Key", "Text"], ["A-1", "1234567"]]


def test_an_arrow_failure_leaves_the_file_to_the_csv_module(monkeypatch):
    def broken(*args):
        raise pa.ArrowInvalid("arrow is unhappy")

    monkeypatch.setattr(delimited, "_arrow_read", broken)
    upload, by_arrow = read(b"a,b\n1,2\n")
    assert not by_arrow
    assert cells_of(upload) == [["a", "b"], ["1", "2"]]


def test_a_utf8_file_is_read_where_it_lies_never_decoded_whole(monkeypatch):
    rows = "".join(f'K-{n},"Ünïcode, {n}",2024-01-0{n % 9 + 1}\n' for n in range(200))
    data = ("Key,Title,When\n" + rows).encode()
    decoded = []
    monkeypatch.setattr(containers, "decode", lambda *args: decoded.append(args))
    monkeypatch.setattr(separator, "SNIFF_PREFIX_BYTES", 64)
    upload, by_arrow = read(data)
    assert by_arrow and decoded == []
    assert upload.table.frame["Title"].iloc[-1] == "Ünïcode, 199"
    assert upload.table.rows.tolist() == list(range(2, 202))


# --- quotes and line numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "well"),
    [
        (b"a,b\n1,2", True),
        (b'"a",b\n"1","2"\n', True),
        (b'"a""b","c\nd",""\n', True),
        (b'"""",x\n', True),
        (b'a,"x"y\n', False),  # text after the closing quote
        (b'a, "x"\n', False),  # a space before the opening quote
        (b'a,5" x\n', False),  # a quote inside an unquoted cell
        (b'a,"x\n', False),  # never closed
        (b'a,"x""\n', False),
    ],
)
def test_well_quoted_text(text, well):
    assert delimited.well_quoted(text, ",") is well


@st.composite
def well_quoted_texts(draw) -> bytes:
    """Records of cells, quoted or not, with line ends in and between records."""
    plain = st.text(alphabet="ab ;", max_size=3)
    quoted = st.text(alphabet='ab,"\r\n ', max_size=4).map(
        lambda t: '"' + t.replace('"', '""') + '"'
    )
    records = draw(st.lists(st.lists(plain | quoted, min_size=1, max_size=3), max_size=6))
    ends = st.sampled_from(["\n", "\r\n", "\r", "\n\n"])
    text = "".join(",".join(record) + draw(ends) for record in records)
    return (draw(st.sampled_from(["", "\n"])) + text).encode()


@settings(max_examples=300, deadline=None)
@given(text=well_quoted_texts())
def test_record_lines_are_where_the_csv_module_starts_each_record(text):
    assert delimited.well_quoted(text, ",")
    reader = csv.reader(io.StringIO(text.decode(), newline=""))
    expected, previous = [], 0
    for record in reader:
        if record:  # the csv module gives an empty line no cell, Arrow skips it
            expected.append(previous + 1)
        previous = reader.line_num
    codes = np.frombuffer(text, dtype=np.uint8)
    assert delimited.record_lines(codes).tolist() == expected


# --- helpers -------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(
        st.sampled_from([b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\xef\xbb\xbf", b"\xef"])
        | st.binary(max_size=2),
        max_size=8,
    ).map(b"".join)
)
def test_is_blank_matches_its_definition(data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16/32 files: another branch
        return
    assert containers._is_blank(data) == (not data.replace(encoding.UTF8_BOM, b"").strip())


CELL_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_characters='"\r\n\x00', blacklist_categories=("Cs",)),
        st.sampled_from(list(" \t\x0b\x0c\x1c\x1f\x85\xa0\u2003\u3000,;|")),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(CELL_TEXT, max_size=12), start=st.integers(0, 2))
def test_a_column_said_not_to_need_stripping_is_unchanged_by_it(cells, start):
    column = pa.array(["pad", "pad", *cells], type=pa.large_string()).slice(start)
    lengths = byte_lengths(column)
    assert lengths.tolist() == [len(c.encode()) for c in column.to_pylist()]
    if not delimited._may_need_trim(column, lengths):
        assert pc.utf8_trim(column, characters=delimited.PY_WHITESPACE).equals(column)
    assert delimited._may_need_trim(column, lengths) or all(
        cell == cell.strip() for cell in column.to_pylist()
    )


UTF8_PIECES = st.sampled_from(
    [
        b"a",
        b"\xc3\xa9",
        b"\xe2\x82\xac",
        b"\xf0\x9f\x98\x80",
        b"\xc0\x80",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xf5",
        b"\xff",
        b"\xc3",
        b"\xe2\x82",
        b"\x80",
        b"\xef\xbf\xbe",
    ]
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(UTF8_PIECES, max_size=8), noise=st.binary(max_size=8))
def test_arrow_checks_utf8_as_python_decodes_it(pieces, noise):
    for data in (b"".join(pieces), noise, b"".join(pieces) + noise):
        try:
            data.decode("utf-8")
            decodes = True
        except UnicodeDecodeError:
            decodes = False
        assert encoding.valid_utf8(data) is decodes


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(
        st.lists(
            st.sampled_from(["a", "b;c", "d,e", "f\tg", "h|i", "", " ", "ü", '"x,\ny"']),
            max_size=4,
        ),
        max_size=70,
    ),
    prefix=st.integers(1, 40),
    prefer_tab=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_sniffing_a_prefix_finds_the_separator_of_the_whole_text(
    lines, prefix, prefer_tab, newline
):
    text = newline.join(",".join(cells) for cells in lines)
    saved = separator.SNIFF_PREFIX_BYTES
    separator.SNIFF_PREFIX_BYTES = 10**9  # the whole text
    try:
        expected = separator.sniff_separator(text.encode(), prefer_tab)
        separator.SNIFF_PREFIX_BYTES = prefix
        assert separator.sniff_separator(text.encode(), prefer_tab) == expected
    finally:
        separator.SNIFF_PREFIX_BYTES = saved
