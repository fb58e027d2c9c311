"""The forecast calls the CLI and the Forecast page make, over canonical datasets.

Each takes one :class:`~vsm_core.model.CanonicalDataset` or a sequence of
them (several teams, forecast jointly: :mod:`vsm_core.forecast.joint`) and
:class:`~vsm_core.forecast.options.ForecastOptions`, and returns a result
object with ``as_json()`` (the CLI document) and plain-language sentences.
Bad input raises :class:`~vsm_core.forecast.options.ForecastError` with a
sentence for the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import numpy as np

from vsm_core.filters import ItemFilter
from vsm_core.forecast.backtest import Backtest, run_backtest
from vsm_core.forecast.history import (
    Daily,
    History,
    build_history,
    daily_throughput,
    dataset_name,
    history_window,
    simulation_days,
    to_day,
)
from vsm_core.forecast.items import ItemForecasts, forecast_items
from vsm_core.forecast.joint import common_start, joint_finish_days
from vsm_core.forecast.montecarlo import at_least_percentiles, done_by_percentiles, totals
from vsm_core.forecast.options import (
    MAX_HOW_MANY_DAYS,
    MAX_WHEN_DAYS,
    PERCENTILES,
    ForecastError,
    ForecastOptions,
)
from vsm_core.forecast.predictability import Predictability, assess, weekly_signals
from vsm_core.forecast.results import HowMany, When, finite_or_none
from vsm_core.model import CanonicalDataset

Datasets = CanonicalDataset | Sequence[CanonicalDataset]
#: One :class:`~vsm_core.filters.ItemFilter` per dataset (several teams have different work
#: types and teams to filter on), or ``None``: ``options.item_filter`` for every dataset.
Filters = Sequence[ItemFilter] | None

#: The horizon of the predictability line's "how many" forecast (two weeks).
PREDICTABILITY_DAYS = 14


def _as_list(datasets: Datasets) -> list[CanonicalDataset]:
    if isinstance(datasets, CanonicalDataset):
        return [datasets]
    datasets = list(datasets)
    if not datasets:
        raise ForecastError("a forecast needs at least one dataset")
    return datasets


def dailies(datasets: Datasets, options: ForecastOptions, filters: Filters = None) -> list[Daily]:
    """Each dataset's daily throughput under ``options`` (as-of; filters: see :data:`Filters`)."""
    datasets = _as_list(datasets)
    if filters is None:
        filters = [options.item_filter] * len(datasets)
    filters = list(filters)
    if len(filters) != len(datasets):
        raise ForecastError(f"give one filter per dataset ({len(datasets)})")
    return [
        daily_throughput(d, replace(options, item_filter=f), name=dataset_name(d, i))
        for i, (d, f) in enumerate(zip(datasets, filters, strict=True))
    ]


def forecast_start(
    datasets: Datasets, options: ForecastOptions | None = None, filters: Filters = None
) -> date:
    """The first forecast day: the day after the (latest) as-of day."""
    return common_start(dailies(datasets, options or ForecastOptions(), filters))


def _histories(days: list[Daily], options: ForecastOptions) -> tuple[History, ...]:
    return tuple(build_history(d, options) for d in days)


def how_many(
    datasets: Datasets,
    *,
    days: int | None = None,
    by: date | None = None,
    options: ForecastOptions | None = None,
    filters: Filters = None,
) -> HowMany:
    """How many items will be done in the ``days`` calendar days after as-of (or up to ``by``,
    included). Exactly one of ``days`` and ``by``. See :class:`HowMany`."""
    options = options or ForecastOptions()
    return _how_many(dailies(datasets, options, filters), days, by, options)


def _how_many(found: list[Daily], days: int | None, by: date | None, options) -> HowMany:
    """:func:`how_many` from the datasets' daily throughput."""
    histories = _histories(found, options)
    start = common_start(found)
    days = _horizon(days, by, start)
    simulated = simulation_days(start, days, options)
    rng = np.random.default_rng(options.seed)
    outcomes = totals([h.counts for h in histories], len(simulated), options.trials, rng)
    return HowMany(
        start=start,
        end=date.fromordinal(start.toordinal() + days - 1),
        days=days,
        simulated_days=len(simulated),
        histories=histories,
        percentiles=at_least_percentiles(outcomes, PERCENTILES),
        outcomes=outcomes,
        trials=options.trials,
        seed=options.seed,
    )


