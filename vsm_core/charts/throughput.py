"""Throughput charts: the run chart of items completed per period and its histogram."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
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


def weekly_throughput_chart(
    weekly: pd.DataFrame,
    *,
    title: str = "Weekly throughput",
    change_dates: Iterable[tuple[Any, str]] = (),
    window: tuple[Any, Any] | None = None,
) -> go.Figure:
    """Bars of completed items per week (``week_start``, ``count``) with their mean as a line.

    ``change_dates``: ``(date, label)`` process changes drawn as labelled dashed
    lines (:func:`add_change_markers`: only those inside ``window``, the first
    and last day shown, else inside the weeks drawn; labels never overlap).
    """
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
            annotation_text=f"mean {mean:.1f} / week",
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
    if len(weekly):
        add_change_markers(figure, change_dates, window=window)
    return figure


_PERIOD_WORDS = {"day": "day", "week": "week", "month": "month"}


def _period_word(freq_label: str) -> str:
    return _PERIOD_WORDS.get(str(freq_label).lower(), str(freq_label) or "period")


def throughput_run_chart(
    series: pd.DataFrame,
    by_type: pd.DataFrame | None = None,
    *,
    freq_label: str = "week",
    change_dates: Iterable[tuple[Any, str]] = (),
    title: str | None = None,
) -> go.Figure:
    """Items completed per period: bars (stacked by type when ``by_type`` is given).

    ``series``: ``period_start`` (date) and ``count``; ``by_type``: the same
    periods long by ``type`` (``period_start, type, count``) or ``None``.
    When stacked, the period total is drawn as a line over the bars (with plain
    bars the bars are the total). A dotted line shows the mean per period.
    ``freq_label``: ``"day"``, ``"week"`` or ``"month"`` (bars then span their
    whole period, so change markers fall inside the right bar) or any word
    used in the titles. ``change_dates``: ``(date, label)`` dashed lines.
    """
    word = _period_word(freq_label)
    title = title or f"Throughput per {word}"
    if is_empty(series, "period_start", "count"):
        return empty_figure(title, "No periods to show")
    series = series.sort_values("period_start", kind="stable")
    x = to_wall(series["period_start"])
    period = period_options(freq_label, series["period_start"].iloc[0])
    fig = go.Figure()
    stacked = not is_empty(by_type, "period_start", "type", "count")
    if stacked:
        colours = type_colours(by_type["type"])
        for work_type, rows in by_type.groupby("type", sort=True):
            rows = rows.sort_values("period_start", kind="stable")
            fig.add_trace(
                go.Bar(
                    x=to_wall(rows["period_start"]),
                    y=rows["count"],
                    name=plotly_text(work_type),
                    marker_color=colours[str(work_type)],
                    hovertemplate="%{fullData.name}: %{y}<extra></extra>",
                    **period,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=series["count"],
                mode="lines+markers",
                name="Total",
                line=dict(color="#222", width=1.5),
                marker=dict(size=5),
                hovertemplate="Total: %{y}<extra></extra>",
                **period,
            )
        )
    else:
        fig.add_trace(
            go.Bar(
                x=x,
                y=series["count"],
                name="Completed",
                marker_color="#2f6fdf",
                hovertemplate="%{y} completed<extra></extra>",
                **period,
            )
        )
    apply_layout(fig, title, f"{word.capitalize()} starting", f"Items completed per {word}")
    set_layout(fig, barmode="stack", bargap=0.15, hovermode="x unified")
    mean_line(fig, series["count"], "mean {:.1f} / " + word)
    add_change_markers(fig, change_dates)
    return fig


def throughput_histogram(
    series: pd.DataFrame, *, freq_label: str = "week", title: str | None = None
) -> go.Figure:
    """How many periods had 0, 1, 2... items completed (``series``: ``period_start, count``).

    x = items completed in a period, y = number of periods; every count from
    0 to the maximum is shown, so empty periods are visible.
    """
    word = _period_word(freq_label)
    title = title or f"How many items were completed per {word}"
    if is_empty(series, "count"):
        return empty_figure(title, "No periods to show")
    counts = pd.to_numeric(series["count"], errors="coerce").dropna().astype("int64")
    if counts.empty:
        return empty_figure(title, "No periods to show")
    frequency = counts.value_counts().reindex(range(int(counts.max()) + 1), fill_value=0)
    fig = go.Figure(
        go.Bar(
            x=frequency.index.to_numpy(),
            y=frequency.to_numpy(),
            name=f"{word.capitalize()}s",
            marker_color="#2f6fdf",
            hovertemplate=f"%{{y}} {word}s with %{{x}} items completed<extra></extra>",
            showlegend=False,
        )
    )
    apply_layout(
        fig, title, f"Items completed in a {word}", f"Number of {word}s", show_legend=False
    )
    set_layout(fig, xaxis=dict(dtick=1 if len(frequency) <= 30 else None), bargap=0.1)
    return fig
