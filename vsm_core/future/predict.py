"""Outcomes of a value stream, measured or simulated, and the stage tables of its map.

Definitions (the contract; docs/future-state.md, *How to read it*)
-------------------------------------------------------------------

A simulated outcome is read off the runs' *horizon*: the days after the
warm-up (the stream starts empty, so the warm-up is thrown away).

``cycle_time_days`` / ``lead_time_days``
    ``p50``/``p85``: percentiles (numpy's linear interpolation) of the cycle
    times (done − start) / lead times (done − created) of the items done in
    the horizon, all runs pooled; ``p50_interval``/``p85_interval``: the 5th
    and 95th percentiles of the runs' own p50/p85 (a 90 % interval of what
    one stretch of that length could show). Measured: the items done in the
    history window; no intervals (``None``).
``throughput_per_week``
    Items done in the horizon per 7 days, mean over the runs (measured: done
    in the window per 7 days of it).
``wip_mean``
    Time-averaged number of items between start and done over the horizon,
    mean over the runs (measured: see :mod:`.model`).
``flow_efficiency``
    Σ active days / Σ cycle days over the items done in the horizon, runs
    pooled (measured: over the journeys). Time held in a stage waiting for
    room downstream is waiting time.

:func:`comparison_table`: one row per measure, in words, with the measured,
simulated and future values and the future's interval.

Stage tables (:func:`measured_map`, :func:`simulated_map`): one row per stage of the map with
``stage``, ``category``, ``median_days`` and ``mean_days`` (per item that
visited it: its total days there, visits added), ``visited_share`` (share of
the items that visited it) and ``wip_mean`` (simulated: time-averaged items
in the stage over the horizon; measured: ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vsm_core.future.model import Measured, StreamModel
from vsm_core.future.simulate import RunRecord, Simulation

#: The keys of an outcome, in order (each a number or None).
MEASURES: tuple[str, ...] = (
    "cycle_p50",
    "cycle_p85",
    "lead_p50",
    "lead_p85",
    "throughput_per_week",
    "wip_mean",
    "flow_efficiency",
)
#: Each measure in plain words, with its unit, for tables beside a chart.
LABELS: dict[str, str] = {
    "cycle_p50": "Cycle time, 50th percentile (days)",
    "cycle_p85": "Cycle time, 85th percentile (days)",
    "lead_p50": "Lead time, 50th percentile (days)",
    "lead_p85": "Lead time, 85th percentile (days)",
    "throughput_per_week": "Throughput (items a week)",
    "wip_mean": "Work in progress (items, average)",
    "flow_efficiency": "Flow efficiency (share of cycle time in active work)",
}
COMPARISON_COLUMNS: tuple[str, ...] = ("measure", "measured", "simulated", "future", "low", "high")
MAP_COLUMNS: tuple[str, ...] = (
    "stage",
    "category",
    "median_days",
    "mean_days",
    "visited_share",
    "wip_mean",
)
_INTERVAL = (5, 95)


@dataclass(frozen=True)
class Outcome:
    """One state's numbers: ``values[m]`` and, simulated, ``intervals[m] = (low, high)``.

    Keys are :data:`MEASURES`; a value is ``None`` when nothing could be
    measured (no item done), an interval ``None`` for measured outcomes.
    """

    values: dict[str, float | None]
    intervals: dict[str, tuple[float, float] | None]
    simulated: bool

    def __getitem__(self, key: str) -> float | None:
        return self.values[key]

    def as_json(self) -> dict:
        """Cycle/lead ``{p50, p85, p50_interval, p85_interval}`` and three numbers (docs/cli.md)."""
        out: dict = {}
        for name, prefix in (("cycle_time_days", "cycle"), ("lead_time_days", "lead")):
            out[name] = {
                "p50": self.values[f"{prefix}_p50"],
                "p85": self.values[f"{prefix}_p85"],
                "p50_interval": _pair(self.intervals[f"{prefix}_p50"]),
                "p85_interval": _pair(self.intervals[f"{prefix}_p85"]),
            }
        for name in ("throughput_per_week", "wip_mean", "flow_efficiency"):
            out[name] = self.values[name]
        return out


def _pair(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else [interval[0], interval[1]]


def _number(value: float) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _percentiles(values: np.ndarray) -> tuple[float | None, float | None]:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None, None
    p50, p85 = np.percentile(values, [50, 85])
    return float(p50), float(p85)


def measured_outcome(measured: Measured) -> Outcome:
    """The measured current state as an :class:`Outcome` (no intervals)."""
    cycle = _percentiles(measured.cycle_days)
    lead = _percentiles(measured.lead_days)
    total = float(measured.journey_days.sum())
    values = {
        "cycle_p50": cycle[0],
        "cycle_p85": cycle[1],
        "lead_p50": lead[0],
        "lead_p85": lead[1],
        "throughput_per_week": measured.cycle_days.size / measured.window_days * 7.0,
        "wip_mean": measured.wip_mean,
        "flow_efficiency": float(measured.active_days.sum()) / total if total > 0 else None,
    }
    return Outcome(values, dict.fromkeys(MEASURES), simulated=False)


@dataclass(frozen=True)
class _RunStats:
    cycle: np.ndarray
    lead: np.ndarray
    active: np.ndarray
    throughput: float
    wip: float


def _run_stats(run: RunRecord, low: float, high: float) -> _RunStats:
    """One run's items done in [low, high) and its throughput and mean WIP there."""
    done_in = (run.done >= low) & (run.done < high)
    cycle = run.done[done_in] - run.start[done_in]
    lead = run.done[done_in] - run.created[done_in]
    started = ~np.isnan(run.start)
    end = np.where(np.isnan(run.done), high, run.done)[started]
    overlap = np.clip(np.minimum(end, high) - np.maximum(run.start[started], low), 0.0, None)
    length = high - low
    return _RunStats(
        cycle=cycle,
        lead=lead,
        active=run.active[done_in],
        throughput=done_in.sum() / length * 7.0,
        wip=float(overlap.sum() / length),
    )


