"""Bottleneck views: the stage × week heatmap and the rework (backward moves) bars."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    HEIGHT,
    apply_layout,
    empty_figure,
    is_empty,
    plotly_text,
    plotly_texts,
    set_layout,
    to_wall,
)
from vsm_core.charts.markers import add_change_markers

MEASURES = {
    "median_days": ("Median days in stage per item", "days", "%{z:.1f} d median per item"),
    "avg_wip": ("Average items in stage", "items", "%{z:.1f} items on average"),
}


def stage_week_heatmap_chart(
    heat: pd.DataFrame,
    *,
    measure: Literal["median_days", "avg_wip"] = "median_days",
    change_dates: Iterable[tuple[Any, str]] = (),
    per_row: bool = False,
    title: str | None = None,
) -> go.Figure:
    """Stages (y, workflow order top to bottom) × weeks (x), coloured by ``measure``.

    ``per_row``: each stage's row gets its own colour scale, from the row's
    lowest week (lightest) to its highest (darkest): ``(value − row min) ÷
    (row max − row min)``; a row whose weeks are all equal is drawn at the
    middle. One busy stage (a backlog) then no longer washes out the others;
    colours compare weeks within a stage, not stages. The hover shows the
    value itself; the colour bar reads "lowest of the row" … "highest".

    ``heat``: ``stage, stage_index, week_start`` (the Monday), ``median_days``
    (median days an item spent in the stage that week) and ``avg_wip``
    (average items in the stage that week). Empty cells (NaN) are left blank.
    Raises :class:`ValueError` for an unknown ``measure``.
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    label, unit, hover = MEASURES[measure]
    title = title or f"{label}, by week"
    if is_empty(heat, "stage", "stage_index", "week_start", measure):
        return empty_figure(title, "No weeks to show")
    order = heat.sort_values(["stage_index", "week_start"], kind="stable")
    stages = list(dict.fromkeys(order["stage"].astype("str")))
    grid = order.pivot_table(
        index="stage", columns="week_start", values=measure, aggfunc="first", dropna=False
    ).reindex(stages)
    weeks = to_wall(pd.Series(grid.columns))
    values = grid.to_numpy(dtype="float64", na_value=np.nan)
    colour = dict(z=values, colorbar=dict(title=dict(text=unit, side="right"), thickness=12))
    if per_row:
        colour = dict(
            z=row_scaled(values),
            zmin=0.0,
            zmax=1.0,
            customdata=values,
            colorbar=dict(
                title=dict(text="within the stage", side="right"),
                thickness=12,
                tickvals=[0, 1],
                ticktext=["lowest week", "highest week"],
            ),
        )
        hover = hover.replace("%{z", "%{customdata")
        title = f"{title} (colour scaled per stage)"
    fig = go.Figure(
        go.Heatmap(
            x=weeks,
            y=[plotly_text(stage) for stage in stages],
            colorscale="YlOrRd",
            xgap=1,
            ygap=1,
            hoverongaps=False,
            hovertemplate=f"%{{y}}, week of %{{x|%d %b %Y}}<br>{hover}<extra></extra>",
            **colour,
        )
    )
    apply_layout(fig, title, "Week starting", None, show_legend=False)
    set_layout(fig, yaxis=dict(autorange="reversed", showgrid=False), xaxis=dict(showgrid=False))
    add_change_markers(fig, change_dates)
    return fig


def row_scaled(values: np.ndarray) -> np.ndarray:
    """Each row of ``values`` mapped to 0..1 by its own min and max (NaN stays NaN; a row
    with one distinct value -> 0.5)."""
    with np.errstate(all="ignore"):
        lo = np.nanmin(np.where(np.isnan(values), np.inf, values), axis=1, keepdims=True)
        hi = np.nanmax(np.where(np.isnan(values), -np.inf, values), axis=1, keepdims=True)
        span = hi - lo
        scaled = (values - lo) / np.where(span > 0, span, 1.0)
    return np.where(np.isnan(values), np.nan, np.where(span > 0, scaled, 0.5))


def rework_chart(rework: pd.DataFrame, *, title: str = "Rework: backward moves") -> go.Figure:
    """Horizontal bars of backward moves per ``"From → To"`` pair, the most frequent on top.

    ``rework``: ``from_stage``, ``to_stage``, ``moves`` (any order).
    """
    if is_empty(rework, "from_stage", "to_stage", "moves"):
        return empty_figure(title, "No backward moves")
    frame = rework.sort_values("moves", ascending=False, kind="stable")
    pairs = (plotly_texts(frame["from_stage"]) + " → " + plotly_texts(frame["to_stage"])).tolist()
    fig = go.Figure(
        go.Bar(
            x=frame["moves"],
            y=pairs,
            orientation="h",
            name="Backward moves",
            marker_color="#e8772e",
            hovertemplate="%{y}: %{x} backward moves<extra></extra>",
            showlegend=False,
        )
    )
    height = max(240, min(HEIGHT, 150 + 34 * len(pairs)), 130 + 26 * len(pairs))
    apply_layout(fig, title, "Backward moves", None, height=height, show_legend=False)
    set_layout(fig, bargap=0.35, yaxis=dict(autorange="reversed", automargin=True))
    return fig
