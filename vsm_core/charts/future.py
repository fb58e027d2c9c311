"""The future-state map beside the current one (issue #14): tables in, a figure out.

Two horizontal bars, **Now** (measured) on top and **Future** (simulated with the
changes) beneath, each cut into the stages of its map in map order. A segment's length is
the stage's days per finished item on average: ``mean_days`` (per item that visited it)
× ``visited_share``, so a bar's length is the mean time from start to done spent in the
map's stages. Active stages are blue, waiting stages (queues) orange, as on the value
stream map. Each segment is labelled with its stage and days; the hover adds the median,
the share of items that visited it and, for the future, its average work in progress.

Stage names are user text: they enter the figure once through :func:`plotly_text`
(segment labels, ``customdata``), never through a hover template. Segments are named
``segment:<state>:<stage>``; the totals annotation of each bar ``total:<state>``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    CATEGORY_COLOURS,
    MUTED,
    apply_layout,
    empty_figure,
    is_empty,
    plotly_text,
    set_layout,
)

TITLE = "Now and future: days in each stage per finished item"
STATES: tuple[str, ...] = ("Now", "Future")
#: Segments narrower than this share of the longest bar get no label (it would not fit).
MIN_LABEL_SHARE = 0.06

_HOVER = (
    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
    "%{x:.1f} days per finished item<br>"
    "median %{customdata[2]} days for the items that visited it<br>"
    "visited by %{customdata[3]} of the items%{customdata[4]}<extra>%{y}</extra>"
)


def map_segments(maps: pd.DataFrame) -> pd.DataFrame:
    """The segments of both bars: ``state``, ``stage``, ``category``, ``days`` (per finished
    item: mean days × visited share, 0 when missing), ``median_days``, ``visited_share``,
    ``wip_mean``, in the table's order (vectorised over the rows)."""
    out = maps.loc[:, ["state", "stage", "category", "median_days", "visited_share", "wip_mean"]]
    mean = pd.to_numeric(maps["mean_days"], errors="coerce").to_numpy(dtype="float64")
    share = pd.to_numeric(maps["visited_share"], errors="coerce").to_numpy(dtype="float64")
    return out.assign(days=np.nan_to_num(mean * share, nan=0.0))


def future_map_chart(maps: pd.DataFrame) -> go.Figure:
    """Now and future as two stacked bars of stage segments (module docstring).

    ``maps``: ``FutureDesign.maps()`` (columns ``state`` then ``stage``, ``category``,
    ``median_days``, ``mean_days``, ``visited_share``, ``wip_mean``).
    """
    if is_empty(maps, "state", "stage", "mean_days"):
        return empty_figure(TITLE, "No finished items to draw")
    segments = map_segments(maps)
    fig = go.Figure()
    longest = float(segments.groupby("state")["days"].sum().max() or 0.0)
    for row in segments.itertuples(index=False):  # a loop over the few stages of two maps
        fig.add_trace(_segment(row, longest))
    for state in STATES:
        total = float(segments.loc[segments["state"] == state, "days"].sum())
        fig.add_annotation(
            name=f"total:{state}",
            x=total,
            y=state,
            xanchor="left",
            showarrow=False,
            text=f"  {total:.1f} days",
            font=dict(color=MUTED, size=12),
        )
    apply_layout(fig, TITLE, "Days per finished item (mean)", None, height=280, show_legend=False)
    set_layout(
        fig,
        barmode="stack",
        bargap=0.35,
        margin=dict(l=70, r=90, t=60, b=50),
        yaxis=dict(categoryorder="array", categoryarray=list(reversed(STATES))),
    )
    return fig


def _segment(row, longest: float) -> go.Bar:
    name = plotly_text(row.stage)
    share = row.visited_share if pd.notna(row.visited_share) else None
    wip = row.wip_mean if pd.notna(row.wip_mean) else None
    label = f"{name}<br>{row.days:.1f}" if longest and row.days >= MIN_LABEL_SHARE * longest else ""
    colour = CATEGORY_COLOURS.get(str(row.category), CATEGORY_COLOURS["backlog"])
    customdata = [
        [
            name,
            "queue" if row.category == "waiting" else "active",
            "" if pd.isna(row.median_days) else f"{row.median_days:.1f}",
            "" if share is None else f"{share:.0%}",
            "" if wip is None else f"<br>{wip:.1f} items in it on average",
        ]
    ]
    return go.Bar(
        name=f"segment:{row.state}:{name}",
        x=[row.days],
        y=[row.state],
        orientation="h",
        marker=dict(color=colour, line=dict(color="white", width=1.5)),
        text=[label],
        textposition="inside",
        insidetextanchor="middle",
        textfont=dict(color="white", size=11),
        customdata=customdata,
        hovertemplate=_HOVER,
        showlegend=False,
    )
