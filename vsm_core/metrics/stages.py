"""Per-stage metrics: time in stage, bottleneck and rework (the heatmap: :mod:`.heatmap`).

Every function takes a :class:`~vsm_core.metrics.scope.Scope` and reads the
flow tables of :mod:`vsm_core.flow` (stays and items). Everything is
vectorised with numpy/pandas: there is no Python loop over items, events,
stays or days (loops run over *stages* only, of which there are a handful).
Empty input gives empty frames, empty dicts or ``None``; nothing raises.

Definitions (this is the contract)
----------------------------------

*Time in stage*
    The sum of an item's stays in a stage (re-entries add up), in elapsed
    fractional days (``flow.stays.duration_days``): the last stay of an open
    item runs to as-of, and stays in done and cancelled stages count zero.
    :func:`time_in_stage` has one row per item of the scope × stage it
    visited (an item without mapped events has no row; a zero-length visit,
    e.g. two moves with the same timestamp, is a row with 0 days).
    :func:`time_in_stage_summary` covers the *completed* items
    (``scope.completed``) and has one key per stage they visited, in workflow
    order and named exactly as in the workflow (done and cancelled stages
    included, at zero): ``{stage: {p50, p85, mean, total}}``, where the
    percentiles (numpy's linear interpolation) and the mean are over the
    completed items that visited the stage, and ``total`` is their sum of days.

*Time between start and done*
    For a completed item with a start, the parts of its stays in stages at
    or after the commitment stage whose category is active or waiting that
    lie between its start and done (elapsed days). A move back to a stage
    before the commitment point, a cancelled stay or a done stay before a
    reopen is not counted. The bottleneck, flow efficiency and the value
    stream map read this.

*Bottleneck*
    Among stages at or after the commitment stage of category active or
    waiting, the one where the completed items spent the largest total time
    between their start and done; ``share`` is that total divided by the sum
    of the completed items' elapsed cycle times (done − start, whatever the
    scope's cycle-time mode). Ties go to the earlier stage. ``None`` when
    there are no completed items, or none of them has a positive cycle time.

*Rework*
    Backward moves: a stay followed (in the same item) by a stay with a lower
    stage index, counted per ``(from_stage, to_stage)`` pair over every item
    in the scope (not only completed ones, and whatever the window). This is
    the same move that ``flow.items.backward_moves`` counts, so a reopen from
    a done stage to an earlier stage is a backward move too.

Implementation notes
--------------------

The stays are turned into numpy arrays once per scope (and the completed
items' start..done cut once): a small memo keyed by the scope's identity,
dropped when the scope is garbage-collected, so a page that shows every
metric of one scope pays for the conversion once. The arrays are read-only.
The memo and the stay arrays are shared with the other metric modules.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from vsm_core.flow import FlowTables
from vsm_core.metrics.scope import Scope
from vsm_core.model import Category, item_positions
from vsm_core.timeutil import utc_naive_us

_US = "datetime64[us]"
_DAY = np.timedelta64(1, "D")

TIME_IN_STAGE_COLUMNS: tuple[str, ...] = ("item_id", "stage", "stage_index", "category", "days")
REWORK_COLUMNS: tuple[str, ...] = ("from_stage", "to_stage", "moves")


# --------------------------------------------------------------------------- shared helpers
# (also used by vsm_core.metrics.efficiency and vsm_core.metrics.value_stream)


def _column_view(values: pd.Series, dtype) -> np.ndarray:
    """``values`` as a read-only numpy array of ``dtype``.

    A view of the column's own memory when it already holds ``dtype`` (the
    flow tables are large: a copy per metric would double them), else a
    converted copy. Read-only so that no caller writes into the frame.
    """
    array = values.to_numpy(dtype=dtype).view()
    array.flags.writeable = False
    return array


def stay_items(flow: FlowTables) -> np.ndarray:
    """Row in ``flow.items`` of each stay (int64; -1 for a stay of an unknown item).

    :func:`~vsm_core.flow.build_flow` emits stays grouped by item in
    item-table order and marks each item's last stay with ``is_last``; the
    items that have stays are exactly those with a ``current_stage``. So the
    k-th group of stays belongs to the k-th such item: no text look-up. When
    the tables do not line up that way (stays filtered by a caller), the ids
    are looked up instead (:func:`~vsm_core.model.item_positions`).
    """
    stays, items = flow.stays, flow.items
    if len(stays) == 0:
        return np.empty(0, dtype=np.int64)
    is_last = stays["is_last"].to_numpy(dtype=bool)
    with_stays = np.flatnonzero(items["current_stage"].notna().to_numpy(dtype=bool))
    last_rows = np.flatnonzero(is_last)
    if is_last[-1] and len(last_rows) == len(with_stays):
        group_size = np.diff(last_rows, prepend=-1)  # stays per group
        return np.repeat(with_stays.astype(np.int64), group_size)
    return item_positions(items["item_id"], stays["item_id"])


@dataclass(frozen=True)
class _StageInfo:
    """Per-stage lookups of a workflow, indexed by stage position."""

    names: list[str]
    categories: list[str]
    commitment: int
    terminal: np.ndarray  # done or cancelled
    active: np.ndarray
    committed_work: np.ndarray  # index >= commitment and active or waiting

    @property
    def n(self) -> int:
        return len(self.names)


def _stage_info(flow: FlowTables) -> _StageInfo:
    workflow = flow.workflow
    cats = [stage.category for stage in workflow.stages]
    commitment = workflow.commitment_index
    return _StageInfo(
        names=list(workflow.stage_names),
        categories=[str(c) for c in cats],
        commitment=commitment,
        terminal=np.array([c in (Category.DONE, Category.CANCELLED) for c in cats]),
        active=np.array([c == Category.ACTIVE for c in cats]),
        committed_work=np.array(
            [
                i >= commitment and c in (Category.ACTIVE, Category.WAITING)
                for i, c in enumerate(cats)
            ]
        ),
    )


@dataclass(frozen=True)
class _Stays:
    """``flow.stays`` as numpy arrays, with each stay's row in ``flow.items``."""

    item: np.ndarray  # int64 position in flow.items
    stage: np.ndarray  # int64 stage index
    enter: np.ndarray  # datetime64[us], UTC wall time
    exit: np.ndarray
    days: np.ndarray  # duration_days

    def __len__(self) -> int:
        return len(self.item)


