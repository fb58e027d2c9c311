"""Figures inside a self-contained HTML report (the Check-in and Retrospective exports)."""

from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go

from vsm_core.charts.common import CONFIG


def figure_divs(figures: Iterable[go.Figure]) -> list[str]:
    """One ``<div class="chart">`` per figure, sized by its container.

    plotly.js is inlined once, in the first figure, so the report works offline
    and fetches nothing; the mode bar is off (a printed report has no use for it).
    """
    config = {**CONFIG, "responsive": True, "displayModeBar": False}
    return [
        '<div class="chart">'
        + figure.to_html(
            full_html=False,
            include_plotlyjs=index == 0,
            include_mathjax=False,
            config=config,
            default_height="100%",
            default_width="100%",
        )
        + "</div>"
        for index, figure in enumerate(figures)
    ]
