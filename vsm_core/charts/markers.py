"""Change markers: dashed, labelled vertical lines where the process changed.

Only markers inside the visible dates are drawn (a marker never stretches the axis),
labels are user text shown as typed, and labels are put in rows so that no two overlap;
what finds no row is listed under a "+N more" note.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import CHANGE_COLOUR, add_vertical_rule, plotly_text, x_value

#: Change-marker labels: at most this many rows under the top edge; label widths are
#: estimated at ``CHANGE_CHAR_PX`` per character on a plot at least ``CHANGE_PLOT_PX`` wide.
CHANGE_LABEL_ROWS = 4
CHANGE_CHAR_PX = 6.6
CHANGE_PLOT_PX = 640
CHANGE_ROW_STEP = 0.075


def _x_extent(fig: go.Figure) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The dates the figure's traces cover, padded by one step between their x values.

    A bar or heatmap cell drawn at a period start spans the period after it, so
    the last x value is widened by the typical step (a day, a week, a month).
    None when no trace has date x values (then markers are not filtered).
    """
    stamps = []
    for trace in fig.data:
        x = getattr(trace, "x", None)
        if x is None or getattr(trace, "orientation", None) == "h" or len(x) == 0:
            continue
        values = pd.Series(np.asarray(x, dtype=object))
        if pd.api.types.is_numeric_dtype(values):
            continue  # numbers (a histogram of days, a count axis) are not dates
        parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
        stamps.append(parsed.dropna().dt.tz_localize(None))
    if not stamps:
        return None
    every = pd.concat(stamps, ignore_index=True)
    if every.empty:
        return None
    distinct = np.sort(every.unique())
    step = pd.Timedelta(np.median(np.diff(distinct))) if len(distinct) > 1 else pd.Timedelta(0)
    step = max(step, pd.Timedelta(days=1)) * 1.05
    return pd.Timestamp(distinct[0]) - step, pd.Timestamp(distinct[-1]) + step


def visible_changes(
    change_dates: Iterable[tuple[Any, str]] | None,
    window: tuple[Any, Any] | None,
    *,
    timezone: str | None = None,
) -> list[tuple[str, str]]:
    """``(x text, label)`` of the markers whose date falls inside ``window`` (both ends
    included; ``None`` = every marker), in date order. Unreadable dates are skipped."""
    lo = hi = None
    if window is not None:
        lo, hi = (pd.Timestamp(x_value(end)) for end in window)
    kept = []
    for when, label in change_dates or ():
        try:
            x = x_value(when, timezone)
            stamp = pd.Timestamp(x)
        except (TypeError, ValueError):
            continue  # an unreadable date is skipped: a marker never breaks a chart
        if lo is not None and not lo <= stamp <= hi:
            continue
        kept.append((stamp, x, str(label)))
    kept.sort(key=lambda k: k[0])
    return [(x, label) for _, x, label in kept]


def label_rows(
    xs: list[pd.Timestamp], widths_px: list[float], span: tuple[Any, Any], plot_px: float
) -> list[int | None]:
    """The row (0 = top) of each label starting at ``xs`` (in date order) so that no two
    labels in a row overlap, or None when every one of ``CHANGE_LABEL_ROWS`` rows is taken
    at that point. ``span`` is the axis range the plot is ``plot_px`` wide over."""
    seconds = max((pd.Timestamp(span[1]) - pd.Timestamp(span[0])).total_seconds(), 1.0)
    per_px = seconds / plot_px
    ends = [-math.inf] * CHANGE_LABEL_ROWS  # right end (seconds) of the last label in each row
    rows: list[int | None] = []
    origin = pd.Timestamp(span[0])
    for x, width in zip(xs, widths_px, strict=True):
        start = (pd.Timestamp(x) - origin).total_seconds()
        row = next((r for r, end in enumerate(ends) if end < start), None)
        if row is not None:
            ends[row] = start + (width + 8) * per_px
        rows.append(row)
    return rows


