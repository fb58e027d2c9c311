"""XmR (individuals and moving range) process behaviour charts.

Definitions (the contract)
--------------------------

:func:`xmr` takes a series of values in time order and an optional
``baseline`` (the number of leading points the limits are computed on;
default: all of them, capped at the series length):

* ``centre`` = the mean of the baseline points;
* ``mr_bar`` = the mean of the absolute differences of consecutive baseline
  points (the average moving range);
* ``unpl`` = ``centre + 2.66 * mr_bar`` (upper natural process limit), and
  ``lnpl`` = ``centre − 2.66 * mr_bar`` (lower), each cut at ``bounds``: the
  lowest and highest values the quantity can take. The default ``(0, None)``
  keeps the lower limit at 0 or above (flow quantities cannot be negative); a
  rate passes ``(0, 1)`` (or ``(0, 100)`` in per cent), so no limit is drawn
  that no week could cross; ``None`` leaves that side uncut (a team's own
  measure, e.g. a net promoter score, can be negative: ``(None, None)``);
* ``url`` = ``3.268 * mr_bar`` (upper range limit, for the mR chart);
* fewer than 2 baseline points: every limit is NaN and there are no signals.

Signals are looked for in **every** point, including those after a frozen
baseline (issue #5 judges "after the change" points against limits frozen on
the "before" points). Each signal is ``{"index", "rule"}``; a point can carry
both rules. Sorted by index, then rule.

* ``"beyond_limits"``: the point is above ``unpl`` or below ``lnpl``;
* ``"run_of_8"``: the point belongs to a run of 8 or more consecutive points
  on the same side of the centre line. **The whole run is marked** (its first
  point included), so the chart highlights the shifted stretch; a point
  exactly on the centre line belongs to no side and breaks a run.

NaN values are charted but never signal, and are left out of the limits (a
moving range next to a NaN point is skipped).

Builders (all over a :class:`~vsm_core.metrics.scope.Scope`; ``labels`` name
each point as a string):

* :func:`cycle_time_xmr`: one point per completed item with a cycle time,
  ordered by done time (ties in item-table order), values = the flow's
  ``cycle_time_days`` (the scope's cycle-time mode), labels = item ids;
* :func:`weekly_throughput_xmr`: completed items per ISO week (Monday start,
  dataset time zone, done date), zero-filled over every week holding a day of
  ``scope.days``; labels = the Mondays (ISO dates);
* :func:`daily_wip_xmr`: items in progress at each of ``scope.sample_times``
  (the end of each local day, i.e. the next local midnight, or as-of for the
  as-of day): items whose stay covering ``t`` is in a stage at or after the
  commitment stage of category active or waiting, a stay covering ``t`` when
  ``entered_at <= t < exited_at``, or ``entered_at <= t`` for an item's last
  stay (the same rule as vsm_core.metrics.wip); labels = the days
  (ISO dates);
* :func:`weekly_wip_xmr`: the mean of those daily samples per ISO week
  (Monday start, local days), over the days of the week the period covers (a
  first or last partial week is the mean of its covered days); labels = the
  Mondays (ISO dates). This is the one charted: WIP on consecutive days is
  strongly autocorrelated (today's WIP is yesterday's plus a few arrivals and
  departures), so moving ranges of daily values are tiny, the limits are
  narrow, and nearly every day signals; weekly means are much closer to
  independent, so a signal means a real shift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from vsm_core.metrics.scope import Scope
from vsm_core.metrics.throughput import throughput_series
from vsm_core.metrics.wip import daily_wip
from vsm_core.timeutil import utc_naive_us

NPL_FACTOR = 2.66
URL_FACTOR = 3.268
RUN_LENGTH = 8


@dataclass(frozen=True)
class XmR:
    """An XmR chart: the points, the limits and the signals (see the module docstring).

    ``values``: the points, in order; ``centre``, ``mr_bar``, ``unpl``,
    ``lnpl``, ``url``: the limits (NaN with fewer than 2 baseline points);
    ``signals``: ``[{"index", "rule"}]``; ``baseline``: how many leading
    points the limits were computed on; ``moving_ranges``: ``|x[i+1] − x[i]|``
    for every consecutive pair (one fewer than ``values``); ``labels``: a name
    per point (item ids or ISO dates) when built from a scope, else empty.
    """

    values: list[float]
    centre: float
    mr_bar: float
    unpl: float
    lnpl: float
    signals: list[dict]
    baseline: int = 0
    url: float = float("nan")
    moving_ranges: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-able dict: NaN becomes ``None``."""

        def clean(value):
            if isinstance(value, float) and np.isnan(value):
                return None
            if isinstance(value, list):
                return [clean(v) for v in value]
            return value

        return {key: clean(value) for key, value in asdict(self).items()}


