"""Parse a column of timestamp text into UTC instants.

One column at a time: :func:`parse_timestamps` accepts, in the same column,

* ISO 8601 dates and date-times (``T`` or a space between date and time), with
  or without a ``Z``/``±HH[:MM]`` offset and with any number of fractional
  second digits (digits beyond microseconds are cut off, not rounded);
* Jira's ``05/Mar/24 2:07 PM`` and ``05/Mar/2024`` (optionally with a 24-hour
  time or seconds);
* numeric dates ``dd/mm/yyyy``, ``mm/dd/yyyy``, ``dd.mm.yyyy`` or ``dd-mm-yyyy``
  with an optional ``H:MM[:SS[.fff]]`` time and optional ``AM``/``PM``;
* Excel serial day numbers between 20000 and 80000 (1900 date system,
  day 0 = 1899-12-30), so that ids and epoch seconds are never taken for dates.

Whether numeric dates are day-first or month-first is decided once per column
and never mixed (see :func:`parse_timestamps`). Values without an offset are
wall-clock times in the import's time zone; every result is a UTC instant with
microsecond resolution (``datetime64[us, UTC]``).

The common path is vectorised: each format is tried on the whole column with
one regular expression (a gate) and one ``pd.to_datetime`` call, and only the
cells no format could read are visited one by one, to report them. Before
it, a column of ISO 8601 text all in the range is read by Arrow's cast
(:func:`_iso_by_arrow`), which gives the same instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from vsm_core.importers.arrow_text import byte_offsets, data_bytes, large_text
from vsm_core.importers.errors import ImportFailed, ImportProblem, clip

DateOrder = Literal["dayfirst", "monthfirst"]

#: The integer behind ``NaT``.
NAT = np.iinfo(np.int64).min
#: Instants outside [1900-01-01, 2101-01-01) UTC are reported as problems.
MIN_YEAR = 1900
MAX_YEAR = 2100

_MIN_US = int(np.datetime64(f"{MIN_YEAR}-01-01T00:00:00", "us").astype(np.int64))
_END_US = int(np.datetime64(f"{MAX_YEAR + 1}-01-01T00:00:00", "us").astype(np.int64))

#: Excel serial day numbers accepted as dates (1954-10-03 .. 2119-01-10).
EXCEL_SERIAL_MIN = 20000
EXCEL_SERIAL_MAX = 80000
_EXCEL_EPOCH_DAYS = 25569  # days from 1899-12-30 (Excel day 0) to 1970-01-01
_US_PER_MS = 1000
_MS_PER_DAY = 86_400_000
#: Near the ends of the accepted years (within two days, more than any UTC offset) the
#: year a value names on its own clock is read from its text, not from its UTC instant.
_EDGE_US = 2 * _MS_PER_DAY * _US_PER_MS

# Gates: which cells are candidates for each family of formats. Written in the
# common subset of Python's ``re`` and RE2 so that pyarrow runs them for ``str``
# columns; ``[0-9]`` rather than ``\d``, which would match other scripts' digits
# (and make pandas fall back to Python's ``re`` on non-ASCII data).
_OFFSET = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_ISO = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?: ?" + _OFFSET + r")?)?$"
)
_ISO_ZONED = r"[0-9]:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)? ?" + _OFFSET + r"$"
_LONG_FRACTION = r"\.[0-9]{7}"
_SERIAL = r"^[0-9]{5}(?:\.[0-9]+)?$"
_AMPM = r"(?: *[AaPp]\.?[Mm]\.?)?"
_JIRA = (
    r"^[0-9]{1,2}/[A-Za-z]{3}/(?:[0-9]{2}|[0-9]{4})"
    r"(?: +[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?" + _AMPM + r")?$"
)
_NUMERIC = (
    r"^[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{4}"
    r"(?: +[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?" + _AMPM + r")?$"
)
# After normalisation numeric dates read ``a/b/yyyy``.
_DAY_EVIDENCE = r"^(?:1[3-9]|2[0-9]|3[01])/(?:0?[1-9]|1[0-2])/"  # a > 12, b a month
_MONTH_EVIDENCE = r"^(?:0?[1-9]|1[0-2])/(?:1[3-9]|2[0-9]|3[01])/"  # b > 12, a a month
_DOTTED = r"^[0-9]{1,2}\.[0-9]{1,2}\."

_TIMES_NUMERIC = ("", " %H:%M", " %H:%M:%S", " %H:%M:%S.%f", " %I:%M %p", " %I:%M:%S %p")
_TIMES_JIRA = ("", " %I:%M %p", " %H:%M", " %I:%M:%S %p", " %H:%M:%S")
_JIRA_FORMATS = tuple(f"%d/%b/{year}{time}" for year in ("%y", "%Y") for time in _TIMES_JIRA)

FORMATS_TRIED = (
    "ISO 8601 (2024-03-05, 2024-03-05 14:07, 2024-03-05T14:07:00.123+01:00), "
    "Jira (05/Mar/24 2:07 PM, 05/Mar/2024), "
    "dd/mm/yyyy, mm/dd/yyyy or dd.mm.yyyy with an optional H:MM[:SS] and AM/PM, "
    f"Excel serial day numbers ({EXCEL_SERIAL_MIN}-{EXCEL_SERIAL_MAX})"
)

# Which family of formats a cell looked like, for the problem message.
_OTHER, _KIND_ISO, _KIND_SERIAL, _KIND_JIRA, _KIND_NUMERIC = range(5)


@dataclass(frozen=True, eq=False)
class ParsedDates:
    """The result of :func:`parse_timestamps`.

    * ``values``: ``datetime64[us, UTC]``, same index and name as the input;
      ``NaT`` where the input was blank or could not be read.
    * ``problems``: one per non-blank cell that could not be read (row from
      ``rows``, the column, the clipped raw text, what was tried).
    * ``date_order_used``: ``"dayfirst"``/``"monthfirst"`` when numeric dates
      were read in that order; ``None`` when the column needed no order (no
      numeric dates, or every one reads the same both ways).
    * ``ambiguous``: the values alone do not settle the day/month order (some
      read differently both ways and none has a day > 12); the order came
      from ``date_order`` or from the day-first ``dd.mm.yyyy`` convention.
    """

    values: pd.Series
    problems: list[ImportProblem]
    date_order_used: DateOrder | None
    ambiguous: bool


class AmbiguousDateOrder(ImportFailed):
    """Numeric dates in ``column`` read differently day-first and month-first.

    Raised when no ``date_order`` was given and no value in the column settles
    it. The first problem names an example; the other problems found in the
    column follow it.
    """

    def __init__(
        self,
        column: str,
        *,
        row: int | None = None,
        value: str | None = None,
        other_problems: list[ImportProblem] | tuple[ImportProblem, ...] = (),
    ):
        self.column = column
        problem = ImportProblem(
            row=row,
            column=column,
            value=clip(value),
            message=(
                "dates like this read differently day-first and month-first, and no value "
                "in the column settles it; choose day-first or month-first "
                "(--date-order dayfirst|monthfirst)"
            ),
        )
        super().__init__([problem, *other_problems])


def parse_timestamps(
    values: pd.Series,
    *,
    column: str,
    rows: np.ndarray,
    date_order: DateOrder | None = None,
    timezone: str = "UTC",
) -> ParsedDates:
    """Read one column of timestamp text as UTC instants.

    ``rows`` gives, position by position, the source line of each value (for
    problem reports). ``timezone`` (IANA) is the zone of values without an
    offset; at a DST change a nonexistent local time is moved forward to the
    first valid instant (02:30 on a spring-forward night becomes 03:00) and an
    ambiguous one takes its first occurrence (the summer-time reading).

    Day-first vs month-first is per column: ``date_order`` when given;
    otherwise a value whose first number is above 12 makes the column
    day-first, one whose second number is above 12 month-first. When both are
    seen, the rows of the less frequent reading are reported as problems (ties
    go to day-first). When nothing settles it and some value reads
    differently both ways, :class:`AmbiguousDateOrder` is raised, except that
    a column whose numeric dates all use dots (``05.03.2024``) is day-first.

    Raises only :class:`AmbiguousDateOrder`; every other unreadable value is
    a problem in the result.
    """
    rows = np.asarray(rows)
    if len(rows) != len(values):
        raise ValueError(f"rows has {len(rows)} entries for {len(values)} values")
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        return _already_datetimes(values, timezone)

    iso = _iso_by_arrow(values, timezone)
    if iso is not None:
        # Every non-blank cell is ISO 8601 Arrow reads, well inside the years accepted:
        # the general path below would read exactly these instants and report no problem.
        positions, instant = iso
        return ParsedDates(_utc_series(values, positions, instant), [], None, False)

    text = pd.Series(values, dtype="str").str.strip()
    present = text.notna().to_numpy(dtype=bool) & (text.str.len() > 0).to_numpy(dtype=bool)
    positions = np.flatnonzero(present)
    cells = text.iloc[positions].reset_index(drop=True)
    size = len(cells)
    wall = np.full(size, NAT, dtype=np.int64)  # wall-clock microseconds, to localise
    instant = np.full(size, NAT, dtype=np.int64)  # UTC microseconds (values with an offset)
    kind = np.full(size, _OTHER, dtype=np.int8)
    conflict = np.zeros(size, dtype=bool)
    order_used: DateOrder | None = None
    ambiguous = False
    ambiguity: tuple[int, str] | None = None  # (position in cells, value) of an example

    if size:
        iso = _matches(cells, _ISO)
        kind[iso] = _KIND_ISO
        if iso.any():
            _parse_iso(cells[iso], np.flatnonzero(iso), wall, instant)

        serial = _gate(cells, kind, _SERIAL)
        kind[serial] = _KIND_SERIAL
        if serial.any():
            wall[serial] = _parse_serials(cells[serial])

        jira = _gate(cells, kind, _JIRA)
        kind[jira] = _KIND_JIRA
        if jira.any():
            wall[jira] = _try_formats(_normalise_times(cells[jira]), _JIRA_FORMATS)

        numeric = _gate(cells, kind, _NUMERIC)
        kind[numeric] = _KIND_NUMERIC
        if numeric.any():
            where = np.flatnonzero(numeric)
            outcome = _parse_numeric(cells[numeric], date_order)
            wall[where] = outcome.values
            conflict[where] = outcome.conflict
            order_used, ambiguous = outcome.order, outcome.ambiguous
            if outcome.example is not None:
                ambiguity = (int(where[outcome.example]), str(cells.iloc[where[outcome.example]]))

    local = wall != NAT
    if local.any():
        instant[local] = _localise(wall[local], timezone)
    years = _wall_years(cells, wall, instant)
    out_of_range = (years != 0) & ((years < MIN_YEAR) | (years > MAX_YEAR))
    years = years[out_of_range]
    instant[out_of_range] = NAT

    problems = _problems(
        cells, positions, rows, column, instant, kind, conflict, out_of_range, years, order_used
    )
    if ambiguity is not None:
        at, example = ambiguity
        raise AmbiguousDateOrder(
            column, row=_row(rows, positions[at]), value=example, other_problems=problems
        )

    return ParsedDates(
        values=_utc_series(values, positions, instant),
        problems=problems,
        date_order_used=order_used,
        ambiguous=ambiguous,
    )


def _utc_series(values: pd.Series, positions: np.ndarray, instant: np.ndarray) -> pd.Series:
    """``datetime64[us, UTC]`` like ``values`` (index, name): ``instant`` (UTC epoch
    microseconds) at ``positions``, NaT elsewhere."""
    if len(positions) == len(values):
        result = instant
    else:
        result = np.full(len(values), NAT, dtype=np.int64)
        result[positions] = instant
    series = pd.Series(result.view("M8[us]"), index=values.index, name=values.name)
    return series.dt.tz_localize("UTC")


# --- ISO 8601 read by Arrow ---------------------------------------------------------------------


def _iso_by_arrow(values: pd.Series, timezone: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(positions of the non-blank cells, their UTC epoch microseconds) when Arrow's cast
    reads every non-blank cell as ISO 8601; else None (the general path reads the column).

    The cells must all carry an offset (``Z``, ``+01``, ``+0100``, ``+01:00``:
    cast to UTC) or none (wall-clock times, placed in ``timezone`` by
    :func:`_localise`, as the general path places them; Arrow's
    ``assume_timezone`` was measured to ignore summer time after 2037, where
    the system's time zone files stop listing changes). Arrow reads a date,
    ``T`` or a space, ``hh:mm``, ``:ss`` and 1-9 fraction digits (cut, not
    rounded, to microseconds, as the general path cuts them); it refuses
    surrounding spaces, impossible fields and a space before the offset,
    which the general path then reads or reports. It also reads an hour
    without minutes, which the general path refuses: such cells are not
    handed to it. None as well when an instant is within two days of the
    years outside MIN_YEAR..MAX_YEAR (the general path reports those years).
    """
    cells = large_text(values)
    if cells is None:
        return None
    offsets = byte_offsets(cells)
    lengths = np.diff(offsets)
    present = lengths > 0
    if cells.null_count:
        present &= cells.is_valid().to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(present)
    if not len(positions):
        return None
    # A date alone is 10 bytes; with a time, its 14th byte is the colon of hh:mm.
    starts, lengths = offsets[positions], lengths[positions]
    timed = lengths != 10
    if timed.any():
        if lengths[timed].min() < 14:
            return None
        if not (data_bytes(cells)[starts[timed] + 13] == ord(":")).all():
            return None
    if len(positions) < len(cells):
        cells = cells.take(pa.array(positions))
    zone = None if _without_offset(cells[0]) else "UTC"
    try:
        stamps = pc.cast(cells, pa.timestamp("ns", zone))
    except pa.ArrowInvalid:  # not ISO, offsets on some cells only, or a field out of range
        return None
    instants = stamps.cast(pa.int64()).to_numpy() // 1000  # floor: cut, not rounded
    if zone is None:
        instants = _localise(instants, timezone)
    if instants.min() < _MIN_US + _EDGE_US or instants.max() >= _END_US - _EDGE_US:
        return None
    return positions, instants


