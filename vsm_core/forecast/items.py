"""When will each item in progress finish: conditional Kaplan–Meier percentiles of cycle time.

Definitions (docs/forecasting.md, *When will this item finish*)
---------------------------------------------------------------

*sample*
    The cycle times (the flow's ``cycle_time_days``, in the options'
    cycle-time mode) of the items **done** on a day of the history window,
    and the ages (``age_days``) of the items **in progress** at as-of,
    counted as censored: an item in progress has not finished yet, its
    cycle time is at least its age. Items done without a start have no cycle
    time and are left out.

*Kaplan–Meier estimate* ``S(t)``
    The product over event times ``t_i <= t`` of ``1 - d_i / n_i`` (``d_i``
    items finishing at ``t_i``, ``n_i`` at risk: items whose time is
    ``>= t_i``). At equal times finishes come before censorings
    (:func:`vsm_core.experiments._survival.km_sort`).

*an item's percentile* ``q`` (item of age ``a``)
    The smallest observed cycle time ``T`` with ``S(T) <= (1 - q/100) S(a)``:
    the time by which a fraction ``q`` of items that were still going at age
    ``a`` finished, i.e. ``P(T_item <= T | T_item > a) >= q``. The item's
    ``q`` % date is as-of plus ``T - a`` days (local date). Undefined
    (``None``) when ``S(a) = 0`` or when ``S`` never falls that low (too many
    items censored: no finished item was ever that old).

*past the SLE* (with a service level expectation of ``sle_days``)
    Items whose 85 % cycle time ``T`` exceeds ``sle_days``; an item whose
    85 % is undefined is listed when its age already exceeds ``sle_days``.

Vectorised: one sort of the sample, a cumulative product and two
``searchsorted`` calls for all items at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from vsm_core.experiments._survival import TOLERANCE, km_sort
from vsm_core.forecast.history import Daily, history_window
from vsm_core.forecast.options import ForecastOptions
from vsm_core.forecast.wording import day_text, pct
from vsm_core.metrics.aging import AGING_COLUMNS, aging_wip
from vsm_core.metrics.throughput import local_dates

#: The item percentiles reported (the aging chart draws both).
ITEM_PERCENTILES: tuple[int, ...] = (50, 85)
ITEM_COLUMNS: tuple[str, ...] = (
    *AGING_COLUMNS,
    "p50_days",
    "p85_days",
    "p50_done",
    "p85_done",
    "p50_cycle_days",
    "p85_cycle_days",
)


@dataclass(frozen=True)
class ItemForecasts:
    """The completion forecast of every item in progress at as-of.

    * ``table``: :data:`ITEM_COLUMNS` — the aging columns (``item_id``,
      ``title``, ``type``, ``stage``, ``stage_index``, ``start``,
      ``age_days``; same rows and order as
      :func:`vsm_core.metrics.aging.aging_wip`), then per percentile ``q`` in
      50, 85: ``pQ_days`` (float, days still to go), ``pQ_done``
      (:class:`datetime.date` or ``None``) and ``pQ_cycle_days`` (float, the
      item's whole cycle time at that percentile; NaN when undefined).
    * ``as_of``: the as-of moment (UTC); ``as_of_day``: its local date.
    * ``finished``, ``censored``: the sample's sizes (done in the history
      window; in progress).
    * ``history_from``, ``history_to``: the history window.
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    as_of_day: date
    finished: int
    censored: int
    history_from: date
    history_to: date

    def as_json(self) -> dict:
        """The CLI document of ``forecast items --json``."""
        table = self.table
        return {
            "as_of": self.as_of_day.isoformat(),
            "items": [
                {
                    "item_id": item_id,
                    "stage": stage,
                    "age_days": float(age),
                    "p50_done": None if p50 is None else p50.isoformat(),
                    "p85_done": None if p85 is None else p85.isoformat(),
                }
                for item_id, stage, age, p50, p85 in zip(
                    table["item_id"],
                    table["stage"],
                    table["age_days"],
                    table["p50_done"],
                    table["p85_done"],
                    strict=True,
                )
            ],
        }

    def past_sle(self, sle_days: float) -> pd.DataFrame:
        """The rows whose 85 % date is past the SLE (module docstring), oldest first."""
        cycle = self.table["p85_cycle_days"].to_numpy(dtype=np.float64)
        age = self.table["age_days"].to_numpy(dtype=np.float64)
        past = np.where(np.isnan(cycle), age > sle_days, cycle > sle_days)
        rows = self.table.loc[past]
        return rows.sort_values("age_days", ascending=False, kind="stable").reset_index(drop=True)

    def sentences(self, sle_days: float | None = None) -> list[str]:
        """What the forecast rests on and, with an SLE, how many items will likely miss it."""
        out = [
            f"Based on {self.finished:,} items finished from {day_text(self.history_from)} to "
            f"{day_text(self.history_to)} and {self.censored:,} still in progress "
            f"(counted as unfinished)."
        ]
        if sle_days is not None:
            n = len(self.past_sle(sle_days))
            out.append(
                f"{n:,} of {len(self.table):,} items in progress have their {pct(85)} date past "
                f"the service level expectation of {sle_days:g} days."
            )
        return out


