"""Everything the Retrospective page draws from the data, from one call.

:func:`retrospective_view` builds one scope of the whole dataset (filters applied,
as of the data's last moment) and derives from it what finished since, what is
aging, the process-behaviour signals and the prefill of the "Try something" form.
The experiments due for review come from the store (:mod:`.due`). Everything is
plain data (dataclasses and DataFrames), so the page can cache it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from vsm_core.filters import ItemFilter
from vsm_core.metrics.scope import MetricOptions, build_scope
from vsm_core.metrics.views import default_sle
from vsm_core.model import CanonicalDataset
from vsm_core.retrospective.aging import aging_items
from vsm_core.retrospective.signals import BehaviourChart, behaviour_charts
from vsm_core.retrospective.since import Finished, finished_since, periods
from vsm_core.retrospective.suggest import Suggestion, suggest

#: With no retrospective saved yet, the look back covers this many days up to the data's end.
DEFAULT_DAYS = 14


@dataclass(frozen=True)
class RetrospectiveView:
    """What the page shows from the data (see each module for the definitions).

    ``as_of``: the data's last moment (UTC); ``sle_days``: the SLE the aging list
    used (None without finished items); ``charts``: throughput, cycle time, WIP.
    """

    since: date
    as_of: pd.Timestamp | None
    timezone: str
    sle_days: float | None
    finished: Finished
    aging: pd.DataFrame
    charts: list[BehaviourChart]
    suggestion: Suggestion


def data_days(dataset: CanonicalDataset) -> tuple[date, date] | None:
    """The first and last day of the data in its time zone; None without events."""
    if dataset.last_event_at is None or dataset.first_event_at is None:
        return None
    zone = dataset.timezone
    return (
        dataset.first_event_at.tz_convert(zone).date(),
        dataset.last_event_at.tz_convert(zone).date(),
    )


def default_since(last_day: date | None, last_held_on: date | None) -> date | None:
    """The last retrospective's day, else :data:`DEFAULT_DAYS` before the data's last day
    (``last_day``, local; counting that day in: a 14-day look back). None without data."""
    if last_held_on is not None:
        return last_held_on
    return None if last_day is None else last_day - timedelta(days=DEFAULT_DAYS - 1)


def retrospective_view(
    dataset: CanonicalDataset,
    *,
    since: date,
    item_filter: ItemFilter | None = None,
    sle_days: float | None = None,
    cycle_time_mode: str = "elapsed",
) -> RetrospectiveView | None:
    """The view of ``dataset`` looking back from its last day to ``since``.

    ``sle_days`` None: the default SLE (85th percentile cycle time of every finished
    item). Returns None for a dataset without events.
    """
    days = data_days(dataset)
    if days is None:
        return None
    scope = build_scope(
        dataset,
        MetricOptions(item_filter=item_filter or ItemFilter(), cycle_time_mode=cycle_time_mode),
    )
    sle = sle_days if sle_days is not None else default_sle(scope)
    finished = finished_since(scope, periods(since=since, end=days[1], first_day=days[0]))
    aging = aging_items(scope, sle_days=sle)
    return RetrospectiveView(
        since=since,
        as_of=scope.as_of,
        timezone=scope.timezone,
        sle_days=sle,
        finished=finished,
        aging=aging,
        charts=behaviour_charts(scope, since=since),
        suggestion=suggest(finished, aging),
    )
