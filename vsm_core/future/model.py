"""The current-state model of a value stream, measured from a dataset, and changes applied to it.

Definitions (the contract; docs/future-state.md)
------------------------------------------------

*Stages*
    The stages of the value stream map as the Bottlenecks page draws them
    (:mod:`vsm_core.metrics.value_stream`): every stage at or after the
    commitment stage whose category is active or waiting, in workflow order.

*History window*
    Local calendar days ``history = (first, last)``, both included, in the
    dataset's timezone; by default the 12 weeks up to the as-of day.

*Journeys*
    One per item *done* inside the history window with a start: the
    sequence of its visits to the map's stages between its start and done
    (stays cut to [start, done]; time back before the commitment point is
    left out, and two visits to the same stage with nothing of the map in
    between are one visit). Each visit has its elapsed ``days`` and its
    ``active`` days (``days`` in an active stage, 0 in a waiting one).
    Moves back (rework) are in the journeys as they happened, so the
    simulator repeats them at their measured rate. ``backlog_days`` is the
    item's start − created (not below 0).

*Arrival rate*
    Items started inside the history window that were not cancelled
    afterwards, per calendar day of the window. Cancelled work is left out
    of the simulation.

*Measured outcome* (:class:`Measured`)
    Over the same window: cycle and lead times (elapsed days) of the items
    done in it, the number done, the window's length, the time-average of
    the number of items between start and end (done, cancelled, or still
    open at as-of), and the active and cycle days of the journeys (flow
    efficiency = Σ active / Σ cycle; blocked days are not subtracted, unlike
    the Flow page's flow efficiency, because the simulator cannot know them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from vsm_core.filters import ItemFilter, in_window
from vsm_core.flow import FlowOptions, FlowTables, build_flow
from vsm_core.future.changes import WHOLE_SPAN, Change, merged_name
from vsm_core.metrics.scope import resolve_as_of
from vsm_core.metrics.stages import stay_items
from vsm_core.model import CanonicalDataset, Category
from vsm_core.timeutil import utc_naive_us

_DAY = np.timedelta64(1, "D")
DEFAULT_HISTORY_WEEKS = 12


class FutureError(ValueError):
    """Input the future-state designer cannot use; the text says why, in plain words."""


@dataclass(frozen=True)
class StreamModel:
    """What the simulator replays (see the module docstring).

    ``stages``/``categories`` (``"active"`` or ``"waiting"``) in map order;
    a visit's stage is its position in ``stages``. Journeys are stored flat:
    ``offsets`` (int64, one more than there are journeys) cut
    ``visit_stage`` (int64), ``visit_days`` and ``visit_active`` (float64
    days) into journeys; ``backlog_days`` has one value per journey.
    ``arrivals_per_day`` is the arrival rate; ``limits`` maps a stage name,
    or ``"*"`` for the whole span, to its WIP limit.
    """

    stages: tuple[str, ...]
    categories: tuple[str, ...]
    offsets: np.ndarray
    visit_stage: np.ndarray
    visit_days: np.ndarray
    visit_active: np.ndarray
    backlog_days: np.ndarray
    arrivals_per_day: float
    limits: dict[str, int] = field(default_factory=dict)

    @property
    def journeys(self) -> int:
        return len(self.offsets) - 1

    def visit_journey(self) -> np.ndarray:
        """The journey of each visit (int64)."""
        return np.repeat(np.arange(self.journeys), np.diff(self.offsets))


@dataclass(frozen=True)
class Measured:
    """The measured current state over the history window (elapsed days).

    ``cycle_days``/``lead_days``: of the items done in the window;
    ``window_days``: the window's length in days (to as-of at most);
    ``wip_mean``: time-averaged items between start and end;
    ``active_days``/``journey_days``: per journey, for flow efficiency.
    """

    cycle_days: np.ndarray
    lead_days: np.ndarray
    window_days: float
    wip_mean: float
    active_days: np.ndarray
    journey_days: np.ndarray


@dataclass(frozen=True)
class History:
    """The window a model was measured on: local days (both included) and the as-of moment."""

    first: date
    last: date
    as_of: pd.Timestamp


def history_window(
    flow: FlowTables, *, weeks: int | None, first: date | None, last: date | None
) -> History:
    """The history window: ``first``..``last`` or the ``weeks`` up to as-of (default 12)."""
    as_of_day = flow.as_of.tz_convert(flow.timezone).date()
    if weeks is not None and (first or last):
        raise FutureError("give a number of history weeks or a first and last day, not both")
    if weeks is not None and weeks < 1:
        raise FutureError("the history needs at least 1 week")
    last = min(last or as_of_day, as_of_day)
    first = first or last - timedelta(days=7 * (weeks or DEFAULT_HISTORY_WEEKS) - 1)
    if first > last:
        raise FutureError(f"the history starts ({first}) after it ends ({last})")
    return History(first, last, flow.as_of)


def measure(
    dataset: CanonicalDataset,
    *,
    as_of=None,
    history_weeks: int | None = None,
    history_from: date | None = None,
    history_to: date | None = None,
    item_filter: ItemFilter | None = None,
) -> tuple[StreamModel, Measured, History]:
    """The current-state model of ``dataset`` and what was measured (module docstring).

    ``as_of`` follows the metrics contract (``None``: the last event; a
    date: the end of that day). Raises :class:`FutureError` when the window
    holds no finished item with a start, or nothing started in it.
    """
    stamp = resolve_as_of(dataset, as_of)
    if item_filter is not None:
        dataset = item_filter.apply(dataset)
    flow = build_flow(dataset, FlowOptions(as_of=stamp))
    history = history_window(flow, weeks=history_weeks, first=history_from, last=history_to)
    window = (history.first, history.last)
    stage_pos, stages, categories = _map_stages(flow)
    items = flow.items
    done = (items["state"] == "done") & items["start"].notna()
    done &= in_window(items["done"], window, flow.timezone)
    chosen = np.flatnonzero(done.to_numpy(dtype=bool))
    if chosen.size == 0:
        raise FutureError(
            f"no item with a start finished between {history.first} and {history.last}; "
            "choose a longer history"
        )
    journeys = _journeys(flow, chosen, stage_pos, categories)
    started = in_window(items["start"], window, flow.timezone) & (items["state"] != "cancelled")
    window_days = _window_days(history, flow)
    arrivals = float(started.sum()) / window_days
    if arrivals <= 0:
        raise FutureError(f"nothing started between {history.first} and {history.last}")
    start = utc_naive_us(items["start"])[chosen]
    created = utc_naive_us(items["created_at"])[chosen]
    backlog = np.clip(np.nan_to_num((start - created) / _DAY, nan=0.0), 0.0, None)
    model = StreamModel(
        stages=stages,
        categories=categories,
        offsets=journeys[0],
        visit_stage=journeys[1],
        visit_days=journeys[2],
        visit_active=journeys[3],
        backlog_days=backlog,
        arrivals_per_day=arrivals,
    )
    measured = Measured(
        cycle_days=items["cycle_time_days"].to_numpy(dtype="float64")[chosen],
        lead_days=items["lead_time_days"].to_numpy(dtype="float64")[chosen],
        window_days=window_days,
        wip_mean=_wip_mean(flow, history),
        active_days=np.add.reduceat(journeys[3], journeys[0][:-1]) * _nonempty(journeys[0]),
        journey_days=np.add.reduceat(journeys[2], journeys[0][:-1]) * _nonempty(journeys[0]),
    )
    return model, measured, history


def _nonempty(offsets: np.ndarray) -> np.ndarray:
    """1.0 for journeys with visits, 0.0 for empty ones (reduceat repeats a value for those)."""
    return (np.diff(offsets) > 0).astype("float64")


def _map_stages(flow: FlowTables) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """Map position of each workflow stage (-1 off the map), the map's names and categories."""
    workflow = flow.workflow
    commitment = workflow.commitment_index
    pos = np.full(len(workflow.stages), -1, dtype=np.int64)
    names, cats = [], []
    for i, stage in enumerate(workflow.stages):  # a loop over stages, not items
        if i >= commitment and stage.category in (Category.ACTIVE, Category.WAITING):
            pos[i] = len(names)
            names.append(stage.name)
            cats.append(str(stage.category))
    return pos, tuple(names), tuple(cats)