def _without_offset(cell: pa.Scalar) -> bool:
    """Whether Arrow reads the cell as a wall-clock time (it refuses one with an offset)."""
    try:
        pc.cast(pa.array([cell.as_py()], pa.large_string()), pa.timestamp("ns"))
    except pa.ArrowInvalid:
        return False
    return True


# --- formats ---------------------------------------------------------------------------------


def _matches(cells: pd.Series, pattern: str) -> np.ndarray:
    return cells.str.contains(pattern, regex=True).to_numpy(dtype=bool)


def _gate(cells: pd.Series, kind: np.ndarray, pattern: str) -> np.ndarray:
    """Which cells no earlier gate took match ``pattern`` (only those are searched)."""
    mask = np.zeros(len(cells), dtype=bool)
    rest = np.flatnonzero(kind == _OTHER)
    if rest.size:
        mask[rest] = _matches(cells.iloc[rest], pattern)
    return mask


def _parse_iso(cells: pd.Series, where: np.ndarray, wall: np.ndarray, instant: np.ndarray) -> None:
    if cells.str.contains(_LONG_FRACTION, regex=True).any():
        # cut (not round) to microseconds: .999999999 stays in its second
        cells = cells.str.replace(r"(\.[0-9]{6})[0-9]+", r"\1", regex=True)
    zoned = _matches(cells, _ISO_ZONED)
    if zoned.any():
        parsed = pd.to_datetime(cells[zoned], format="ISO8601", utc=True, errors="coerce")
        instant[where[zoned]] = _microseconds(parsed)
    if not zoned.all():
        parsed = pd.to_datetime(cells[~zoned], format="ISO8601", errors="coerce")
        wall[where[~zoned]] = _microseconds(parsed)


