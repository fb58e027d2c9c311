"""Run charts of the DORA keys: one point per week with process behaviour limits.

:func:`delivery_figure` draws a key of a :class:`~vsm_core.delivery.report.DeliveryReport`
with :func:`~vsm_core.charts.xmr.xmr_chart`: the weekly values, their average and natural
process limits, the signals. Rates are drawn in per cent (the chart of the values times
100: limits scale with them). A week without a value is a gap.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vsm_core.charts.common import empty_figure
from vsm_core.charts.xmr import xmr_chart
from vsm_core.delivery.keys import KEY_BOUNDS, KEY_NAMES
from vsm_core.delivery.report import DeliveryReport
from vsm_core.metrics.xmr import xmr

__all__ = ["AXIS", "delivery_figure"]

#: The y axis of each key's chart.
AXIS = {
    "deployment_frequency": "Deployments in the week",
    "change_lead_time_p50": "Median lead time (days)",
    "change_failure_rate": "Failed deployments (%)",
    "recovery_time_p50": "Median recovery time (days)",
    "deployment_rework_rate": "Rollbacks and hotfixes (%)",
}
#: The keys that are shares (0..1, bounded above): drawn in per cent.
_RATES = frozenset(key for key, (_low, high) in KEY_BOUNDS.items() if high is not None)
_COUNTS = {
    "deployment_frequency": "deployments",
    "change_lead_time_p50": "deployments",
    "change_failure_rate": "deployments",
    "recovery_time_p50": "recoveries",
    "deployment_rework_rate": "deployments",
}


def delivery_figure(report: DeliveryReport, key: str) -> go.Figure:
    """The weekly run chart of ``key`` with its limits (module docstring)."""
    title = KEY_NAMES[key] + ", per week"
    weekly = report.weekly
    if weekly.empty or not np.isfinite(weekly[key].to_numpy(dtype="float64")).any():
        return empty_figure(title, "No week has a value yet.")
    labels = [d.isoformat() for d in weekly["week"].dt.date]
    values = weekly[key].to_numpy(dtype="float64")
    chart = report.charts[key]
    if key in _RATES:  # drawn in per cent: the chart's limits again, on values × 100
        low, high = KEY_BOUNDS[key]
        chart = xmr(values * 100, labels=labels, bounds=(100 * low, 100 * high))
    counted = _COUNTS[key]
    counts = weekly["recoveries" if counted == "recoveries" else "deployments"].fillna(0)
    hover = [f"{int(n)} {counted}" for n in counts.to_numpy()]
    return xmr_chart(
        labels,
        chart,
        title=title,
        y_title=AXIS[key],
        x_title="Week starting",
        hover_text=hover,
    )
