"""Daily completed counts of a scope, the history window and the working-day calendar.

Definitions (docs/forecasting.md)
---------------------------------

*daily throughput*
    Items done per **local calendar day** (dataset time zone, done date), as
    in :mod:`vsm_core.metrics.throughput`: the scope's completed items
    (filters applied, as-of as in the metrics), zero-filled from the day of
    the dataset's first event to the as-of day.

*history*
    The days of the history window (:mod:`vsm_core.forecast.options`) that
    are sampled (all of them, or only the working days with ``workdays``) and
    their counts. A simulated day draws one of these counts uniformly.

Vectorised: ``np.bincount`` over done dates and ``datetime64[D]`` arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from vsm_core.forecast.options import ForecastError, ForecastOptions
from vsm_core.metrics.scope import MetricOptions, Scope, build_scope
from vsm_core.metrics.throughput import local_dates, scope_days
from vsm_core.model import CanonicalDataset

_D = "datetime64[D]"
# 1970-01-01 (day 0) was a Thursday: weekday (Monday = 0) of day d is (d + 3) % 7.
_EPOCH_WEEKDAY = 3


@dataclass(frozen=True)
class Daily:
    """One dataset's daily throughput from its first event day to the as-of day.

    * ``name``: the dataset's name (metadata ``name``, else ``"Dataset N"``).
    * ``days``: ``datetime64[D]`` local days, oldest first; ``counts``: int64
      items done on each day.
    * ``as_of``: the as-of moment (UTC); ``as_of_day``: its local date.
    * ``scope``: the metrics scope the counts come from (for item forecasts).
    """

    name: str
    days: np.ndarray
    counts: np.ndarray
    as_of: pd.Timestamp
    as_of_day: date
    scope: Scope


@dataclass(frozen=True)
class History:
    """The sampled days of one dataset's history window.

    * ``first_day``, ``last_day``: the window's ends (local dates, included).
    * ``dates``: the sampled days (``datetime64[D]``; working days only with
      ``workdays``); ``counts``: int64 items done on each.
    """

    name: str
    first_day: date
    last_day: date
    dates: np.ndarray
    counts: np.ndarray

    @property
    def days(self) -> int:
        """Number of sampled days."""
        return len(self.dates)

    @property
    def completed(self) -> int:
        """Items done on the sampled days."""
        return int(self.counts.sum())

    @property
    def mean_per_day(self) -> float:
        """Mean items done per sampled day (NaN without days)."""
        return float(self.counts.mean()) if len(self.counts) else float("nan")

    def as_json(self) -> dict:
        """``{"from", "to", "days", "completed"}`` (dates as ISO text)."""
        return {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "days": self.days,
            "completed": self.completed,
        }


def to_day(value: date) -> np.datetime64:
    """A date as ``datetime64[D]``."""
    return np.datetime64(value, "D")


def to_date(value: np.datetime64) -> date:
    """A ``datetime64[D]`` as a :class:`datetime.date`."""
    return value.astype(_D).astype(object)


def workday_mask(days: np.ndarray, options: ForecastOptions) -> np.ndarray:
    """True for the days that count: every day, or Monday–Friday minus blackouts (``workdays``)."""
    days = np.asarray(days, dtype=_D)
    if not options.workdays:
        return np.ones(len(days), dtype=bool)
    weekday = (days.astype(np.int64) + _EPOCH_WEEKDAY) % 7
    blackout = np.array(sorted(options.blackout), dtype=_D)
    return (weekday < 5) & ~np.isin(days, blackout)


def dataset_name(dataset: CanonicalDataset, position: int) -> str:
    """The dataset's name for sentences and JSON: metadata ``name``, else ``Dataset ID`` (the
    stored dataset's id), else ``Dataset N`` (its position among the caller's, from 1)."""
    metadata = dataset.metadata or {}
    if metadata.get("name"):
        return str(metadata["name"])
    if metadata.get("dataset_id") is not None:
        return f"Dataset {metadata['dataset_id']}"
    return f"Dataset {position + 1}"


def daily_throughput(
    dataset: CanonicalDataset, options: ForecastOptions, *, name: str = "Dataset 1"
) -> Daily:
    """The daily throughput of ``dataset`` under ``options`` (filters, as-of): a :class:`Daily`."""
    scope = build_scope(
        dataset,
        MetricOptions(
            item_filter=options.item_filter,
            as_of=options.as_of,
            cycle_time_mode=options.cycle_time_mode,
        ),
    )
    as_of_day = scope.as_of.tz_convert(scope.timezone).date()
    days = scope_days(scope)
    done = local_dates(scope.completed["done"], scope.timezone)
    if len(days):
        pos = (done - days[0]).astype(np.int64)
        pos = pos[(pos >= 0) & (pos < len(days))]
        counts = np.bincount(pos, minlength=len(days)).astype(np.int64)
    else:
        counts = np.empty(0, dtype=np.int64)
    return Daily(name, days, counts, scope.as_of, as_of_day, scope)


def history_window(daily: Daily, options: ForecastOptions) -> tuple[date, date]:
    """The history window's ends (local dates, included), cut to the data; see the options."""
    if options.explicit_window:
        first = options.history_from or date.min
        last = options.history_to or daily.as_of_day
    else:
        last = daily.as_of_day
        first = last - timedelta(days=7 * options.history_weeks - 1)
    if not len(daily.days):
        raise ForecastError(f"{daily.name} has no events before the as-of date")
    first = max(first, to_date(daily.days[0]))
    last = min(last, daily.as_of_day)
    if first > last:
        raise ForecastError(
            f"the history window of {daily.name} holds no day with data "
            f"(its data runs from {to_date(daily.days[0])} to {daily.as_of_day})"
        )
    return first, last


def build_history(daily: Daily, options: ForecastOptions) -> History:
    """The sampled days and counts of the history window (:class:`History`)."""
    first, last = history_window(daily, options)
    lo = int((to_day(first) - daily.days[0]).astype(np.int64))
    hi = int((to_day(last) - daily.days[0]).astype(np.int64)) + 1
    dates, counts = daily.days[lo:hi], daily.counts[lo:hi]
    keep = workday_mask(dates, options)
    if not keep.any():
        raise ForecastError(
            f"the history window of {daily.name} ({first} to {last}) holds no working day"
        )
    return History(daily.name, first, last, dates[keep], counts[keep])


def simulation_days(start: date, calendar_days: int, options: ForecastOptions) -> np.ndarray:
    """The simulated days among ``calendar_days`` days from ``start`` (``datetime64[D]``)."""
    days = to_day(start) + np.arange(max(calendar_days, 0)).astype("timedelta64[D]")
    return days[workday_mask(days, options)]
