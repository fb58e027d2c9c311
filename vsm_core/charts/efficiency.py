"""Flow efficiency histogram."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    apply_layout,
    as_float_array,
    empty_figure,
    finite,
    is_empty,
    plotly_text,
    set_layout,
)

BIN_PERCENT = 5  # bin width in percentage points
_IDS_IN_HOVER = 6


def efficiency_histogram(
    per_item: pd.DataFrame,
    *,
    ratio_of_sums: float | None = None,
    mean_of_ratios: float | None = None,
    title: str = "Flow efficiency of completed items",
) -> go.Figure:
    """How many items had each flow efficiency (x in %, bins of :data:`BIN_PERCENT` points).

    ``per_item``: ``item_id`` and ``efficiency`` (a ratio 0..1; values above 1
    fall in the last bin). ``ratio_of_sums`` (Σ active / Σ cycle time) and
    ``mean_of_ratios`` (mean of the items' ratios), both ratios 0..1, are drawn
    as vertical lines, each a legend entry with its value. A bar's hover lists
    the first item ids in it.
    """
    if is_empty(per_item, "item_id", "efficiency"):
        return empty_figure(title, "No completed items with a cycle time")
    ids = per_item["item_id"].astype("str").to_numpy(dtype=object)
    percent = as_float_array(per_item["efficiency"]) * 100
    keep = np.isfinite(percent)
    ids, percent = ids[keep], np.clip(percent[keep], 0, 100)
    if percent.size == 0:
        return empty_figure(title, "No completed items with a cycle time")
    edges = np.arange(0, 100 + BIN_PERCENT, BIN_PERCENT)
    which = np.minimum((percent // BIN_PERCENT).astype(int), len(edges) - 2)
    counts = np.bincount(which, minlength=len(edges) - 1)
    order = np.argsort(which, kind="stable")  # items grouped by bin, in table order
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    members = [
        _ids_text(ids[order[start : start + _IDS_IN_HOVER]], int(count))
        for start, count in zip(first, counts, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=edges[:-1] + BIN_PERCENT / 2,
            y=counts,
            width=BIN_PERCENT * 0.95,
            name="Items",
            marker_color="#2f6fdf",
            customdata=np.column_stack([edges[:-1], edges[1:], members]),
            hovertemplate=(
                "%{customdata[0]}–%{customdata[1]}%: %{y} items<br>%{customdata[2]}<extra></extra>"
            ),
        )
    )
    top = max(int(counts.max()), 1) * 1.1
    for name, value, dash, colour in (
        ("Ratio of sums", ratio_of_sums, "solid", "#d62728"),
        ("Mean of ratios", mean_of_ratios, "dash", "#222"),
    ):
        number = finite(value)
        if number is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=[number * 100, number * 100],
                y=[0, top],
                mode="lines",
                name=f"{name}: {number:.0%}",
                line=dict(color=colour, dash=dash, width=2),
                hovertemplate=f"{name} {number:.1%}<extra></extra>",
            )
        )
    apply_layout(fig, title, "Flow efficiency (% of cycle time in active stages)", "Items")
    set_layout(
        fig, xaxis=dict(range=[0, 100], ticksuffix="%", dtick=10), yaxis=dict(range=[0, top])
    )
    return fig


def _ids_text(shown: np.ndarray, total: int) -> str:
    """The first item ids of a bin (``shown``), then ``… (+N)`` for the other ones."""
    if total == 0:
        return ""
    text = ", ".join(plotly_text(i) for i in shown)
    more = total - len(shown)
    return text + (f" … (+{more})" if more > 0 else "")
