"""Several teams or datasets forecast jointly: one calendar, simulated per team, combined per trial.

Rules (docs/forecasting.md, *Several teams*)
--------------------------------------------

*start*
    Each dataset keeps its own as-of and history window; the joint forecast
    starts the day after the **latest** as-of day, and every team simulates
    the same days from there.

*how many*
    Per trial, the teams' totals are added.

*when, one number* (``items=90``: "these teams finish 90 items together")
    Per trial and day, the teams' simulated counts are added; the trial
    finishes on the first day the running sum reaches the number. Any team's
    finished item counts toward the shared backlog.

*when, one number per team* (``items=(30, 40, 20)``)
    Each team finishes its own items; per trial, the joint finish day is the
    **latest** of the teams' finish days (never when any team never finishes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from vsm_core.forecast.history import Daily
from vsm_core.forecast.montecarlo import finish_days
from vsm_core.forecast.options import ForecastError


def common_start(dailies: Sequence[Daily]) -> date:
    """The day after the latest as-of day of ``dailies``."""
    return max(d.as_of_day for d in dailies) + timedelta(days=1)


def joint_finish_days(
    samples: Sequence[np.ndarray],
    items: int | Sequence[int],
    trials: int,
    rng,
    max_days: int,
) -> np.ndarray:
    """Simulated finish day (1-based, ``inf`` never) of each trial under the rules above."""
    if isinstance(items, int | np.integer):
        return finish_days(samples, int(items), trials, rng, max_days)
    items = [int(n) for n in items]
    if len(items) != len(samples):
        raise ForecastError(
            f"give one number of items per dataset ({len(samples)}), or one number in all"
        )
    per_team = [
        finish_days([s], n, trials, rng, max_days) for s, n in zip(samples, items, strict=True)
    ]
    return np.max(np.vstack(per_team), axis=0)
