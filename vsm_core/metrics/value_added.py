"""Value-added time and process cycle efficiency: how much of a finished item's lead time was
spent in stages that add value.

Definition (the contract)
-------------------------

Which stages add value is the workflow's choice: each stage's "adds value"
flag (:attr:`vsm_core.model.Stage.value_adding`; by default the active
stages, so with an unflagged workflow value-added time is flow efficiency's
active time).

For each completed item (``scope.completed``) with a start and an elapsed
lead time > 0 (items done without a start are left out, as in flow
efficiency: their time in stages was never recorded):

* ``value_added_days`` = the time the item spent in value-adding stages at
  or after the commitment stage, between its start and done: the same cut
  stays as flow efficiency reads (elapsed days; a move back before the
  commitment point, a cancelled stay or a done stay before a reopen does not
  count). Blocked days from the export are assumed to have been spent in an
  active stage, as flow efficiency assumes: they are taken out of the
  value-added time spent in *active* value-adding stages (never below 0),
  so value-added time is never overstated and, with the default flags,
  equals flow efficiency's ``active_days``;
* ``lead_days`` = done − created in **elapsed** days (docs/metrics.md, lead
  time; elapsed even when the scope's cycle-time mode is ``"inclusive"``,
  because the numerator is elapsed time);
* ``pce`` (process cycle efficiency) = ``value_added_days / lead_days``.

The summary reports ``process_cycle_efficiency`` = Σ value_added_days ÷
Σ lead_days over those items (the headline: a ratio of sums, weighted by
lead time), ``mean_of_ratios`` (the mean of the per-item ``pce``, each item
weighing the same), ``value_added_days_mean``, ``lead_days_mean``, ``n``,
and ``created_after_start``: how many of the items have a created time
later than their start (bad data: such an item's ``pce`` can exceed 1; it is
counted, not hidden). Every number is ``None`` when ``n`` is 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.metrics.scope import Scope
from vsm_core.metrics.stages import _DAY, _committed, _memo, _stage_info
from vsm_core.timeutil import utc_naive_us

VALUE_ADDED_COLUMNS: tuple[str, ...] = ("item_id", "value_added_days", "lead_days", "pce")


def value_adding_stages(scope: Scope) -> list[str]:
    """The names of the stages whose time counts as value-added, in workflow order."""
    return [stage.name for stage in scope.flow.workflow.stages if stage.value_adding]


def value_added(scope: Scope) -> tuple[pd.DataFrame, dict]:
    """Per-item value-added time and process cycle efficiency, and their summary.

    Returns ``(frame, summary)`` (see the module docstring): the frame has
    columns ``item_id``, ``value_added_days``, ``lead_days``, ``pce`` in
    ``scope.completed`` order; the summary is ``{"process_cycle_efficiency",
    "mean_of_ratios", "value_added_days_mean", "lead_days_mean", "n",
    "created_after_start"}``. Computed once per scope; each call gets its own
    frame and dict.
    """
    frame, summary = _memo(scope, "value_added", lambda: _value_added(scope))
    return frame.copy(deep=False), dict(summary)


def _value_added(scope: Scope) -> tuple[pd.DataFrame, dict]:
    completed = scope.completed
    committed = _committed(scope)
    info = _stage_info(scope.flow)
    adds = np.array([stage.value_adding for stage in scope.flow.workflow.stages], dtype=bool)
    n = committed.n

    # Value-adding time per completed item, split by active and other (waiting) stages:
    # blocked days come out of the active part only.
    in_active = (adds & info.active)[committed.stage]
    in_other = (adds & ~info.active)[committed.stage]
    active = np.bincount(committed.row[in_active], committed.days[in_active], minlength=n)
    other = np.bincount(committed.row[in_other], committed.days[in_other], minlength=n)
    blocked = completed["blocked_days"].to_numpy(dtype="float64", na_value=np.nan)
    value = other + np.maximum(active - np.nan_to_num(blocked, nan=0.0), 0.0)

    created = utc_naive_us(completed["created_at"])
    lead = (committed.done - created) / _DAY
    has_start = ~np.isnat(committed.start)
    keep = np.flatnonzero(has_start & (lead > 0))  # NaN/NaT compare False
    value, lead = value[keep], lead[keep]
    frame = pd.DataFrame(
        {
            "item_id": pd.Series(completed["item_id"].array.take(keep), dtype="str"),
            "value_added_days": pd.Series(value, dtype="float64"),
            "lead_days": pd.Series(lead, dtype="float64"),
            "pce": pd.Series(value / lead if len(keep) else value, dtype="float64"),
        },
        columns=list(VALUE_ADDED_COLUMNS),
    )
    count = len(frame)
    late = created[keep] > committed.start[keep]
    summary = {
        "process_cycle_efficiency": float(value.sum() / lead.sum()) if count else None,
        "mean_of_ratios": float(frame["pce"].mean()) if count else None,
        "value_added_days_mean": float(value.mean()) if count else None,
        "lead_days_mean": float(lead.mean()) if count else None,
        "n": count,
        "created_after_start": int(late.sum()),
    }
    return frame, summary
