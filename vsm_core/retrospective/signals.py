"""Process-behaviour signals since the last retrospective: throughput, cycle time, WIP.

Definitions (docs/retrospective.md)
-----------------------------------

Three XmR charts (:mod:`vsm_core.metrics.xmr`, the same builders as the Flow metrics
page): completed items per week, the cycle time of each completed item (in done
order) and the weekly mean of the daily WIP.

*the points looked at*
    The points of the :data:`LOOKBACK_DAYS` before ``since`` (the *baseline*; for the
    cycle-time chart at most the last :data:`MAX_ITEM_BASELINE` items) and every
    point since. Weeks are ISO weeks (Monday start); a week belongs to "since" when its
    Monday is on or after the Monday of ``since``'s week; an item when its done date
    is on or after ``since``.

*the limits*
    Computed on the baseline points only, so what happened since is judged against
    how the process behaved before it (the chart draws the line "limits frozen on
    the baseline"). With fewer than :data:`MIN_BASELINE` baseline points the limits
    use every point instead, and the sentence says so.

*a signal since*
    A point since ``since`` beyond the limits, or in a run of 8 or more on one side
    of the average (the rules of :func:`vsm_core.metrics.xmr.xmr`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from vsm_core.metrics import xmr
from vsm_core.metrics.scope import Scope

#: How far before ``since`` the baseline reaches (half a year).
LOOKBACK_DAYS = 182
#: Fewer baseline points than this: the limits use every point.
MIN_BASELINE = 6
#: The cycle-time chart's baseline holds at most this many items (the most recent ones):
#: limits over thousands of items hide the shifts they are meant to show, and a chart
#: of them is unreadable (the Flow metrics page's per-item chart keeps the last 50-500).
MAX_ITEM_BASELINE = 200
#: At most this many points are named in a sentence.
NAMED_POINTS = 3


@dataclass(frozen=True)
class BehaviourChart:
    """One XmR chart cut to the baseline and the points since (module docstring).

    ``labels``: ISO dates (weeks) or item ids, one per point; ``result``: the XmR
    with its limits; ``baseline``: the number of leading points the limits were
    computed on (0 when the limits use every point); ``first_since``: the index of
    the first point since; ``signals``: ``[{"index", "label", "rule"}]`` of the
    points since.
    """

    key: str
    title: str
    y_title: str
    point_word: str
    labels: list[str]
    result: xmr.XmR
    baseline: int
    first_since: int
    signals: list[dict] = field(default_factory=list)

    def sentence(self, since: date) -> str:
        """``"Weekly throughput: 2 signals since 16 Sep: week of 21 Sep above the limits …"``."""
        points_since = len(self.labels) - self.first_since
        head = f"{self.title}: "
        if points_since <= 0:
            return head + f"no {self.point_word} since {since:%d %b} yet."
        if np.isnan(self.result.centre):
            return head + "too few points to compute limits."
        limits = "" if self.baseline else " (limits from every point: too little history before)"
        if not self.signals:
            return head + f"no signal since {since:%d %b}{limits}; the process looks stable."
        flagged = sorted({s["index"] for s in self.signals})
        named = ", ".join(self._point_name(i) for i in flagged[:NAMED_POINTS])
        more = f" and {len(flagged) - NAMED_POINTS} more" if len(flagged) > NAMED_POINTS else ""
        rules = {s["rule"] for s in self.signals}
        why = " and ".join(
            text
            for rule, text in (
                ("beyond_limits", "beyond the natural process limits"),
                ("run_of_8", "in a run of 8 or more on one side of the average"),
            )
            if rule in rules
        )
        n = len(flagged)
        return head + (
            f"{n} point{'s' if n != 1 else ''} since {since:%d %b} signal a change "
            f"({why}): {named}{more}{limits}."
        )

    def _point_name(self, index: int) -> str:
        label = self.labels[index]
        if self.point_word == "week":
            value = self.result.values[index]
            return f"week of {date.fromisoformat(label):%d %b} ({value:g})"
        return f"{label} ({self.result.values[index]:.1f} days)"


def behaviour_charts(scope: Scope, *, since: date) -> list[BehaviourChart]:
    """The three charts (throughput, cycle time, WIP) of ``scope`` around ``since``."""
    week_start = since - timedelta(days=since.weekday())
    baseline_start = since - timedelta(days=LOOKBACK_DAYS)
    throughput = xmr.weekly_throughput_xmr(scope)
    wip = xmr.weekly_wip_xmr(scope)
    cycle = xmr.cycle_time_xmr(scope)
    done_days = _done_days_in_chart_order(scope)
    return [
        _cut(
            "throughput",
            "Weekly throughput",
            "Items finished per week",
            "week",
            throughput,
            np.array([date.fromisoformat(x) for x in throughput.labels], dtype=object),
            baseline_start,
            week_start,
        ),
        _cut(
            "cycle_time",
            "Cycle time per item",
            "Cycle time (days)",
            "item finished",
            cycle,
            done_days,
            baseline_start,
            since,
            max_baseline=MAX_ITEM_BASELINE,
        ),
        _cut(
            "wip",
            "Weekly work in progress",
            "Items in progress (weekly mean)",
            "week",
            wip,
            np.array([date.fromisoformat(x) for x in wip.labels], dtype=object),
            baseline_start,
            week_start,
        ),
    ]


def _done_days_in_chart_order(scope: Scope) -> np.ndarray:
    """The done date of each point of :func:`xmr.cycle_time_xmr`, in its order (by done)."""
    completed = scope.completed
    cycle = completed["cycle_time_days"].to_numpy(dtype="float64")
    done = completed["done"][~np.isnan(cycle)]
    local = done.dt.tz_convert(scope.timezone).sort_values(kind="stable")
    return np.array(local.dt.date.tolist(), dtype=object)


def _cut(
    key, title, y_title, point_word, full, days, baseline_start, since, max_baseline=None
) -> BehaviourChart:
    """``full`` cut to [``baseline_start``, end], limits on the points before ``since``
    (at most ``max_baseline`` of them, the most recent)."""
    values = np.asarray(full.values, dtype="float64")
    if len(days):
        keep = days >= baseline_start
        first = int(np.argmax(keep)) if keep.any() else len(days)
        n_base = int(np.sum(keep & (days < since)))
    else:
        first, n_base = 0, 0
    if max_baseline is not None and n_base > max_baseline:
        first, n_base = first + n_base - max_baseline, max_baseline
    values, labels = values[first:], list(full.labels[first:])
    baseline = n_base if n_base >= MIN_BASELINE else 0
    result = xmr.xmr(values, baseline=baseline or None, labels=labels)
    first_since = n_base
    signals = [
        {"index": s["index"], "label": labels[s["index"]], "rule": s["rule"]}
        for s in result.signals
        if s["index"] >= first_since
    ]
    return BehaviourChart(
        key=key,
        title=title,
        y_title=y_title,
        point_word=point_word,
        labels=labels,
        result=result,
        baseline=baseline,
        first_since=first_since,
        signals=signals,
    )


__all__ = [
    "LOOKBACK_DAYS",
    "MAX_ITEM_BASELINE",
    "MIN_BASELINE",
    "BehaviourChart",
    "behaviour_charts",
]
