"""The run chart of a team's own measure: :func:`~vsm_core.charts.xmr.xmr_chart` with the
measure's name (user text, drawn literally) and its period in words."""

from __future__ import annotations

import plotly.graph_objects as go

from vsm_core.charts.common import plotly_text
from vsm_core.charts.xmr import xmr_chart
from vsm_core.series.views import RunChart

_PER = {"week": "week", "month": "month"}


def series_figure(run: RunChart) -> go.Figure:
    """A figure of ``run``: one point per period (its mean), the average, the natural process
    limits and the signals; the hover says how many values each point is the mean of."""
    per = _PER[run.period]
    counts = [f"mean of {n} value{'s' if n != 1 else ''}" for n in run.counts.tolist()]
    return xmr_chart(
        [d.isoformat() for d in run.starts],
        run.xmr,
        title=plotly_text(f"{run.metric}, mean per {per}"),
        y_title=f"Mean per {per}",
        x_title="Week starting" if run.period == "week" else "Month",
        hover_text=counts,
    )