def _parse_serials(cells: pd.Series) -> np.ndarray:
    days = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
    plausible = (days >= EXCEL_SERIAL_MIN) & (days <= EXCEL_SERIAL_MAX)
    out = np.full(len(days), NAT, dtype=np.int64)
    # Excel keeps times to the millisecond; round away binary noise (10:00 = .41666…).
    ms = np.rint((days[plausible] - _EXCEL_EPOCH_DAYS) * _MS_PER_DAY).astype(np.int64)
    out[plausible] = ms * _US_PER_MS
    return out


def _normalise_times(cells: pd.Series) -> pd.Series:
    """One space between parts, and ``2:07pm``/``2:07 p.m.`` as ``2:07 PM``."""
    cells = cells.str.replace(r" +", " ", regex=True)
    return cells.str.replace(r"([0-9]) ?([AaPp])\.?[Mm]\.?$", r"\1 \2M", regex=True)


def _numeric_formats(order: DateOrder) -> tuple[str, ...]:
    date = "%d/%m/%Y" if order == "dayfirst" else "%m/%d/%Y"
    return tuple(date + time for time in _TIMES_NUMERIC)


@dataclass(frozen=True, eq=False)
class _NumericOutcome:
    values: np.ndarray
    conflict: np.ndarray  # rows whose order contradicts the column's
    order: DateOrder | None
    ambiguous: bool
    example: int | None  # position of an ambiguous value when the order is undecided


