"""Weekly values of the calendar metrics (private to the evidence module).

Every function takes a :class:`~vsm_core.metrics.scope.Scope` built without a
window (its ``days`` run from the dataset's first event day to the as-of
day) and ``mondays``: the Mondays (``datetime64[D]``) of whole ISO weeks
(Monday–Sunday, dataset time zone) lying inside ``scope.days``. Each returns
one float per week, NaN where the week has no value. See
:mod:`vsm_core.experiments.evidence` for the definitions. Vectorised: no
Python loop over items, stays or days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.metrics.efficiency import flow_efficiency
from vsm_core.metrics.scope import Scope
from vsm_core.metrics.throughput import period_index, scope_days, type_labels
from vsm_core.metrics.wip import daily_wip, wip_stays
from vsm_core.timeutil import utc_naive_us

_DAY = np.timedelta64(1, "D")
_US = np.timedelta64(1, "us")
_DAY_US = 86_400 * 1_000_000


def _done_week(scope: Scope, mondays: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The done items of the scope and the position of each one's done week (-1 when none)."""
    completed = scope.completed
    return completed, period_index(completed["done"], mondays, "week", scope.timezone)


def weekly_throughput(scope: Scope, mondays: np.ndarray) -> np.ndarray:
    """Items done (local done date) in each week."""
    _, week = _done_week(scope, mondays)
    return np.bincount(week[week >= 0], minlength=len(mondays)).astype(np.float64)


def weekly_wip_mean(scope: Scope, mondays: np.ndarray) -> np.ndarray:
    """Mean of the week's seven daily WIP samples (end of each local day)."""
    if len(mondays) == 0:
        return np.empty(0)
    counts = daily_wip(scope)["count"].to_numpy(dtype=np.float64)
    first = (mondays - scope_days(scope)[0]) // _DAY
    return counts[first[:, None] + np.arange(7)].mean(axis=1)


def weekly_flow_efficiency(scope: Scope, mondays: np.ndarray) -> np.ndarray:
    """Σ active days / Σ cycle days of the items done in each week (NaN: none done)."""
    frame, _ = flow_efficiency(scope)
    completed, week = _done_week(scope, mondays)
    rows = pd.Index(completed["item_id"].astype("str")).get_indexer(frame["item_id"])
    item_week = week[rows] if len(rows) else np.empty(0, dtype=np.int64)
    keep = item_week >= 0
    active = np.bincount(
        item_week[keep], weights=frame["active_days"].to_numpy()[keep], minlength=len(mondays)
    )
    cycle = np.bincount(
        item_week[keep], weights=frame["cycle_days"].to_numpy()[keep], minlength=len(mondays)
    )
    out = np.full(len(mondays), np.nan)
    np.divide(active, cycle, out=out, where=cycle > 0)
    return out


def weekly_age_p85(scope: Scope, mondays: np.ndarray) -> np.ndarray:
    """85th percentile (numpy linear) age of the WIP at each week's Sunday end-of-day sample.

    Age = (sample time − start) in elapsed days; NaN when nothing is in progress.
    """
    n_weeks = len(mondays)
    out = np.full(n_weeks, np.nan)
    if n_weeks == 0:
        return out
    cover, mask = wip_stays(scope)
    sunday = ((mondays - scope_days(scope)[0]) // _DAY + 6).astype(np.int64)  # sample positions
    lo, hi = cover.lo[mask], cover.hi[mask]
    item = cover.item_pos[mask]
    # The Sundays each WIP stay covers: a contiguous range of weeks (stays never overlap
    # within an item, so an item appears at most once per Sunday).
    k_lo = np.searchsorted(sunday, lo, side="left")
    k_hi = np.searchsorted(sunday, hi, side="left")
    span = np.maximum(k_hi - k_lo, 0)
    if span.sum() == 0:
        return out
    stay = np.repeat(np.arange(len(lo)), span)
    offset = np.arange(len(stay)) - np.repeat(np.cumsum(span) - span, span)
    week = k_lo[stay] + offset
    start = utc_naive_us(scope.flow.items["start"])[item[stay]]
    age = (cover.samples[sunday[week]] - start) / _US / _DAY_US
    return _grouped_percentile(week, age, n_weeks, 85.0)


def _grouped_percentile(group: np.ndarray, values: np.ndarray, n_groups: int, q: float):
    """numpy's linear-interpolation percentile of ``values`` per ``group`` (NaN when empty)."""
    out = np.full(n_groups, np.nan)
    order = np.lexsort((values, group))
    group, values = group[order], values[order]
    counts = np.bincount(group, minlength=n_groups)
    offsets = np.cumsum(counts) - counts
    has = np.flatnonzero(counts)
    position = (counts[has] - 1) * (q / 100.0)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, counts[has] - 1)
    low = values[offsets[has] + below]
    high = values[offsets[has] + above]
    out[has] = low + (position - below) * (high - low)
    return out


def weekly_share_of_type(scope: Scope, mondays: np.ndarray, work_type: str) -> np.ndarray:
    """Share of ``work_type`` among the items done in each week (NaN: none done)."""
    completed, week = _done_week(scope, mondays)
    keep = week >= 0
    is_type = (type_labels(completed["type"]) == work_type).to_numpy(dtype=bool)
    total = np.bincount(week[keep], minlength=len(mondays)).astype(np.float64)
    of_type = np.bincount(week[keep & is_type], minlength=len(mondays)).astype(np.float64)
    out = np.full(len(mondays), np.nan)
    np.divide(of_type, total, out=out, where=total > 0)
    return out
