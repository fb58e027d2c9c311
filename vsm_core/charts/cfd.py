"""Cumulative flow diagram."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from vsm_core.charts.common import (
    apply_layout,
    empty_figure,
    is_empty,
    plotly_text,
    set_layout,
    stage_colours,
    to_wall,
)
from vsm_core.charts.markers import add_change_markers

# Stacking position of terminal categories: cancelled lowest, then done, then the rest.
_BOTTOM = {"cancelled": 0, "done": 1}
#: The bands :func:`cfd_chart` leaves out with ``in_progress_only``: the finished
#: (done, cancelled) and the not yet started (backlog) items.
OUTSIDE_PROGRESS = ("done", "cancelled", "backlog")


def cfd_stack_order(stages: list[str], stage_categories: Mapping[str, Any]) -> list[str]:
    """Stages bottom-to-top: cancelled, done, then the others in reverse workflow order.

    Reverse workflow order puts the first stage (backlog) on top, so the top
    line is all arrivals; done (and cancelled) at the bottom make the top of
    the done band the departures line.
    """
    rank = {
        stage: (_BOTTOM.get(str(stage_categories.get(stage, "")).lower(), 2), -i)
        for i, stage in enumerate(stages)
    }
    return sorted(stages, key=lambda stage: rank[stage])


def cfd_chart(
    cfd: pd.DataFrame,
    *,
    stage_categories: Mapping[str, Any] | None = None,
    change_dates: Iterable[tuple[Any, str]] = (),
    in_progress_only: bool = False,
    title: str | None = None,
) -> go.Figure:
    """Stacked areas of the items in each stage per day (one trace per stage).

    ``cfd``: ``date`` then one count column per stage in workflow order.
    ``stage_categories``: ``{stage: category}`` (``backlog``, ``active``,
    ``waiting``, ``done``, ``cancelled``; a :class:`~vsm_core.model.Category`
    works too) for the colours: done green, active blues, waiting
    ambers/oranges, backlog grey, cancelled light grey. Traces are added in
    :func:`cfd_stack_order` (bottom first); the legend lists them top first.

    ``in_progress_only``: leave out the bands of the categories in
    :data:`OUTSIDE_PROGRESS` (done, cancelled, backlog), so the remaining
    bands stack from zero and their top line is the work in progress; the
    title says so. Those bands usually dwarf the others.
    """
    if title is None:
        title = "Cumulative flow, work in progress only" if in_progress_only else "Cumulative flow"
    categories = {str(k): str(v).lower() for k, v in (stage_categories or {}).items()}
    stages = [str(c) for c in getattr(cfd, "columns", []) if str(c) != "date"]
    if in_progress_only:
        stages = [s for s in stages if categories.get(s, "") not in OUTSIDE_PROGRESS]
    if is_empty(cfd, "date") or not stages:
        return empty_figure(title, "No days to show")
    colours = stage_colours({stage: categories.get(stage, "backlog") for stage in stages})
    x = to_wall(cfd["date"])
    fig = go.Figure()
    for stage in cfd_stack_order(stages, categories):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=cfd[stage],
                name=plotly_text(stage),
                mode="lines",
                stackgroup="cfd",
                line=dict(width=0.6, color=colours[stage]),
                fillcolor=colours[stage],
                hovertemplate="%{fullData.name}: %{y}<extra></extra>",
            )
        )
    apply_layout(fig, title, "Date", "Items (cumulative)")
    set_layout(fig, hovermode="x unified", legend=dict(traceorder="reversed"))
    add_change_markers(fig, change_dates)
    return fig
