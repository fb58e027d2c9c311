"""Cycle-time scatterplot and the days histogram (cycle or lead time)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    ITEM_HOVER,
    MUTED,
    add_corner_note,
    add_percentile_lines,
    add_vline,
    apply_layout,
    as_float_array,
    empty_figure,
    finite,
    is_empty,
    item_customdata,
    percentile_items,
    plotly_text,
    set_layout,
    to_wall,
    type_colours,
)
from vsm_core.charts.markers import add_change_markers

#: Trend: rolling median of the last TREND_WINDOW points (done order), shown from
#: TREND_MIN_POINTS points on; with more than TREND_WINDOW × TREND_POINTS_PER_WINDOW
#: items the window widens to n / TREND_POINTS_PER_WINDOW items (see :func:`trend_window`).
TREND_WINDOW = 20
TREND_MIN_POINTS = 5
TREND_POINTS_PER_WINDOW = 200

#: At most this many dots are drawn; a larger table is shown as a seeded random sample of
#: MAX_POINTS items (every summary line still uses every item).
MAX_POINTS = 10_000
SAMPLE_SEED = 0
#: From this many dots on, points are drawn with WebGL (``go.Scattergl``).
WEBGL_FROM = 2_000

_SCATTER_COLUMNS = ("item_id", "title", "type", "done", "cycle_time_days")


def _y_top(values: np.ndarray, extra: Iterable[float | None]) -> float:
    """Top of a y axis starting at 0 that shows every value and every reference line."""
    finite_values = values[np.isfinite(values)]
    numbers = [float(finite_values.max())] if finite_values.size else []
    numbers += [v for v in extra if v is not None]
    return max(max(numbers, default=1.0), 1.0) * 1.08


def trend_window(n_items: int) -> int:
    """Items in the rolling-median window: :data:`TREND_WINDOW`, or n / 200 when that is more.

    A 20-item window over tens of thousands of items (hundreds finish a day)
    is noise; the window then grows so the line has about 200 windows' worth
    of independent steps.
    """
    return max(TREND_WINDOW, int(np.ceil(n_items / TREND_POINTS_PER_WINDOW)))


def sample_rows(n_rows: int, limit: int = MAX_POINTS, seed: int = SAMPLE_SEED) -> np.ndarray:
    """Row positions to draw: all of them, or ``limit`` chosen at random (seeded), in order."""
    if n_rows <= limit:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=limit, replace=False))


def scatter_class(n_points: int) -> type:
    """``go.Scattergl`` (WebGL) for :data:`WEBGL_FROM` points or more, else ``go.Scatter``."""
    return go.Scattergl if n_points >= WEBGL_FROM else go.Scatter


def cycle_time_scatter(
    completed: pd.DataFrame,
    *,
    percentiles: Mapping | None = None,
    sle_days: float | None = None,
    trend: bool = True,
    change_dates: Iterable[tuple[Any, str]] = (),
    timezone: str = "UTC",
    title: str = "Cycle time of completed items",
    max_points: int = MAX_POINTS,
) -> go.Figure:
    """Cycle time (days, y) of each completed item against its done date (x).

    ``completed``: ``item_id, title, type, done`` (tz-aware or naive times;
    tz-aware ones are shown in ``timezone``) and ``cycle_time_days``. Rows
    without a cycle time are left out. Points are coloured by type, one trace
    per type; the hover shows the item id and title (``customdata`` rows
    ``[id, title]``, see :func:`~vsm_core.charts.common.item_customdata`), done
    date and cycle time.
    ``percentiles``: ``{85: 12.3}`` or a ``summarize_days`` dict, drawn as
    dotted lines labelled ``"85% ≤ 12.3 d"``; ``sle_days``: the service level
    expectation, a solid red line.
    ``trend``: a rolling **median** of the last :func:`trend_window` items in
    done order (robust to the long right tail of cycle times, unlike a linear
    fit), drawn once :data:`TREND_MIN_POINTS` points are in the window.
    ``change_dates``: ``(date, label)`` process changes, dashed vertical lines.
    ``max_points``: with more items than this, a seeded random sample of
    ``max_points`` of them is drawn (the same input draws the same sample), the
    trend is computed over every item and shown at the drawn ones, and an
    annotation (``name="sample"``) says so. From :data:`WEBGL_FROM` drawn
    points on the dots use WebGL.
    """
    if is_empty(completed, *_SCATTER_COLUMNS):
        return empty_figure(title, "No completed items")
    done = to_wall(completed["done"], timezone).to_numpy()
    days = as_float_array(completed["cycle_time_days"])
    keep = np.flatnonzero(~np.isnan(days) & ~np.isnat(done))
    if keep.size == 0:
        return empty_figure(title, "No completed items with a cycle time")
    keep = keep[np.argsort(done[keep], kind="stable")]
    done, days = done[keep], days[keep]
    n = keep.size
    drawn = sample_rows(n, max_points)
    rows = keep[drawn]
    types = completed["type"].take(rows).astype("str").fillna("(none)").to_numpy(dtype=object)
    hover = item_customdata(completed["item_id"].take(rows), completed["title"].take(rows))
    x, y = done[drawn], days[drawn]

    fig = go.Figure()
    colours = type_colours(types)
    scatter = scatter_class(drawn.size)
    for work_type in sorted(set(types)):
        mine = types == work_type
        fig.add_trace(
            scatter(
                x=x[mine],
                y=y[mine],
                mode="markers",
                name=plotly_text(work_type),
                marker=dict(color=colours[str(work_type)], size=7, opacity=0.8),
                customdata=hover[mine],
                hovertemplate=(
                    ITEM_HOVER + "<br>Done %{x|%d %b %Y}<br>"
                    "Cycle time %{y:.1f} d<extra>%{fullData.name}</extra>"
                ),
            )
        )
    if trend:
        window = trend_window(n)
        rolling = pd.Series(days).rolling(window, min_periods=TREND_MIN_POINTS).median()
        line = rolling.to_numpy()[drawn]
        if np.isfinite(line).any():
            fig.add_trace(
                scatter(
                    x=x,
                    y=line,
                    mode="lines",
                    name=f"Rolling median ({window} items)",
                    line=dict(color="#222", width=2),
                    hovertemplate="Rolling median %{y:.1f} d<extra></extra>",
                )
            )

    top = _y_top(days, [v for _, v in percentile_items(percentiles)] + [finite(sle_days)])
    apply_layout(fig, title, "Done date", "Cycle time (days)", right_margin=100)
    set_layout(fig, yaxis=dict(range=[0, top], rangemode="tozero"))
    add_percentile_lines(fig, percentiles, sle_days, y_range=(0, top), plot_px=380 - 78 - 50)
    add_change_markers(fig, change_dates, timezone=timezone)
    if drawn.size < n:
        note = f"{drawn.size:,} of {n:,} items drawn (random sample); lines use every item"
        add_corner_note(fig, "sample", note, color=MUTED)
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
    lead times kept). The bins are counted here (left-closed: a bin from 3 to
    4 holds 3 ≤ days < 4) and drawn as bars, so the figure carries one number
    per bin rather than every value. ``percentiles`` (``{85: 12.3}`` or a
    ``summarize_days`` dict): dotted vertical lines named ``percentile:85``,
    labelled ``"85% ≤ 12.3 d"``.
    """
    data = as_float_array(values)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return empty_figure(title, "No data")
    edges, counts = day_bins(data)
    ranges = np.array([f"{a:g}–{b:g} d" for a, b in itertools.pairwise(edges)])
    fig = go.Figure(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            name="Items",
            marker=dict(color="#2f6fdf", line=dict(color="white", width=1)),
            customdata=ranges,
            hovertemplate="%{customdata}: %{y} items<extra></extra>",
            showlegend=False,
        )
    )
    apply_layout(fig, title, x_title, "Items", show_legend=False)
    set_layout(fig, bargap=0.05)
    for i, (q, value) in enumerate(percentile_items(percentiles)):
        add_vline(
            fig, value, f"{q}% ≤ {value:.1f} d", name=f"percentile:{q}", label_y=1.0 - 0.09 * i
        )
    return fig


def day_bins(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges and counts for :func:`days_histogram` (finite values only).

    Bins start at ``floor(min(values, 0))`` and are ``max(1, ceil(span / 60))``
    days wide, so about 60 bins at most; the last bin holds the maximum.
    """
    lo, hi = float(np.floor(min(data.min(), 0.0))), float(np.ceil(data.max()))
    size = max(1.0, float(np.ceil((hi - lo) / 60)))
    n_bins = int((hi - lo) // size) + 1
    which = np.minimum(((data - lo) // size).astype(np.int64), n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    return lo + size * np.arange(n_bins + 1), counts