def _parse_numeric(cells: pd.Series, date_order: DateOrder | None) -> _NumericOutcome:
    slashed = cells.str.replace(r"^([0-9]{1,2})[./-]([0-9]{1,2})[./-]", r"\1/\2/", regex=True)
    norm = _normalise_times(slashed)
    day = _matches(norm, _DAY_EVIDENCE)
    month = _matches(norm, _MONTH_EVIDENCE)
    conflict = np.zeros(len(norm), dtype=bool)
    settled = bool(day.any() or month.any())

    if settled and date_order is None:
        if day.any() and month.any():
            order: DateOrder = "dayfirst" if day.sum() >= month.sum() else "monthfirst"
            conflict = month if order == "dayfirst" else day
        else:
            order = "dayfirst" if day.any() else "monthfirst"
        values = _try_formats(norm, _numeric_formats(order))
        return _NumericOutcome(values, conflict, order, False, None)
    if settled:
        return _NumericOutcome(
            _try_formats(norm, _numeric_formats(date_order)), conflict, date_order, False, None
        )

    # Nothing in the values says which order: read both ways and compare.
    first = _try_formats(norm, _numeric_formats("dayfirst"))
    second = _try_formats(norm, _numeric_formats("monthfirst"))
    differ = (first != second) & (first != NAT) & (second != NAT)
    chosen = second if date_order == "monthfirst" else first
    if not differ.any():
        return _NumericOutcome(chosen, conflict, date_order, False, None)
    if date_order is not None:
        return _NumericOutcome(chosen, conflict, date_order, True, None)
    if _matches(cells, _DOTTED).all():
        return _NumericOutcome(first, conflict, "dayfirst", True, None)
    example = int(np.flatnonzero(differ)[0])
    return _NumericOutcome(first, conflict, None, True, example)


