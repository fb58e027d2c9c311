"""A stored series by ISO week, for experiments (metric ``series:<metric>``).

``points`` is what :func:`vsm_core.store.series.load_points` returns: columns
``team``, ``metric``, ``day`` (``datetime64`` of any unit, or ``date``) and
``value`` (float). The team column is not looked at: the caller loads one
team's points.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

#: Days from 1970-01-01 (a Thursday) back to the Monday of its week: (day + 3) % 7.
_THURSDAY_OFFSET = 3


def monday_of(days: np.ndarray) -> np.ndarray:
    """The Monday starting each day's ISO week (``datetime64[D]`` in, ``datetime64[D]`` out)."""
    days = np.asarray(days, dtype="datetime64[D]")
    return days - (days.astype(np.int64) + _THURSDAY_OFFSET) % 7


def as_days(column) -> np.ndarray:
    """A column of dates (``datetime64`` of any unit, ``date`` objects or ISO text) as
    ``datetime64[D]``."""
    values = pd.Series(column)
    if pd.api.types.is_datetime64_any_dtype(values):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert(None)
        return values.to_numpy().astype("datetime64[D]")
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def _of_metric(points: pd.DataFrame, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """(days as ``datetime64[D]``, values as float64) of ``metric``'s points."""
    chosen = points[points["metric"] == metric]
    return as_days(chosen["day"]), chosen["value"].to_numpy(dtype="float64")


def weekly_values(points: pd.DataFrame, metric: str, mondays: np.ndarray) -> np.ndarray:
    """One float per Monday in ``mondays``: the mean of ``metric``'s values dated in the
    ISO week (Monday to Sunday) starting that Monday; NaN for a week with none.

    ``mondays``: ``datetime64[D]`` (any order; each must be a Monday, else
    ``ValueError``). Output: float64, same length and order as ``mondays``.
    """
    mondays = np.asarray(mondays, dtype="datetime64[D]")
    if mondays.size and (monday_of(mondays) != mondays).any():
        raise ValueError("every date of mondays must be a Monday")
    days, values = _of_metric(points, metric)
    out = np.full(mondays.size, np.nan)
    if mondays.size == 0 or days.size == 0:
        return out
    order = np.argsort(mondays, kind="stable")
    ordered = mondays[order]
    weeks = monday_of(days)
    at = np.searchsorted(ordered, weeks).clip(max=ordered.size - 1)
    inside = ordered[at] == weeks
    sums = np.bincount(at[inside], weights=values[inside], minlength=ordered.size)
    counts = np.bincount(at[inside], minlength=ordered.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    out[order] = means
    return out


def series_span(points: pd.DataFrame, metric: str) -> tuple[date, date] | None:
    """The first and last day ``metric`` has a value, or None when it has none."""
    days, _ = _of_metric(points, metric)
    if days.size == 0:
        return None
    return days.min().astype(date), days.max().astype(date)