def _run_members(side: np.ndarray) -> np.ndarray:
    """True for points in a run of >= RUN_LENGTH equal, non-zero ``side`` values."""
    n = len(side)
    if n == 0:
        return np.zeros(0, dtype=bool)
    new = np.ones(n, dtype=bool)
    new[1:] = side[1:] != side[:-1]
    run_id = np.cumsum(new) - 1
    lengths = np.bincount(run_id)
    return (side != 0) & (lengths[run_id] >= RUN_LENGTH)


def xmr(
    values,
    *,
    baseline: int | None = None,
    labels=None,
    bounds: tuple[float | None, float | None] = (0.0, None),
) -> XmR:
    """The XmR chart of ``values`` with limits from the first ``baseline`` points.

    ``baseline=None`` uses every point; a baseline longer than the series is
    capped; a negative one raises ``ValueError``. ``labels`` (optional) names
    the points. ``bounds``: (lowest, highest) value the quantity can take, each
    None for no bound; the limits are cut there. See the module docstring.
    """
    lowest, highest = bounds
    data = np.asarray(list(values), dtype="float64").reshape(-1)
    if baseline is not None and baseline < 0:
        raise ValueError("baseline must be a non-negative number of points")
    n_base = len(data) if baseline is None else min(int(baseline), len(data))
    base = data[:n_base]
    ranges = np.abs(np.diff(data))
    base_ranges = np.abs(np.diff(base))
    base_ok = base[~np.isnan(base)]
    ranges_ok = base_ranges[~np.isnan(base_ranges)]
    nan = float("nan")
    signals: list[dict] = []
    if n_base < 2 or base_ok.size == 0 or ranges_ok.size == 0:
        centre = mr_bar = unpl = lnpl = url = nan
    else:
        centre = float(base_ok.mean())
        mr_bar = float(ranges_ok.mean())
        unpl = centre + NPL_FACTOR * mr_bar
        lnpl = centre - NPL_FACTOR * mr_bar
        if lowest is not None:
            lnpl = max(lnpl, float(lowest))
        if highest is not None:
            unpl = min(unpl, float(highest))
        url = URL_FACTOR * mr_bar
        with np.errstate(invalid="ignore"):
            beyond = (data > unpl) | (data < lnpl)
            side = np.sign(data - centre)
        side[np.isnan(side)] = 0.0
        run = _run_members(side)
        index = np.concatenate([np.flatnonzero(beyond), np.flatnonzero(run)])
        rule = np.concatenate([np.zeros(int(beyond.sum()), int), np.ones(int(run.sum()), int)])
        order = np.lexsort((rule, index))
        names = ("beyond_limits", "run_of_8")
        signals = [
            {"index": int(i), "rule": names[r]}
            for i, r in zip(index[order].tolist(), rule[order].tolist(), strict=True)
        ]
    return XmR(
        values=data.tolist(),
        centre=centre,
        mr_bar=mr_bar,
        unpl=unpl,
        lnpl=lnpl,
        signals=signals,
        baseline=n_base,
        url=url,
        moving_ranges=ranges.tolist(),
        labels=[] if labels is None else list(map(str, labels)),
    )


# --------------------------------------------------------------------------- builders


def cycle_time_xmr(scope: Scope, *, baseline: int | None = None) -> XmR:
    """XmR of the completed items' cycle times, in done order (module docstring)."""
    completed = scope.completed
    cycle = completed["cycle_time_days"].to_numpy(dtype="float64")
    keep = np.flatnonzero(~np.isnan(cycle))
    done = utc_naive_us(completed["done"])[keep]
    keep = keep[np.argsort(done, kind="stable")]
    ids = pd.Series(completed["item_id"].array.take(keep), dtype="str").tolist()
    return xmr(cycle[keep], baseline=baseline, labels=ids)


def weekly_throughput_xmr(scope: Scope, *, baseline: int | None = None) -> XmR:
    """XmR of completed items per ISO week, zero-filled (the throughput series)."""
    weekly = throughput_series(scope, "week")
    labels = [d.isoformat() for d in weekly["period_start"]]
    return xmr(weekly["count"].to_numpy(dtype="float64"), baseline=baseline, labels=labels)


def daily_wip_xmr(scope: Scope, *, baseline: int | None = None) -> XmR:
    """XmR of the daily WIP (items in progress at each sample time; module docstring)."""
    wip = daily_wip(scope)
    labels = [d.isoformat() for d in wip["date"]]
    return xmr(wip["count"].to_numpy(dtype="float64"), baseline=baseline, labels=labels)


def weekly_wip_xmr(scope: Scope, *, baseline: int | None = None) -> XmR:
    """XmR of the mean daily WIP per ISO week (Monday start; module docstring)."""
    wip = daily_wip(scope)
    if wip.empty:
        return xmr([], baseline=baseline, labels=[])
    days = pd.to_datetime(pd.Series(wip["date"]))
    monday = (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.date
    weekly = wip["count"].astype("float64").groupby(monday.to_numpy(), sort=True).mean()
    labels = [d.isoformat() for d in weekly.index]
    return xmr(weekly.to_numpy(dtype="float64"), baseline=baseline, labels=labels)
