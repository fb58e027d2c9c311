"""The Home page's story in numbers: one call from a dataset to its headline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from vsm_core.filters import ItemFilter
from vsm_core.metrics.percentiles import summarize_days
from vsm_core.metrics.scope import MetricOptions, build_scope
from vsm_core.metrics.throughput import throughput_series
from vsm_core.model import CanonicalDataset


@dataclass(frozen=True)
class HomeSummary:
    """Headline numbers of a (filtered) dataset.

    Counts by state are at the as-of time (the dataset's last event). The
    completed count, cycle-time percentiles (fractional days, elapsed) and
    weekly throughput cover items *done* inside the window.
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
    )
