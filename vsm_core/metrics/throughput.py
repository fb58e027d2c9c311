"""Throughput: completed items per day, week or month, zero-filled.

Definitions (docs/metrics.md)
-----------------------------

*throughput*
    The number of done items per period, counted on the **local date** of
    their done time in the dataset's time zone (``scope.timezone``). Only
    ``scope.completed`` counts: the items in state ``done`` whose done date
    lies inside the window. Cancelled items are never done, so never counted.

*periods* (``freq``)
    ``"day"``: one local calendar day; ``"week"``: Monday to Sunday;
    ``"month"``: a calendar month. The periods are those that hold at least
    one day of ``scope.days`` (so the first and last week or month may be
    partial), oldest first, with 0 where nothing was done. A period is named
    by its first local date, ``period_start`` (a :class:`datetime.date`: the
    day, the Monday of the week, or the 1st of the month), even when that
    date is before the window's first day.

Every function here is vectorised (numpy ``datetime64[D]`` arithmetic and
``np.bincount``); none loops over items or days in Python. The helpers
:func:`local_dates`, :func:`period_keys`, :func:`scope_periods` and
:func:`period_index` are shared with the net-flow and distribution modules.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from vsm_core.metrics.scope import Scope

Freq = Literal["day", "week", "month"]
FREQS: tuple[str, ...] = ("day", "week", "month")

#: How a missing work type is shown in by-type results.
NO_TYPE = "(none)"

_DAY_UNIT = "datetime64[D]"
_US = "datetime64[us]"
# 1970-01-01 (day 0 of datetime64[D]) was a Thursday: weekday (Monday = 0) of day d is (d + 3) % 7.
_EPOCH_WEEKDAY = 3


# --------------------------------------------------------------------------- shared helpers


def local_dates(times: pd.Series, timezone: str) -> np.ndarray:
    """Local calendar dates (``datetime64[D]``, NaT kept) of tz-aware ``times`` in ``timezone``."""
    if len(times) == 0:
        return np.empty(0, dtype=_DAY_UNIT)
    times = pd.to_datetime(times, utc=True)
    wall = times.dt.tz_convert(timezone).dt.tz_localize(None)
    return wall.to_numpy(dtype=_US).astype(_DAY_UNIT)


def period_keys(days: np.ndarray, freq: str) -> np.ndarray:
    """The first local date of the period holding each ``datetime64[D]`` day (NaT kept)."""
    days = np.asarray(days, dtype=_DAY_UNIT)
    if freq == "day":
        return days
    if freq == "week":
        weekday = (days.astype(np.int64) + _EPOCH_WEEKDAY) % 7
        return np.where(np.isnat(days), days, days - weekday.astype("timedelta64[D]"))
    if freq == "month":
        return days.astype("datetime64[M]").astype(_DAY_UNIT)
    raise ValueError(f"unknown freq {freq!r}; use one of {', '.join(FREQS)}")


def scope_days(scope: Scope) -> np.ndarray:
    """``scope.days`` (naive local midnights) as ``datetime64[D]``."""
    return np.asarray(scope.days.to_numpy(dtype=_US), dtype=_US).astype(_DAY_UNIT)


def scope_periods(scope: Scope, freq: str) -> np.ndarray:
    """Sorted distinct period starts (``datetime64[D]``) of the periods holding ``scope.days``."""
    return np.unique(period_keys(scope_days(scope), freq))


def period_index(times: pd.Series, periods: np.ndarray, freq: str, timezone: str) -> np.ndarray:
    """Position in ``periods`` of the period holding each time's local date; -1 when none."""
    return day_period_index(local_dates(times, timezone), periods, freq)


