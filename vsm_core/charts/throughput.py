"""Throughput run chart."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def weekly_throughput_chart(weekly: pd.DataFrame, *, title: str = "Weekly throughput") -> go.Figure:
    """Bars of completed items per week (``week_start``, ``count``) with their mean as a line."""
    figure = go.Figure(
        go.Bar(
            x=weekly["week_start"],
            y=weekly["count"],
            name="Completed",
            marker_color="#2f6fdf",
            hovertemplate="Week of %{x|%d %b %Y}<br>%{y} completed<extra></extra>",
        )
    )
    if len(weekly):
        mean = float(weekly["count"].mean())
        figure.add_hline(
            y=mean,
            line_dash="dot",
            line_color="#555",
            annotation_text=f"mean {mean:.1f}/week",
            annotation_position="top left",
        )
    figure.update_layout(
        title=title,
        xaxis_title="Week starting (Monday)",
        yaxis_title="Items completed",
        margin=dict(l=40, r=20, t=50, b=40),
        height=320,
        bargap=0.15,
    )
    return figure
