"""Work item age: how long the work in progress has been going.

Definitions (docs/metrics.md)
-----------------------------

*work item age*
    For an item in progress at as-of: ``as-of - start``, the ``age_days``
    column of ``scope.flow.items`` (in the flow's cycle-time mode: elapsed
    fractional days, or inclusive calendar days).

*aging WIP*
    Every item in progress at as-of with its current stage, sorted by stage
    in workflow order (earliest stage first), then by age, oldest first
    (ties keep item-table order). A missing type is shown as ``"(none)"``.

*at risk* (against a service level expectation of ``sle_days``)
    ``breached``: ``age_days > sle_days``. ``at_risk``: not breached and
    ``age_days >= warn_fraction * sle_days`` (``warn_fraction`` defaults to
    0.7: an item that has used 70% of its SLE is flagged). Other items are
    on track and left out.

*age run chart*
    For each day of ``scope.days`` at its sample time ``t`` (see
    :mod:`vsm_core.metrics.wip`): the items in progress at ``t`` (same rule as
    WIP), their ``count``, and the mean and max of their age at ``t``,
    ``(t - start) / 1 day`` in elapsed fractional days whatever the
    cycle-time mode (NaN when nothing is in progress). ``start`` is the item's
    first entry into a committed active/waiting stage, so it is always
    ``<= t`` for an item in progress at ``t``.

Vectorised: the run chart's count and sum of start times are difference
arrays over the sample positions each stay covers; the max age comes from a
range-minimum of start times (:func:`~vsm_core.metrics.wip.range_min`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vsm_core.metrics.scope import Scope
from vsm_core.metrics.throughput import as_dates, scope_days, type_labels
from vsm_core.metrics.wip import range_counts, range_min, wip_stays
from vsm_core.timeutil import utc_naive_us

AGING_COLUMNS: tuple[str, ...] = (
    "item_id",
    "title",
    "type",
    "stage",
    "stage_index",
    "start",
    "age_days",
)
RUN_CHART_COLUMNS: tuple[str, ...] = ("date", "count", "mean_age_days", "max_age_days")
STATUSES: tuple[str, ...] = ("breached", "at_risk")
DEFAULT_WARN_FRACTION = 0.7

_DAY_US = 86_400 * 1_000_000  # microseconds per day (times are datetime64[us])


def aging_wip(scope: Scope) -> pd.DataFrame:
    """Every in-progress item: ``item_id, title, type, stage, stage_index, start, age_days``.

    ``stage`` is the item's current stage at as-of and ``stage_index`` its
    workflow position; ``type`` shows a missing type as ``"(none)"``. Sorted by
    ``stage_index`` ascending, then ``age_days`` descending (oldest first).
    """
    items = scope.flow.items
    pos = np.flatnonzero((items["state"] == "in_progress").to_numpy(dtype=bool))
    rows = items[["item_id", "title", "type", "current_stage", "start", "age_days"]].take(pos)
    names = pd.Index(scope.flow.workflow.stage_names)
    stage_index = names.get_indexer(rows["current_stage"]).astype(np.int64)
    age = rows["age_days"].to_numpy(dtype=np.float64)
    # Stage order first, then age descending; lexsort's last key is the primary one.
    order = np.lexsort((-age, stage_index))
    out = rows.take(order).reset_index(drop=True)
    out = out.rename(columns={"current_stage": "stage"})
    out["type"] = type_labels(out["type"])
    out["stage_index"] = pd.Series(stage_index[order], dtype="int64")
    return out[list(AGING_COLUMNS)].astype(
        {
            "item_id": "str",
            "title": "str",
            "type": "str",
            "stage": "str",
            "stage_index": "int64",
            "start": "datetime64[us, UTC]",
            "age_days": "float64",
        }
    )


def items_at_risk(
    aging: pd.DataFrame, sle_days: float, warn_fraction: float = DEFAULT_WARN_FRACTION
) -> pd.DataFrame:
    """The rows of ``aging`` that breached or are close to ``sle_days``, plus ``status``.

    ``status`` is ``"breached"`` (``age_days > sle_days``) or ``"at_risk"``
    (not breached, ``age_days >= warn_fraction * sle_days``); on-track rows
    are dropped, the order of ``aging`` is kept. Raises :class:`ValueError`
    when ``sle_days`` is not a finite number >= 0 or ``warn_fraction`` is not
    in ``[0, 1]``.
    """
    try:
        sle = float(sle_days)
        fraction = float(warn_fraction)
    except (TypeError, ValueError):
        raise ValueError("sle_days and warn_fraction must be numbers") from None
    if not (math.isfinite(sle) and sle >= 0):
        raise ValueError(f"sle_days must be a finite number >= 0, not {sle_days!r}")
    if not (0.0 <= fraction <= 1.0):
        raise ValueError(f"warn_fraction must be between 0 and 1, not {warn_fraction!r}")
    age = pd.to_numeric(aging["age_days"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    breached = age > sle
    at_risk = ~breached & (age >= fraction * sle)
    keep = breached | at_risk
    out = aging.loc[keep].reset_index(drop=True)
    status = np.where(breached[keep], STATUSES[0], STATUSES[1])
    out["status"] = pd.Series(status, dtype="str", index=out.index)
    return out


def age_run_chart(scope: Scope) -> pd.DataFrame:
    """Per day: ``count`` of items in progress at the sample time, their mean and max age.

    Columns ``date`` (:class:`datetime.date`), ``count`` (int64),
    ``mean_age_days`` and ``max_age_days`` (float64, elapsed days; NaN when
    ``count`` is 0).
    """
    cover, mask = wip_stays(scope)
    n = cover.n_samples
    lo, hi = cover.lo[mask], cover.hi[mask]
    start = utc_naive_us(scope.flow.items["start"])[cover.item_pos[mask]]
    samples = cover.samples
    base = samples[0] if n else np.datetime64(0, "us")
    # Start times in microseconds after the first sample (an explicit us unit, not an int view
    # of an unknown resolution); every stay of a committed work stage has a start.
    start_us = (start - base) // np.timedelta64(1, "us")
    sample_us = (samples - base) // np.timedelta64(1, "us")

    count = range_counts(lo, hi, n)[:, 0]
    start_sum_days = range_counts(lo, hi, n, weights=start_us / _DAY_US)[:, 0]
    oldest_us = range_min(lo, hi, start_us, n)

    has = count > 0
    mean_age = sample_us / _DAY_US - start_sum_days / np.maximum(count, 1)
    mean_age = np.where(has, np.maximum(mean_age, 0.0), np.nan)  # no float round-off below 0
    max_age = np.where(has, (sample_us - np.where(has, oldest_us, sample_us)) / _DAY_US, np.nan)
    return pd.DataFrame(
        {
            "date": pd.Series(as_dates(scope_days(scope)), dtype="object"),
            "count": pd.Series(count, dtype="int64"),
            "mean_age_days": pd.Series(mean_age, dtype="float64"),
            "max_age_days": pd.Series(max_age, dtype="float64"),
        },
        columns=list(RUN_CHART_COLUMNS),
    )