def _positions_in(
    reference: pd.Series, ids: pd.Series, guess: np.ndarray | None = None
) -> np.ndarray:
    """Row of each of ``ids`` in ``reference`` (unique ids), -1 when absent.

    ``guess``: likely positions (e.g. "every item, in order"), used when the
    ids there are exactly ``ids`` (one vectorised comparison, no hashing).
    Otherwise one factorisation of both columns together (a single hash pass;
    faster than ``Index.get_indexer`` on Arrow-backed text).
    """
    if len(ids) == 0:
        return np.empty(0, dtype=np.int64)
    ids = ids.reset_index(drop=True).astype("str")
    if guess is not None and len(guess) == len(ids):
        guessed = reference.iloc[guess].reset_index(drop=True).astype("str")
        if bool((guessed == ids).all()):
            return np.asarray(guess, dtype=np.int64)
    n_ref = len(reference)
    both = pd.concat([reference.reset_index(drop=True).astype("str"), ids], ignore_index=True)
    codes = pd.factorize(both)[0].astype(np.int64)
    out = codes[n_ref:]
    out[out >= n_ref] = -1
    return out


# Per-scope memo of the derived arrays, so that a page computing every metric
# of one scope converts the stays once. Keyed by the scope's identity and
# dropped when the scope is garbage-collected; the arrays are read-only.
_MEMO: dict[int, dict[str, Any]] = {}
_MEMO_LOCK = threading.Lock()


def _memo(scope: Scope, name: str, compute: Callable[[], Any]) -> Any:
    key = id(scope)
    with _MEMO_LOCK:
        entry = _MEMO.get(key)
        if entry is None:
            entry = {}
            try:
                weakref.finalize(scope, _MEMO.pop, key, None)
            except TypeError:  # pragma: no cover - not weak-referenceable: no memo
                return compute()
            _MEMO[key] = entry
    if name not in entry:
        entry[name] = compute()
    return entry[name]


