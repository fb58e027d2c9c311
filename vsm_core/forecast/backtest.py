"""The forecasts' own track record: walk-forward "how many" forecasts against what happened.

Definitions (docs/forecasting.md, *Track record*)
-------------------------------------------------

*forecast dates*
    Every Monday (then every ``every_days`` days from the first one) ``D``
    such that the whole history window, the ``L`` days before ``D``
    (``L = 7 * history_weeks``, or the length of the explicit window), lies
    inside the data (on or after the day of the first event), and the whole
    horizon ``D .. D + H - 1`` has happened (ends on or before the as-of day).

*forecast*
    "How many in the next ``H`` days from ``D``", sampled from the ``L`` days
    before ``D`` only (working days only with ``workdays``), with the same
    trials, percentiles and reading as :func:`vsm_core.forecast.how_many`.
    Done dates are those known at as-of: an item reopened after ``D`` counts
    where its final done date lies (hindsight the live forecast did not have).

*actual*
    Items done (local done date) on ``D .. D + H - 1``, every calendar day
    counted, weekends and blackouts included (that is what happened).

*hit*
    The ``q`` % forecast came true when ``actual >= x_q`` (its "at least"
    value). The hit rate of ``q`` is the share of forecast dates that hit.
    Counts are whole numbers, so "at least x" holds for slightly more than
    ``q`` % of the trials: a calibrated forecast hits a little more often
    than ``q`` %.

*off* (:attr:`Backtest.off`)
    With at least :data:`MIN_FORECASTS` forecasts, the 50 % or the 85 % hit
    rate is more than :data:`OFF_MARGIN` (15 percentage points) away from its
    percentile: the past throughput was not stable enough for its forecasts
    to keep their promise.

Vectorised over dates: the windows are rows of a sliding-window view, one
``rng.integers`` draw of shape ``(dates, trials, H)`` per chunk of dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from vsm_core.forecast.history import Daily, to_date, workday_mask
from vsm_core.forecast.montecarlo import _ceil_share
from vsm_core.forecast.options import (
    MAX_BACKTEST_HORIZON_DAYS,
    PERCENTILES,
    ForecastError,
    ForecastOptions,
)
from vsm_core.forecast.wording import days_text, pct, share_text

MIN_FORECASTS = 8
OFF_MARGIN = 0.15
#: Cells (dates x trials x days) drawn at once (bounds memory to ~120 MB).
_CHUNK_CELLS = 15_000_000
_EPOCH_WEEKDAY = 3


@dataclass(frozen=True)
class Backtest:
    """The walk-forward track record of the "how many" forecast.

    * ``horizon_days`` (H), ``every_days``, ``history_days`` (L): see the module.
    * ``points``: one row per forecast date: ``date`` (:class:`datetime.date`),
      ``p50``, ``p70``, ``p85``, ``p95`` (int, "at least" values) and
      ``actual`` (int).
    * ``hit_rate``: ``{q: share}`` (``None`` without forecasts); ``hits``:
      ``{q: count}``.
    """

    horizon_days: int
    every_days: int
    history_days: int
    points: pd.DataFrame
    hit_rate: dict[int, float | None]
    hits: dict[int, int]
    trials: int

    @property
    def forecasts(self) -> int:
        return len(self.points)

    @property
    def off(self) -> bool:
        """True when the track record says the past was not stable (module docstring)."""
        if self.forecasts < MIN_FORECASTS:
            return False
        return any(abs(self.hit_rate[q] - q / 100) > OFF_MARGIN for q in (50, 85))

    def as_json(self) -> dict:
        """The CLI document of ``forecast backtest --json``."""
        return {
            "horizon_days": self.horizon_days,
            "forecasts": self.forecasts,
            "hit_rate": {str(q): r for q, r in self.hit_rate.items()},
            "points": [
                {"date": d.isoformat(), "p50": int(p50), "p85": int(p85), "actual": int(a)}
                for d, p50, p85, a in zip(
                    self.points["date"],
                    self.points["p50"],
                    self.points["p85"],
                    self.points["actual"],
                    strict=True,
                )
            ],
        }

    def sentences(self) -> list[str]:
        """One sentence per percentile and a verdict in plain words."""
        if not self.forecasts:
            return [
                f"No past forecast to check yet: that needs {days_text(self.history_days)} of "
                f"history and {days_text(self.horizon_days)} after it."
            ]
        unit = "weeks" if self.every_days == 7 else "forecasts"
        out = [
            f"Our {pct(q)} forecasts came true in {self.hits[q]} of {self.forecasts} {unit}: "
            f"{share_text(self.hit_rate[q])}."
            for q in self.hit_rate
        ]
        out.append(self.verdict())
        return out

    def verdict(self) -> str:
        """Whether the track record supports today's forecast, in plain words."""
        if self.forecasts < MIN_FORECASTS:
            return (
                f"Only {self.forecasts} past forecasts: too few to judge how well the forecast "
                f"keeps its promise."
            )
        if not self.off:
            return "The past forecasts kept their promise: throughput was stable enough."
        low = self.hit_rate[85] < 0.85 - OFF_MARGIN or self.hit_rate[50] < 0.5 - OFF_MARGIN
        if low:
            return (
                "The past forecasts promised more than the team delivered: throughput was not "
                "stable, so read today's forecast with care."
            )
        return (
            "The past forecasts promised less than the team delivered: throughput was not "
            "stable, so read today's forecast with care."
        )


