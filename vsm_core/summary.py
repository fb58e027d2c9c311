"""The Home page's story in numbers: one call from a dataset to its headline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from vsm_core.filters import ItemFilter, in_window
from vsm_core.flow import FlowOptions, build_flow, percentiles
from vsm_core.metrics.throughput import weekly_throughput
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
    """Filter ``dataset``, build its flow and summarise it (see :class:`HomeSummary`)."""
    item_filter = item_filter or ItemFilter()
    # As-of comes from the whole dataset: filtering must not move "now".
    flow = build_flow(item_filter.apply(dataset), FlowOptions(as_of=dataset.last_event_at))
    items = flow.items
    done = items[(items["state"] == "done") & in_window(items["done"], window, flow.timezone)]
    counts = items["state"].value_counts()
    weekly = _weekly(done["done"], flow, window)
    pcts = percentiles(done["cycle_time_days"], (50, 85))
    return HomeSummary(
        items=len(items),
        completed=len(done),
        in_progress=int(counts.get("in_progress", 0)),
        not_started=int(counts.get("not_started", 0)),
        cancelled=int(counts.get("cancelled", 0)),
        cycle_time_p50=pcts[50],
        cycle_time_p85=pcts[85],
        throughput_per_week=float(weekly["count"].mean()) if len(weekly) else float("nan"),
        weekly=weekly,
        window=window,
        as_of=flow.as_of if flow.first_event_at is not None else None,
        filter_text=item_filter.describe(),
    )


def _weekly(done_times: pd.Series, flow, window) -> pd.DataFrame:
    if window is not None:
        first, last = window
    elif flow.first_event_at is not None:
        first = flow.first_event_at.tz_convert(flow.timezone).date()
        last = flow.as_of.tz_convert(flow.timezone).date()
    else:
        return pd.DataFrame({"week_start": [], "count": []})
    return weekly_throughput(done_times, timezone=flow.timezone, first_day=first, last_day=last)