def _readonly(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.flags.writeable = False


def _completed_positions(scope: Scope) -> np.ndarray:
    """Row in ``flow.items`` of each ``scope.completed`` row."""

    def compute() -> np.ndarray:
        items = scope.flow.items
        done = np.flatnonzero((items["state"] == "done").to_numpy(dtype=bool))
        pos = _positions_in(items["item_id"], scope.completed["item_id"], guess=done)
        _readonly(pos)
        return pos

    return _memo(scope, "completed_positions", compute)


def _stay_completed_rows(scope: Scope) -> np.ndarray:
    """Row in ``scope.completed`` of each stay's item, -1 when not completed (memoised)."""

    def compute() -> np.ndarray:
        pos = _completed_positions(scope)
        code = np.full(len(scope.flow.items) + 1, -1, dtype=np.int64)  # last: stay of no item
        found = pos >= 0
        code[pos[found]] = np.flatnonzero(found)
        rows = code[_stays(scope).item]
        _readonly(rows)
        return rows

    return _memo(scope, "stay_completed_rows", compute)


def _stays(scope: Scope) -> _Stays:
    """``scope.flow.stays`` as arrays (memoised per scope)."""
    return _memo(scope, "stays", lambda: _stay_arrays(scope.flow))


def _stay_arrays(flow: FlowTables) -> _Stays:
    stays = flow.stays
    if len(stays) == 0:
        empty_i = np.empty(0, dtype=np.int64)
        empty_t = np.empty(0, dtype=_US)
        return _Stays(empty_i, empty_i, empty_t, empty_t, np.empty(0, dtype="float64"))
    # Views of the stays' own columns where the dtype already fits: no copies.
    out = _Stays(
        item=stay_items(flow),
        stage=_column_view(stays["stage_index"], np.int64),
        enter=utc_naive_us(stays["entered_at"]),
        exit=utc_naive_us(stays["exited_at"]),
        days=_column_view(stays["duration_days"], "float64"),
    )
    _readonly(out.item)
    return out


def _sum_by(keys: np.ndarray, weights: np.ndarray, size: int):
    """Group ``weights`` by non-negative int ``keys`` < ``size``.

    Returns ``(unique keys ascending, sums, counts)``: a dense ``bincount``
    when the key space is small, else a stable sort (fast on the nearly sorted
    keys the callers build: stays come grouped by item) and ``reduceat``.
    """
    keys = np.asarray(keys, dtype=np.int64)
    weights = np.asarray(weights, dtype="float64")
    if size <= max(4 * len(keys), 1 << 16):
        counts = np.bincount(keys, minlength=size)
        sums = np.bincount(keys, weights=weights, minlength=size)
        present = np.flatnonzero(counts)
        return present, sums[present], counts[present]
    if len(keys) == 0:
        return keys, weights, np.empty(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    sums = np.add.reduceat(weights[order], starts)
    counts = np.diff(np.append(starts, len(ordered)))
    return ordered[starts], sums, counts


@dataclass(frozen=True)
class _Committed:
    """Completed items and their time between start and done, per stay.

    ``pos``/``start``/``done``/``cycle`` follow ``scope.completed`` row order;
    ``cycle`` is elapsed days (done − start), NaN without a start. ``row``,
    ``stage`` and ``days`` describe the stays in committed active/waiting
    stages of the completed items with a start, cut to [start, done]
    (``row`` indexes the completed items).
    """

    pos: np.ndarray
    start: np.ndarray
    done: np.ndarray
    cycle: np.ndarray
    row: np.ndarray
    stage: np.ndarray
    days: np.ndarray

    @property
    def n(self) -> int:
        return len(self.pos)


def _committed(scope: Scope) -> _Committed:
    """The completed items' time between start and done (memoised per scope)."""
    return _memo(scope, "committed", lambda: _committed_arrays(scope))


def _committed_arrays(scope: Scope) -> _Committed:
    info = _stage_info(scope.flow)
    completed = scope.completed
    pos = _completed_positions(scope)
    start = utc_naive_us(completed["start"])
    done = utc_naive_us(completed["done"])
    has_start = ~np.isnat(start)
    cycle = np.full(len(pos), np.nan)
    cycle[has_start] = (done[has_start] - start[has_start]) / _DAY

    stays = _stays(scope)
    row = _stay_completed_rows(scope)
    # Stays of completed items with a start, in committed active/waiting stages (row -1
    # reads the appended False).
    keep = info.committed_work[stays.stage] & np.append(has_start, False)[row]
    picked = np.flatnonzero(keep)
    del keep
    row = row[picked]
    enter, leave = stays.enter[picked], stays.exit[picked]
    lo, hi = start[row], done[row]
    within = enter <= hi
    days = np.clip((np.minimum(leave, hi) - np.maximum(enter, lo)) / _DAY, 0.0, None)
    out = _Committed(
        pos=pos,
        start=start,
        done=done,
        cycle=cycle,
        row=row[within],
        stage=stays.stage[picked[within]],
        days=days[within],
    )
    _readonly(out.start, out.done, out.cycle, out.row, out.stage, out.days)
    return out


def _percentiles(values: np.ndarray, qs=(50, 85)) -> list[float]:
    if values.size == 0:
        return [float("nan")] * len(qs)
    return [float(v) for v in np.percentile(values, list(qs))]


# --------------------------------------------------------------------------- time in stage


def _empty_time_in_stage() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": pd.Series([], dtype="str"),
            "stage": pd.Series([], dtype="str"),
            "stage_index": pd.Series([], dtype="int64"),
            "category": pd.Series([], dtype="str"),
            "days": pd.Series([], dtype="float64"),
        },
        columns=list(TIME_IN_STAGE_COLUMNS),
    )


