"""Throughput: completed items per period, zero-filled."""

from __future__ import annotations

from datetime import date

import pandas as pd


def weekly_throughput(
    done_times: pd.Series, *, timezone: str, first_day: date, last_day: date
) -> pd.DataFrame:
    """Completed items per ISO week (weeks start Monday, in ``timezone``).

    ``done_times`` are UTC done timestamps (NaT ignored). Every week from the
    one holding ``first_day`` to the one holding ``last_day`` appears, with 0
    where nothing was done. Returns columns ``week_start`` (a ``date``, the
    Monday) and ``count`` (int).
    """
    first_monday = pd.Timestamp(first_day) - pd.Timedelta(days=first_day.weekday())
    last_monday = pd.Timestamp(last_day) - pd.Timedelta(days=last_day.weekday())
    weeks = pd.date_range(first_monday, last_monday, freq="7D")
    local_days = done_times.dropna().dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    mondays = local_days - pd.to_timedelta(local_days.dt.day_of_week, unit="D")
    counts = mondays.value_counts().reindex(weeks, fill_value=0)
    return pd.DataFrame({"week_start": weeks.date, "count": counts.to_numpy(dtype="int64")})
