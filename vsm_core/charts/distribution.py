"""Flow distribution over time: the mix of work types among the items done per period."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    apply_layout,
    as_float_array,
    empty_figure,
    is_empty,
    period_options,
    plotly_text,
    set_layout,
    to_wall,
    type_colours,
)
from vsm_core.charts.markers import add_change_markers


def distribution_chart(
    over_time: pd.DataFrame,
    change_dates: Iterable[tuple[Any, str]] = (),
    *,
    freq_label: str = "week",
    title: str = "Work type mix of completed items",
) -> go.Figure:
    """100% stacked bars: each type's share (%) of the items done per period.

    ``over_time``: ``period_start`` (date), ``type``, ``count`` and ``share``
    (0..1; a period where nothing was done has shares 0 and shows no bar).
    Hover: type, share and count of the period's total.
    """
    if is_empty(over_time, "period_start", "type", "count", "share"):
        return empty_figure(title, "No completed items")
    frame = over_time.sort_values("period_start", kind="stable").copy()
    frame["total"] = frame.groupby("period_start", sort=False)["count"].transform("sum")
    colours = type_colours(frame["type"])
    period = period_options(freq_label, frame["period_start"].iloc[0])
    fig = go.Figure()
    for work_type, rows in frame.groupby("type", sort=True):
        fig.add_trace(
            go.Bar(
                x=to_wall(rows["period_start"]),
                y=as_float_array(rows["share"]) * 100,
                name=plotly_text(work_type),
                marker_color=colours[str(work_type)],
                customdata=np.column_stack([rows["count"].to_numpy(), rows["total"].to_numpy()]),
                hovertemplate=(
                    "%{fullData.name}: %{y:.0f}% (%{customdata[0]} of %{customdata[1]})"
                    "<extra></extra>"
                ),
                **period,
            )
        )
    word = str(freq_label).lower()
    apply_layout(fig, title, f"{word.capitalize()} starting", "Share of items completed")
    set_layout(
        fig,
        barmode="stack",
        bargap=0.12,
        hovermode="x unified",
        yaxis=dict(range=[0, 100], ticksuffix="%"),
    )
    add_change_markers(fig, change_dates)
    return fig