def _journeys(flow: FlowTables, chosen: np.ndarray, stage_pos: np.ndarray, categories):
    """(offsets, stage, days, active) of the chosen items' visits, vectorised over stays."""
    stays = flow.stays
    item = stay_items(flow)
    row = np.full(len(flow.items), -1, dtype=np.int64)
    row[chosen] = np.arange(chosen.size)
    journey = np.where(item >= 0, row[np.maximum(item, 0)], -1)
    pos = stage_pos[stays["stage_index"].to_numpy(dtype=np.int64)]
    start = utc_naive_us(flow.items["start"])[chosen]
    done = utc_naive_us(flow.items["done"])[chosen]
    keep = np.flatnonzero((journey >= 0) & (pos >= 0))
    journey, pos = journey[keep], pos[keep]
    enter = utc_naive_us(stays["entered_at"])[keep]
    leave = utc_naive_us(stays["exited_at"])[keep]
    lo, hi = start[journey], done[journey]
    days = (np.minimum(leave, hi) - np.maximum(enter, lo)) / _DAY
    inside = (enter < hi) & (leave > lo)
    journey, pos, days = journey[inside], pos[inside], days[inside]
    active = np.where(np.asarray(categories)[pos] == "active", days, 0.0) if pos.size else days
    return collapse(journey, pos, days, active, chosen.size)


