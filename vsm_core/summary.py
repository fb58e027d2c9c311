"""The Home page's story in numbers: one call from a dataset to its headline.

:func:`home_summary` gives, for the sidebar's selection (window and filters):

* the window at a glance: items by state, completed items, cycle-time
  percentiles and weekly throughput (as before);
* ``lately``: how the window's last four weeks (the whole window when it is
  shorter) compare with the previous period of the same length, as the
  Check-in's flow summary (:func:`vsm_core.experiments.checkin_flow.flow_summary`,
  the one definition of that comparison);
* ``at_risk``: how many items in progress have used at least 70 % of the
  service level expectation or passed it, with the Flow metrics page's default
  SLE (the 85th percentile of the window's cycle times).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from vsm_core.experiments.checkin_flow import FlowSummary, flow_summary, recent_period
from vsm_core.filters import ItemFilter
from vsm_core.metrics.aging import aging_wip, items_at_risk
from vsm_core.metrics.percentiles import summarize_days
from vsm_core.metrics.scope import MetricOptions, Scope, build_scope
from vsm_core.metrics.throughput import throughput_series
from vsm_core.metrics.views import default_sle
from vsm_core.model import CanonicalDataset


@dataclass(frozen=True)
class HomeSummary:
    """Headline numbers of a (filtered) dataset.

    Counts by state are at the as-of time (the dataset's last event). The
    completed count, cycle-time percentiles (fractional days, elapsed) and
    weekly throughput cover items *done* inside the window. ``lately``: the
    flow of the window's last four weeks against the period before (None
    without events). ``sle_days``: the default SLE in days (None when nothing
    finished in the window); ``at_risk``: items in progress past 70 % of it
    (``breached`` of them past it).
    """

    items: int
    completed: int
    in_progress: int
    not_started: int
    cancelled: int
    cycle_time_p50: float
    cycle_time_p85: float
    throughput_per_week: float
    weekly: pd.DataFrame
    window: tuple[date, date] | None
    as_of: pd.Timestamp | None
    filter_text: str
    lately: FlowSummary | None = None
    sle_days: float | None = None
    at_risk: int = 0
    breached: int = 0


def home_summary(
    dataset: CanonicalDataset,
    *,
    item_filter: ItemFilter | None = None,
    window: tuple[date, date] | None = None,
) -> HomeSummary:
    """Summarise ``dataset`` through the same scope the metrics pages use.

    The scope keeps as-of at the whole dataset's last event (filters never
    move "now") and counts completed items by done date inside the window.
    """
    item_filter = item_filter or ItemFilter()
    scope = build_scope(dataset, MetricOptions(window=window, item_filter=item_filter))
    counts = scope.flow.items["state"].value_counts()
    weekly = throughput_series(scope, "week").rename(columns={"period_start": "week_start"})
    cycle = summarize_days(scope.completed["cycle_time_days"], (50, 85))
    sle, at_risk, breached = _risk(scope)
    return HomeSummary(
        items=len(scope.flow.items),
        completed=len(scope.completed),
        in_progress=int(counts.get("in_progress", 0)),
        not_started=int(counts.get("not_started", 0)),
        cancelled=int(counts.get("cancelled", 0)),
        cycle_time_p50=cycle["p50"],
        cycle_time_p85=cycle["p85"],
        throughput_per_week=float(weekly["count"].mean()) if len(weekly) else float("nan"),
        weekly=weekly,
        window=window,
        as_of=scope.as_of if scope.flow.first_event_at is not None else None,
        filter_text=item_filter.describe(),
        lately=_lately(dataset, item_filter, window, scope),
        sle_days=sle,
        at_risk=at_risk,
        breached=breached,
    )


def _lately(
    dataset: CanonicalDataset,
    item_filter: ItemFilter,
    window: tuple[date, date] | None,
    scope: Scope,
) -> FlowSummary | None:
    """The window's last four weeks (or all of a shorter window) against the period before.

    ``scope`` is the window's: its flow is reused for both periods."""
    if window is None:
        return flow_summary(dataset, item_filter=item_filter, base=scope)
    since, until = recent_period(window[1], first=window[0])
    return flow_summary(dataset, since=since, until=until, item_filter=item_filter, base=scope)


def _risk(scope: Scope) -> tuple[float | None, int, int]:
    """(default SLE in days, items at risk or past it, items past it) of the scope."""
    sle = default_sle(scope)
    if sle is None:
        return None, 0, 0
    risk = items_at_risk(aging_wip(scope), sle)
    return sle, len(risk), int((risk["status"] == "breached").sum())