def _try_formats(cells: pd.Series, formats: tuple[str, ...]) -> np.ndarray:
    """Each cell read with the first format that fits; ``NAT`` where none does."""
    out = np.full(len(cells), NAT, dtype=np.int64)
    todo = np.ones(len(cells), dtype=bool)
    for fmt in formats:
        if not todo.any():
            break
        where = np.flatnonzero(todo)
        parsed = _microseconds(pd.to_datetime(cells[todo], format=fmt, errors="coerce"))
        ok = parsed != NAT
        out[where[ok]] = parsed[ok]
        todo[where[ok]] = False
    return out


def _microseconds(parsed: pd.Series) -> np.ndarray:
    """Epoch microseconds (UTC for aware values, wall clock for naive ones); ``NAT`` for NaT."""
    index = pd.DatetimeIndex(parsed)
    if index.unit == "ns":
        index = index.floor("us")
    return np.asarray(index.as_unit("us").asi8, dtype=np.int64)


def _localise(wall: np.ndarray, timezone: str) -> np.ndarray:
    if timezone == "UTC":
        return wall
    index = pd.DatetimeIndex(wall.view("M8[us]"))
    local = index.tz_localize(
        timezone,
        ambiguous=np.ones(len(index), dtype=bool),  # first occurrence (summer time)
        nonexistent="shift_forward",
    )
    return np.asarray(local.as_unit("us").asi8, dtype=np.int64)


