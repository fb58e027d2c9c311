"""``stages``: one row per item, one column per workflow stage holding the date it entered it.

The export of ActionableAgile, Nave and jira-agile-metrics. Columns: ``ID``,
optional ``Link``, ``Name``/title, the stage columns in workflow order, then
attributes (``Type``, ``Labels`` as ``a|b``, anything else is a filter
attribute), optional ``Blocked Days`` or ``Blocked Date Range``
(``[dd/MM/yyyy-dd/MM/yyyy]|[...]``). A blank stage cell means the stage was
skipped. Stage columns are the run of columns, from the first to the last
one holding dates; blank columns inside the run are stages nobody entered.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from vsm_core.importers.columns import is_attribute_name, normalise_header, resolve_mapping
from vsm_core.importers.dates import AmbiguousDateOrder, parse_timestamps
from vsm_core.importers.errors import ImportFailed, ImportProblem
from vsm_core.importers.formats.common import (
    ParsedImport,
    ProblemCollector,
    collapse_repeats,
    events_frame,
    located,
    row_items,
    text,
)
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable

REQUIRED = ("item_id",)
OPTIONAL = ("title", "type", "team", "labels", "blocked_days")
IGNORED_HEADERS = {"link", "url", "href"}
BLOCKED_RANGE_HEADERS = {"blockeddaterange", "blockeddateranges", "blockedranges"}
#: Share of a column's non-blank cells that must be dates for it to be a stage.
STAGE_DATE_SHARE = 0.8


def parse(table: RawTable, options: ImportOptions) -> ParsedImport:
    mapping = resolve_mapping(
        table.columns,
        required=REQUIRED,
        optional=OPTIONAL,
        given=options.mapping,
        repeated=table.repeated_headers,
    )
    problems = ProblemCollector()
    problems.missing(table, mapping["item_id"], "the item id")
    problems.raise_if_any()
    ignored = [c for c in table.columns if normalise_header(c) in IGNORED_HEADERS]
    ranges = [c for c in table.columns if normalise_header(c) in BLOCKED_RANGE_HEADERS]
    candidates = [
        c for c in table.columns if c not in set(mapping.values()) | set(ignored + ranges)
    ]
    # An id-, key-, points- or name-like column is an attribute even if its numbers read as
    # dates (Excel day numbers): it must never become a stage.
    possible = [c for c in candidates if not is_attribute_name(c)]
    stage_columns, stage_times, date_orders = _stage_columns(table, possible, options)
    raw_ids = text(table, mapping["item_id"])
    keep = ~raw_ids.duplicated(keep="last").to_numpy()  # a repeated row replaces the earlier one
    table = _rows(table, keep)
    stage_times = {c: v[keep].reset_index(drop=True) for c, v in stage_times.items()}
    ids = text(table, mapping["item_id"])
    events = _melt(ids, stage_columns, stage_times)
    attributes = [c for c in candidates if c not in stage_columns]
    items = row_items(table, ids, mapping, None, attributes)
    if ranges:
        items["blocked_days"] = _blocked_days_from_ranges(table, ranges[0], problems).to_numpy()
    problems.raise_if_any()
    return ParsedImport(
        items=items,
        events=collapse_repeats(events),
        status_order=stage_columns,
        mapping=mapping,
        raw_item_ids=raw_ids,
        notes=[f"stage columns, in order: {', '.join(stage_columns)}"],
        date_orders={c: date_orders.get(c) for c in stage_columns},
    )


def _stage_columns(
    table, candidates, options
) -> tuple[list[str], dict[str, pd.Series], dict[str, str | None]]:
    """The contiguous run of date-holding candidate columns, with their parsed times.

    The stage columns are one field written by one tool, so they share one
    date order: a column that cannot tell day-first from month-first on its
    own takes the order another stage column settles. If none settles it,
    the user is asked (:class:`AmbiguousDateOrder`).
    """
    parsed, undecided, orders, used = {}, {}, set(), {}
    for column in candidates:
        with located(column=column):  # a bug met here names the column
            try:
                result = _parse_column(table, column, options.date_order, options.timezone)
            except AmbiguousDateOrder as ambiguous:
                undecided[column] = ambiguous
                continue
            if result is not None:
                parsed[column] = result.values
                used[column] = result.date_order_used
                if result.date_order_used:
                    orders.add(result.date_order_used)
    if undecided:
        if len(orders) != 1:
            raise next(iter(undecided.values()))
        order = orders.pop()
        for column in undecided:
            # Read in the settled order, a column may turn out not to hold dates after all
            # (``02`` is no date): it is then an attribute, not a stage.
            with located(column=column):
                result = _parse_column(table, column, order, options.timezone)
                if result is not None:
                    parsed[column], used[column] = result.values, order
    is_date = [column in parsed for column in candidates]
    if not any(is_date):
        raise ImportFailed(
            "no stage columns found: a stages file needs columns of dates, one per workflow "
            "stage (e.g. Backlog, In Progress, Done)"
        )
    first = is_date.index(True)
    last = len(is_date) - 1 - is_date[::-1].index(True)
    run = candidates[first : last + 1]
    blank = pd.Series(pd.NaT, index=table.frame.index, dtype="datetime64[us, UTC]")
    return run, {c: parsed.get(c, blank) for c in run}, used


def _parse_column(table, column, date_order, timezone):
    """Parsed dates of ``column`` if it is a stage column (mostly dates), else None."""
    values = table.frame[column]
    filled = int(values.notna().sum())
    if filled == 0 or values.dtype == object:
        return None
    result = parse_timestamps(
        values, column=column, rows=table.rows, date_order=date_order, timezone=timezone
    )
    share = 1 - len(result.problems) / filled
    return result if share >= STAGE_DATE_SHARE else None


def _rows(table: RawTable, keep: np.ndarray) -> RawTable:
    return replace(table, frame=table.frame.loc[keep].reset_index(drop=True), rows=table.rows[keep])


def _melt(ids: pd.Series, stage_columns: list[str], stage_times: dict[str, pd.Series]):
    """One event per filled stage cell; seq follows row, then stage order (same-day moves)."""
    n_rows, n_stages = len(ids), len(stage_columns)
    times = pd.concat([stage_times[c] for c in stage_columns], ignore_index=True)
    item_ids = np.tile(ids.to_numpy(), n_stages)
    statuses = np.repeat(np.array(stage_columns, dtype=object), n_rows)
    seq = np.tile(np.arange(n_rows) * n_stages, n_stages) + np.repeat(np.arange(n_stages), n_rows)
    events = events_frame(item_ids, statuses, times.to_numpy(), seq)
    events = events[times.notna().to_numpy()].sort_values("seq", kind="stable")
    return events.reset_index(drop=True)


def _blocked_days_from_ranges(table: RawTable, column: str, problems) -> pd.Series:
    """Sum of ``[dd/MM/yyyy-dd/MM/yyyy]`` ranges in calendar days, both ends included."""
    values = table.frame[column].astype("str")
    found = values.str.extractall(
        r"\[\s*(\d{1,2}/\d{1,2}/\d{4})\s*-\s*(\d{1,2}/\d{1,2}/\d{4})\s*\]"
    )
    total = pd.Series(np.where(values.notna(), 0.0, np.nan), index=values.index)
    if found.empty:
        _bad_ranges(table, column, values.notna(), problems)
        return total
    start = pd.to_datetime(found[0], format="%d/%m/%Y", errors="coerce")
    end = pd.to_datetime(found[1], format="%d/%m/%Y", errors="coerce")
    days = ((end - start).dt.days + 1).astype("float64")
    per_row = days.groupby(level=0).sum(min_count=1)
    total.loc[per_row.index] = per_row.to_numpy()
    unparsed = values.notna() & ~values.index.isin(found.index.get_level_values(0))
    _bad_ranges(table, column, unparsed, problems)
    return total


def _bad_ranges(table, column, mask, problems) -> None:
    problems.problems.extend(
        ImportProblem(
            row=int(row),
            column=column,
            value=str(value),
            message="expected blocked ranges like [01/02/2024-05/02/2024]|[...]",
        )
        for row, value in zip(table.rows[mask.to_numpy()], table.frame[column][mask], strict=True)
    )
