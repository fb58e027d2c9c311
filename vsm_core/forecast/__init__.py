"""Forecasting (issue #12): "how many", "when", per-item completion and the forecasts' track record.

Pure functions over canonical datasets, one concern per module; no streamlit.
The definitions are written down in docs/forecasting.md and in each module's
docstring. Public API (all re-exported here):

Options
    :class:`ForecastOptions` (frozen): ``as_of`` (metrics contract; default
    the last event), ``history_weeks=12`` or ``history_from``/``history_to``,
    ``workdays=False``, ``blackout=()``, ``item_filter``, ``trials=10_000``,
    ``seed=DEFAULT_SEED``, ``cycle_time_mode="elapsed"``.
    :class:`ForecastError`: bad input, with a sentence for the user.
    :data:`PERCENTILES` = (50, 70, 85, 95).

Calls (``datasets``: one :class:`~vsm_core.model.CanonicalDataset` or a
sequence of them, forecast jointly; ``filters``: ``None`` (``options.item_filter``
for every dataset) or one :class:`~vsm_core.filters.ItemFilter` per dataset)
    :func:`forecast_start` ``(datasets, options=None, filters=None) -> date``
    (the day after the latest as-of day: the first forecast day)
    :func:`how_many` ``(datasets, *, days=None, by=None, options=None, filters=None)
    -> HowMany`` (``by``: the last forecast day, included, instead of ``days``)
    :func:`when` ``(datasets, *, items, options=None, filters=None) -> When``
    (``items``: int, or one int per dataset)
    :func:`item_forecasts` ``(dataset, *, options=None) -> ItemForecasts``
    :func:`backtest` ``(dataset, *, horizon_days, every_days=7, options=None) -> Backtest``
    :func:`predictability` ``(datasets, *, days=14, options=None, forecast=None,
    filters=None) -> Predictability``

Results (each has ``as_json()``, the CLI document, and sentences)
    :class:`HowMany`: ``start``, ``end`` (dates), ``days``, ``simulated_days``,
    ``histories`` (:class:`History` per dataset: ``first_day``, ``last_day``,
    ``dates``, ``counts``, ``days``, ``completed``), ``percentiles``
    ``{q: int}`` ("q % chance of at least x items"), ``outcomes`` (int64 per
    trial), ``trials``, ``seed``; ``sentences()``; ``distribution()`` (histogram
    table: ``items, trials, share, at_least``).
    :class:`When`: ``items``, ``start``, ``as_of_day``, ``histories``, ``days``
    ``{q: int | None}`` (calendar days after the as-of day), ``percentiles``
    ``{q: date | None}`` (None: never), ``finish_days`` (float per trial, inf =
    never), ``never_share``; ``sentences()``; ``distribution()`` (``days, date,
    trials, share, done_by``).
    :class:`ItemForecasts`: ``table`` (aging columns + ``p50_days, p85_days,
    p50_done, p85_done, p50_cycle_days, p85_cycle_days``: days still to go after
    as-of, dates (None: undefined), the age at completion), ``as_of``,
    ``as_of_day``, ``finished``, ``censored``, ``history_from``, ``history_to``;
    ``past_sle(sle_days)`` (the caller's SLE, e.g. the aging chart's);
    ``sentences(sle_days=None)``.
    :class:`Backtest`: ``horizon_days``, ``every_days``, ``history_days``,
    ``points`` (``date, p50, p70, p85, p95, actual``), ``hit_rate`` ``{q: share |
    None}``, ``hits``, ``forecasts``, ``off``; ``sentences()``, ``verdict()``.
    :class:`Predictability`: ``days``, ``p50``, ``p95``, ``spread``, ``weekly``
    (:class:`WeeklySignals` per dataset: ``week_starts``, ``chart`` (XmR),
    ``changed``), ``changed``; ``sentence()``.
"""

from vsm_core.forecast.backtest import Backtest
from vsm_core.forecast.history import History
from vsm_core.forecast.items import ItemForecasts
from vsm_core.forecast.options import (
    DEFAULT_SEED,
    DEFAULT_TRIALS,
    MAX_WHEN_DAYS,
    PERCENTILES,
    ForecastError,
    ForecastOptions,
)
from vsm_core.forecast.predictability import Predictability, WeeklySignals
from vsm_core.forecast.results import HowMany, When
from vsm_core.forecast.service import (
    backtest,
    forecast_start,
    how_many,
    item_forecasts,
    predictability,
    when,
)

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_TRIALS",
    "MAX_WHEN_DAYS",
    "PERCENTILES",
    "Backtest",
    "ForecastError",
    "ForecastOptions",
    "History",
    "HowMany",
    "ItemForecasts",
    "Predictability",
    "WeeklySignals",
    "When",
    "backtest",
    "forecast_start",
    "how_many",
    "item_forecasts",
    "predictability",
    "when",
]
