"""Work in progress and flow load: daily samples of the items in progress.

Definitions (docs/metrics.md)
-----------------------------

*in progress at a moment t*
    An item is in progress (WIP) at ``t`` when the stage it is in at ``t`` is
    at or after the commitment stage (``workflow.commitment_index``) and its
    category is ``active`` or ``waiting``. The stage an item is in at ``t`` is
    that of the stay *covering* ``t``: ``entered_at <= t < exited_at``, or,
    for the item's last stay (``is_last``), ``entered_at <= t`` (the last
    stay of an open item runs to as-of and ``t`` never passes as-of). Stays
    are contiguous, so at most one stay of an item covers ``t``; a zero-length
    stay (several moves at the same instant) covers nothing, and an item
    before its first mapped event is in no stage at all.

*daily series*
    One sample per day of ``scope.days``, taken at ``scope.sample_times``
    (the end of the local day, i.e. the next local midnight, or as-of for the
    as-of day). An event exactly at a local midnight is therefore already
    seen by the previous day's sample. ``wip.mean`` = the mean of the daily
    counts.

*flow load*
    WIP split by work type (missing type: ``"(none)"``), same samples.

Implementation: each stay is turned into the half-open range of sample
positions it covers with two ``np.searchsorted`` calls; counts per day are a
difference array (``np.bincount`` of range starts minus range ends) followed
by a cumulative sum. No Python loop over items, stays or days. The helpers
here (:func:`stay_cover`, :func:`range_counts`, :func:`range_min`,
:func:`work_stage_mask`) are shared with the CFD and aging modules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vsm_core.flow import FlowTables
from vsm_core.metrics.scope import Scope
from vsm_core.metrics.stages import _memo, _readonly, _stays, stay_items
from vsm_core.metrics.throughput import as_dates, scope_days, type_labels
from vsm_core.model import Category
from vsm_core.timeutil import utc_naive_us

_US = "datetime64[us]"
_DAY = np.timedelta64(1, "D")


# --------------------------------------------------------------------------- shared helpers


@dataclass(frozen=True)
class StayCover:
    """Every stay of the flow as the range of daily samples it covers.

    Arrays are aligned with ``scope.flow.stays``: stay ``i`` covers the samples
    ``lo[i] <= j < hi[i]`` (empty when ``lo[i] >= hi[i]``). ``item_pos`` is the
    stay's row in ``scope.flow.items``; ``stage_index`` its workflow position.
    ``samples`` are the sample times as ``datetime64[us]`` UTC wall times.
    """

    lo: np.ndarray
    hi: np.ndarray
    stage_index: np.ndarray
    item_pos: np.ndarray
    samples: np.ndarray

    @property
    def n_samples(self) -> int:
        return len(self.samples)


def stay_item_positions(flow: FlowTables) -> np.ndarray:
    """Row in ``flow.items`` of each stay (see :func:`vsm_core.metrics.stages.stay_items`)."""
    return stay_items(flow)


def stay_cover(scope: Scope) -> StayCover:
    """The sample range covered by every stay (see the module docstring's covering rule).

    Memoised per scope (WIP, flow load, CFD and the age run chart all read
    it); the arrays are read-only.
    """
    return _memo(scope, "stay_cover", lambda: _stay_cover(scope))


def _stay_cover(scope: Scope) -> StayCover:
    samples = utc_naive_us(scope.sample_times)
    stays = _stays(scope)
    is_last = scope.flow.stays["is_last"].to_numpy(dtype=bool)
    n = len(samples)
    # lo: the first sample t with t >= entered_at. hi: the first sample t with t >= exited_at
    # (t < exited_at is covered); a stay that is not its item's last exits when the next stay
    # (the next row) enters, so hi is the next row's lo; the last stay covers every later
    # sample (samples never pass as-of).
    lo = np.searchsorted(samples, stays.enter, side="left")
    hi = np.full(len(lo), n, dtype=np.int64)
    if len(lo) > 1:
        hi[:-1] = np.where(is_last[:-1], n, lo[1:])
    _readonly(lo, hi)
    return StayCover(
        lo=lo,
        hi=hi,
        stage_index=stays.stage,
        item_pos=stays.item,
        samples=samples,
    )


def work_stage_mask(scope: Scope) -> np.ndarray:
    """Per stage position: True for stages at/after commitment with category active/waiting."""
    workflow = scope.flow.workflow
    committed = np.arange(len(workflow.stages)) >= workflow.commitment_index
    work = np.array([c in (Category.ACTIVE, Category.WAITING) for c in workflow.categories])
    return committed & work


def range_counts(
    lo: np.ndarray,
    hi: np.ndarray,
    n: int,
    keys: np.ndarray | None = None,
    n_keys: int = 1,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Sum of ``weights`` (1 by default) of the ranges ``[lo, hi)`` covering each position.

    Returns shape ``(n, n_keys)``: column ``k`` sums the ranges whose key is
    ``k``. A difference array (``np.bincount``) and a cumulative sum.
    """
    dtype = np.int64 if weights is None else np.float64
    if n == 0 or n_keys == 0:
        return np.zeros((n, n_keys), dtype=dtype)
    if weights is None:
        # Integer counts: an empty range (lo == hi) adds and removes the same 1 at one
        # position, so it needs no dropping; only reversed ranges (hi < lo) would count.
        reversed_ = hi < lo
        if reversed_.any():
            lo, hi = lo[~reversed_], hi[~reversed_]
            keys = None if keys is None else keys[~reversed_]
        if keys is None and n_keys == 1:  # one key: no key arithmetic at all
            diff = np.bincount(lo, minlength=n + 1) - np.bincount(hi, minlength=n + 1)
            return np.cumsum(diff)[:n].astype(dtype).reshape(n, 1)
    keys = np.zeros(len(lo), dtype=np.int64) if keys is None else keys
    keep = hi > lo
    lo, hi, keys = lo[keep], hi[keep], keys[keep]
    w = None if weights is None else weights[keep]
    size = (n + 1) * n_keys
    diff = np.bincount(lo * n_keys + keys, w, minlength=size) - np.bincount(
        hi * n_keys + keys, w, minlength=size
    )
    out = np.cumsum(diff.reshape(n + 1, n_keys), axis=0)[:n]
    return out.astype(dtype) if weights is None else out


def range_min(lo: np.ndarray, hi: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each position ``j < n``: the minimum of ``values[i]`` over ranges with ``lo <= j < hi``.

    ``values`` are int64; positions no range covers get ``iinfo(int64).max``.
    Vectorised with a sparse table of power-of-two blocks: each range writes
    its value into the two (overlapping) blocks that cover it, then the table
    is pushed down one level at a time (a loop over ~log2(n) levels only).
    """
    none = np.iinfo(np.int64).max
    keep = hi > lo
    lo, hi, values = lo[keep], hi[keep], np.asarray(values, dtype=np.int64)[keep]
    if n == 0 or len(lo) == 0:
        return np.full(n, none, dtype=np.int64)
    level = np.frexp((hi - lo).astype(np.float64))[1].astype(np.int64) - 1  # floor(log2(len))
    levels = int(level.max()) + 1
    table = np.full(levels * n, none, dtype=np.int64)
    np.minimum.at(table, level * n + lo, values)
    np.minimum.at(table, level * n + hi - (np.int64(1) << level), values)
    table = table.reshape(levels, n)
    for k in range(levels - 1, 0, -1):  # block [i, i + 2^k) -> [i, i + h) and [i + h, i + 2^k)
        half = 1 << (k - 1)
        below = table[k - 1]
        np.minimum(below, table[k], out=below)
        np.minimum(below[half:], table[k][:-half], out=below[half:])
    return table[0]


def _dates(scope: Scope) -> pd.Series:
    return pd.Series(as_dates(scope_days(scope)), dtype="object")


def wip_stays(scope: Scope, cover: StayCover | None = None) -> tuple[StayCover, np.ndarray]:
    """The stay cover and a mask of the stays in a committed active/waiting stage."""
    cover = stay_cover(scope) if cover is None else cover
    return cover, work_stage_mask(scope)[cover.stage_index]


# --------------------------------------------------------------------------- metrics


def daily_wip(scope: Scope) -> pd.DataFrame:
    """Items in progress at each day's sample time (see the module docstring).

    Columns ``date`` (:class:`datetime.date`, one row per day of
    ``scope.days``) and ``count`` (int64). ``wip.mean`` is
    ``daily_wip(scope)["count"].mean()``.
    """
    counts = _daily_wip_counts(scope)
    return pd.DataFrame({"date": _dates(scope), "count": pd.Series(counts, dtype="int64")})


def _daily_wip_counts(scope: Scope) -> np.ndarray:
    """The daily WIP counts (int64, read-only), memoised per scope: the JSON document and
    the XmR chart of WIP both read them."""

    def compute() -> np.ndarray:
        cover, mask = wip_stays(scope)
        counts = range_counts(cover.lo[mask], cover.hi[mask], cover.n_samples)[:, 0]
        _readonly(counts)
        return counts

    return _memo(scope, "daily_wip_counts", compute)


def daily_flow_load(scope: Scope) -> pd.DataFrame:
    """WIP by work type at each day's sample time, long and zero-filled.

    Columns ``date`` (:class:`datetime.date`), ``type`` (str; missing type
    ``"(none)"``) and ``count`` (int64): every day times every type of the
    items that were ever in progress (have a stay in a committed
    active/waiting stage up to as-of), sorted; days first. The counts of a
    day sum to :func:`daily_wip`'s count.
    """
    cover, mask = wip_stays(scope)
    item_codes, all_types = pd.factorize(type_labels(scope.flow.items["type"]), sort=True)
    codes = item_codes[cover.item_pos[mask]]
    # The types present, in sorted order (a count per type code, not a sort of the stays).
    seen = np.bincount(codes, minlength=len(all_types)) > 0
    present = np.flatnonzero(seen)
    type_codes = (np.cumsum(seen) - 1)[codes]
    types = np.asarray(all_types, dtype=object)[present]
    n, n_types = cover.n_samples, len(types)
    counts = range_counts(cover.lo[mask], cover.hi[mask], n, type_codes, n_types)
    return pd.DataFrame(
        {
            "date": pd.Series(np.repeat(as_dates(scope_days(scope)), n_types), dtype="object"),
            "type": pd.Series(np.tile(types, n), dtype="str"),
            "count": pd.Series(counts.reshape(-1), dtype="int64"),
        }
    )
