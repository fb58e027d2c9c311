"""The flow table: stays and per-item flow facts, the one derived table every metric reads.

:func:`build_flow` turns a :class:`~vsm_core.model.CanonicalDataset` into two
frames, built once and fully vectorised (numpy/pandas; no Python loop over
items or events):

* ``stays`` – one row per *stay*: an uninterrupted period an item spends in
  one workflow stage.
* ``items`` – one row per item of the dataset (including items without any
  mapped event), with its start, done, state, cycle/lead time, age and flags.

Definitions (this is the contract; metrics rely on it)
------------------------------------------------------

*as_of*
    ``FlowOptions.as_of`` or, when ``None``, the dataset's last event time
    (mapped or not). Events after ``as_of`` are dropped before anything else
    is computed. A naive ``as_of`` is taken as UTC; ``FlowTables.as_of`` is
    always tz-aware UTC (microsecond resolution). A dataset without events
    and no explicit ``as_of`` uses the latest ``created_at`` of its items, or
    the current time when there is none.

*mapping*
    A raw status maps to a stage through ``Workflow.stage_positions`` (case
    and surrounding spaces ignored). Events whose status is not mapped are
    ignored by every metric and counted in ``FlowTables.unmapped_events``
    (events up to ``as_of`` only). Events of items that are not in the item
    table are ignored entirely.

*ordering and stays*
    An item's events are ordered by ``(item_id, entered_at, seq)`` with a
    stable sort, so equal timestamps keep their file order (items are taken
    in item-table order rather than by the text of their id: only the order
    within an item matters, and ``stays`` rows come out grouped by item in
    item-table order, then by time). Consecutive mapped events in the same
    stage form one stay (unmapped events in between do not split it). A stay's
    ``exited_at`` is
    the next stay's ``entered_at``, or ``as_of`` for the item's last stay
    (``is_last``). ``duration_days = (exited_at - entered_at) / 1 day`` as a
    float, except stays in done- or cancelled-category stages, which count 0.

*start*
    The first entry into a stage whose position is ``>=`` the workflow's
    commitment index and whose category is active or waiting. ``NaT`` if none.

*done*
    Only when the item's last stay (at ``as_of``) is in a done-category
    stage: the entry time of the item's final uninterrupted run of
    done-category stays. So Resolved -> Closed (both done) is done from
    Resolved; an item that left done and came back is done from the return;
    an item that left done and did not come back is not done. ``NaT``
    otherwise.

*state*
    ``"done"`` when the last stay is done-category; ``"cancelled"`` when it is
    cancelled-category (neither done nor in progress); ``"in_progress"`` when
    the last stay's stage position is ``>=`` the commitment index and its
    category is active or waiting; ``"not_started"`` for everything else
    (still in backlog, in a stage before the commitment stage, or no mapped
    events at all).

*times* (``FlowOptions.cycle_time_mode``)
    ``cycle_time_days = done - start`` (NaN when not done or without start);
    ``lead_time_days = done - created_at`` (NaN when not done; not clipped,
    so a ``created_at`` field later than done gives a negative value);
    ``age_days = as_of - start`` for in-progress items (NaN otherwise).
    All three use the same mode: ``"elapsed"`` is fractional days of real
    elapsed time (seconds / 86400); ``"inclusive"`` is whole calendar days
    from the first date to the last date plus one (ActionableAgile
    convention), dates taken in the dataset's timezone (``dataset.timezone``).

*created_at*
    The item's ``created_at`` field, else the time of its first event (mapped
    or not, up to ``as_of``), else ``NaT``.

*flags*
    ``done_without_start``: done but no start. ``reopened``: the item moved
    from a done-category stay to a stay of any other category (including
    cancelled) at least once, whether or not it came back to done; Resolved ->
    Closed is not a reopen. ``backward_moves``: number of moves
    from one stay to the next with a lower stage position. ``blocked_days`` is
    copied from the item table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from vsm_core.model import CanonicalDataset, Category, Workflow, item_positions
from vsm_core.ordering import in_time_order
from vsm_core.timeutil import utc_naive_us

_US = "datetime64[us]"
_DAY = np.timedelta64(1, "D")
_NAT = np.datetime64("NaT", "us")
_TS = "datetime64[us, UTC]"

STAY_COLUMNS: tuple[str, ...] = (
    "item_id",
    "stage",
    "stage_index",
    "category",
    "entered_at",
    "exited_at",
    "duration_days",
    "is_last",
)

FLOW_ITEM_COLUMNS: tuple[str, ...] = (
    "item_id",
    "title",
    "type",
    "team",
    "created_at",
    "start",
    "done",
    "state",
    "current_stage",
    "cycle_time_days",
    "lead_time_days",
    "age_days",
    "done_without_start",
    "reopened",
    "backward_moves",
    "blocked_days",
)

#: The values of ``items["state"]``.
STATES: tuple[str, ...] = ("done", "in_progress", "not_started", "cancelled")


@dataclass(frozen=True)
class FlowOptions:
    """How :func:`build_flow` reads the dataset.

    ``as_of``: the moment the flow is evaluated at; ``None`` means the
    dataset's last event time. Events after it are ignored.
    ``cycle_time_mode``: ``"elapsed"`` (fractional days) or ``"inclusive"``
    (local calendar days, first and last day both counted).
    """

    as_of: pd.Timestamp | None = None
    cycle_time_mode: Literal["elapsed", "inclusive"] = "elapsed"


@dataclass(frozen=True)
class FlowTables:
    """The result of :func:`build_flow` (see the module docstring for definitions).

    ``timezone`` is the dataset's IANA timezone and ``first_event_at`` the
    time of its first event up to ``as_of`` (``None`` without events); both
    are kept for calendar bucketing (days and weeks of the metrics).
    """

    stays: pd.DataFrame
    items: pd.DataFrame
    as_of: pd.Timestamp
    workflow: Workflow
    options: FlowOptions
    unmapped_events: int
    timezone: str = "UTC"
    first_event_at: pd.Timestamp | None = field(default=None)


# --------------------------------------------------------------------------- helpers


def _to_utc_timestamp(value: object) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.as_unit("us")


def _aware(values: np.ndarray) -> pd.Series:
    """``datetime64[us]`` UTC wall times -> a ``datetime64[us, UTC]`` series (one copy)."""
    return pd.Series(np.asarray(values, dtype=_US), dtype=_TS)


def _new_group(*keys: np.ndarray) -> np.ndarray:
    """True where any key differs from the previous row (first row always True)."""
    n = len(keys[0])
    out = np.ones(n, dtype=bool)
    if n > 1:
        changed = np.zeros(n - 1, dtype=bool)
        for key in keys:
            changed |= key[1:] != key[:-1]
        out[1:] = changed
    return out


def _local_dates(values: np.ndarray, timezone: str) -> np.ndarray:
    """Midnight of each UTC instant's calendar date in ``timezone`` (naive ``datetime64[us]``)."""
    local = pd.DatetimeIndex(np.asarray(values, dtype=_US)).tz_localize("UTC").tz_convert(timezone)
    return local.tz_localize(None).normalize().to_numpy(dtype=_US)