def collapse(journey, stage, days, active, n_journeys: int):
    """Consecutive visits of one journey to one stage become one (days and active add up).

    Inputs are per visit, grouped by journey in order. Returns ``(offsets,
    stage, days, active)`` with ``offsets`` of length ``n_journeys + 1``.
    """
    if journey.size:
        head = np.ones(journey.size, dtype=bool)
        head[1:] = (journey[1:] != journey[:-1]) | (stage[1:] != stage[:-1])
        heads = np.flatnonzero(head)
        journey, stage = journey[heads], stage[heads]
        days = np.add.reduceat(days, heads)
        active = np.add.reduceat(active, heads)
    counts = np.bincount(journey, minlength=n_journeys)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return offsets, stage.astype(np.int64), days.astype("float64"), active.astype("float64")


def _window_days(history: History, flow: FlowTables) -> float:
    """Days from the window's first local midnight to its end (capped at as-of)."""
    start, end = _window_bounds(history, flow.timezone)
    return float(max((end - start) / _DAY, 1e-9))


def _window_bounds(history: History, timezone: str) -> tuple[np.datetime64, np.datetime64]:
    """The window as naive UTC ``datetime64[us]``: first local midnight, end capped at as-of."""
    days = pd.DatetimeIndex([history.first, history.last + timedelta(days=1)])
    utc = days.tz_localize(timezone, nonexistent="shift_forward", ambiguous=True).tz_convert(None)
    start, end = utc.as_unit("us").to_numpy()
    as_of = history.as_of.tz_convert(None).to_datetime64().astype("datetime64[us]")
    return start, min(end, as_of)


def _wip_mean(flow: FlowTables, history: History) -> float:
    """Time-averaged number of items between start and end over the window (module docstring)."""
    items = flow.items
    start = utc_naive_us(items["start"])
    end = utc_naive_us(items["done"])
    as_of = flow.as_of.tz_convert(None).to_datetime64().astype("datetime64[us]")
    last_enter = np.full(len(items), as_of)
    is_last = flow.stays["is_last"].to_numpy(dtype=bool)
    owner = stay_items(flow)[is_last]
    last_enter[owner] = utc_naive_us(flow.stays["entered_at"])[is_last]
    open_now = (items["state"] == "in_progress").to_numpy(dtype=bool)
    end = np.where(np.isnat(end), np.where(open_now, as_of, last_enter), end)
    lo, hi = _window_bounds(history, flow.timezone)
    has = ~np.isnat(start)
    overlap = (np.minimum(end[has], hi) - np.maximum(start[has], lo)) / _DAY
    return float(np.clip(overlap, 0.0, None).sum() / max((hi - lo) / _DAY, 1e-9))


# --------------------------------------------------------------------------- changes


