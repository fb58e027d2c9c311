"""Cycle-time scatterplot and the days histogram (cycle or lead time)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    add_change_markers,
    add_hline,
    add_sle_line,
    add_vline,
    apply_layout,
    as_float_array,
    empty_figure,
    finite,
    hover_label,
    is_empty,
    percentile_items,
    spread,
    to_wall,
    type_colours,
)

#: Trend: rolling median of the last TREND_WINDOW points (done order), shown from
#: TREND_MIN_POINTS points on.
TREND_WINDOW = 20
TREND_MIN_POINTS = 5

_SCATTER_COLUMNS = ("item_id", "title", "type", "done", "cycle_time_days")


def _y_top(values: np.ndarray, extra: Iterable[float | None]) -> float:
    """Top of a y axis starting at 0 that shows every value and every reference line."""
    numbers = [float(v) for v in values if np.isfinite(v)]
    numbers += [v for v in extra if v is not None]
    return max(max(numbers, default=1.0), 1.0) * 1.08


def add_percentile_lines(
    fig: go.Figure,
    percentiles: Mapping | None,
    sle_days: float | None,
    *,
    y_range: tuple[float, float],
    plot_px: float,
) -> None:
    """Dotted ``"85% ≤ 12.3 d"`` lines (named ``percentile:85``) and the SLE line (``sle``).

    Percentile labels sit in the right margin (leave ~100 px), nudged apart so
    close values stay readable; the SLE label sits inside, at the left end.
    """
    items = percentile_items(percentiles)
    sle = finite(sle_days)
    shifts = spread([v for _, v in items], y_range[0], y_range[1], plot_px)
    for (q, value), shift in zip(items, shifts, strict=True):
        add_hline(
            fig,
            value,
            f"{q}% ≤ {value:.1f} d",
            name=f"percentile:{q}",
            side="outside",
            yshift=shift,
        )
    add_sle_line(fig, sle)


def cycle_time_scatter(
    completed: pd.DataFrame,
    *,
    percentiles: Mapping | None = None,
    sle_days: float | None = None,
    trend: bool = True,
    change_dates: Iterable[tuple[Any, str]] = (),
    timezone: str = "UTC",
    title: str = "Cycle time of completed items",
) -> go.Figure:
    """Cycle time (days, y) of each completed item against its done date (x).

    ``completed``: ``item_id, title, type, done`` (tz-aware or naive times;
    tz-aware ones are shown in ``timezone``) and ``cycle_time_days``. Rows
    without a cycle time are left out. Points are coloured by type, one trace
    per type (hover: item id, title, done date, cycle time).
    ``percentiles``: ``{85: 12.3}`` or a ``summarize_days`` dict, drawn as
    dotted lines labelled ``"85% ≤ 12.3 d"``; ``sle_days``: the service level
    expectation, a solid red line.
    ``trend``: a rolling **median** of the last :data:`TREND_WINDOW` points in
    done order (robust to the long right tail of cycle times, unlike a linear
    fit), drawn once :data:`TREND_MIN_POINTS` points are in the window.
    ``change_dates``: ``(date, label)`` process changes, dashed vertical lines.
    """
    if is_empty(completed, *_SCATTER_COLUMNS):
        return empty_figure(title, "No completed items")
    frame = pd.DataFrame(
        {
            "item_id": completed["item_id"].astype("str").to_numpy(dtype=object),
            "title": completed["title"].to_numpy(dtype=object),
            "type": completed["type"].astype("str").fillna("(none)").to_numpy(dtype=object),
            "done": to_wall(completed["done"], timezone).to_numpy(),
            "days": as_float_array(completed["cycle_time_days"]),
        }
    )
    frame = frame[frame["days"].notna() & frame["done"].notna()]
    if frame.empty:
        return empty_figure(title, "No completed items with a cycle time")
    frame = frame.sort_values("done", kind="stable").reset_index(drop=True)
    frame["label"] = hover_label(frame["item_id"], frame["title"])

    fig = go.Figure()
    colours = type_colours(frame["type"])
    for work_type, rows in frame.groupby("type", sort=True):
        fig.add_trace(
            go.Scatter(
                x=rows["done"],
                y=rows["days"],
                mode="markers",
                name=str(work_type),
                marker=dict(color=colours[str(work_type)], size=7, opacity=0.8),
                customdata=np.column_stack([rows["item_id"], rows["label"]]),
                hovertemplate=(
                    "%{customdata[1]}<br>Done %{x|%d %b %Y}<br>"
                    "Cycle time %{y:.1f} d<extra>%{fullData.name}</extra>"
                ),
            )
        )
    if trend:
        rolling = frame["days"].rolling(TREND_WINDOW, min_periods=TREND_MIN_POINTS).median()
        if rolling.notna().any():
            fig.add_trace(
                go.Scatter(
                    x=frame["done"],
                    y=rolling,
                    mode="lines",
                    name=f"Rolling median ({TREND_WINDOW} items)",
                    line=dict(color="#222", width=2),
                    hovertemplate="Rolling median %{y:.1f} d<extra></extra>",
                )
            )

    top = _y_top(
        frame["days"].to_numpy(),
        [v for _, v in percentile_items(percentiles)] + [finite(sle_days)],
    )
    apply_layout(fig, title, "Done date", "Cycle time (days)", right_margin=100)
    fig.update_yaxes(range=[0, top], rangemode="tozero")
    add_percentile_lines(fig, percentiles, sle_days, y_range=(0, top), plot_px=380 - 78 - 50)
    add_change_markers(fig, change_dates, timezone=timezone)
    return fig


def days_histogram(
    values: pd.Series,
    *,
    title: str = "Cycle time distribution",
    percentiles: Mapping | None = None,
    x_title: str = "Days",
) -> go.Figure:
    """How many items took each number of days (bins of 1 day, wider past ~60 days).

    ``values``: durations in days (cycle or lead time; NaN dropped, negative
    lead times kept). ``percentiles`` (``{85: 12.3}`` or a ``summarize_days``
    dict): dotted vertical lines named ``percentile:85``, labelled
    ``"85% ≤ 12.3 d"``.
    """
    data = as_float_array(values)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return empty_figure(title, "No data")
    lo, hi = float(np.floor(min(data.min(), 0.0))), float(np.ceil(data.max()))
    size = max(1.0, float(np.ceil((hi - lo) / 60)))
    fig = go.Figure(
        go.Histogram(
            x=data,
            xbins=dict(start=lo, end=hi + size, size=size),
            name="Items",
            marker=dict(color="#2f6fdf", line=dict(color="white", width=1)),
            hovertemplate="%{x} d: %{y} items<extra></extra>",
            showlegend=False,
        )
    )
    apply_layout(fig, title, x_title, "Items", show_legend=False)
    fig.update_layout(bargap=0.05)
    for i, (q, value) in enumerate(percentile_items(percentiles)):
        add_vline(
            fig, value, f"{q}% ≤ {value:.1f} d", name=f"percentile:{q}", label_y=1.0 - 0.09 * i
        )
    return fig