def simulated_outcome(simulation: Simulation) -> Outcome:
    """The runs' horizon as an :class:`Outcome` with 90 % intervals (module docstring)."""
    low = simulation.warmup_days
    high = low + simulation.horizon_days
    stats = [_run_stats(run, low, high) for run in simulation.runs]  # a loop over runs
    cycle = np.concatenate([s.cycle for s in stats])
    lead = np.concatenate([s.lead for s in stats])
    active = np.concatenate([s.active for s in stats])
    per_run = {
        "cycle_p50": [_percentiles(s.cycle)[0] for s in stats],
        "cycle_p85": [_percentiles(s.cycle)[1] for s in stats],
        "lead_p50": [_percentiles(s.lead)[0] for s in stats],
        "lead_p85": [_percentiles(s.lead)[1] for s in stats],
        "throughput_per_week": [s.throughput for s in stats],
        "wip_mean": [s.wip for s in stats],
        "flow_efficiency": [
            float(s.active.sum() / s.cycle.sum()) if s.cycle.sum() > 0 else None for s in stats
        ],
    }
    cycle_p = _percentiles(cycle)
    lead_p = _percentiles(lead)
    values = {
        "cycle_p50": cycle_p[0],
        "cycle_p85": cycle_p[1],
        "lead_p50": lead_p[0],
        "lead_p85": lead_p[1],
        "throughput_per_week": float(np.mean(per_run["throughput_per_week"])),
        "wip_mean": float(np.mean(per_run["wip_mean"])),
        "flow_efficiency": float(active.sum() / cycle.sum()) if cycle.sum() > 0 else None,
    }
    intervals = {key: _interval(runs) for key, runs in per_run.items()}
    return Outcome(values, intervals, simulated=True)


def _interval(values: list[float | None]) -> tuple[float, float] | None:
    known = np.array([v for v in values if v is not None], dtype="float64")
    if known.size == 0:
        return None
    low, high = np.percentile(known, _INTERVAL)
    return float(low), float(high)


# --------------------------------------------------------------------------- map tables


def _stage_frame(
    model: StreamModel, per_item: np.ndarray, visited: np.ndarray, wip
) -> pd.DataFrame:
    """The map table from a (items × stages) grid of days and a visited mask."""
    rows = []
    n_items = per_item.shape[0]
    for s, name in enumerate(model.stages):  # a loop over stages
        values = per_item[visited[:, s], s]
        rows.append(
            {
                "stage": name,
                "category": model.categories[s],
                "median_days": float(np.median(values)) if values.size else None,
                "mean_days": float(values.mean()) if values.size else None,
                "visited_share": values.size / n_items if n_items else 0.0,
                "wip_mean": None if wip is None else float(wip[s]),
            }
        )
    return pd.DataFrame(rows, columns=list(MAP_COLUMNS))


def measured_map(model: StreamModel) -> pd.DataFrame:
    """The map table of the measured journeys (``wip_mean`` empty)."""
    n, k = model.journeys, len(model.stages)
    keys = model.visit_journey() * k + model.visit_stage
    days = np.bincount(keys, weights=model.visit_days, minlength=n * k).reshape(n, k)
    visited = np.bincount(keys, minlength=n * k).reshape(n, k) > 0
    return _stage_frame(model, days, visited, None)


def simulated_map(simulation: Simulation) -> pd.DataFrame:
    """The map table of the runs' horizon: items done in it, WIP per stage time-averaged."""
    model = simulation.model
    k = len(model.stages)
    low = simulation.warmup_days
    high = low + simulation.horizon_days
    grids, masks = [], []
    wip = np.zeros(k)
    for run in simulation.runs:  # a loop over runs
        done_in = (run.done >= low) & (run.done < high)
        row = np.cumsum(done_in) - 1
        mine = done_in[run.visit_item]
        n = int(done_in.sum())
        keys = row[run.visit_item[mine]] * k + run.visit_stage[mine]
        spent = run.visit_exit[mine] - run.visit_enter[mine]
        grids.append(np.bincount(keys, weights=spent, minlength=n * k).reshape(n, k))
        masks.append(np.bincount(keys, minlength=n * k).reshape(n, k) > 0)
        leave = np.where(np.isnan(run.visit_exit), high, run.visit_exit)
        overlap = np.clip(np.minimum(leave, high) - np.maximum(run.visit_enter, low), 0.0, None)
        wip += np.bincount(run.visit_stage, weights=overlap, minlength=k) / (high - low)
    per_item = np.concatenate(grids) if grids else np.zeros((0, k))
    visited = np.concatenate(masks) if masks else np.zeros((0, k), dtype=bool)
    return _stage_frame(model, per_item, visited, wip / max(len(simulation.runs), 1))


def comparison_table(measured: Outcome, simulated: Outcome, future: Outcome) -> pd.DataFrame:
    """One row per measure (:data:`MEASURES` order): its words (:data:`LABELS`), the measured
    and simulated current values, the future value and its 90 % interval (``low``, ``high``);
    ``None`` where there is no value."""
    rows = []
    for key in MEASURES:
        interval = future.intervals.get(key)
        rows.append(
            {
                "measure": LABELS[key],
                "measured": measured[key],
                "simulated": simulated[key],
                "future": future[key],
                "low": None if interval is None else interval[0],
                "high": None if interval is None else interval[1],
            }
        )
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