def apply_changes(model: StreamModel, changes: tuple[Change, ...]) -> StreamModel:
    """``model`` with ``changes`` applied (parsed by :func:`~.changes.parse_changes`, in order).

    remove/merge rewrite the journeys (then consecutive visits to one stage
    collapse); scale multiplies a stage's visit days and active days;
    arrivals multiplies the arrival rate; wip records a limit.
    """
    for change in changes:
        if change.kind == "remove":
            model = _remove(model, model.stages.index(change.stages[0]))
        elif change.kind == "merge":
            model = _merge(model, *(model.stages.index(s) for s in change.stages))
        elif change.kind == "scale":
            hit = model.visit_stage == model.stages.index(change.stages[0])
            factor = np.where(hit, change.value, 1.0)
            model = replace(
                model,
                visit_days=model.visit_days * factor,
                visit_active=model.visit_active * factor,
            )
        elif change.kind == "arrivals":
            model = replace(model, arrivals_per_day=model.arrivals_per_day * change.value)
        else:
            limits = {**model.limits, change.stages[0]: int(change.value)}
            model = replace(model, limits=limits)
    return model


def _rebuild(model: StreamModel, keep: np.ndarray, new_stage: np.ndarray, stages, categories):
    journey = model.visit_journey()[keep]
    offsets, stage, days, active = collapse(
        journey,
        new_stage[model.visit_stage[keep]],
        model.visit_days[keep],
        model.visit_active[keep],
        model.journeys,
    )
    return replace(
        model,
        stages=tuple(stages),
        categories=tuple(categories),
        offsets=offsets,
        visit_stage=stage,
        visit_days=days,
        visit_active=active,
    )


def _remove(model: StreamModel, gone: int) -> StreamModel:
    new_stage = np.arange(len(model.stages)) - (np.arange(len(model.stages)) > gone)
    keep = model.visit_stage != gone
    stages = [s for i, s in enumerate(model.stages) if i != gone]
    categories = [c for i, c in enumerate(model.categories) if i != gone]
    return _rebuild(model, keep, new_stage, stages, categories)


def _merge(model: StreamModel, first: int, second: int) -> StreamModel:
    """One stage where the earlier of the two was; active when either was."""
    at, other = min(first, second), max(first, second)
    name = merged_name(model.stages[first], model.stages[second])
    category = (
        "active" if "active" in (model.categories[first], model.categories[second]) else ("waiting")
    )
    index = np.arange(len(model.stages))
    new_stage = index - (index > other)
    new_stage[other] = at
    stages = [s for i, s in enumerate(model.stages) if i != other]
    categories = [c for i, c in enumerate(model.categories) if i != other]
    stages[at], categories[at] = name, category
    keep = np.ones(model.visit_stage.size, dtype=bool)
    return _rebuild(model, keep, new_stage, stages, categories)


REWORK_COLUMNS: tuple[str, ...] = ("from_stage", "to_stage", "per_item")


def rework_rates(model: StreamModel) -> pd.DataFrame:
    """Moves back between the map's stages in the journeys, per journey, most frequent first.

    ``per_item``: moves from ``from_stage`` back to ``to_stage`` divided by
    the number of journeys (0.11: about one item in nine goes back once). The
    simulator replays them with the journeys, so this is also its rate.
    """
    k = len(model.stages)
    same = np.diff(model.visit_journey()) == 0
    back = same & (np.diff(model.visit_stage) < 0)
    pair = model.visit_stage[:-1][back] * k + model.visit_stage[1:][back]
    counts = np.bincount(pair, minlength=k * k)
    found = np.flatnonzero(counts)
    found = found[np.argsort(-counts[found], kind="stable")]
    names = np.asarray(model.stages, dtype=object)
    return pd.DataFrame(
        {
            "from_stage": pd.Series(names[found // k], dtype="str"),
            "to_stage": pd.Series(names[found % k], dtype="str"),
            "per_item": pd.Series(counts[found] / max(model.journeys, 1), dtype="float64"),
        },
        columns=list(REWORK_COLUMNS),
    )


def span_limit(model: StreamModel) -> int | None:
    """The WIP limit on the whole span, if any."""
    return model.limits.get(WHOLE_SPAN)
