"""Home page body: headline metrics and weekly throughput of the selection."""

from __future__ import annotations

import math

import streamlit as st

from ui.metrics_state import get_home_summary
from ui.plain import md
from ui.state import Selection
from vsm_core.charts.throughput import weekly_throughput_chart


def _days(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f} d"


def render_home(selection: Selection) -> None:
    summary = get_home_summary(selection)
    if summary is None:
        st.info("No dataset yet. Go to **Import** to upload your team's export.")
        return
    info = selection.dataset
    st.subheader(f"{md(info.name)} · version {selection.version}")
    st.caption(
        f"{summary.items} items ({md(summary.filter_text)}) · data up to "
        f"{summary.as_of:%d %b %Y %H:%M} UTC"
        if summary.as_of is not None
        else f"{summary.items} items, no events yet"
    )
    row = st.columns(6)
    row[0].metric("Items", summary.items)
    row[1].metric("Completed", summary.completed, help="Done inside the date window.")
    row[2].metric("In progress", summary.in_progress, help="Started, not done, not cancelled.")
    row[3].metric(
        "Cycle time p50",
        _days(summary.cycle_time_p50),
        help="Median of done − start, in fractional days (elapsed time).",
    )
    row[4].metric(
        "Cycle time p85",
        _days(summary.cycle_time_p85),
        help="85% of items finished within this many days (elapsed time).",
    )
    row[5].metric(
        "Throughput",
        "–"
        if math.isnan(summary.throughput_per_week)
        else f"{summary.throughput_per_week:.1f} /wk",
        help="Mean completed items per week (Monday start), zero weeks included.",
    )
    st.plotly_chart(weekly_throughput_chart(summary.weekly), key="home_throughput")
    st.caption(
        "Start = first entry into the commitment stage or later (active/waiting); "
        "done = entry into the final run of done stages. "
        f"{summary.not_started} not started, {summary.cancelled} cancelled (excluded)."
    )
