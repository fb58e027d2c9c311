"""Flow efficiency: the share of a completed item's cycle time spent in active work.

Definition (the contract)
-------------------------

For each completed item (``scope.completed``) with a start and an elapsed
cycle time > 0 (items done without a start are excluded):

* ``cycle_days`` = done − start in **elapsed** fractional days, even when
  the scope's cycle-time mode is ``"inclusive"`` (the numerator is elapsed
  time, so the denominator must be too; with inclusive days an item started
  and finished within an hour would look 4 % efficient);
* ``active_days`` = the time the item spent in **active**-category stages at
  or after the commitment stage, between its start and done (an active stage
  before the commitment point does not count, nor does a move back before
  it), minus the item's ``blocked_days`` (from the export), never below 0.
  Blocked time is assumed to have been spent while the item sat in an active
  stage; it counts as waiting once and is never subtracted twice: a blocked
  *status* mapped to a waiting stage is already waiting time and is not in
  ``blocked_days`` (which only comes from the Blocked Days / blocked ranges
  columns). A missing ``blocked_days`` is 0;
* ``efficiency`` = ``active_days / cycle_days``.

The summary reports ``ratio_of_sums`` = Σ active_days / Σ cycle_days (the
portfolio view, weighted by cycle time), ``mean_of_ratios`` = the mean of the
per-item efficiencies (each item weighs the same) and ``n`` = the number of
items; both ratios are ``None`` when ``n`` is 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.metrics.scope import Scope
from vsm_core.metrics.stages import _committed, _memo, _stage_info

EFFICIENCY_COLUMNS: tuple[str, ...] = ("item_id", "active_days", "cycle_days", "efficiency")


def flow_efficiency(scope: Scope) -> tuple[pd.DataFrame, dict]:
    """Per-item flow efficiency and its summary (see the module docstring).

    Returns ``(frame, summary)``: the frame has columns ``item_id``,
    ``active_days``, ``cycle_days``, ``efficiency`` in ``scope.completed``
    order; the summary is ``{"ratio_of_sums", "mean_of_ratios", "n"}``.

    Computed once per scope (the JSON document, the Flow metrics page and
    the value stream map all ask for it); each call gets its own frame and
    dict (a copy-on-write copy, so changing one leaves the others alone).
    """
    frame, summary = _memo(scope, "flow_efficiency", lambda: _flow_efficiency(scope))
    return frame.copy(deep=False), dict(summary)


def _flow_efficiency(scope: Scope) -> tuple[pd.DataFrame, dict]:
    completed = scope.completed
    committed = _committed(scope)
    info = _stage_info(scope.flow)
    active = info.active[committed.stage]
    raw = np.bincount(committed.row[active], weights=committed.days[active], minlength=committed.n)
    blocked = completed["blocked_days"].to_numpy(dtype="float64", na_value=np.nan)
    active_days = np.maximum(raw - np.nan_to_num(blocked, nan=0.0), 0.0)
    keep = np.flatnonzero(committed.cycle > 0)  # NaN (no start) compares False
    cycle = committed.cycle[keep]
    frame = pd.DataFrame(
        {
            "item_id": pd.Series(completed["item_id"].array.take(keep), dtype="str"),
            "active_days": pd.Series(active_days[keep], dtype="float64"),
            "cycle_days": pd.Series(cycle, dtype="float64"),
            "efficiency": pd.Series(active_days[keep] / cycle, dtype="float64"),
        },
        columns=list(EFFICIENCY_COLUMNS),
    )
    n = len(frame)
    summary = {
        "ratio_of_sums": float(active_days[keep].sum() / cycle.sum()) if n else None,
        "mean_of_ratios": float(frame["efficiency"].mean()) if n else None,
        "n": n,
    }
    return frame, summary
