"""Charts of one experiment's evidence: before/after distributions and its behaviour chart."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from vsm_core.charts.common import apply_layout, empty_figure, plotly_text, set_layout
from vsm_core.charts.xmr import xmr_chart

WINDOW_COLOURS = {"before": "#8c8c8c", "after": "#2f6fdf"}


def before_after_chart(evidence: dict[str, Any], *, title: str | None = None) -> go.Figure:
    """Box plots of the before and after windows side by side, all points shown.

    Per-item metrics: one point per item (unfinished items, censored at their
    duration so far, say so in their hover); calendar metrics: one per week.
    """
    distribution = evidence.get("distribution") or {}
    if not any(distribution.get(w) for w in ("before", "after")):
        return empty_figure(title or "Before and after", "Not enough data")
    fig = go.Figure()
    for window in ("before", "after"):
        rows = distribution.get(window) or []
        fig.add_trace(
            go.Box(
                y=[r["value"] for r in rows],
                name=f"{window} (n={len(rows)})",
                text=[
                    plotly_text(r["label"]) + (" (unfinished)" if r.get("censored") else "")
                    for r in rows
                ],
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker=dict(color=WINDOW_COLOURS[window], size=6),
                line=dict(color=WINDOW_COLOURS[window]),
                hovertemplate="%{text}<br>%{y:.2f}<extra></extra>",
            )
        )
    unit = evidence.get("unit") or ""
    apply_layout(fig, title or "Before and after the change", "", unit)
    set_layout(fig, showlegend=False, height=360)
    return fig


def experiment_behaviour_chart(evidence: dict[str, Any]) -> go.Figure:
    """The process behaviour chart with limits frozen on the baseline points."""
    points = evidence.get("points") or []
    limits = evidence.get("limits") or {}
    if not points or limits.get("centre") is None:
        return empty_figure("Process behaviour", "Not enough data")
    labels = [p["label"] for p in points]
    signal_at = {s["label"]: s["rule"] for s in evidence.get("signals") or []}
    result = {
        "values": [p["value"] for p in points],
        "centre": limits["centre"],
        "unpl": limits["unpl"],
        "lnpl": limits["lnpl"],
        "signals": [
            {"index": i, "rule": signal_at[label]}
            for i, label in enumerate(labels)
            if label in signal_at
        ],
    }
    baseline_end = sum(1 for p in points if p["window"] == "before")
    return xmr_chart(
        labels,
        result,
        title="Process behaviour, limits frozen on the baseline",
        y_title=evidence.get("unit") or "value",
        baseline_end=baseline_end,
    )