def _place_labels(
    stamps: list[pd.Timestamp], widths_px: list[float], span: tuple[Any, Any], plot_px: float
) -> tuple[list[bool], list[int | None]]:
    """For each marker label: whether it is drawn leftwards from its line, and its row.

    A label that would run past the end of ``span`` is drawn leftwards when
    that runs less far past its start (plotly's autorange widens the axis to
    make room for annotations, so a recent change's label would otherwise push
    the axis past the data). Rows come from :func:`label_rows` over where each
    label starts.
    """
    start, end = pd.Timestamp(span[0]), pd.Timestamp(span[1])
    per_px = max((end - start).total_seconds(), 1.0) / plot_px
    sizes = [pd.Timedelta(seconds=(width + 8) * per_px) for width in widths_px]
    leftward = [
        stamp + size > end and start - (stamp - size) < stamp + size - end
        for stamp, size in zip(stamps, sizes, strict=True)
    ]
    starts = [
        stamp - size if left else stamp
        for stamp, size, left in zip(stamps, sizes, leftward, strict=True)
    ]
    order = sorted(range(len(starts)), key=starts.__getitem__)
    placed = label_rows([starts[i] for i in order], [widths_px[i] for i in order], span, plot_px)
    rows: list[int | None] = [None] * len(starts)
    for index, row in zip(order, placed, strict=True):
        rows[index] = row
    return leftward, rows


def add_change_markers(
    fig: go.Figure,
    change_dates: Iterable[tuple[Any, str]] = (),
    *,
    timezone: str | None = None,
    window: tuple[Any, Any] | None = None,
) -> go.Figure:
    """Draw each ``(date or timestamp, label)`` inside the chart's dates as a labelled
    dashed vertical line.

    For time-axis charts only (the x axis must be a date axis). Only markers
    inside ``window`` (``(first, last)``) are drawn; without one, inside the
    dates the figure's traces cover (padded by one period), so a marker never
    stretches the axis. Labels are user text, shown as typed
    (:func:`plotly_text`), drawn leftwards of their line near the right end (so
    they widen the axis as little as they can), put in rows under the top edge so
    that no two overlap; a marker with no free row keeps its line and is listed in the hover of a
    ``"+N more"`` note in the top right corner. Shapes and annotations are named
    ``"change"``. Tz-aware timestamps are shown at their wall-clock time in
    ``timezone`` (their own zone when ``None``). Returns ``fig``.
    """
    if window is None:
        window = _x_extent(fig)
    markers = visible_changes(change_dates, window, timezone=timezone)
    if not markers:
        return fig
    stamps = [pd.Timestamp(x) for x, _ in markers]
    span = window or (min(stamps), max(stamps) + pd.Timedelta(days=1))
    plot_px = max(float(fig.layout.width or 0) - 120, CHANGE_PLOT_PX)
    widths = [len(label) * CHANGE_CHAR_PX for _, label in markers]
    leftward, rows = _place_labels(stamps, widths, span, plot_px)
    unplaced = []
    for (x, label), left, row in zip(markers, leftward, rows, strict=True):
        add_vertical_rule(fig, x, name="change", colour=CHANGE_COLOUR, dash="dash", width=1.5)
        if row is None:
            unplaced.append(f"{x[:10]}: {plotly_text(label)}")
            continue
        fig.add_annotation(
            name="change",
            text=plotly_text(label),
            hovertext=f"{x[:10]}: {plotly_text(label)}",
            xref="x",
            x=x,
            xanchor="right" if left else "left",
            yref="paper",
            y=1.0 - CHANGE_ROW_STEP * row,
            yanchor="top",
            showarrow=False,
            font=dict(size=11, color=CHANGE_COLOUR),
            bgcolor="rgba(255,255,255,0.8)",
        )
    if unplaced:
        fig.add_annotation(
            name="change:more",
            text=f"+{len(unplaced)} more change{'s' if len(unplaced) > 1 else ''}",
            hovertext="<br>".join(unplaced),
            xref="paper",
            x=1.0,
            xanchor="right",
            yref="paper",
            y=1.0 - CHANGE_ROW_STEP * CHANGE_LABEL_ROWS,
            yanchor="top",
            showarrow=False,
            font=dict(size=11, color=CHANGE_COLOUR),
            bgcolor="rgba(255,255,255,0.8)",
        )
    return fig