def day_period_index(days: np.ndarray, periods: np.ndarray, freq: str) -> np.ndarray:
    """Position in ``periods`` of the period holding each ``datetime64[D]`` day; -1 when none."""
    keys = period_keys(days, freq)
    if len(periods) == 0 or len(keys) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    pos = np.searchsorted(periods, keys)
    clipped = np.minimum(pos, len(periods) - 1)
    found = ~np.isnat(keys) & (periods[clipped] == keys)
    return np.where(found, clipped, -1).astype(np.int64)


def as_dates(values: np.ndarray) -> np.ndarray:
    """``datetime64[D]`` values as an object array of :class:`datetime.date`."""
    return np.asarray(values, dtype=_DAY_UNIT).astype(object)


def type_labels(types: pd.Series) -> pd.Series:
    """Work types as text, missing ones shown as :data:`NO_TYPE`."""
    return types.astype("str").fillna(NO_TYPE)


def _check_freq(freq: str) -> None:
    if freq not in FREQS:
        raise ValueError(f"unknown freq {freq!r}; use one of {', '.join(FREQS)}")


# --------------------------------------------------------------------------- throughput


def throughput_series(scope: Scope, freq: Freq = "week") -> pd.DataFrame:
    """Done items per period (see the module docstring), zero-filled.

    Columns ``period_start`` (:class:`datetime.date`) and ``count`` (int64);
    one row per period holding a day of ``scope.days``. Empty when the scope
    has no days. ``count`` sums to ``len(scope.completed)``.
    """
    _check_freq(freq)
    periods = scope_periods(scope, freq)
    pos = period_index(scope.completed["done"], periods, freq, scope.timezone)
    counts = np.bincount(pos[pos >= 0], minlength=len(periods)).astype(np.int64)
    return pd.DataFrame(
        {
            "period_start": pd.Series(as_dates(periods), dtype="object"),
            "count": pd.Series(counts, dtype="int64"),
        }
    )


def throughput_by_type(scope: Scope, freq: Freq = "week") -> pd.DataFrame:
    """Done items per period and work type, long and zero-filled.

    Columns ``period_start`` (:class:`datetime.date`), ``type`` (str) and
    ``count`` (int64): every period of :func:`throughput_series` times every
    work type present in ``scope.completed`` (sorted; a missing type is
    :data:`NO_TYPE`), periods first. Empty when nothing was completed.
    """
    _check_freq(freq)
    periods = scope_periods(scope, freq)
    completed = scope.completed
    type_codes, types = pd.factorize(type_labels(completed["type"]), sort=True)
    n_periods, n_types = len(periods), len(types)
    pos = period_index(completed["done"], periods, freq, scope.timezone)
    keep = pos >= 0
    counts = np.bincount(
        pos[keep] * n_types + type_codes[keep], minlength=n_periods * n_types
    ).astype(np.int64)
    return pd.DataFrame(
        {
            "period_start": pd.Series(np.repeat(as_dates(periods), n_types), dtype="object"),
            "type": pd.Series(np.tile(np.asarray(types, dtype=object), n_periods), dtype="str"),
            "count": pd.Series(counts, dtype="int64"),
        }
    )


def weekly_throughput(
    done_times: pd.Series, *, timezone: str, first_day: date, last_day: date
) -> pd.DataFrame:
    """Completed items per ISO week (weeks start Monday, in ``timezone``).

    ``done_times`` are UTC done timestamps (NaT ignored). Every week from the
    one holding ``first_day`` to the one holding ``last_day`` appears, with 0
    where nothing was done. Returns columns ``week_start`` (a ``date``, the
    Monday) and ``count`` (int). Same bucketing as :func:`throughput_series`.
    """
    days = np.arange(
        np.datetime64(first_day, "D"), np.datetime64(last_day, "D") + 1, dtype=_DAY_UNIT
    )
    weeks = np.unique(period_keys(days, "week"))
    pos = period_index(done_times.dropna(), weeks, "week", timezone)
    counts = np.bincount(pos[pos >= 0], minlength=len(weeks)).astype(np.int64)
    return pd.DataFrame({"week_start": as_dates(weeks), "count": counts})
