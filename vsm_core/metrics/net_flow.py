"""Net flow: items started minus items finished per period.

Definition (docs/metrics.md)
----------------------------

For each period (day, week starting Monday, or month, in the dataset's time
zone; the periods holding ``scope.days``, named by ``period_start``, see
:mod:`vsm_core.metrics.throughput`):

* ``starts``: items of ``scope.flow.items`` whose ``start`` (first entry into
  a committed active/waiting stage) falls on a local date of the period that
  is one of ``scope.days``, whatever their state now (an item started then
  cancelled still started). Restricting starts to the covered days mirrors
  ``dones``, which only count items done inside the window: the first and
  last week or month of a window are partial on both sides alike;
* ``dones``: items of ``scope.completed`` whose done date falls in the
  period (the throughput);
* ``net = starts - dones``: positive when WIP grows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.metrics.scope import Scope
from vsm_core.metrics.throughput import (
    Freq,
    as_dates,
    day_period_index,
    local_dates,
    period_index,
    scope_days,
    scope_periods,
)


def net_flow(scope: Scope, freq: Freq = "week") -> pd.DataFrame:
    """Columns ``period_start`` (:class:`datetime.date`), ``starts``, ``dones``, ``net`` (int64)."""
    periods = scope_periods(scope, freq)
    n = len(periods)
    days = scope_days(scope)
    start_days = local_dates(scope.flow.items["start"], scope.timezone)
    if len(days):
        inside = ~np.isnat(start_days) & (start_days >= days[0]) & (start_days <= days[-1])
        start_days = start_days[inside]
    start_pos = day_period_index(start_days, periods, freq)
    done_pos = period_index(scope.completed["done"], periods, freq, scope.timezone)
    starts = np.bincount(start_pos[start_pos >= 0], minlength=n).astype(np.int64)
    dones = np.bincount(done_pos[done_pos >= 0], minlength=n).astype(np.int64)
    return pd.DataFrame(
        {
            "period_start": pd.Series(as_dates(periods), dtype="object"),
            "starts": pd.Series(starts, dtype="int64"),
            "dones": pd.Series(dones, dtype="int64"),
            "net": pd.Series(starts - dones, dtype="int64"),
        }
    )
