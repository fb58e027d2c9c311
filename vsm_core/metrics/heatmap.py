"""The stage × week heatmap: time per item and average WIP of each stage, week by week.

Definition (this is the contract)
---------------------------------

*Stage × week heatmap*
    ISO weeks (Monday start) in the dataset's time zone, every week that
    holds a day of ``scope.days``; the first and last week are cut to the
    days of the scope (a week's interval is the part of it inside
    ``scope.days``). For each stage that is not done or cancelled and each
    week, ``median_days`` is the median, over the items that stayed in the
    stage during that week (overlap > 0), of the time each spent there during
    the week (the overlap of its stays with the week, summed over re-entries,
    in elapsed days: at most 7, or 7 ± 1/24 in a week with a daylight-saving
    change); ``avg_wip`` is the total overlap of all items with the week
    divided by the number of days of the week inside ``scope.days``. The grid
    is complete: a cell nobody stayed in has ``median_days`` NaN and
    ``avg_wip`` 0. Done and cancelled stays are terminal and left out.

Implementation
--------------

The heatmap never explodes a stay over every week it covers: a stay gives
one partial row for its first week and one for its last, and the whole weeks
in between are counted per (stage, week) with a difference array; the median
of a cell is then taken over its partial values plus that many copies of the
week's length (which no partial value exceeds). Times are compared as int64
microseconds of ``datetime64[us]`` arrays (the unit is explicit, never
assumed). The stay arrays are those of :mod:`vsm_core.metrics.stages`, built
once per scope. No Python loop over items, stays or weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.metrics.scope import Scope
from vsm_core.metrics.stages import _stage_info, _Stays, _stays

HEATMAP_COLUMNS: tuple[str, ...] = ("stage", "stage_index", "week_start", "median_days", "avg_wip")

_US = "datetime64[us]"


def _weeks(scope: Scope):
    """ISO weeks covering ``scope.days``.

    Returns ``(mondays as dates, UTC bounds (len + 1, naive datetime64[us]),
    days of each week inside scope.days)``; the first bound is the first
    day's local midnight and the last the end of the last day.
    """
    days = scope.days
    first, last = pd.Timestamp(days[0]), pd.Timestamp(days[-1])
    first_monday = first - pd.Timedelta(days=first.weekday())
    last_monday = last - pd.Timedelta(days=last.weekday())
    mondays = pd.date_range(first_monday, last_monday, freq="7D")
    local = mondays.append(pd.DatetimeIndex([last_monday + pd.Timedelta(days=7)]))
    local = local.where(local > first, first)
    local = local.where(local < last + pd.Timedelta(days=1), last + pd.Timedelta(days=1))
    bounds = (
        local.tz_localize(scope.timezone, nonexistent="shift_forward", ambiguous=True)
        .tz_convert("UTC")
        .tz_localize(None)
        .as_unit("us")
        .to_numpy(dtype=_US)
    )
    day_counts = ((local[1:] - local[:-1]) / pd.Timedelta(days=1)).to_numpy(dtype="float64")
    return mondays.date, bounds, day_counts


_DAY_US = 86_400_000_000
_VALUE_BITS = 41  # a week's overlap in microseconds (< 8 days) fits in 40 bits


def _stay_micros(
    bounds: np.ndarray, stays: _Stays, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds, and the entries and exits of the stays ``rows``, as int64 microseconds since
    ``bounds[0]`` (exact). The stay arrays are fresh copies, cut in place afterwards."""
    # The arrays are datetime64[us] by construction, so their int64 view is microseconds.
    edges = bounds.astype(_US).view(np.int64)
    origin = edges[0]
    enter = stays.enter.astype(_US, copy=False)[rows].view(np.int64)
    leave = stays.exit.astype(_US, copy=False)[rows].view(np.int64)
    enter -= origin
    leave -= origin
    return edges - origin, enter, leave


def _empty_heatmap() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stage": pd.Series([], dtype="str"),
            "stage_index": pd.Series([], dtype="int64"),
            "week_start": pd.Series([], dtype="object"),
            "median_days": pd.Series([], dtype="float64"),
            "avg_wip": pd.Series([], dtype="float64"),
        },
        columns=list(HEATMAP_COLUMNS),
    )


