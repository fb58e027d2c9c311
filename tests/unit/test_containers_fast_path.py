"""The fast path for quote-free delimited text gives exactly what the csv path gives.

Every comparison reads the same bytes twice through :func:`read_upload`:
once as it runs (fast path when it applies) and once with the fast path
switched off (``_split_fast`` returning None, i.e. the ``csv`` module). The
two uploads must be equal field by field, the frames cell by cell with the
same dtypes, or both reads must fail with the same problems.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from vsm_core.importers import containers
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.options import ImportOptions

DATA = Path(__file__).resolve().parents[1] / "data"
TEXT_FILES = sorted(
    path
    for folder in ("import", "formats")
    for path in (DATA / folder).iterdir()
    if path.suffix in {".csv", ".tsv", ".txt"}
)
#: Files whose text holds a ``"``: they must take the csv path (cp1252.csv has only “ ”).
QUOTED = {"multiline.csv", "ragged.csv"}


class Spy:
    """Wraps ``containers._split_fast``: whether it read the table (non-None) each call."""

    def __init__(self, *, enabled: bool = True):
        self.original = containers._split_fast
        self.enabled = enabled
        self.results: list[bool] = []

    def __call__(self, text, sep, **kwargs):
        result = self.original(text, sep, **kwargs) if self.enabled else None
        self.results.append(result is not None)
        return result


def read_both(data: bytes, filename: str, **options):
    """(outcome with the fast path, outcome without it, whether the fast path read it).

    An outcome is the Upload, or the ImportFailed's (row, column, value, message) list.
    """
    outcomes = []
    used = None
    for enabled in (True, False):
        spy = Spy(enabled=enabled)
        saved = containers._split_fast
        containers._split_fast = spy
        try:
            outcomes.append(containers.read_upload(data, filename, ImportOptions(**options)))
        except ImportFailed as failure:
            outcomes.append([(p.row, p.column, p.value, p.message) for p in failure.problems])
        finally:
            containers._split_fast = saved
        if enabled:
            used = any(spy.results)
    return outcomes[0], outcomes[1], used


def assert_same(fast, slow) -> None:
    """Equal uploads (frames cell by cell, dtypes, row numbers, notes) or equal problems."""
    if isinstance(slow, list) or isinstance(fast, list):
        assert fast == slow
        return
    assert fast.table is not None and slow.table is not None
    assert (fast.filename, fast.container, fast.sha256, fast.size_bytes) == (
        slow.filename,
        slow.container,
        slow.sha256,
        slow.size_bytes,
    )
    a, b = fast.table, slow.table
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
    assert list(a.frame.dtypes) == list(b.frame.dtypes)
    for column in a.frame.columns:  # missing cells are missing in both, tuples are tuples
        left, right = a.frame[column].tolist(), b.frame[column].tolist()
        assert [type(v) for v in left] == [type(v) for v in right]
    assert isinstance(a.rows, np.ndarray) and a.rows.dtype == b.rows.dtype == np.int64
    assert a.rows.tolist() == b.rows.tolist()
    for field in dataclasses.fields(a):
        if field.name not in {"frame", "rows"}:
            assert getattr(a, field.name) == getattr(b, field.name), field.name


# --- the rule ---------------------------------------------------------------------------------


def test_python_whitespace_is_what_str_strip_removes():
    computed = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert computed == containers.PY_WHITESPACE


@pytest.mark.parametrize(
    ("text", "separator", "applies"),
    [
        ("a,b\n1,2\n", ",", True),
        ("a,b\r\n1,2\r\n", ",", True),
        ("a;b\n1;2", ";", True),
        ("a\tb\n1\t2\n", "\t", True),
        ("a|b\n1|2\n", "|", True),
        ('a,b\n"1",2\n', ",", False),  # any quote
        ('a,b\n1,2 "inch"\n', ",", False),  # even a quote inside a cell
        ("a,b\r1,2\r", ",", False),  # lone CR line ends
        ("a,b\n1,2\r3\n", ",", False),  # one lone CR
        ("\ufeffa,b\n1,2\n", ",", False),  # a second byte-order mark
        ("a b\n1 2\n", " ", False),  # a separator skipinitialspace would treat specially
        ("a:b\n1:2\n", ":", False),  # only the sniffable separators
    ],
)
def test_the_rule(text, separator, applies):
    assert containers.fast_path_applies(text, separator) is applies
    if not applies:
        assert containers._split_fast(text, separator) is None


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda path: path.name)
def test_every_test_file_reads_the_same(path):
    data = path.read_bytes()
    fast, slow, used = read_both(data, path.name)
    assert_same(fast, slow)
    text = containers._decode(data, None, path.suffix)[0]
    assert used is ('"' not in text)  # no quote: the fast path (every test file is regular)
    assert used is (path.name not in QUOTED)


def test_a_quoted_file_takes_the_csv_path_and_keeps_its_line_numbers():
    data = (DATA / "import" / "multiline.csv").read_bytes()
    fast, slow, used = read_both(data, "multiline.csv")
    assert not used
    assert_same(fast, slow)
    assert fast.table.rows.tolist() == [2, 5, 6, 8]


@pytest.mark.parametrize(
    ("data", "used"),
    [
        (b"a,b,c\n1,2,3\n4,5\n", False),  # short row: padded by the csv path
        (b"a,b,c\n1,2,3\n4,5,6,,\n", False),  # blank extras: trimmed by the csv path
        (b"a,b,c\n1,2,3\n4,5,6,7\n", False),  # extra cells: a problem
        (b",,\n1,2,3\n", False),  # the first line has no header cell
        (b"a,b,c\n,,\n", False),  # a header but no rows
        (b"a,b,c\n\n\n1,2,3\r\n\r\n , , \n4,5,6", True),  # empty and blank lines
        (b"\n\r\n  a , ,a\n1,2,3\na,,a\n a,, a \n7,8,9\n", True),  # repeated header rows
        ("Key,Wer\nA-1, \u3000Müller\u2003\n".encode(), True),  # Unicode spaces stripped
        ("Key;Wer\nA-1;Müller\n".encode("cp1252"), True),
        ("Key\tWer\nA-1\tMüller\n".encode("utf-16"), True),
        (b"\xef\xbb\xbfKey,Wer\nA-1,x\n", True),
        (b"Key,Val\nA-1,\x1c\x1dx\x1e\x1f\x0b\x0c\n", True),  # str.strip removes these too
        (b"Key,Val\nA-1,\xc2\x85x\xc2\xa0\n", True),  # NEL, NBSP
        (b"K\nA\n \nB\n", True),  # one column: a blank line of spaces is skipped
    ],
)
def test_edge_cases_read_the_same(data, used):
    fast, slow, fast_used = read_both(data, "upload.csv")
    assert_same(fast, slow)
    assert fast_used is used


def test_giant_cells_are_left_to_the_csv_path(monkeypatch):
    monkeypatch.setattr(containers, "FIELD_LIMIT", 8)
    fast, slow, used = read_both(b"Key,Text\nA-1,123456789\n", "upload.csv")
    assert not used
    assert_same(fast, slow)
    assert "larger than" in fast[0][3]
    fast, slow, used = read_both(b"Key,Text\nA-1,1234567\n", "upload.csv")
    assert used
    assert_same(fast, slow)


def test_repeated_header_rows_are_counted_on_both_paths():
    data = b"Issue key,Sprint,Sprint,Status\nA-1,S1,,Done\nIssue key,Sprint,Sprint,Status\nB,,S2,\n"
    fast, slow, used = read_both(data, "upload.csv")
    assert used
    assert_same(fast, slow)
    assert fast.table.repeated_header_rows == 1
    assert fast.table.rows.tolist() == [2, 4]
    assert fast.table.frame["Sprint"].tolist() == [("S1",), ("S2",)]


def test_an_arrow_failure_falls_back_to_the_csv_path(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("arrow is unhappy")

    monkeypatch.setattr(containers, "_arrow_read_text", broken)
    fast, slow, used = read_both(b"a,b\n1,2\n", "upload.csv")
    assert not used
    assert_same(fast, slow)


# --- properties -------------------------------------------------------------------------------

SEPARATOR = st.sampled_from([",", ";", "\t", "|"])
#: Cell text: no quotes, no line ends; whitespace of every kind str.strip() knows.
CELL_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_characters='"\r\n\x00', blacklist_categories=("Cs",)),
        st.sampled_from(list(" \t\x0b\x0c\x1c\x1f\x85\xa0\u2003\u3000,;|")),
    ),
    max_size=8,
)
HEADER_CELL = st.one_of(st.sampled_from(["Key", "Status", "Sprint", "", " Key ", "x"]), CELL_TEXT)


@st.composite
def quote_free_files(draw) -> tuple[bytes, str]:
    sep = draw(SEPARATOR)
    width = draw(st.integers(1, 5))

    def cell(strategy):
        return draw(strategy).replace(sep, "")

    header = [cell(HEADER_CELL) for _ in range(width)]
    lines = [sep.join(header)]
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(
            st.sampled_from(["row"] * 12 + ["empty", "spaces", "blank cells", "header", "ragged"])
        )
        if kind == "row":
            lines.append(sep.join(cell(CELL_TEXT) for _ in range(width)))
        elif kind == "empty":
            lines.append("")
        elif kind == "spaces":
            lines.append(" " * draw(st.integers(1, 3)))
        elif kind == "blank cells":
            lines.append(sep.join(" " * draw(st.integers(0, 2)) for _ in range(width)))
        elif kind == "header":
            lines.append(sep.join(f" {name}" for name in header))
        else:
            count = draw(st.integers(1, width + 1))
            count += count >= width  # any count but the header's
            lines.append(sep.join(cell(CELL_TEXT) for _ in range(count)))
    leading = "\n" * draw(st.integers(0, 2))
    newline = draw(st.sampled_from(["\n", "\r\n", "mixed"]))
    ends = [
        draw(st.sampled_from(["\n", "\r\n"])) if newline == "mixed" else newline
        for _ in range(len(lines) + 1)
    ]
    text = leading + "".join(line + end for line, end in zip(lines, ends, strict=False))
    text = text.removesuffix(ends[-2] if len(ends) > 1 else "\n")
    text += draw(st.sampled_from(["", ends[-1], ends[-1] * 2]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-8"]))
    return text.encode(encoding), sep


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=quote_free_files())
@example(file=(b"a,b\n\n1,2\n\n\n3,4\n", ","))
@example(file=(b"a,b\r\n\r\n1,2\r\n", ","))
@example(file=("K\n\u2003\nx\n".encode(), ","))
def test_quote_free_files_read_the_same_on_both_paths(file):
    data, sep = file
    fast, slow, used = read_both(data, "random.csv", separator=sep)
    assert_same(fast, slow)
    text = containers._decode(data, None, ".csv")[0]
    lines = [line for line in text.split("\n") if line.removesuffix("\r")]  # non-empty lines
    regular = (
        not isinstance(slow, list)
        and any(cell.strip() for cell in lines[0].removesuffix("\r").split(sep))
        and all(line.count(sep) == lines[0].count(sep) for line in lines)
    )
    event(f"fast path: {used}; outcome: {'problems' if isinstance(slow, list) else 'table'}")
    if regular:  # a well-formed quote-free file does take the fast path
        assert containers.fast_path_applies(text, sep)
        assert used


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.lists(CELL_TEXT, min_size=3, max_size=3), min_size=1, max_size=5),
    quoted=st.integers(0, 2),
)
def test_files_with_quotes_take_the_csv_path(rows, quoted):
    lines = ["Key,Text,Status"] + [",".join(cell.replace(",", " ") for cell in row) for row in rows]
    lines[1 + quoted % len(rows)] += ',"quoted\nnewline"'
    lines[0] += ",Note"
    data = "\n".join(lines).encode()
    fast, slow, used = read_both(data, "quoted.csv")
    assert not used
    assert_same(fast, slow)


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
    assert containers._is_blank(data) == (not data.replace(containers._UTF8_BOM, b"").strip())


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(CELL_TEXT, max_size=12), start=st.integers(0, 2))
def test_a_column_said_not_to_need_stripping_is_unchanged_by_it(cells, start):
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pa.array(["pad", "pad", *cells], type=pa.large_string()).slice(start)
    lengths = containers._byte_lengths(column)
    assert lengths.tolist() == [len(c.encode()) for c in column.to_pylist()]
    if not containers._may_need_trim(column, lengths):
        assert pc.utf8_trim(column, characters=containers.PY_WHITESPACE).equals(column)
    assert containers._may_need_trim(column, lengths) or all(
        cell == cell.strip() for cell in column.to_pylist()
    )


def test_line_numbers_count_empty_lines_and_take_the_shortcut_without_them():
    assert containers._line_numbers(b"a\nb\nc", 3).tolist() == [1, 2, 3]
    assert containers._line_numbers(b"a\nb\nc\n", 3).tolist() == [1, 2, 3]
    assert containers._line_numbers(b"a\n\nb\r\n\r\nc\n", 3).tolist() == [1, 3, 5]
    assert containers._line_numbers(b"a\n\nb\n", 1) is None  # not what Arrow counted


# --- UTF-8 files read without decoding them whole ----------------------------------------------

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
        assert containers._valid_utf8(data) is decodes


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(
        st.lists(st.sampled_from(["a", "b;c", "d,e", "f\tg", "h|i", "", " ", "ü"]), max_size=4),
        max_size=70,
    ),
    prefix=st.integers(1, 40),
    prefer_tab=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_sniffing_a_prefix_of_utf8_finds_the_separator_of_the_whole_text(
    lines, prefix, prefer_tab, newline
):
    text = newline.join(",".join(cells) for cells in lines)
    expected = containers._sniff_separator(text, prefer_tab)
    saved = containers.SNIFF_PREFIX_BYTES
    containers.SNIFF_PREFIX_BYTES = prefix
    try:
        assert containers._sniff_utf8(text.encode(), prefer_tab) == expected
    finally:
        containers.SNIFF_PREFIX_BYTES = saved


def test_a_quote_free_utf8_csv_is_read_without_decoding_it_whole(monkeypatch):
    rows = "".join(f"K-{n},Ünïcode {n},2024-01-0{n % 9 + 1}\n" for n in range(200))
    data = ("Key,Title,When\n" + rows).encode()
    fast, slow, used = read_both(data, "big.csv")
    assert used
    assert_same(fast, slow)
    decoded = []
    monkeypatch.setattr(containers, "_decode", lambda *args: decoded.append(args))
    monkeypatch.setattr(containers, "SNIFF_PREFIX_BYTES", 64)
    table = containers.read_upload(data, "big.csv", ImportOptions()).table
    assert decoded == []  # the whole text was never decoded
    assert table.frame["Title"].iloc[-1] == "Ünïcode 199"
    assert table.rows.tolist() == list(range(2, 202))


# --- reading ahead ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _nothing_read_ahead_is_left_behind():
    yield
    containers.forget_read_ahead()


AHEAD_ROWS = "".join(f"K-{n},Status {n % 3},2024-01-0{n % 9 + 1}T10:00:00Z\n" for n in range(300))
AHEAD_DATA = ("Key,Status,When\n" + AHEAD_ROWS).encode()


def test_read_ahead_gives_read_upload_the_same_table_without_reading_again(monkeypatch):
    options = ImportOptions()
    expected = containers.read_upload(AHEAD_DATA, "ahead.csv", options)
    containers.read_ahead(AHEAD_DATA, "ahead.csv", options)
    reads = []
    original = containers._arrow_read_text
    monkeypatch.setattr(containers, "_arrow_read_text", lambda *a: reads.append(a) or original(*a))
    monkeypatch.setattr(containers, "_valid_utf8", lambda data: reads.append(data) or True)
    upload = containers.read_upload(AHEAD_DATA, "ahead.csv", options)
    assert reads == []  # the table read ahead was used
    assert_same(upload, expected)
    assert containers._READ_AHEAD == {}  # used once, then dropped
    containers.read_upload(AHEAD_DATA, "ahead.csv", options)
    assert len(reads) == 2  # checked and read again


def test_read_ahead_is_only_used_for_the_same_bytes_object_and_options():
    options = ImportOptions()
    containers.read_ahead(AHEAD_DATA, "ahead.csv", options)
    copy = bytes(bytearray(AHEAD_DATA))
    assert containers._taken_read_ahead(copy, ".csv", options) is None
    assert containers._taken_read_ahead(AHEAD_DATA, ".tsv", options) is None
    semicolon = ImportOptions(separator=";")
    assert containers._taken_read_ahead(AHEAD_DATA, ".csv", semicolon) is None
    assert containers._taken_read_ahead(AHEAD_DATA, ".csv", options) is not None
    assert containers._taken_read_ahead(AHEAD_DATA, ".csv", options) is None  # taken once
    containers.read_ahead(AHEAD_DATA, "ahead.csv", options)
    containers.forget_read_ahead()
    assert containers._READ_AHEAD == {}


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b'Key,Title\nA-1,"quoted, cell"\n', "q.csv"),  # quotes: the csv path
        (b"\xef\xbb\xbfKey,Title\nA-1,x\n", "bom.csv"),
        ("Key;Wer\nA-1;Müller\n".encode("cp1252"), "cp.csv"),
        (b"Key,Title\nA-1,x\n", "export.json"),
        (b"Key,Title\nA-1,x\n", "export.xlsx"),
        (b"", "empty.csv"),
        (b"Key,Title\nA-1,x,y\n", "ragged.csv"),  # Arrow fails: nothing kept, no error
    ],
)
def test_read_ahead_keeps_nothing_for_what_the_fast_path_does_not_read(data, filename):
    from vsm_core.importers import ahead

    containers.read_ahead(data, filename, ImportOptions())
    assert containers._READ_AHEAD == {}
    assert ahead._COLUMNS == {}
