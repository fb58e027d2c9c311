"""One DORA key per week, for experiments (calendar metrics compared by week).

:func:`weekly_values` gives one float per ISO week starting on each Monday asked for:

* ``deployment_frequency``: deployments that week (a week inside the log's span without
  any is 0);
* ``change_lead_time_p50``: median lead time for changes of that week's deployments (days);
* ``change_failure_rate``: failed / all deployments that week (0..1);
* ``recovery_time_p50``: median recovery time of the recoveries that started that week
  (days);
* ``deployment_rework_rate``: rollbacks and hotfixes / all deployments that week (0..1).

NaN where the week has no value: no deployments (the rates), no lead time or finished
recovery (the medians), or a week wholly before the log's first day or after its last
(every key). Definitions: :mod:`vsm_core.delivery.keys` and docs/metrics.md.
"""

from __future__ import annotations

import numpy as np

from vsm_core.delivery.keys import KEYS, weekly_table
from vsm_core.delivery.log import DeliveryLog, log_span

__all__ = ["KEYS", "log_span", "weekly_values"]


def weekly_values(
    log: DeliveryLog,
    key: str,
    mondays: np.ndarray,
    *,
    service: str | None = None,
    timezone: str = "UTC",
) -> np.ndarray:
    """One float per Monday of ``mondays`` (``datetime64[D]``, local dates in ``timezone``):
    the ``key`` of that ISO week, of ``service`` only when given (module docstring).

    Raises ``ValueError`` for an unknown key or a date in ``mondays`` that is not a Monday.
    """
    if key not in KEYS:
        raise ValueError(f"unknown delivery key {key!r}; the keys are {', '.join(KEYS)}")
    days = np.asarray(mondays, dtype="datetime64[D]").reshape(-1)
    weekday = (days.astype(np.int64) - 4) % 7  # 1970-01-05 was a Monday
    if (weekday != 0).any():
        bad = days[weekday != 0][0]
        raise ValueError(f"{bad} is not a Monday: weeks start on Mondays")
    if days.size == 0:
        return np.zeros(0, dtype="float64")
    table = weekly_table(log, days, service=service, timezone=timezone)
    return table[key].to_numpy(dtype="float64")