def _span_days(first: np.ndarray, last: np.ndarray, mode: str, timezone: str) -> np.ndarray:
    """``last - first`` in days: elapsed fractional days or inclusive local calendar days."""
    if mode == "elapsed":
        return (last - first) / _DAY
    if mode == "inclusive":
        return (_local_dates(last, timezone) - _local_dates(first, timezone)) / _DAY + 1.0
    raise ValueError(f"unknown cycle_time_mode {mode!r}; use 'elapsed' or 'inclusive'")


def event_order(item: np.ndarray, times: np.ndarray, seq: np.ndarray) -> np.ndarray | None:
    """The stable sort of events by ``(item, times, seq)``, or ``None`` when it moves nothing.

    ``item``: int64 item positions; ``times``: ``datetime64[us]``; ``seq``:
    int64 file positions; all of one length. Returns the permutation a
    stable lexicographic sort would apply (equal keys keep their row order),
    or ``None`` when that permutation is the identity.

    Event logs nearly always come grouped by item and in time order within an
    item, so one vectorised pass checks that first (no sort at all), then
    whether each item is one contiguous, ordered run and only the runs are
    out of item order (a sort of the runs, not the events). Anything else
    (interleaved items, out-of-order times or ``seq``, NaT) takes the full
    sort, :func:`_sorted_order`; every path gives the same order.
    """
    n = len(item)
    if n < 2:
        return None
    if np.isnat(times).any():  # NaT sorts last but compares False: leave it to the sort
        return _sorted_order(item, times, seq)
    same = item[1:] == item[:-1]
    if not in_time_order(times, seq)[same].all():
        return _sorted_order(item, times, seq)
    heads = np.flatnonzero(np.append(True, ~same))
    head_item = item[heads]
    if (head_item[1:] > head_item[:-1]).all():
        return None  # items in item-table order, each one run: already sorted
    run_order = np.argsort(head_item, kind="stable")
    if (head_item[run_order][1:] == head_item[run_order][:-1]).any():
        return _sorted_order(item, times, seq)  # an item in several runs: interleaved
    # Each item is one ordered run: lay the runs out in item order.
    lengths = np.diff(np.append(heads, n))[run_order]
    run_start = heads[run_order]
    offsets = np.cumsum(lengths) - lengths  # where each run starts in the output
    return np.arange(n) + np.repeat(run_start - offsets, lengths)


