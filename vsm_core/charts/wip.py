"""Work in progress run chart (optionally as flow load by type) and the net-flow chart."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    add_corner_note,
    apply_layout,
    empty_figure,
    is_empty,
    mean_line,
    period_options,
    plotly_text,
    set_layout,
    to_wall,
    type_colours,
)
from vsm_core.charts.markers import add_change_markers

NET_UP = "#e8772e"  # more started than finished: WIP grows
NET_DOWN = "#2f6fdf"  # more finished than started: WIP shrinks


def wip_run_chart(
    daily: pd.DataFrame,
    flow_load: pd.DataFrame | None = None,
    change_dates: Iterable[tuple[Any, str]] = (),
    *,
    title: str = "Work in progress",
) -> go.Figure:
    """Items in progress each day, with their mean as a dotted line.

    ``daily``: ``date`` and ``count`` (items in progress at the day's sample
    time). ``flow_load`` (``date, type, count``): when given, the WIP is drawn
    as areas stacked by type, with the total as a line on top; else as a line.
    ``change_dates``: ``(date, label)`` dashed vertical lines.
    """
    if is_empty(daily, "date", "count"):
        return empty_figure(title, "No days to show")
    daily = daily.sort_values("date", kind="stable")
    fig = go.Figure()
    if not is_empty(flow_load, "date", "type", "count"):
        colours = type_colours(flow_load["type"])
        for work_type, rows in flow_load.groupby("type", sort=True):
            rows = rows.sort_values("date", kind="stable")
            fig.add_trace(
                go.Scatter(
                    x=to_wall(rows["date"]),
                    y=rows["count"],
                    name=plotly_text(work_type),
                    mode="lines",
                    stackgroup="load",
                    line=dict(width=0.5, color=colours[str(work_type)]),
                    hovertemplate="%{fullData.name}: %{y}<extra></extra>",
                )
            )
    fig.add_trace(
        go.Scatter(
            x=to_wall(daily["date"]),
            y=daily["count"],
            name="Total WIP",
            mode="lines",
            line=dict(color="#222", width=1.8),
            hovertemplate="Total: %{y} items<extra></extra>",
        )
    )
    apply_layout(fig, title, "Date", "Items in progress")
    set_layout(fig, hovermode="x unified", yaxis=dict(rangemode="tozero"))
    mean_line(fig, daily["count"], "mean {:.1f} items")
    add_change_markers(fig, change_dates)
    return fig


def net_flow_chart(
    net: pd.DataFrame,
    change_dates: Iterable[tuple[Any, str]] = (),
    *,
    freq_label: str = "week",
    title: str = "Net flow (started − finished)",
) -> go.Figure:
    """Bars of ``net = starts - dones`` per period: orange above 0 (WIP grows), blue below.

    ``net``: ``period_start`` (date), ``starts``, ``dones``, ``net``; the hover
    shows all three. ``freq_label``: ``"day"``, ``"week"`` or ``"month"``.
    """
    if is_empty(net, "period_start", "starts", "dones", "net"):
        return empty_figure(title, "No periods to show")
    net = net.sort_values("period_start", kind="stable")
    values = pd.to_numeric(net["net"], errors="coerce").fillna(0).to_numpy()
    fig = go.Figure(
        go.Bar(
            x=to_wall(net["period_start"]),
            y=values,
            name="Net flow",
            marker_color=np.where(values > 0, NET_UP, NET_DOWN).tolist(),
            customdata=np.column_stack([net["starts"].to_numpy(), net["dones"].to_numpy()]),
            hovertemplate=(
                "Net %{y:+d}<br>started %{customdata[0]}, finished %{customdata[1]}<extra></extra>"
            ),
            showlegend=False,
            **period_options(freq_label, net["period_start"].iloc[0]),
        )
    )
    word = str(freq_label).lower()
    apply_layout(
        fig, title, f"{word.capitalize()} starting", f"Items started − finished per {word}"
    )
    set_layout(fig, yaxis=dict(zeroline=True, zerolinecolor="#999", zerolinewidth=1), bargap=0.15)
    add_corner_note(
        fig,
        "legend-note",
        f"<span style='color:{NET_UP}'>■</span> WIP grew  "
        f"<span style='color:{NET_DOWN}'>■</span> WIP shrank",
    )
    add_change_markers(fig, change_dates)
    return fig
