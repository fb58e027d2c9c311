"""A series by week or month, and its run chart with process-behaviour limits.

Definitions (the contract; docs/metrics.md, "Your own measures"):

* **Weekly view**: one point per ISO week (Monday to Sunday) holding at
  least one value of the metric: the **mean** of the values dated in that
  week. **Monthly view**: the same per calendar month. Periods without a
  value are left out (not zero: a missing survey is not a score of zero),
  so the points are the periods that have data, in time order.
* **Run chart**: those points with an XmR chart's average and natural
  process limits computed on all of them
  (:func:`vsm_core.metrics.xmr.xmr`): average ± 2.66 × the average moving
  range. Unlike the flow metrics, the lower limit is **not** cut at zero: a
  team's own measure (NPS, profit, a change in cost) may be negative.
  Signals: a point beyond a limit; a run of 8 or more points on one side of
  the average (the whole run is marked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from vsm_core.metrics.xmr import XmR, xmr
from vsm_core.series.weekly import as_days, monday_of

Period = Literal["week", "month"]
PERIODS: tuple[Period, ...] = ("week", "month")

#: The definition shown beside every chart of an uploaded measure.
DEFINITION = {
    "week": (
        "Each point is the mean of the values dated in one ISO week (Monday to Sunday); "
        "weeks without a value are left out. "
    ),
    "month": (
        "Each point is the mean of the values dated in one calendar month; months without "
        "a value are left out. "
    ),
}
LIMITS = (
    "Average and natural process limits from all points shown: average ± 2.66 × the "
    "average moving range (the lower limit may be below zero). A signal is a point beyond "
    "a limit, or a run of 8 or more points on one side of the average."
)


@dataclass(frozen=True)
class RunChart:
    """One metric's run chart: ``starts`` (each period's first day), ``values`` (the means),
    ``counts`` (values per period) and ``xmr`` (limits and signals, labels = ISO dates)."""

    metric: str
    period: Period
    starts: list[date]
    values: np.ndarray
    counts: np.ndarray
    xmr: XmR

    def to_dict(self) -> dict:
        """JSON-ready: the points and the limits (NaN as None)."""
        limits = self.xmr.to_dict()
        return {
            "metric": self.metric,
            "period": self.period,
            "points": [
                {"period_start": s.isoformat(), "value": float(v), "count": int(c)}
                for s, v, c in zip(self.starts, self.values, self.counts, strict=True)
            ],
            **{key: limits[key] for key in ("centre", "mr_bar", "unpl", "lnpl")},
            "signals": limits["signals"],
        }


def period_values(
    points: pd.DataFrame,
    metric: str,
    period: Period = "week",
    *,
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """``metric``'s values by ``period``: columns ``period_start`` (date), ``value`` (the
    mean, float) and ``count`` (values in the period), periods with a value only, in time
    order. ``start``/``end`` (inclusive) keep the values dated between them."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    chosen = points[points["metric"] == metric]
    days = as_days(chosen["day"])
    values = chosen["value"].to_numpy(dtype="float64")
    keep = np.ones(days.size, dtype=bool)
    if start is not None:
        keep &= days >= np.datetime64(start, "D")
    if end is not None:
        keep &= days <= np.datetime64(end, "D")
    days, values = days[keep], values[keep]
    starts = (
        monday_of(days)
        if period == "week"
        else days.astype("datetime64[M]").astype("datetime64[D]")
    )
    grouped = pd.Series(values).groupby(starts, sort=True).agg(["mean", "size"])
    return pd.DataFrame(
        {
            "period_start": [d.astype(date) for d in grouped.index.to_numpy(dtype="datetime64[D]")],
            "value": grouped["mean"].to_numpy(dtype="float64"),
            "count": grouped["size"].to_numpy(dtype=np.int64),
        }
    )


def run_chart(
    points: pd.DataFrame,
    metric: str,
    period: Period = "week",
    *,
    start: date | None = None,
    end: date | None = None,
) -> RunChart:
    """``metric``'s run chart by ``period`` (see the module docstring); an empty chart
    (no points, NaN limits) when the metric has no value in the window."""
    table = period_values(points, metric, period, start=start, end=end)
    starts = list(table["period_start"])
    values = table["value"].to_numpy(dtype="float64")
    return RunChart(
        metric=metric,
        period=period,
        starts=starts,
        values=values,
        counts=table["count"].to_numpy(dtype=np.int64),
        # a team's own measure can be negative: no lower bound at 0
        xmr=xmr(values, labels=[d.isoformat() for d in starts], bounds=(None, None)),
    )
