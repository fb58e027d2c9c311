"""Flow distribution: the mix of work types among finished work and work in progress.

Definitions (docs/metrics.md)
-----------------------------

* ``done``: share of each work type among ``scope.completed`` (the items done
  inside the window).
* ``wip``: share of each work type among the items in progress at as-of
  (``state == "in_progress"`` in ``scope.flow.items``).
* A missing type is shown as ``"(none)"``. Shares are ``count / total`` and
  sum to 1 when there is at least one item; an empty group gives ``{}``.
* Over time: done items per period (week by default) and type, zero-filled
  over the types present in ``scope.completed``, with ``share`` = the type's
  count divided by the period's total (0.0 in a period where nothing was
  done, so shares sum to 1 in every non-empty period).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.metrics.scope import Scope
from vsm_core.metrics.throughput import Freq, throughput_by_type, type_labels


def _shares(types: pd.Series) -> dict[str, float]:
    """``{type: share}`` of a series of work types, sorted by type name."""
    counts = type_labels(types).value_counts(sort=False).sort_index()
    total = int(counts.sum())
    if total == 0:
        return {}
    return {str(name): int(count) / total for name, count in counts.items()}


def flow_distribution(scope: Scope) -> dict[str, dict[str, float]]:
    """``{"done": {type: share}, "wip": {type: share}}`` (plain str keys, float shares)."""
    items = scope.flow.items
    return {
        "done": _shares(scope.completed["type"]),
        "wip": _shares(items.loc[items["state"] == "in_progress", "type"]),
    }


def distribution_over_time(scope: Scope, freq: Freq = "week") -> pd.DataFrame:
    """Done items per period and type with their share of the period.

    Columns ``period_start`` (:class:`datetime.date`), ``type`` (str),
    ``count`` (int64) and ``share`` (float64); rows as
    :func:`~vsm_core.metrics.throughput.throughput_by_type`.
    """
    frame = throughput_by_type(scope, freq)
    totals = frame.groupby("period_start", sort=False)["count"].transform("sum")
    counts = frame["count"].to_numpy(dtype=np.float64)
    totals = totals.to_numpy(dtype=np.float64)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    frame["share"] = pd.Series(share, dtype="float64", index=frame.index)
    return frame