def _horizon(days: int | None, by: date | None, start: date) -> int:
    if (days is None) == (by is None):
        raise ForecastError("give either a number of days or an end date")
    if by is not None:
        days = (by - start).days + 1
        if days < 1:
            raise ForecastError(f"the end date {by} is not after the as-of date")
    if days < 1:
        raise ForecastError("a forecast needs at least one day")
    if days > MAX_HOW_MANY_DAYS:
        raise ForecastError(
            f"a forecast reaches at most {MAX_HOW_MANY_DAYS:,} days ahead (ten years)"
        )
    return int(days)


def when(
    datasets: Datasets,
    *,
    items: int | Sequence[int],
    options: ForecastOptions | None = None,
    filters: Filters = None,
) -> When:
    """When ``items`` items will be done (one number, or one per dataset). See :class:`When`."""
    options = options or ForecastOptions()
    found = dailies(datasets, options, filters)
    histories = _histories(found, options)
    items = _check_items(items, len(found))
    start = common_start(found)
    simulated = simulation_days(start, MAX_WHEN_DAYS, options)
    rng = np.random.default_rng(options.seed)
    finish = joint_finish_days(
        [h.counts for h in histories], items, options.trials, rng, len(simulated)
    )
    # Simulated day k (1-based) -> calendar days after the as-of day.
    offsets = (simulated - (to_day(start) - 1)).astype(np.int64)
    finite = np.isfinite(finish)
    calendar = np.full(options.trials, np.inf)
    calendar[finite] = offsets[finish[finite].astype(np.int64) - 1]
    percentiles = done_by_percentiles(calendar, PERCENTILES)
    return When(
        items=items,
        start=start,
        histories=histories,
        days={q: finite_or_none(v) for q, v in percentiles.items()},
        finish_days=calendar,
        trials=options.trials,
        seed=options.seed,
        max_days=MAX_WHEN_DAYS,
    )


def _check_items(items: int | Sequence[int], teams: int) -> int | tuple[int, ...]:
    if isinstance(items, int | np.integer):
        if items < 1:
            raise ForecastError("a 'when' forecast needs at least one item")
        return int(items)
    numbers = tuple(int(n) for n in items)
    if len(numbers) == 1:
        return _check_items(numbers[0], teams)
    if len(numbers) != teams:
        raise ForecastError(f"give one number of items per dataset ({teams}), or one in all")
    if min(numbers) < 0 or sum(numbers) < 1:
        raise ForecastError("the numbers of items cannot be negative and need one item in all")
    return numbers


def item_forecasts(
    dataset: CanonicalDataset, *, options: ForecastOptions | None = None
) -> ItemForecasts:
    """When each item in progress will finish, from its age (see :class:`ItemForecasts`)."""
    options = options or ForecastOptions()
    return forecast_items(dailies(dataset, options)[0], options)


def backtest(
    dataset: CanonicalDataset,
    *,
    horizon_days: int,
    every_days: int = 7,
    options: ForecastOptions | None = None,
) -> Backtest:
    """The walk-forward track record of "how many in ``horizon_days``" (see :class:`Backtest`).

    The history window's length is ``7 * history_weeks`` days, or the length
    of the explicit ``history_from``..``history_to`` window.
    """
    options = options or ForecastOptions()
    daily = dailies(dataset, options)[0]
    if options.explicit_window:
        first, last = history_window(daily, options)
        history_days = (last - first).days + 1
    else:
        history_days = 7 * options.history_weeks
    return run_backtest(
        daily,
        horizon_days=horizon_days,
        every_days=every_days,
        history_days=history_days,
        options=options,
    )


def predictability(
    datasets: Datasets,
    *,
    days: int = PREDICTABILITY_DAYS,
    options: ForecastOptions | None = None,
    forecast: HowMany | None = None,
    filters: Filters = None,
) -> Predictability:
    """The spread of the "how many" forecast over ``days`` days (``forecast`` when the caller
    has it already) and each dataset's weekly throughput signals (see :class:`Predictability`)."""
    options = options or ForecastOptions()
    found = dailies(datasets, options, filters)
    if forecast is None:
        forecast = _how_many(found, days, None, options)
    return assess(forecast, tuple(weekly_signals(d, options) for d in found))
