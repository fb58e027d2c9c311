"""Delimited text (CSV, TSV, TXT) read by Arrow, quoted or not: the one reading path.

:func:`read_delimited` takes the text as UTF-8 bytes and its separator.
Arrow's CSV reader splits it (``"`` quotes, doubled inside a quoted cell,
line ends allowed inside one; every cell read as text, 1 MiB at a time on one
thread). Every row keeps the line of the source where it starts (the header
is line 1): when each line is one record, counting the line ends shows it
and the lines are numbered in order; otherwise (line ends inside quoted
cells, empty lines between records) numpy finds where each record starts
from the positions of the quotes and line ends. Then, on whole columns:
cells are stripped of exactly what ``str.strip()`` removes, blank cells
become missing, all-blank rows and rows repeating the header are dropped.

What Arrow would read otherwise than Python's ``csv`` module (the reference
for these rules) it does not read at all: the text goes to
:mod:`vsm_core.importers.containers.lenient`, which reads it record by
record and says what is wrong, with the line. That is the case for a row
with more or fewer cells than the header, a quote that is not where a quoted
cell may start or end (never closed, text after the closing quote, spaces
before the opening one, a quote inside an unquoted cell), a header row with
no name, a cell over ``lenient.FIELD_LIMIT``, a separator that is not one
ASCII character other than a space, a first record of more cells than
``ImportOptions.max_columns`` (refused there, as the header, before any
work per column), and any disagreement between Arrow's row count and the
records found here.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from vsm_core.importers.arrow_text import byte_lengths, byte_offsets, data_bytes
from vsm_core.importers.containers import lenient
from vsm_core.importers.containers.rows import SplitRows, build_table, split_records
from vsm_core.importers.options import DEFAULT_MAX_COLUMNS
from vsm_core.importers.table import RawTable

#: Every character ``str.strip()`` removes (``str.isspace()``), for Arrow's ``utf8_trim``.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: Bytes Arrow parses at a time: its default, measured faster than the whole file as
#: one block even with the chunks combined afterwards (benchmarks/reading.py).
ARROW_BLOCK_BYTES = 1 << 20
#: Bytes scanned at a time for the end of the header record.
SCAN_BLOCK_BYTES = 1 << 20

_QUOTE, _LF, _CR = ord('"'), ord("\n"), ord("\r")


def read_delimited(
    text: bytes,
    sep: str,
    *,
    encoding: str,
    notes: list[str],
    max_columns: int = DEFAULT_MAX_COLUMNS,
) -> RawTable:
    """The table of delimited ``text`` (UTF-8 bytes without a byte-order mark) split at
    ``sep``; ``encoding`` is recorded in it, ``notes`` are the decoder's.

    Raises :class:`ImportFailed` with every problem the csv module finds when
    Arrow does not read the text (see the module docstring), and for a header
    of more than ``max_columns`` cells before any work per column.
    """
    # A first record wider than the limit goes to the csv module, which finds the header
    # (the first record with a non-blank cell) and refuses it before Arrow would build a
    # column per cell.
    split = None if _first_width(text, sep) > max_columns else read_by_arrow(text, sep)
    if split is None:
        records = lenient.csv_records(text.decode("utf-8"), sep)
        split = split_records(records, joiner=sep, max_columns=max_columns)
    return build_table(split, encoding=encoding, separator=sep, container="csv", notes=notes)


def read_by_arrow(text: bytes, sep: str) -> SplitRows | None:
    """The header and kept rows of ``text`` read by Arrow; None when it does not read them
    exactly as the csv module would (then :mod:`.lenient` reads them)."""
    if not sep.isascii() or sep == " ":  # Arrow splits at one byte; a space is skipped text
        return None
    quoted = text.find(b'"') >= 0
    if quoted and not well_quoted(text, sep):
        return None
    codes = np.frombuffer(text, dtype=np.uint8)
    start = _LINE_ENDS.match(text).end()  # the empty lines before the header
    end = _record_end(codes, start)  # the header's end (quotes are well placed)
    if end == start:
        return None
    try:
        table = _arrow_read(text, sep, _width(codes[start:end], sep))
    except pa.ArrowInvalid:  # a row with another number of cells than the header
        return None
    lines = _simple_lines(text, start, table.num_rows)
    if lines is None:
        lines = record_lines(codes)
    if len(lines) != table.num_rows:  # not the records found here: no line may be wrong
        return None
    return _kept_rows(table, lines)


def well_quoted(text: bytes, sep: str) -> bool:
    """Whether every quote of ``text`` opens a cell, closes one or is doubled inside one.

    The text must be records of cells, each either quoted (``"``, any text
    with quotes doubled, ``"``: line ends and separators allowed inside) or
    free of quotes, separated by ``sep`` and ended by line ends. Then Arrow
    and the csv module split it alike, and a line end is inside a quoted
    cell exactly when an odd number of quotes precedes it. Checked in one
    pass by RE2 (Arrow's regular expressions) over the text, without a copy.
    """
    pattern = _well_quoted_pattern(sep)
    whole = pa.LargeStringArray.from_buffers(
        1, pa.py_buffer(np.array([0, len(text)], dtype=np.int64)), pa.py_buffer(text)
    )
    return bool(pc.match_substring_regex(whole, pattern)[0].as_py())


def _well_quoted_pattern(sep: str) -> str:
    """The RE2 pattern :func:`well_quoted` matches the whole text with."""
    s = f"\\x{ord(sep):02X}"
    cell = f'(?:"(?:[^"]|"")*"|[^"\\r\\n{s}]*)'
    record = f"{cell}(?:{s}{cell})*"
    return f"^(?:{record}(?:\\r\\n|\\r|\\n))*{record}$"


# The line ends at the start of a text (its empty lines).
_LINE_ENDS = re.compile(rb"[\r\n]*")
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _first_width(text: bytes, sep: str) -> int:
    """Cells of the first non-empty record of ``text``, as :func:`read_by_arrow` splits it
    (exact for well-quoted text; otherwise Arrow does not read the text at all); 0 for a
    separator Arrow cannot split at (the csv module then reads the text)."""
    if not sep.isascii():
        return 0
    codes = np.frombuffer(text, dtype=np.uint8)
    start = _LINE_ENDS.match(text).end()
    return _width(codes[start : _record_end(codes, start)], sep)


def _record_end(codes: np.ndarray, start: int) -> int:
    """Where the record of well-quoted text starting at ``start`` ends: its first line end
    (``\r`` or ``\n``) after an even number of quotes, else the end of the text.

    Scanned a block at a time, carrying whether the block starts inside
    quotes: memory stays a block's whatever the length of the record (a
    regular expression repeating one alternation per byte kept about a
    hundred bytes of state per byte of the record).
    """
    inside = False
    for block_start in range(start, len(codes), SCAN_BLOCK_BYTES):
        block = codes[block_start : block_start + SCAN_BLOCK_BYTES]
        ends = np.flatnonzero((block == _LF) | (block == _CR))
        quotes = block == _QUOTE
        if len(ends):
            before = np.cumsum(quotes, dtype=np.int64)[ends] - quotes[ends]
            outside = (before + inside) % 2 == 0
            if outside.any():
                return block_start + int(ends[np.argmax(outside)])
        inside = bool((np.count_nonzero(quotes) + inside) % 2)
    return len(codes)


def _width(record: np.ndarray, sep: str) -> int:
    """Cells of one well-quoted record (its bytes): 1 + its separators outside quotes."""
    is_sep = record == ord(sep)
    quotes = record == _QUOTE
    if quotes.any():
        is_sep &= np.cumsum(quotes, dtype=np.int64) % 2 == 0
    return int(np.count_nonzero(is_sep)) + 1


def _simple_lines(text: bytes, start: int, rows: int) -> np.ndarray | None:
    """Lines ``first, first + 1, ...`` of the ``rows`` records when each line from the
    header on is one record, which counting shows; else None.

    A line end inside a quoted cell or an empty line between records makes
    Arrow's row count smaller than the count of lines from the header to
    the last record (its line end and any empty lines after it left out).
    """
    end = len(text)
    while end > start and text[end - 1] in b"\r\n":  # the line ends after the last record
        end -= 1
    ending = len(_LINE_END.findall(text, end))
    lines = _count_line_ends(text) - ending + 1  # from line 1 to the last record's line
    first = len(_LINE_END.findall(text, 0, start)) + 1
    if lines - first + 1 != rows:
        return None
    return np.arange(first, first + rows, dtype=np.int64)


def _count_line_ends(text: bytes) -> int:
    """``\\n``, ``\\r\\n`` and lone ``\\r`` line ends in ``text`` (bytes.count: C speed)."""
    feeds = text.count(b"\n")
    if text.find(b"\r") < 0:
        return feeds
    return feeds + text.count(b"\r") - text.count(b"\r\n")


def record_lines(codes: np.ndarray) -> np.ndarray:
    """The line where each non-empty record of well-quoted UTF-8 text starts.

    ``codes`` are the text's bytes. A line ends at ``\\n``, ``\\r\\n`` or a
    lone ``\\r``; a record ends at a line end outside quoted cells: one with
    an even number of quotes before it (:func:`well_quoted`). An empty record
    (a line end at its start) is skipped, as Arrow skips it. The line of a
    record is 1 + the line ends before its start.
    """
    line_ends = _line_ends(codes)
    quotes = np.flatnonzero(codes == _QUOTE)
    record_ends = line_ends[np.searchsorted(quotes, line_ends) % 2 == 0]
    starts = np.empty(len(record_ends) + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = record_ends + 1
    if starts[-1] >= len(codes):  # the text ends with a line end
        starts = starts[:-1]
    first = codes[starts]
    starts = starts[(first != _LF) & (first != _CR)]
    return np.searchsorted(line_ends, starts) + 1


def _line_ends(codes: np.ndarray) -> np.ndarray:
    """Positions of the line ends: each ``\\n``, and each ``\\r`` not followed by one."""
    line_feeds = np.flatnonzero(codes == _LF)
    returns = np.flatnonzero(codes == _CR)
    if not len(returns):
        return line_feeds
    following = codes[np.minimum(returns + 1, len(codes) - 1)]
    lone = returns[(following != _LF) | (returns == len(codes) - 1)]
    return np.sort(np.concatenate((line_feeds, lone))) if len(lone) else line_feeds


def _arrow_read(text: bytes, sep: str, width: int) -> pa.Table:
    """Every non-empty record of ``text`` as a row of ``width`` text cells, unquoted.

    Raises ``ArrowInvalid`` when a record has another number of cells.
    """
    names = [f"c{index}" for index in range(width)]
    return pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(text)),
        read_options=pacsv.ReadOptions(
            column_names=names,
            use_threads=False,  # measured: threads only wait for a busy core here
            block_size=min(len(text) + 1, ARROW_BLOCK_BYTES),
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=sep,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=True,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            check_utf8=False,  # checked (or written) by the decoder
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _kept_rows(table: pa.Table, lines: np.ndarray) -> SplitRows | None:
    """Row 0 as the header and the other rows kept, cleaned column by column.

    Cells are stripped (:data:`PY_WHITESPACE`) and blank ones made missing;
    rows blank in every column and rows equal to the header are dropped,
    the latter listed by line. None (let the csv module read it) when the
    header is blank, no row is left or a cell reaches ``lenient.FIELD_LIMIT``.
    """
    rows = table.num_rows
    raw_columns = table.columns
    table = None  # each raw column is freed once cleaned
    header: list[str | None] = []
    columns: list[Any] = []
    # Row 0 is the header: neither data nor a repeat (set after the loop). Once no
    # row can be blank or a repeated header any more, later columns are not compared.
    blank = np.ones(rows, dtype=bool)  # every cell of the row is blank
    is_header = np.ones(rows, dtype=bool)  # the row repeats the header
    blank[0] = is_header[0] = False
    for index in range(len(raw_columns)):
        raw = raw_columns[index].combine_chunks()
        raw_columns[index] = None
        lengths = byte_lengths(raw)
        if lengths.max(initial=0) >= lenient.FIELD_LIMIT:
            return None  # characters <= bytes: below it, the csv module takes every cell
        if _may_need_trim(raw, lengths):
            stripped = pc.utf8_trim(raw, characters=PY_WHITESPACE)
            lengths = byte_lengths(stripped)
        else:  # no cell starts or ends with a space or a non-ASCII character
            stripped = raw
        raw = None
        name = stripped[0].as_py() or None
        header.append(name)
        empty = lengths == 0
        if blank.any():
            blank &= empty
        if is_header.any():
            is_header &= empty if name is None else pc.equal(stripped, name).to_numpy(False)
        if empty.any():
            stripped = pc.if_else(pa.array(empty), pa.scalar(None, pa.large_string()), stripped)
        columns.append(stripped)
    blank[0] = True
    keep = ~blank & ~is_header
    if not any(header) or not keep.any():
        return None  # the csv module finds the header further down, or says there are no rows
    if keep[1:].all():  # only the header goes: a slice, not a copy of every column
        columns = [column.slice(1) for column in columns]
        kept_lines = lines[1:]
    else:
        mask = pa.array(keep)
        columns = [column.filter(mask) for column in columns]
        kept_lines = lines[keep]
    return SplitRows(
        header=header,
        columns=columns,
        lines=kept_lines.astype(np.int64, copy=False),
        repeated_rows=lines[is_header].tolist(),
    )


#: Bytes that may begin or end something ``str.strip()`` removes: the ASCII ones of
#: PY_WHITESPACE, and every non-ASCII byte (part of a multi-byte character).
_MAY_TRIM = np.zeros(256, dtype=bool)
_MAY_TRIM[[ord(c) for c in PY_WHITESPACE if ord(c) < 128]] = True
_MAY_TRIM[128:] = True


def _may_need_trim(cells: pa.Array, lengths: np.ndarray) -> bool:
    """Whether stripping could change a cell: False when every non-empty cell starts and
    ends with a byte outside :data:`_MAY_TRIM` (then ``utf8_trim`` would copy the column
    unchanged). Reads two bytes per cell."""
    present = lengths > 0
    if not present.any():
        return False
    data = data_bytes(cells)
    if data.min() > ord(" ") and data.max() < 0x80:
        return False  # no space, control or non-ASCII byte anywhere (ids, dates, ...)
    offsets = byte_offsets(cells)
    starts, ends = offsets[:-1], offsets[1:]
    if not present.all():
        starts, ends = starts[present], ends[present]
    return bool(_MAY_TRIM[data[starts]].any() or _MAY_TRIM[data[ends - 1]].any())