def forecast_dates(daily: Daily, history_days: int, horizon: int, every: int) -> np.ndarray:
    """Positions in ``daily.days`` of the forecast dates (module docstring)."""
    n = len(daily.days)
    earliest = history_days  # the first position with L days before it
    latest = n - horizon  # the last position whose horizon ends by the as-of day
    if earliest > latest:
        return np.empty(0, dtype=np.int64)
    weekday = (daily.days[earliest:].astype(np.int64) + _EPOCH_WEEKDAY) % 7
    mondays = np.flatnonzero(weekday == 0)
    if not len(mondays):
        return np.empty(0, dtype=np.int64)
    return np.arange(earliest + mondays[0], latest + 1, every, dtype=np.int64)


def run_backtest(
    daily: Daily,
    *,
    horizon_days: int,
    every_days: int,
    history_days: int,
    options: ForecastOptions,
) -> Backtest:
    """Walk forward through ``daily`` (module docstring)."""
    if horizon_days < 1 or every_days < 1:
        raise ForecastError("the horizon and the step between forecasts need at least one day")
    if horizon_days > MAX_BACKTEST_HORIZON_DAYS:
        raise ForecastError(
            f"the track record checks horizons of up to {MAX_BACKTEST_HORIZON_DAYS} days"
        )
    positions = forecast_dates(daily, history_days, horizon_days, every_days)
    mask = workday_mask(daily.days, options)
    if len(positions):
        # Forecast dates whose history holds no working day cannot be forecast: skipped.
        working = np.cumsum(np.concatenate([[0], mask]))
        positions = positions[working[positions] - working[positions - history_days] > 0]
    values = _forecast_values(daily.counts, mask, positions, history_days, horizon_days, options)
    prefix = np.concatenate([[0], np.cumsum(daily.counts)])
    actual = prefix[positions + horizon_days] - prefix[positions]
    points = pd.DataFrame({"date": [to_date(d) for d in daily.days[positions]]})
    for column, q in enumerate(PERCENTILES):
        points[f"p{q}"] = values[:, column]
    points["actual"] = actual.astype(np.int64)
    hits = {q: int((actual >= values[:, i]).sum()) for i, q in enumerate(PERCENTILES)}
    rate = {q: (hits[q] / len(positions) if len(positions) else None) for q in PERCENTILES}
    return Backtest(horizon_days, every_days, history_days, points, rate, hits, options.trials)


def _forecast_values(
    counts: np.ndarray,
    mask: np.ndarray,
    positions: np.ndarray,
    history_days: int,
    horizon: int,
    options: ForecastOptions,
) -> np.ndarray:
    """``(dates, percentiles)`` int64 "at least" values of each date's forecast.

    Each row of ``samples`` lists its window's working days first, so a draw
    below ``k`` (the row's working days) picks one of them. Dates are grouped
    by ``k`` (one group without working days only, a few with) so that each
    draw has one scalar bound, the fast path of ``rng.integers``.
    """
    out = np.zeros((len(positions), len(PERCENTILES)), dtype=np.int64)
    if not len(positions):
        return out
    trials = options.trials
    windows = sliding_window_view(counts, history_days)[positions - history_days]
    window_mask = sliding_window_view(mask, history_days)[positions - history_days]
    order = np.argsort(~window_mask, axis=1, kind="stable")
    samples = np.take_along_axis(windows, order, axis=1).astype(np.int32)
    k = window_mask.sum(axis=1)
    padded = np.concatenate([mask, np.zeros(horizon, dtype=bool)])
    simulated = sliding_window_view(padded, horizon)[positions].sum(axis=1)
    ranks = np.array([trials - _ceil_share(q, trials) for q in PERCENTILES])
    rng = np.random.default_rng(options.seed)
    step = max(1, _CHUNK_CELLS // (trials * horizon))
    for size in np.unique(k):  # distinct numbers of working days in a window, not dates
        rows_of_size = np.flatnonzero(k == size)
        for lo in range(0, len(rows_of_size), step):  # chunks of dates, to bound memory
            rows = rows_of_size[lo : lo + step]
            totals = _totals(samples, rows, int(size), simulated[rows], trials, horizon, rng)
            out[rows] = np.partition(totals, ranks, axis=1)[:, ranks]
    return out


def _totals(samples, rows, size, simulated, trials, horizon, rng) -> np.ndarray:
    """``(len(rows), trials)`` simulated totals of the dates ``rows`` (windows of ``size``
    working days), in blocks of days when one date's trials alone exceed the chunk."""
    totals = np.zeros((len(rows), trials), dtype=np.int64)
    offsets = (rows * samples.shape[1]).astype(np.int32)[:, None, None]  # a few thousand
    day_step = max(1, _CHUNK_CELLS // (len(rows) * trials))
    for first in range(0, horizon, day_step):  # one block unless the horizon is long
        days = min(day_step, horizon - first)
        picks = rng.integers(0, size, size=(len(rows), trials, days), dtype=np.int32) + offsets
        drawn = samples.ravel()[picks]
        drawn *= first + np.arange(days) < simulated[:, None, None]  # only the simulated days
        totals += drawn.sum(axis=2, dtype=np.int64)
    return totals
