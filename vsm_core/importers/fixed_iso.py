"""A column of timestamps written in one fixed ISO 8601 layout, read from its bytes.

The fast path of :func:`vsm_core.importers.dates.parse_timestamps` for the
common export column (every cell ``2024-03-05T14:07:09Z``, say): the
cells' UTF-8 bytes are checked and read as digits with numpy instead of
regular expressions and ``pd.to_datetime``. Needs only numpy and pyarrow
(no pandas), so that the reading thread of ``metrics FILE`` can run it while
pandas is being imported.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pyarrow as pa

#: The integer behind ``NaT``.
NAT = np.iinfo(np.int64).min

#: Instants outside [1900-01-01, 2101-01-01) UTC are reported as problems.
MIN_YEAR = 1900
MAX_YEAR = 2100


def read_fixed_iso(cells: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """(positions, wall, offsets) when every non-blank cell has one fixed ISO layout; else None.

    ``cells`` is a ``large_string`` array. Blank cells (missing or empty)
    are skipped; ``positions`` are the indices of the others, ``wall`` their
    written date and time as epoch microseconds, ``offsets`` their UTC
    offsets in microseconds (``Z`` is 0), or None when the layout has no
    offset (wall-clock times, to be localised). The instant of a cell with
    an offset is ``wall - offset``. None unless every present cell is in
    the layout of the first and its fields are valid (see
    :func:`vsm_core.importers.dates._fixed_layout_iso`).
    """
    positions = np.arange(len(cells))
    if cells.null_count:
        positions = positions[cells.is_valid().to_numpy(zero_copy_only=False)]
        cells = cells.drop_null()
    lengths = _byte_lengths(cells)
    if lengths.min(initial=0) == 0:  # empty text is blank too
        present = lengths > 0
        positions, lengths = positions[present], lengths[present]
        cells = cells.filter(pa.array(present))
    if not len(cells):
        return None
    layout = _layout(cells[0].as_py())
    if layout is None:
        return None
    classes, fields = layout
    width = len(classes)
    if (lengths != width).any():
        return None
    parts = _checked_parts(_fixed_width_bytes(cells, width), classes, fields)
    if parts is None:
        return None
    wall, zoned, offset = parts
    return positions, wall, (np.broadcast_to(offset, wall.shape) if zoned else None)


# One ISO 8601 cell, split into its parts: which parts a column's first cell
# has decides the layout every other cell must repeat byte for byte (digits
# where it has digits). Same language as ``dates._ISO``: an offset needs a time.
_FIXED_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:([T ])([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
    r"(?:( ?)(?:(Z)|([+-])([0-9]{2})(?::?([0-9]{2}))?))?)?",
    re.ASCII,
)
_DIGIT, _SIGN, _T_OR_SPACE = -1, -2, -3  # layout classes besides a literal byte
_US_PER_SECOND = 1_000_000


def _layout(first: str) -> tuple[np.ndarray, dict[str, tuple[int, int]]] | None:
    """The byte classes of a layout and where its fields are, from one cell; None: not ISO."""
    match = _FIXED_ISO.fullmatch(first)
    if match is None or not first.isascii():
        return None
    classes = np.frombuffer(first.encode("ascii"), dtype=np.uint8).astype(np.int16)
    names = ("year", "month", "day", "sep", "hour", "minute", "second", "fraction", "space", "z")
    names += ("sign", "offset_hour", "offset_minute")
    fields = {}
    for group, name in enumerate(names, start=1):
        if match.group(group) is None:
            continue
        start, end = match.span(group)
        fields[name] = (start, end)
        if name == "sep":
            classes[start] = _T_OR_SPACE
        elif name == "sign":
            classes[start] = _SIGN
        elif name not in ("space", "z"):
            classes[start:end] = _DIGIT
    return classes, fields


def _byte_lengths(cells) -> np.ndarray:
    """The UTF-8 length of each cell of a ``large_string`` array, from its offsets."""
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64)
    return np.diff(offsets[cells.offset : cells.offset + len(cells) + 1])


def _fixed_width_bytes(cells, width: int) -> np.ndarray:
    """The bytes of cells that are all ``width`` bytes long, as an (n, width) matrix (no copy)."""
    _, offsets, data = cells.buffers()
    start = int(np.frombuffer(offsets, dtype=np.int64)[cells.offset])
    return np.frombuffer(data, dtype=np.uint8)[start : start + width * len(cells)].reshape(
        len(cells), width
    )


def _checked_parts(
    matrix: np.ndarray, classes: np.ndarray, fields: dict[str, tuple[int, int]]
) -> tuple[np.ndarray, bool, np.ndarray] | None:
    """(wall-clock microseconds, zoned?, offset microseconds) of valid cells; None otherwise."""
    # Column by column (a reduction down each byte column, not a pass per cell): a
    # digit column holds only 0-9, a literal column only its byte, the sign column
    # only + or -, the date-time separator only T or a space.
    columns = np.ascontiguousarray(matrix.T)  # one byte column per row: fast reductions
    low, high = columns.min(axis=1), columns.max(axis=1)
    for column, kind in enumerate(classes.tolist()):
        if kind == _DIGIT:
            fits = low[column] >= ord("0") and high[column] <= ord("9")
        elif kind >= 0:
            fits = low[column] == kind and high[column] == kind
        else:
            allowed = (ord("+"), ord("-")) if kind == _SIGN else (ord("T"), ord(" "))
            fits = bool(np.isin(columns[column], allowed).all())
        if not fits:
            return None

    def number(name: str, digits: int | None = None) -> np.ndarray:
        """The field's digits as an int32 per cell (0 when the layout lacks the field)."""
        start, end = fields.get(name, (0, 0))
        end = end if digits is None else min(end, start + digits)
        if start == end:
            return np.zeros(len(matrix), dtype=np.int32)
        out = columns[start].astype(np.int32)
        for column in range(start + 1, end):  # a few digit columns, each over every cell
            out *= 10
            out += columns[column]
        out -= int("1" * (end - start)) * ord("0")  # every digit was its byte, 48 + d
        return out

    def within(values: np.ndarray, low: int, high: int) -> bool:
        return not len(values) or (values.min() >= low and values.max() <= high)

    year, month, day = number("year"), number("month"), number("day")
    hour, minute, second = number("hour"), number("minute"), number("second")
    if not (within(year, MIN_YEAR, MAX_YEAR) and within(month, 1, 12) and within(day, 1, 31)):
        return None
    if not (within(hour, 0, 23) and within(minute, 0, 59) and within(second, 0, 59)):
        return None
    month_index = (year - MIN_YEAR) * 12 + (month - 1)
    first_days, month_lengths = _month_table()
    if (day > month_lengths[month_index]).any():  # 30 February, 31 April, ...
        return None
    seconds = (first_days[month_index] + (day - 1)) * 86_400  # int64 from here on
    seconds += hour * 3600 + minute * 60 + second
    wall = seconds * _US_PER_SECOND
    if "fraction" in fields:
        start, end = fields["fraction"]
        kept = min(end - start, 6)  # digits beyond microseconds are cut off
        wall += number("fraction", 6) * 10 ** (6 - kept)
    zoned = "z" in fields or "sign" in fields
    offset = np.zeros(1, dtype=np.int64)
    if "sign" in fields:
        offset_hour, offset_minute = number("offset_hour"), number("offset_minute")
        if not (within(offset_hour, 0, 23) and within(offset_minute, 0, 59)):
            return None
        offset = (offset_hour * 60 + offset_minute).astype(np.int64) * 60 * _US_PER_SECOND
        offset[columns[fields["sign"][0]] == ord("-")] *= -1
    return wall, zoned, offset


@functools.cache
def _month_table() -> tuple[np.ndarray, np.ndarray]:
    """Days from 1970-01-01 to the first of each month of MIN_YEAR..MAX_YEAR, and the
    month's length in days, indexed by ``(year - MIN_YEAR) * 12 + month - 1``."""
    months = np.arange((MAX_YEAR - MIN_YEAR + 1) * 12 + 1) + (MIN_YEAR - 1970) * 12
    firsts = months.astype("M8[M]").astype("M8[D]").astype(np.int64)
    return firsts[:-1], np.diff(firsts)
