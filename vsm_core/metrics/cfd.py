"""Cumulative flow diagram: items in each stage at each day's sample time.

Definition (docs/metrics.md)
----------------------------

For each day of ``scope.days``, sampled at ``scope.sample_times`` (end of
the local day, capped at as-of), the number of items whose stay covers the
sample time in each stage of the workflow: every stage, in workflow order,
including backlog, done and cancelled. A stay covers ``t`` when
``entered_at <= t < exited_at``, or when it is the item's last stay and
``entered_at <= t`` (see :mod:`vsm_core.metrics.wip`). Done and cancelled
stays are terminal: they keep counting until the item leaves them (a reopen)
or forever. Stays are contiguous from an item's first mapped event to as-of,
so each day sums to the number of items whose first mapped event happened
at or before that day's sample time. Stacking the columns from the last
stage back to the first gives the usual cumulative bands.

Vectorised: one difference array over (sample, stage) built with
``np.bincount`` and a cumulative sum (see :func:`~vsm_core.metrics.wip.range_counts`).
"""

from __future__ import annotations

import pandas as pd

from vsm_core.metrics.scope import Scope
from vsm_core.metrics.throughput import as_dates, scope_days
from vsm_core.metrics.wip import range_counts, stay_cover


def daily_cfd(scope: Scope) -> pd.DataFrame:
    """Items per stage at each day's sample time.

    Columns: ``date`` (:class:`datetime.date`, one row per day of
    ``scope.days``) then one int64 column per stage name, in workflow order.
    """
    names = scope.flow.workflow.stage_names
    cover = stay_cover(scope)
    counts = range_counts(cover.lo, cover.hi, cover.n_samples, cover.stage_index, len(names))
    frame = pd.DataFrame(counts, columns=names, dtype="int64")
    frame.insert(0, "date", pd.Series(as_dates(scope_days(scope)), dtype="object"))
    return frame