def _time_in_stage_arrays(scope: Scope) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(item position, stage index, days) per visited item × stage, item then stage order.

    Memoised per scope.
    """

    def compute():
        stays = _stays(scope)
        n_stages = len(scope.flow.workflow.stages)
        keys = stays.item * n_stages + stays.stage
        unique, sums, _ = _sum_by(keys, stays.days, len(scope.flow.items) * n_stages)
        out = (unique // n_stages, unique % n_stages, sums)
        _readonly(*out)
        return out

    return _memo(scope, "time_in_stage", compute)


def _by_stage(stage: np.ndarray, n_stages: int, *columns: np.ndarray):
    """``columns`` reordered by stage (stable), and each stage's [start, end) bounds."""
    order = np.argsort(stage.astype(np.int16), kind="stable")  # radix sort on small ints
    bounds = np.searchsorted(stage[order], np.arange(n_stages + 1))
    return bounds, [column[order] for column in columns]


def time_in_stage(scope: Scope) -> pd.DataFrame:
    """Days each item of the scope spent in each stage it visited (see module docstring).

    Columns ``item_id``, ``stage``, ``stage_index``, ``category``, ``days``;
    one row per item × visited stage, items in item-table order, then stages
    in workflow order.
    """
    flow = scope.flow
    stays = _stays(scope)
    if len(stays) == 0:
        return _empty_time_in_stage()
    item, stage, days = _time_in_stage_arrays(scope)
    info = _stage_info(flow)
    names = pd.array(info.names, dtype="str")
    cats = pd.array(info.categories, dtype="str")
    return pd.DataFrame(
        {
            "item_id": pd.Series(flow.items["item_id"].array.take(item), dtype="str"),
            "stage": pd.Series(names.take(stage), dtype="str"),
            "stage_index": pd.Series(stage, dtype="int64"),
            "category": pd.Series(cats.take(stage), dtype="str"),
            "days": pd.Series(days, dtype="float64"),
        },
        columns=list(TIME_IN_STAGE_COLUMNS),
    )