def km_curve(times: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(times_sorted, survival)``: the Kaplan–Meier estimate after each sorted observation.

    ``survival[j]`` is ``S`` just after the ``j``-th observation in
    :func:`km_sort` order (unchanged by censorings). Ties processed one by one
    give the grouped product (see :mod:`vsm_core.experiments._survival`).
    """
    times_sorted, is_event = km_sort(times, censored)
    n = len(times_sorted)
    at_risk = n - np.arange(n, dtype=np.float64)
    survival = np.cumprod(1.0 - is_event / at_risk)
    return times_sorted, survival


def conditional_percentile(
    times_sorted: np.ndarray, survival: np.ndarray, ages: np.ndarray, q: float
) -> np.ndarray:
    """Each age's ``q``-th conditional cycle-time percentile (module docstring); NaN undefined."""
    ages = np.asarray(ages, dtype=np.float64)
    if len(times_sorted) == 0:
        return np.full(len(ages), np.nan)
    last = np.searchsorted(times_sorted, ages, side="right") - 1
    s_age = np.where(last >= 0, survival[np.maximum(last, 0)], 1.0)
    target = (1.0 - q / 100.0) * s_age + TOLERANCE
    # survival is non-increasing: -survival is sorted ascending.
    first = np.searchsorted(-survival, -target, side="left")
    found = (first < len(times_sorted)) & (s_age > TOLERANCE)
    return np.where(found, times_sorted[np.minimum(first, len(times_sorted) - 1)], np.nan)


def forecast_items(daily: Daily, options: ForecastOptions) -> ItemForecasts:
    """:class:`ItemForecasts` of the scope behind ``daily`` (its flow, as-of and history)."""
    scope = daily.scope
    first, last = history_window(daily, options)
    completed = scope.completed
    done_day = local_dates(completed["done"], scope.timezone)
    in_window = (done_day >= np.datetime64(first, "D")) & (done_day <= np.datetime64(last, "D"))
    cycle = completed["cycle_time_days"].to_numpy(dtype=np.float64)
    finished = cycle[in_window & ~np.isnan(cycle)]
    aging = aging_wip(scope)
    ages = aging["age_days"].to_numpy(dtype=np.float64)
    times = np.concatenate([finished, ages])
    censored = np.concatenate([np.zeros(len(finished), bool), np.ones(len(ages), bool)])
    times_sorted, survival = km_curve(times, censored)
    table = aging.copy()
    for q in ITEM_PERCENTILES:
        cycle_q = conditional_percentile(times_sorted, survival, ages, q)
        remaining = cycle_q - ages
        table[f"p{q}_days"] = remaining
        table[f"p{q}_done"] = _done_dates(scope.as_of, remaining, scope.timezone)
        table[f"p{q}_cycle_days"] = cycle_q
    return ItemForecasts(
        table=table[list(ITEM_COLUMNS)],
        as_of=scope.as_of,
        as_of_day=daily.as_of_day,
        finished=len(finished),
        censored=len(ages),
        history_from=first,
        history_to=last,
    )


def _done_dates(as_of: pd.Timestamp, remaining: np.ndarray, timezone: str) -> pd.Series:
    """Local dates of as-of + ``remaining`` days (objects: ``date`` or ``None`` for NaN)."""
    offsets = pd.to_timedelta(np.nan_to_num(remaining, nan=0.0), unit="D")
    when = pd.Series(as_of + offsets).dt.tz_convert(timezone).dt.date
    dates = when.astype(object).to_numpy().copy()
    dates[np.isnan(remaining)] = None
    return pd.Series(dates, dtype=object)