def _sorted_order(item: np.ndarray, times: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Stable lexicographic order of ``(item, times, seq)``: the general (slow) path.

    Chained stable argsorts (seq, then time, then item) give the lexicographic
    order and are faster than ``np.lexsort``; the seq pass is skipped when
    ``seq`` is already non-decreasing (file order).
    """
    order = np.arange(len(item))
    if len(seq) > 1 and not (seq[1:] >= seq[:-1]).all():
        order = np.argsort(seq, kind="stable")
    order = order[np.argsort(times[order], kind="stable")]
    return order[np.argsort(item[order], kind="stable")]


def _ordered_events(
    item_ids: pd.Series,
    events: pd.DataFrame,
    times: np.ndarray,
    as_of_np: np.datetime64,
    workflow: Workflow,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The events build_flow reads, in ``(item, entered_at, seq)`` order.

    ``item_ids``: the item table's ids; ``times``: the events' ``entered_at``
    as ``datetime64[us]`` UTC wall times. Keeps the events up to
    ``as_of_np`` of known items and returns ``(item position, time, stage
    position, unmapped count)``: int64 rows of the item table,
    ``datetime64[us]``, int64 workflow positions (-1 = unmapped status), and
    the number of kept events with an unmapped status. Arrays that need no
    cut and no reordering are returned as they are (possibly ``times``
    itself), so a sorted, complete log costs no copies.
    """
    if len(events) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, np.empty(0, dtype=_US), empty, 0
    # Item positions (row in the item table; -1 = unknown item, dropped): the log is
    # nearly always grouped by item, so only run heads are looked up (model.item_positions).
    item_pos = item_positions(item_ids, events["item_id"])
    # Stage positions: map each distinct status once (there are few), then broadcast.
    status_codes, statuses = pd.factorize(events["status"].astype("str"))
    status_pos = workflow.stage_positions(pd.Series(statuses, dtype="str"))
    status_pos = np.append(status_pos.fillna(-1).to_numpy(dtype=np.int64), -1)
    event_pos = status_pos[status_codes]  # a missing status (code -1) hits the -1 sentinel
    del status_codes
    seq = events["seq"].to_numpy(dtype=np.int64)
    keep = (times <= as_of_np) & (item_pos >= 0)
    if not keep.all():
        item_pos, times, event_pos, seq = item_pos[keep], times[keep], event_pos[keep], seq[keep]
    del keep
    unmapped = int((event_pos < 0).sum())
    order = event_order(item_pos, times, seq)
    if order is not None:
        item_pos, times, event_pos = item_pos[order], times[order], event_pos[order]
    return item_pos, times, event_pos, unmapped


def _stay_starts(
    item: np.ndarray, times: np.ndarray, pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Item, stage position and entry time of each stay, from the ordered events.

    Unmapped events (``pos < 0``) are skipped (they never split a stay); a
    stay starts where the item or the stage changes. Returns fresh arrays
    (int64, int64, ``datetime64[us]``), one row per stay.
    """
    mapped = pos >= 0
    if not mapped.all():
        item, times, pos = item[mapped], times[mapped], pos[mapped]
    del mapped
    stay_rows = np.flatnonzero(_new_group(item, pos))
    return item[stay_rows], pos[stay_rows], times[stay_rows]


# --------------------------------------------------------------------------- build


def build_flow(dataset: CanonicalDataset, options: FlowOptions = FlowOptions()) -> FlowTables:
    """Build the stays and per-item flow tables of ``dataset``.

    See the module docstring for the exact definitions of stays, start, done,
    state, cycle/lead time, age and the flags. Never raises on an empty
    dataset: the frames are then empty with the documented columns and dtypes.
    """
    workflow = dataset.workflow
    timezone = dataset.timezone or "UTC"
    items_in = dataset.items.reset_index(drop=True)
    events = dataset.events
    n_items = len(items_in)

    # -- as_of and the event cut ------------------------------------------------------
    times = utc_naive_us(events["entered_at"])
    if options.as_of is not None:
        as_of = _to_utc_timestamp(options.as_of)
    elif len(times):
        as_of = _to_utc_timestamp(pd.Timestamp(times.max()))
    else:
        created = items_in["created_at"].dropna() if n_items else pd.Series([], dtype=_TS)
        as_of = _to_utc_timestamp(created.max() if len(created) else pd.Timestamp.now(tz="UTC"))
    as_of_np = as_of.tz_convert(None).to_datetime64().astype(_US)

    # Event-level arrays (one row per event: 6.7M at 1M items) live only inside these
    # helpers and until the stays are found, so they never coexist with the frames.
    idx_all, t_all, pos_all, unmapped_events = _ordered_events(
        items_in["item_id"], events, times, as_of_np, workflow
    )
    del times

    # created_at fallback: first event of each item (mapped or not).
    first_event = np.full(n_items, _NAT)
    heads = np.flatnonzero(_new_group(idx_all))
    first_event[idx_all[heads]] = t_all[heads]
    first_event_at = _to_utc_timestamp(pd.Timestamp(t_all.min())) if len(t_all) else None
    del heads

    # -- stays --------------------------------------------------------------------------
    s_item, s_pos, s_enter = _stay_starts(idx_all, t_all, pos_all)
    del idx_all, t_all, pos_all
    n_stays = len(s_item)

    # Per-stage lookups, with one extra sentinel entry so that position -1 means "none".
    categories = [stage.category for stage in workflow.stages]
    n_stages = len(categories)
    is_done_stage = np.array([c == Category.DONE for c in categories] + [False])
    is_cancelled_stage = np.array([c == Category.CANCELLED for c in categories] + [False])
    is_work_stage = np.array(
        [c in (Category.ACTIVE, Category.WAITING) for c in categories] + [False]
    )
    committed_stage = np.arange(n_stages + 1) >= workflow.commitment_index
    committed_stage[-1] = False
    starts_stage = committed_stage & is_work_stage  # a stay here starts (or continues) work
    stage_names = pd.array(workflow.stage_names, dtype="str")
    category_names = pd.array([str(c) for c in categories], dtype="str")

    next_same = np.zeros(n_stays, dtype=bool)
    if n_stays > 1:
        np.equal(s_item[1:], s_item[:-1], out=next_same[:-1])
    is_last = ~next_same
    s_exit = np.full(n_stays, as_of_np)
    if n_stays > 1:
        s_exit[:-1] = np.where(next_same[:-1], s_enter[1:], as_of_np)
    s_done = is_done_stage[s_pos]
    zero = (is_done_stage | is_cancelled_stage)[s_pos]
    duration = (s_exit - s_enter) / _DAY
    duration[zero] = 0.0
    del zero

    # -- per item -----------------------------------------------------------------------
    last_rows = np.flatnonzero(is_last)
    current_pos = np.full(n_items, -1, dtype=np.int64)
    current_pos[s_item[last_rows]] = s_pos[last_rows]

    # start: first stay in a committed active/waiting stage.
    start = np.full(n_items, _NAT)
    q_rows = np.flatnonzero(starts_stage[s_pos])
    q_first = q_rows[_new_group(s_item[q_rows])]
    start[s_item[q_first]] = s_enter[q_first]
    del q_rows, q_first

    # done: entry of the final run of done-category stays, when the last stay is done.
    # The run holding a row starts at the last run head at or before it.
    run_heads = np.flatnonzero(_new_group(s_item, s_done))
    done_last = last_rows[s_done[last_rows]]
    done = np.full(n_items, _NAT)
    run_of_last = np.searchsorted(run_heads, done_last, side="right") - 1
    done[s_item[done_last]] = s_enter[run_heads[run_of_last]]
    del run_heads, run_of_last

    # flags
    reopened = np.zeros(n_items, dtype=bool)
    backward = np.zeros(n_items, dtype=np.int64)
    if n_stays > 1:
        moves = next_same[:-1]
        left_done = moves & s_done[:-1] & ~s_done[1:]
        reopened[s_item[:-1][left_done]] = True
        back = moves & (s_pos[1:] < s_pos[:-1])
        backward = np.bincount(s_item[:-1][back], minlength=n_items).astype(np.int64)
        del moves, left_done, back
    del next_same, s_done

    # The stays frame now, so that the stay arrays it consumes can go before the items.
    # copy=False: the columns are fresh arrays of this call, nothing else holds them.
    stays = pd.DataFrame(
        {
            "item_id": pd.Series(
                items_in["item_id"].astype("str").array.take(s_item), dtype="str", copy=False
            ),
            "stage": pd.Series(stage_names.take(s_pos), dtype="str", copy=False),
            "stage_index": pd.Series(s_pos, dtype="int64", copy=False),
            "category": pd.Series(category_names.take(s_pos), dtype="str", copy=False),
            "entered_at": _aware(s_enter),
            "exited_at": _aware(s_exit),
            "duration_days": pd.Series(duration, dtype="float64", copy=False),
            "is_last": pd.Series(is_last, dtype="bool", copy=False),
        },
        columns=list(STAY_COLUMNS),
        copy=False,
    )
    del s_item, s_pos, s_enter, s_exit, duration, is_last, last_rows

    state_code = np.full(n_items, 2, dtype=np.int64)  # not_started
    state_code[starts_stage[current_pos]] = 1
    state_code[is_cancelled_stage[current_pos]] = 3
    state_code[is_done_stage[current_pos]] = 0
    state = pd.array(list(STATES), dtype="str").take(state_code)

    current_stage = pd.array([*workflow.stage_names, None], dtype="str").take(current_pos)

    created_field = utc_naive_us(items_in["created_at"])
    created = np.where(np.isnat(created_field), first_event, created_field)

    mode = options.cycle_time_mode
    cycle_time = _span_days(start, done, mode, timezone)
    lead_time = _span_days(created, done, mode, timezone)
    in_progress = state_code == 1
    age_span = _span_days(start, np.full(n_items, as_of_np), mode, timezone)
    age = np.where(in_progress, age_span, np.nan)

    items = pd.DataFrame(
        {
            "item_id": items_in["item_id"].astype("str"),
            "title": items_in["title"].astype("str"),
            "type": items_in["type"].astype("str"),
            "team": items_in["team"].astype("str"),
            "created_at": _aware(created),
            "start": _aware(start),
            "done": _aware(done),
            "state": pd.Series(state, dtype="str", copy=False),
            "current_stage": pd.Series(current_stage, dtype="str", copy=False),
            "cycle_time_days": pd.Series(cycle_time, dtype="float64", copy=False),
            "lead_time_days": pd.Series(lead_time, dtype="float64", copy=False),
            "age_days": pd.Series(age, dtype="float64", copy=False),
            "done_without_start": pd.Series(
                ~np.isnat(done) & np.isnat(start), dtype="bool", copy=False
            ),
            "reopened": pd.Series(reopened, dtype="bool", copy=False),
            "backward_moves": pd.Series(backward, dtype="int64", copy=False),
            "blocked_days": items_in["blocked_days"].astype("float64"),
        },
        columns=list(FLOW_ITEM_COLUMNS),
        copy=False,  # text columns shared with the dataset's items (copy-on-write)
    )

    return FlowTables(
        stays=stays,
        items=items,
        as_of=as_of,
        workflow=workflow,
        options=options,
        unmapped_events=unmapped_events,
        timezone=timezone,
        first_event_at=first_event_at,
    )