def _cell_medians(
    cell: np.ndarray, values: np.ndarray, n_values: np.ndarray, n_full: np.ndarray, full_value
) -> np.ndarray:
    """Per cell, the median of its ``values`` plus ``n_full`` copies of ``full_value``.

    ``cell``/``values``: int64 cell (``< 2**22``) and value (``0 <= value <
    2**41``) of each partial value; ``n_values``: partial values per cell;
    ``n_full``: copies per cell; ``full_value``: per cell, a value no partial
    value of the cell exceeds. Returns float64 per cell (NaN for an empty
    cell): the middle value, or the mean of the two middle ones (numpy's
    median), exact.

    One in-place sort of ``(cell, value)`` packed into int64 orders the
    values within their cells (no other array of that size is made); the
    copies sort last, so a middle position past a cell's partial values
    reads ``full_value`` (and cells where that holds for both middle
    positions are left out of the sort).
    """
    n_cells = len(n_values)
    count = n_values + n_full
    # Where the copies outnumber the partial values, both middle positions fall among the
    # copies whatever the partial values are: those cells' values need no sorting.
    decided = n_full > n_values
    if decided.any():
        needed = ~decided[cell]
        cell, values = cell[needed], values[needed]
        del needed
    packed = cell << _VALUE_BITS
    packed |= values
    packed.sort()
    cell_start = np.searchsorted(packed, np.arange(n_cells, dtype=np.int64) << _VALUE_BITS)
    full_value = np.broadcast_to(full_value, n_cells)

    def kth(k: np.ndarray) -> np.ndarray:
        in_part = k < n_values
        if len(packed) == 0:
            return full_value
        at = np.minimum(cell_start + k, len(packed) - 1)
        return np.where(in_part, packed[at] & ((1 << _VALUE_BITS) - 1), full_value)

    lower, upper = kth((count - 1) // 2), kth(count // 2)
    return np.where(count > 0, (lower + upper) / 2, np.nan)


def stage_week_heatmap(scope: Scope) -> pd.DataFrame:
    """Median days per item and average WIP for every non-terminal stage × week.

    Columns ``stage``, ``stage_index``, ``week_start`` (``datetime.date``, the
    Monday), ``median_days``, ``avg_wip``; rows by stage (workflow order) then
    week. See the module docstring for the definitions.
    """
    if len(scope.days) == 0:
        return _empty_heatmap()
    flow = scope.flow
    info = _stage_info(flow)
    mondays, bounds, day_counts = _weeks(scope)
    n_weeks = len(mondays)
    stages_shown = np.flatnonzero(~info.terminal)
    stays = _stays(scope)
    # Non-terminal stays cut to the scope's interval, non-empty ones only. The work below
    # runs on arrays of one or two rows per stay (millions): each is dropped as soon as
    # it is used, so few of them are alive at once.
    rows = np.flatnonzero(~info.terminal[stays.stage])
    edges, enter, leave = _stay_micros(bounds, stays, rows)
    np.maximum(enter, 0, out=enter)
    np.minimum(leave, edges[-1], out=leave)
    nonempty = leave > enter
    if not nonempty.all():
        rows, enter, leave = rows[nonempty], enter[nonempty], leave[nonempty]
    del nonempty
    item, stage = stays.item[rows], stays.stage[rows]
    del rows
    # The week holding each entry (an entry on a week's first instant is in that week) and
    # the week holding each exit (an exit on a week's first instant ends the week before).
    first = np.searchsorted(edges, enter, side="right") - 1
    last = np.searchsorted(edges, leave, side="left") - 1
    week_len = np.diff(edges)

    # A stay fully covers its weeks first+1 .. last-1 (nothing else of that item is in
    # them): count those per (stage, week) with a difference array, no explosion.
    n_cells = info.n * n_weeks
    inner = last - first >= 2
    width = n_weeks + 1
    size = info.n * width
    opens = np.bincount(stage[inner] * width + first[inner] + 1, minlength=size)
    closes = np.bincount(stage[inner] * width + last[inner], minlength=size)
    del inner
    full = np.cumsum((opens - closes).reshape(info.n, width), axis=1)[:, :n_weeks]
    full = full.reshape(-1)  # by cell = stage * n_weeks + week

    # Partial weeks: one row for the first week and one for the last (when they differ),
    # in time order per item, so the rows of one item and week are contiguous.
    multi = last > first
    n_multi = int(multi.sum())
    pos_a = np.arange(len(item)) + (np.cumsum(multi) - multi)
    pos_b = pos_a[multi] + 1
    n_rows = len(item) + n_multi
    r_item = np.empty(n_rows, dtype=np.int32)  # narrow ints: less memory traffic
    r_stage = np.empty(n_rows, dtype=np.int16)
    r_week = np.empty(n_rows, dtype=np.int32)
    r_micros = np.empty(n_rows, dtype=np.int64)
    r_item[pos_a], r_item[pos_b] = item, item[multi]
    r_stage[pos_a], r_stage[pos_b] = stage, stage[multi]
    r_week[pos_a], r_week[pos_b] = first, last[multi]
    r_micros[pos_a] = np.minimum(leave, edges[first + 1]) - enter
    r_micros[pos_b] = leave[multi] - edges[last[multi]]
    del item, stage, enter, leave, first, last, multi, pos_a, pos_b

    # Sum per (item, week, stage): number the (item, week) blocks (block ids grow with
    # the row), then a stable sort by stage alone (a radix sort on small ints) orders the
    # rows by (stage, block), and equal neighbours are summed.
    new_block = np.ones(n_rows, dtype=bool)
    if n_rows > 1:
        new_block[1:] = (r_item[1:] != r_item[:-1]) | (r_week[1:] != r_week[:-1])
    del r_item
    block = np.cumsum(new_block, dtype=np.int32) - 1
    block_week = r_week[new_block]
    del r_week, new_block
    order = np.argsort(r_stage, kind="stable")
    s_stage, s_block, s_micros = r_stage[order], block[order], r_micros[order]
    del r_stage, block, r_micros, order
    new_group = np.ones(n_rows, dtype=bool)
    if n_rows > 1:
        new_group[1:] = (s_stage[1:] != s_stage[:-1]) | (s_block[1:] != s_block[:-1])
    starts = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    del new_group
    # Exact integer sums: a group is one item's time in one stage within one week, so it
    # and every partial sum stay below a week in microseconds (< 2**40), which float64
    # adds without rounding (far below 2**53).
    part = np.bincount(group, weights=s_micros, minlength=len(starts)).astype(np.int64)
    del group, s_micros
    part_cell = s_stage[starts].astype(np.int64) * n_weeks + block_week[s_block[starts]]
    del s_stage, s_block, starts, block_week

    cell_week = np.tile(np.arange(n_weeks), info.n)
    n_part = np.bincount(part_cell, minlength=n_cells)
    totals = np.bincount(part_cell, weights=part, minlength=n_cells)
    totals = totals + full * week_len[cell_week]
    medians = _cell_medians(part_cell, part, n_part, full, week_len[cell_week]) / _DAY_US
    del part_cell, part
    totals = totals / _DAY_US

    grid_stage = np.repeat(stages_shown, n_weeks)
    grid_week = np.tile(np.arange(n_weeks), len(stages_shown))
    grid_cell = grid_stage * n_weeks + grid_week
    names = pd.array(info.names, dtype="str")
    week_dates = np.empty(n_weeks, dtype=object)
    week_dates[:] = list(mondays)
    return pd.DataFrame(
        {
            "stage": pd.Series(names.take(grid_stage), dtype="str"),
            "stage_index": pd.Series(grid_stage, dtype="int64"),
            "week_start": pd.Series(week_dates[grid_week], dtype="object"),
            "median_days": pd.Series(medians[grid_cell], dtype="float64"),
            "avg_wip": pd.Series(totals[grid_cell] / day_counts[grid_week], dtype="float64"),
        },
        columns=list(HEATMAP_COLUMNS),
    )
