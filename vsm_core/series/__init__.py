"""A team's own measures: uploaded series of ``date, metric, value[, team]`` (issue #14).

* :mod:`.parse` — bytes -> :class:`~.parse.ParsedSeries` or ``ImportFailed``
  (every problem with its row, column and value; nothing is stored then);
  :mod:`.columns` finds the columns, :mod:`.numbers` reads the values;
* :mod:`.weekly` — one value per ISO week, for experiments
  (:func:`~.weekly.weekly_values`, :func:`~.weekly.series_span`);
* :mod:`.views` — the weekly and monthly view (the mean of the period's
  values) and the run chart with natural process limits and signals.

Storing and reading go through :mod:`vsm_core.store.series` (team-scoped).
"""

from vsm_core.series.parse import ParsedSeries, parse_series
from vsm_core.series.views import DEFINITION, LIMITS, PERIODS, RunChart, period_values, run_chart
from vsm_core.series.weekly import series_span, weekly_values

__all__ = [
    "DEFINITION",
    "LIMITS",
    "PERIODS",
    "ParsedSeries",
    "RunChart",
    "parse_series",
    "period_values",
    "run_chart",
    "series_span",
    "weekly_values",
]
