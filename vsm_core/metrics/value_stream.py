"""Value stream map data: the current state of the committed stages, over completed items.

Definitions (the contract)
--------------------------

:func:`value_stream` returns a JSON-able dict (NaN is reported as ``None``):

``stages``
    One entry per stage at or after the commitment stage whose category is
    active or waiting, in workflow order (so from the commitment stage up to,
    not including, the done stages; cancelled and any backlog-category
    stage after the commitment point are left out), each with

    * ``stage``, ``stage_index``, ``category``, ``adds_value`` (the stage's
      "adds value" flag, given or by default: active stages add value);
    * ``median_days`` / ``mean_days``: median / mean, over the completed items
      that *visited* the stage between their start and done (had a stay
      there, even one of zero length), of each item's total time in that
      stage between its start and done (re-entries add up; elapsed days).
      Items that did not visit it are not counted as 0; ``None`` when no
      item visited it;
    * ``visited``: how many completed items visited it, and
      ``visited_share`` = ``visited`` / all completed items (including those
      done without a start, which visited no committed stage); 0 when there
      are no completed items.

Totals
    * ``completed``: the number of completed items (``scope.completed``);
    * ``lead_time_median_days`` / ``cycle_time_median_days``: medians of the
      completed items' ``lead_time_days`` / ``cycle_time_days`` as the flow
      computes them, i.e. in the scope's cycle-time mode (so they match the
      Home headline); ``cycle_time_mode`` says which;
    * ``flow_efficiency``: ``ratio_of_sums`` of
      :func:`vsm_core.metrics.efficiency.flow_efficiency` (elapsed days): the
      documented definition, active time between start and done ÷ cycle
      time, summed over the completed items with a cycle time > 0;
    * ``work_days_mean`` / ``wait_days_mean``: over those same items, the
      mean active days and the mean of the rest of the cycle time (cycle −
      active); ``work_days_mean / (work_days_mean + wait_days_mean)`` is
      exactly ``flow_efficiency``, so the map's ladder totals and its summary
      box tell one story (``None`` without such items);
    * ``value_added_days_mean`` / ``process_cycle_efficiency`` /
      ``lead_days_mean``: from :func:`vsm_core.metrics.value_added.value_added`
      (docs/metrics.md, *Value-added time and process cycle efficiency*):
      over the completed items with a start and an elapsed lead time > 0,
      the mean time in value-adding stages between start and done, Σ of it ÷
      Σ elapsed lead time (created to done; a ratio of sums), and the mean
      elapsed lead time (``None`` without such items);
    * ``pre_commitment``: the stages before the commitment stage (workflow
      order, done and cancelled left out) that some completed item visited,
      each ``{stage, category, median_days}``: the median over those items
      of their total days in it (``time_in_stage_summary``'s ``p50``); the
      map draws them as their own queues when there are two or more;
    * ``backlog_median_days``: the median, over completed items with a start
      and a created time, of start − created in elapsed days (not clipped: a
      created field later than the start gives a negative value).
"""

from __future__ import annotations

import math

import numpy as np

from vsm_core.metrics.efficiency import flow_efficiency
from vsm_core.metrics.scope import Scope
from vsm_core.metrics.stages import (
    _DAY,
    _by_stage,
    _committed,
    _stage_info,
    _sum_by,
    time_in_stage_summary,
)
from vsm_core.metrics.value_added import value_added
from vsm_core.timeutil import utc_naive_us


def _clean(value: float | None) -> float | None:
    """A float, or ``None`` for NaN/None (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _median(values: np.ndarray) -> float | None:
    values = values[~np.isnan(values)]
    return float(np.median(values)) if values.size else None


def value_stream(scope: Scope) -> dict:
    """Value stream map data for the scope's completed items (see the module docstring)."""
    flow = scope.flow
    info = _stage_info(flow)
    completed = scope.completed
    committed = _committed(scope)
    n = committed.n

    # Per (completed item, stage): total days between start and done, for visited pairs.
    keys = committed.row * info.n + committed.stage
    unique, per_item, _ = _sum_by(keys, committed.days, max(n, 1) * info.n)
    bounds, (per_item,) = _by_stage(unique % info.n, info.n, per_item)

    workflow = flow.workflow
    stages = []
    for s in np.flatnonzero(info.committed_work):  # a loop over stages, not items
        values = per_item[bounds[s] : bounds[s + 1]]
        stages.append(
            {
                "stage": info.names[s],
                "stage_index": int(s),
                "category": info.categories[s],
                "adds_value": bool(workflow.stages[s].value_adding),
                "median_days": float(np.median(values)) if values.size else None,
                "mean_days": float(values.mean()) if values.size else None,
                "visited": int(values.size),
                "visited_share": values.size / n if n else 0.0,
            }
        )

    has_start = ~np.isnat(committed.start)
    created = utc_naive_us(completed["created_at"])
    backlog = (committed.start[has_start] - created[has_start]) / _DAY
    items, efficiency = flow_efficiency(scope)
    work = items["active_days"].to_numpy(dtype="float64")
    cycle = items["cycle_days"].to_numpy(dtype="float64")
    _, added = value_added(scope)
    summary = time_in_stage_summary(scope) if n else {}
    pre_commitment = [
        {
            "stage": stage.name,
            "category": info.categories[i],
            "median_days": _clean(summary[stage.name]["p50"]),
        }
        for i, stage in enumerate(workflow.stages[: workflow.commitment_index])
        if info.categories[i] not in ("done", "cancelled") and stage.name in summary
    ]
    return {
        "stages": stages,
        "pre_commitment": pre_commitment,
        "completed": n,
        "lead_time_median_days": _median(completed["lead_time_days"].to_numpy(dtype="float64")),
        "cycle_time_median_days": _median(completed["cycle_time_days"].to_numpy(dtype="float64")),
        "cycle_time_mode": scope.options.cycle_time_mode,
        "flow_efficiency": _clean(efficiency["ratio_of_sums"]),
        "work_days_mean": float(work.mean()) if work.size else None,
        "wait_days_mean": float((cycle - work).mean()) if work.size else None,
        "value_added_days_mean": added["value_added_days_mean"],
        "process_cycle_efficiency": added["process_cycle_efficiency"],
        "lead_days_mean": added["lead_days_mean"],
        "backlog_median_days": _median(np.asarray(backlog, dtype="float64")),
    }