def time_in_stage_summary(scope: Scope) -> dict:
    """``{stage: {p50, p85, mean, total}}`` over the completed items (see module docstring).

    Keys in workflow order, only the stages some completed item visited;
    ``{}`` when there are no completed items. Computed once per scope (the
    JSON document and the Bottlenecks page both show it); each call gets its
    own dicts.
    """
    summary = _memo(scope, "time_in_stage_summary", lambda: _time_in_stage_summary(scope))
    return {stage: dict(values) for stage, values in summary.items()}


def _time_in_stage_summary(scope: Scope) -> dict:
    flow = scope.flow
    stays = _stays(scope)
    if len(stays) == 0 or len(scope.completed) == 0:
        return {}
    info = _stage_info(flow)
    # Days per (completed item, stage) on a dense grid: one bincount over the completed
    # items' stays (summed in stay order), a row per completed item.
    row = _stay_completed_rows(scope)
    picked = np.flatnonzero(row >= 0)
    n_rows = len(scope.completed)
    keys = row[picked] * info.n + stays.stage[picked]
    size = n_rows * info.n
    sums = np.bincount(keys, weights=stays.days[picked], minlength=size).reshape(n_rows, info.n)
    visits = np.bincount(keys, minlength=size).reshape(n_rows, info.n)
    del picked, keys
    # Each stage's values are taken in item-table order (their order decides the float
    # rounding of mean and total): completed rows sorted by their item's position.
    pos = _completed_positions(scope)
    if len(pos) > 1 and not (pos[1:] > pos[:-1]).all():
        by_item = np.argsort(pos, kind="stable")
        sums, visits = sums[by_item], visits[by_item]
    out: dict = {}
    for s in range(info.n):  # a loop over stages, not items
        values = sums[visits[:, s] > 0, s]
        if values.size == 0:
            continue
        p50, p85 = _percentiles(values)
        out[info.names[s]] = {
            "p50": p50,
            "p85": p85,
            "mean": float(values.mean()),
            "total": float(values.sum()),
        }
    return out


# --------------------------------------------------------------------------- bottleneck


def bottleneck(scope: Scope) -> dict | None:
    """The committed active/waiting stage holding the most start→done time (module docstring).

    Returns ``{"stage", "share", "category"}`` or ``None``.
    """
    if len(scope.completed) == 0:
        return None
    flow = scope.flow
    info = _stage_info(flow)
    committed = _committed(scope)
    denominator = float(np.nansum(committed.cycle))
    if not denominator > 0:
        return None
    totals = np.bincount(committed.stage, weights=committed.days, minlength=info.n)
    totals = np.where(info.committed_work, totals, -np.inf)
    best = int(np.argmax(totals))  # first of equal totals: the earlier stage
    return {
        "stage": info.names[best],
        "share": float(totals[best] / denominator),
        "category": info.categories[best],
    }


# --------------------------------------------------------------------------- rework


def rework(scope: Scope) -> pd.DataFrame:
    """Backward moves per ``(from_stage, to_stage)``, sorted by ``moves`` descending.

    Ties are ordered by the from-stage, then the to-stage, in workflow order.
    """
    flow = scope.flow
    stays = _stays(scope)
    info = _stage_info(flow)
    if len(stays) > 1:
        same_item = stays.item[1:] == stays.item[:-1]
        back = same_item & (stays.stage[1:] < stays.stage[:-1])
        pair = stays.stage[:-1][back] * info.n + stays.stage[1:][back]
        counts = np.bincount(pair, minlength=info.n * info.n)
    else:
        counts = np.zeros(info.n * info.n, dtype=np.int64)
    pairs = np.flatnonzero(counts)
    order = np.argsort(-counts[pairs], kind="stable")  # pairs are in (from, to) order
    pairs = pairs[order]
    names = pd.array(info.names, dtype="str")
    return pd.DataFrame(
        {
            "from_stage": pd.Series(names.take(pairs // info.n), dtype="str"),
            "to_stage": pd.Series(names.take(pairs % info.n), dtype="str"),
            "moves": pd.Series(counts[pairs], dtype="int64"),
        },
        columns=list(REWORK_COLUMNS),
    )
