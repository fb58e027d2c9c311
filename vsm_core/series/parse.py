"""Read an uploaded series — rows of ``date, metric, value[, team]`` — or refuse it whole.

:func:`parse_series` takes the upload's bytes through the one reading path
(:func:`vsm_core.importers.containers.read_upload`: its size and column
limits, encodings and separators, CSV, TSV or Excel), finds the columns
(:mod:`vsm_core.series.columns`), and reads every cell on whole columns:

* dates as the work-item importer reads them (ISO 8601, ``dd/mm/yyyy``,
  ``mm/dd/yyyy``, ``dd.mm.yyyy``, Jira's ``05/Mar/2024``, Excel serial days;
  :func:`vsm_core.importers.dates.parse_timestamps`). A time of day is
  allowed and dropped: the point counts on its day (the UTC day when the
  time carries an offset). When numeric dates read differently day-first and
  month-first and no value settles it (``03/04/2026``), the upload is
  refused with both readings unless ``date_order`` is given;
* values by :func:`vsm_core.series.numbers.read_numbers` (a decimal comma
  only when unambiguous, ``%``, thousands separators);
* metric and team names as text (at most 200 characters, the store's
  limit); a blank team means the upload's team (``team``).

Refused, with every problem naming its row, column and value (the first
:data:`~vsm_core.importers.errors.MAX_PROBLEMS` and the total): blank or
unreadable dates and values, NaN or infinite values, blank metric names,
names over 200 characters, two rows for the same team, metric and day, and
one metric written sometimes with ``%`` and sometimes without. Nothing is
returned then, so nothing can be stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from vsm_core.importers.containers import read_upload
from vsm_core.importers.dates import AmbiguousDateOrder, DateOrder, parse_timestamps
from vsm_core.importers.errors import MAX_PROBLEMS, ImportFailed, ImportProblem, clip
from vsm_core.importers.options import ImportOptions
from vsm_core.series.columns import match_columns
from vsm_core.series.numbers import Decimal, both_readings, read_numbers

#: The longest metric or team name (the store's column width).
MAX_NAME = 200
_DAY_MONTH = re.compile(r"^\s*([0-9]{1,2})[./-]([0-9]{1,2})[./-]([0-9]{4})")


class _Problems(list):
    """Problems found, at most :data:`MAX_PROBLEMS` of each kind kept; the rest only counted
    (a bad cell in each of a million rows costs a count, not a million objects)."""

    omitted = 0

    def add(self, at: np.ndarray, make) -> None:
        """``make(i)`` for the first positions of ``at`` (indices), the rest counted."""
        at = np.asarray(at)
        self.omitted += max(0, at.size - MAX_PROBLEMS)
        self.extend(make(int(i)) for i in at[:MAX_PROBLEMS].tolist())

    @property
    def total(self) -> int:
        return len(self) + self.omitted


@dataclass(frozen=True)
class ParsedSeries:
    """An upload read without a problem.

    ``points``: one row per uploaded row, in file order, columns ``team``
    (text, None where the row named none and no ``team`` was given),
    ``metric`` (text), ``day`` (``datetime64[s]``, midnight), ``value``
    (float64, finite) and ``row`` (the source line, the header being 1).
    ``columns``: role -> header used; ``ignored``: headers not used;
    ``date_order``/``decimal``: how numeric dates and numbers were read
    (None: nothing needed it); ``percent``: metrics written with ``%``;
    ``notes``: what the reader did that the user should know.
    """

    points: pd.DataFrame
    filename: str
    sha256: str
    columns: dict[str, str]
    ignored: list[str] = field(default_factory=list)
    date_order: DateOrder | None = None
    decimal: Decimal | None = None
    percent: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def metrics(self) -> pd.DataFrame:
        """Per team and metric: points, first and last day (the preview's summary)."""
        grouped = self.points.groupby(["team", "metric"], dropna=False, sort=True)
        summary = grouped.agg(
            points=("value", "size"), first=("day", "min"), last=("day", "max")
        ).reset_index()
        summary["first"] = summary["first"].dt.date
        summary["last"] = summary["last"].dt.date
        return summary


def parse_series(
    data: bytes,
    filename: str,
    *,
    team: str | None = None,
    date_order: DateOrder | None = None,
    decimal: Decimal | None = None,
    options: ImportOptions | None = None,
) -> ParsedSeries:
    """Read an uploaded series (see the module docstring) or raise :class:`ImportFailed`.

    ``team``: the upload's team, given to rows without one (and so counted in
    the duplicate check). ``options``: the reading limits and the file's
    encoding and separator (``ImportOptions``; its defaults when None).
    """
    options = options or ImportOptions()
    team = (team or "").strip() or None  # as the store will name it
    upload = read_upload(data, filename, options)
    if upload.table is None:
        raise ImportFailed(
            "a series is a table (CSV, TSV or Excel) with date, metric and value columns; "
            f"{filename} holds JSON records"
        )
    table = upload.table
    mapping, ignored = match_columns(table.columns)
    frame = table.frame
    rows = np.asarray(table.rows)
    for role, header in mapping.items():
        if header in table.repeated_headers:
            raise ImportFailed(
                ImportProblem(column=header, message=f"the {role} column appears more than once")
            )
    problems = _Problems()
    days, order = _days(frame[mapping["date"]], mapping["date"], rows, date_order, problems)
    read = read_numbers(frame[mapping["value"]], decimal=decimal)
    _value_problems(frame[mapping["value"]], mapping["value"], rows, read, problems)
    metric = _names(frame[mapping["metric"]], mapping["metric"], rows, problems, required=True)
    teams = (
        _names(frame[mapping["team"]], mapping["team"], rows, problems, required=False)
        if "team" in mapping
        else pd.Series([None] * len(frame), dtype=object)
    )
    if team is not None:
        teams = teams.where(teams.notna(), team)
    points = pd.DataFrame(
        {
            "team": teams.astype(object).where(teams.notna(), None).to_numpy(),
            "metric": metric.to_numpy(dtype=object),
            "day": days,
            "value": read.values,
            "row": rows.astype(np.int64),
        }
    )
    percent = _percent_problems(points, read.percent, mapping["value"], frame, problems)
    _duplicate_problems(points, mapping["date"], frame[mapping["date"]], problems)
    if problems:
        problems.sort(key=lambda p: p.row if p.row is not None else 0)
        raise ImportFailed(problems, total=problems.total)
    notes = list(table.notes)
    if ignored:
        notes.append("columns not used: " + ", ".join(map(repr, ignored)))
    return ParsedSeries(
        points=points,
        filename=filename,
        sha256=upload.sha256,
        columns=mapping,
        ignored=ignored,
        date_order=order,
        decimal=read.decimal,
        percent=percent,
        notes=notes,
    )


def _days(cells, column, rows, date_order, problems) -> tuple[np.ndarray, DateOrder | None]:
    """The day of each cell (``datetime64[s]``, NaT where not read); problems appended."""
    try:
        parsed = parse_timestamps(
            cells.reset_index(drop=True), column=column, rows=rows, date_order=date_order
        )
    except AmbiguousDateOrder as failure:
        raise ImportFailed(
            [_ambiguous_date(failure.problems[0]), *failure.problems[1:]], total=failure.total
        ) from failure
    problems.extend(parsed.problems)
    blank = np.flatnonzero(cells.isna().to_numpy(dtype=bool))
    problems.add(blank, _plain(rows, column, "no date"))
    values = parsed.values.dt.tz_convert(None).dt.floor("D").to_numpy(dtype="datetime64[s]")
    return values, parsed.date_order_used


def _plain(rows: np.ndarray, column: str, message: str):
    """A maker of the problem ``message`` at position ``i``'s row of ``column`` (a blank cell)."""
    return lambda i: ImportProblem(row=int(rows[i]), column=column, message=message)


def _ambiguous_date(problem: ImportProblem) -> ImportProblem:
    """The ambiguous-date problem with the value's two readings, as a question."""
    found = _DAY_MONTH.match(problem.value or "")
    readings = ""
    if found:
        a, b, year = (int(g) for g in found.groups())
        try:
            readings = (
                f"{problem.value} reads as {date(year, b, a):%d %B %Y} (day first) or "
                f"{date(year, a, b):%d %B %Y} (month first); "
            )
        except ValueError:
            readings = ""
    return problem.model_copy(
        update={
            "message": (
                f"{readings}no date in the column settles which; choose day first or month "
                "first (--date-order dayfirst|monthfirst)"
            )
        }
    )


def _value_problems(cells, column, rows, read, problems) -> None:
    raw = cells.reset_index(drop=True)
    if read.mixed is not None:
        first, second = read.mixed
        problems.append(
            ImportProblem(
                row=int(rows[second]),
                column=column,
                value=clip(raw.iloc[second]),
                message=(
                    f"this value has a decimal comma, but row {int(rows[first])} "
                    f"({raw.iloc[first]!r}) has a decimal point; a file must use one "
                    "(or choose it: --decimal point|comma)"
                ),
            )
        )
        return

    def ambiguous(at: int) -> ImportProblem:
        point, comma = both_readings(raw.iloc[at])
        return ImportProblem(
            row=int(rows[at]),
            column=column,
            value=clip(raw.iloc[at]),
            message=(
                f"reads as {point:g} (decimal point) or {comma:g} (decimal comma), and no "
                "value in the column settles which; choose one (--decimal point|comma)"
            ),
        )

    problems.add(read.ambiguous, ambiguous)
    blank = np.flatnonzero(raw.isna().to_numpy(dtype=bool))
    problems.add(blank, _plain(rows, column, "no value"))
    problems.add(
        np.flatnonzero(read.reasons != ""),
        lambda i: ImportProblem(
            row=int(rows[i]), column=column, value=clip(raw.iloc[i]), message=read.reasons[i]
        ),
    )


def _names(cells, column, rows, problems, *, required: bool) -> pd.Series:
    """The names of a text column (missing where blank); blank (if required) and overlong
    names appended to ``problems``."""
    cells = pd.Series(cells, dtype="str").reset_index(drop=True)
    # Lengths on the text column itself (Arrow's), before it becomes Python objects.
    long = np.flatnonzero(cells.str.len().to_numpy(dtype="float64", na_value=0) > MAX_NAME)
    text = cells.astype(object)
    text = text.where(cells.notna(), None)
    if required:
        blank = np.flatnonzero(cells.isna().to_numpy(dtype=bool))
        problems.add(blank, _plain(rows, column, "no metric name"))
    problems.add(
        long,
        lambda i: ImportProblem(
            row=int(rows[i]),
            column=column,
            value=clip(text.iloc[i]),
            message=f"longer than {MAX_NAME} characters",
        ),
    )
    return text


def _percent_problems(points, percent, column, frame, problems) -> list[str]:
    """Metrics written with ``%``; a metric written both ways is a problem at its first row
    without the sign."""
    marked = pd.Series(percent, index=points.index)
    named = points["metric"].notna()
    by_metric = marked[named].groupby(points.loc[named, "metric"])
    some, every = by_metric.any(), by_metric.all()
    mixed = some & ~every
    for metric in mixed[mixed].index.tolist():
        first = int(np.flatnonzero((points["metric"] == metric).to_numpy() & ~percent)[0])
        with_sign = int(np.flatnonzero((points["metric"] == metric).to_numpy() & percent)[0])
        problems.append(
            ImportProblem(
                row=int(points["row"].iloc[first]),
                column=column,
                value=clip(frame[column].iloc[first]),
                message=(
                    f"{metric!r} has values with % (row {int(points['row'].iloc[with_sign])}) "
                    "and without; write them all one way"
                ),
            )
        )
    return sorted(every[every].index.tolist())


def _duplicate_problems(points, column, cells, problems) -> None:
    """Every row repeating an earlier row's team, metric and day, naming that row."""
    keyed = points.dropna(subset=["metric", "day"])
    key = [keyed["team"].fillna("\x00"), keyed["metric"], keyed["day"]]
    frame = pd.DataFrame({"team": key[0], "metric": key[1], "day": key[2], "row": keyed["row"]})
    repeated = frame.duplicated(["team", "metric", "day"], keep="first")
    if not repeated.any():
        return
    first_row = frame.groupby(["team", "metric", "day"], sort=False)["row"].transform("first")
    raw = cells.reset_index(drop=True)

    def duplicate(at: int) -> ImportProblem:
        return ImportProblem(
            row=int(frame["row"].iloc[at]),
            column=column,
            value=clip(raw.iloc[keyed.index[at]]),
            message=(
                f"a second value of {frame['metric'].iloc[at]!r} for this day (first in "
                f"row {int(first_row.iloc[at])}); one value per team, metric and day"
            ),
        )

    problems.add(np.flatnonzero(repeated.to_numpy()), duplicate)