def _already_datetimes(values: pd.Series, timezone: str) -> ParsedDates:
    series = values
    if series.dt.tz is None:
        series = series.dt.tz_localize(
            timezone, ambiguous=np.ones(len(series), dtype=bool), nonexistent="shift_forward"
        )
    series = series.dt.tz_convert("UTC")
    if series.dt.unit == "ns":
        series = series.dt.floor("us")
    return ParsedDates(series.dt.as_unit("us"), [], None, False)


def _wall_years(cells: pd.Series, wall: np.ndarray, instant: np.ndarray) -> np.ndarray:
    """The year each value names on its own clock (0 where it was not read).

    Local values have it in ``wall``; values with an offset have it in their
    text, which is only consulted near the ends of the range (where the UTC
    year can differ from the written one).
    """
    clock = np.where(wall != NAT, wall, instant)
    years = np.where(clock != NAT, clock.view("M8[us]").astype("M8[Y]").astype(np.int64) + 1970, 0)
    near = (wall == NAT) & (instant != NAT)
    near &= (instant < _MIN_US + _EDGE_US) | (instant >= _END_US - _EDGE_US)
    for at in np.flatnonzero(near).tolist():
        years[at] = int(str(cells.iloc[at])[:4])
    return years


# --- problems --------------------------------------------------------------------------------


def _row(rows: np.ndarray, position: int) -> int | None:
    value = rows[position]
    return None if pd.isna(value) else int(value)


def _problems(
    cells: pd.Series,
    positions: np.ndarray,
    rows: np.ndarray,
    column: str,
    instant: np.ndarray,
    kind: np.ndarray,
    conflict: np.ndarray,
    out_of_range: np.ndarray,
    years: np.ndarray,
    order: DateOrder | None,
) -> list[ImportProblem]:
    failed = np.flatnonzero(instant == NAT)
    if not failed.size:
        return []
    year_of = dict(zip(np.flatnonzero(out_of_range).tolist(), years.tolist(), strict=True))
    raws = cells.iloc[failed].tolist()
    source_rows = rows[positions[failed]].tolist()
    failures = {code: _failure(code, order) for code in range(5)}
    mixed = (
        f"this date reads only {_opposite(order)}, but the column is {_describe(order)} "
        "(other rows read only that way); a column must use one order: fix the "
        "value or choose --date-order dayfirst|monthfirst"
    )
    problems = []
    for at, raw, row in zip(failed.tolist(), raws, source_rows, strict=True):
        if at in year_of:
            message = (
                f"year {year_of[at]} is outside {MIN_YEAR}-{MAX_YEAR}: probably not a date "
                "or a mistyped one"
            )
        elif conflict[at]:
            message = mixed
        else:
            message = failures[int(kind[at])]
        problems.append(
            ImportProblem(
                row=None if pd.isna(row) else int(row),
                column=column,
                value=clip(raw),
                message=message,
            )
        )
    return problems


def _describe(order: DateOrder | None) -> str:
    return "month-first (mm/dd/yyyy)" if order == "monthfirst" else "day-first (dd/mm/yyyy)"


def _opposite(order: DateOrder | None) -> str:
    return "day-first (dd/mm/yyyy)" if order == "monthfirst" else "month-first (mm/dd/yyyy)"


def _failure(kind: int, order: DateOrder | None) -> str:
    if kind == _KIND_ISO:
        return "not a valid ISO 8601 date/time (month, day, hour, minute or offset out of range)"
    if kind == _KIND_SERIAL:
        return (
            f"a number, but not a plausible Excel date serial ({EXCEL_SERIAL_MIN}-"
            f"{EXCEL_SERIAL_MAX}); epoch seconds are not accepted"
        )
    if kind == _KIND_JIRA:
        return "not a valid Jira date (dd/MMM/yy h:mm AM/PM, e.g. 05/Mar/24 2:07 PM)"
    if kind == _KIND_NUMERIC:
        shape = "dd/mm/yyyy or mm/dd/yyyy" if order is None else _describe(order)
        return f"not a valid {shape} date with an optional H:MM[:SS] and AM/PM"
    return f"not a date/time this importer reads; tried {FORMATS_TRIED}"
