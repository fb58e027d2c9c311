"""From split records to a :class:`RawTable`: the same rules for CSV and Excel.

The first record with a non-blank cell is the header; all-blank records and
records repeating the header are dropped (the latter counted); cells are
stripped, blank ones missing; repeated header names are merged into one
column of tuples (Jira repeats ``Sprint`` and ``Labels``). A header of more
than ``ImportOptions.max_columns`` cells is refused before any work per column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from vsm_core.importers.errors import MAX_PROBLEMS, ImportFailed, ImportProblem, clip
from vsm_core.importers.options import DEFAULT_MAX_COLUMNS
from vsm_core.importers.table import Container, RawTable


@dataclass(frozen=True)
class SplitRows:
    """The header and the kept rows of a table, before names and merging.

    ``header``: the header's stripped cells (None when blank); ``columns``:
    one sequence per header cell with the kept rows' cells (an Arrow
    ``large_string`` array, or a tuple of str/None); ``lines``: the source
    line (int64) of each kept row; ``repeated_rows``: the lines of the rows
    equal to the header, which were dropped.
    """

    header: list[str | None]
    columns: list[Any]
    lines: np.ndarray
    repeated_rows: list[int]


def build_table(
    split: SplitRows,
    *,
    encoding: str,
    separator: str | None,
    container: Container,
    notes: list[str],
) -> RawTable:
    """The :class:`RawTable` of ``split``: named columns, repeated names merged, and notes
    about the merged columns and the skipped header rows appended to ``notes``."""
    names = _column_names(split.header)
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        positions.setdefault(name, []).append(index)
    frame = pd.DataFrame(
        {name: _column(split.columns, where) for name, where in positions.items()},
        index=pd.RangeIndex(len(split.lines)),
    )
    repeated = {name: len(where) for name, where in positions.items() if len(where) > 1}
    for name, count in repeated.items():
        notes.append(
            f"{count} columns are named {name!r}; merged into one whose cells list "
            "their non-blank values"
        )
    repeated_rows = split.repeated_rows
    if repeated_rows:
        shown = ", ".join(str(line) for line in repeated_rows[:10])
        more = ", …" if len(repeated_rows) > 10 else ""
        plural = "s" if len(repeated_rows) > 1 else ""
        notes.append(
            f"{len(repeated_rows)} repeated header row{plural} skipped (row{plural} {shown}{more})"
        )
    return RawTable(
        frame=frame,
        rows=split.lines,
        encoding=encoding,
        separator=separator,
        container=container,
        repeated_headers=repeated,
        notes=notes,
        repeated_header_rows=len(repeated_rows),
    )


def split_records(
    records: Iterable[tuple[int, list[str | None]]],
    joiner: str,
    max_columns: int = DEFAULT_MAX_COLUMNS,
) -> SplitRows:
    """The header and kept rows of (line, stripped cells) records, read one by one.

    A row with fewer cells than the header is padded with missing cells;
    one with more is trimmed when the extra cells are blank and is a problem
    otherwise (its line and its extra cells joined by ``joiner``); every
    such problem is raised together (the first :data:`MAX_PROBLEMS` kept,
    all counted). Raises :class:`ImportFailed` for a file without a header
    or without rows, and for a header of more than ``max_columns`` cells as
    soon as it is met (:func:`too_many_columns`), before any other row is read.
    """
    header: list[str | None] | None = None
    data: list[list[str | None]] = []
    lines: list[int] = []
    repeated_rows: list[int] = []
    problems: list[ImportProblem] = []
    found = 0
    width = 0
    for line, cells in records:
        if header is None:
            if any(cells):
                if len(cells) > max_columns:
                    raise too_many_columns(len(cells), max_columns, line)
                header, width = cells, len(cells)
            continue
        if not any(cells):
            continue
        if len(cells) > width:
            extras = cells[width:]
            if any(extras):
                found += 1
                if found <= MAX_PROBLEMS:  # the rest are counted, not built
                    problems.append(
                        ImportProblem(
                            row=line,
                            value=clip(joiner.join(cell or "" for cell in extras[:MAX_JOINED])),
                            message=f"the row has {len(cells)} cells but the header has {width}",
                        )
                    )
                continue
            cells = cells[:width]
        elif len(cells) < width:
            cells = cells + [None] * (width - len(cells))
        if cells == header:
            repeated_rows.append(line)
            continue
        data.append(cells)
        lines.append(line)

    if header is None:
        raise ImportFailed("the file is empty")
    if problems:
        raise ImportFailed(problems, total=found)
    if not data:
        raise ImportFailed("the file has a header but no rows")
    return SplitRows(
        header=header,
        columns=list(zip(*data, strict=True)),
        lines=np.asarray(lines, dtype=np.int64),
        repeated_rows=repeated_rows,
    )


#: Extra cells joined for a problem's value (which is clipped to 200 characters anyway).
MAX_JOINED = 200


def too_many_columns(count: int, limit: int, line: int) -> ImportFailed:
    """The failure for a header of ``count`` cells at ``line`` when at most ``limit`` are
    read."""
    return ImportFailed(
        ImportProblem(
            row=line,
            message=(
                f"the header has {count:,} columns; Flowlab reads at most {limit:,} — "
                "export only the fields you need"
            ),
        )
    )


def _column_names(header: list[str | None]) -> list[str]:
    """The header's names; a blank one is ``column_N`` (N its position, from 1)."""
    taken = {name for name in header if name}
    names = []
    for number, name in enumerate(header, start=1):
        if not name:
            name = f"column_{number}"
            while name in taken:
                name += "_"
            taken.add(name)
        names.append(name)
    return names


def _column(columns: list[Any], where: list[int]) -> Any:
    """The frame column of the header cells at ``where``: text, or tuples when merged."""
    if len(where) == 1:
        return pd.array(columns[where[0]], dtype="str")
    merged = [
        tuple(value for value in values if value is not None) or np.nan
        for values in zip(*(_cells(columns[index]) for index in where), strict=True)
    ]
    return pd.Series(merged, dtype=object).array


def _cells(column: Any) -> Any:
    """A column's cells as Python ``str``/None (Arrow arrays are converted)."""
    return column.to_pylist() if hasattr(column, "to_pylist") else column
