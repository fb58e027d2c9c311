"""What a forecast looks at: :class:`ForecastOptions`, the defaults and the one error.

Definitions (docs/forecasting.md)
---------------------------------

*as-of*
    As in the metrics contract (:func:`vsm_core.metrics.scope.resolve_as_of`):
    ``None`` = the dataset's last event, ``"now"``, a date (its end) or a
    timestamp. Later events are ignored. The **as-of day** is as-of's local
    date in the dataset's time zone; forecasts **start the day after it**.

*history window*
    The days whose completed counts are sampled: by default the
    ``history_weeks * 7`` calendar days ending on the as-of day (both
    included), or ``history_from``..``history_to`` (both included). Either
    way the window is cut to the data: it never starts before the day of the
    dataset's first event nor ends after the as-of day (days before the data
    began are not zero-throughput days, they are unknown).

*working days* (``workdays=True``)
    Saturdays, Sundays and the ``blackout`` dates are left out of the history
    samples **and** of the simulated days: a 14-day forecast then simulates
    only the working days among those 14 calendar days. Without it every
    calendar day counts, blackouts included.

*trials, seed*
    ``trials`` simulated futures (default 10,000) drawn by
    ``numpy.random.default_rng(seed)``; the default seed :data:`DEFAULT_SEED`
    makes every forecast reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import pandas as pd

from vsm_core.filters import ItemFilter

#: Reported percentiles, in the practitioners' reading (see docs/forecasting.md).
PERCENTILES: tuple[int, ...] = (50, 70, 85, 95)
#: The fixed default seed (the forecasting issue's number, repeated): forecasts are reproducible.
DEFAULT_SEED = 1212
DEFAULT_TRIALS = 10_000
DEFAULT_HISTORY_WEEKS = 12
#: A "when" forecast simulates at most this many calendar days after the start (ten years);
#: a trial that has not finished by then counts as never finishing.
MAX_WHEN_DAYS = 3_650
#: Bounds that keep a forecast's memory and time in reach (each says so when exceeded):
#: trials per forecast, a "how many" horizon (calendar days: ten years, as for "when"),
#: a backtest horizon (a year) and the history window (a hundred years).
MAX_TRIALS = 100_000
MAX_HOW_MANY_DAYS = MAX_WHEN_DAYS
MAX_BACKTEST_HORIZON_DAYS = 366
MAX_HISTORY_WEEKS = 5_200


class ForecastError(ValueError):
    """Input a forecast cannot use (no history days, a bad option); the message says why."""


@dataclass(frozen=True)
class ForecastOptions:
    """The user's choices for one forecast (every field has a documented default).

    * ``as_of``: see the module docstring (the metrics contract's as-of).
    * ``history_weeks``: length of the history window in weeks, ending on the
      as-of day; ignored when ``history_from``/``history_to`` are given.
    * ``history_from``, ``history_to``: an explicit history window (local
      dates, both included); either may be ``None`` (= data start / as-of day).
    * ``workdays``: count only working days (Monday to Friday minus
      ``blackout``) in the history and the simulation.
    * ``blackout``: dates that are not working days (only with ``workdays``).
    * ``item_filter``: work types, teams and attributes, as everywhere.
    * ``trials``: number of simulated futures; ``seed``: the generator seed.
    * ``cycle_time_mode``: as in the metrics (``"elapsed"`` or
      ``"inclusive"``); used by the item forecasts' ages and cycle times.
    """

    as_of: pd.Timestamp | date | Literal["now"] | None = None
    history_weeks: int = DEFAULT_HISTORY_WEEKS
    history_from: date | None = None
    history_to: date | None = None
    workdays: bool = False
    blackout: tuple[date, ...] = ()
    item_filter: ItemFilter = field(default_factory=ItemFilter)
    trials: int = DEFAULT_TRIALS
    seed: int = DEFAULT_SEED
    cycle_time_mode: Literal["elapsed", "inclusive"] = "elapsed"

    def __post_init__(self) -> None:
        if not 1 <= self.history_weeks <= MAX_HISTORY_WEEKS:
            raise ForecastError(f"the history window is 1 to {MAX_HISTORY_WEEKS:,} weeks long")
        if not 1 <= self.trials <= MAX_TRIALS:
            raise ForecastError(f"a forecast runs 1 to {MAX_TRIALS:,} trials")
        if self.history_from and self.history_to and self.history_from > self.history_to:
            raise ForecastError("the history window starts after it ends")

    @property
    def explicit_window(self) -> bool:
        """True when the history window is given by dates rather than by weeks."""
        return self.history_from is not None or self.history_to is not None
