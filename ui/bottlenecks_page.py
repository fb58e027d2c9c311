"""Bottlenecks page body: where work waits, in words, then one view at a time (tabs): a
heatmap week by week, time in stage, rework and a value stream map.

Figures are cached under the view's cache key plus their own inputs (see
:func:`ui.panels.cached_figure`), so a rerun that changes none of them
builds none.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.metrics_state import bottleneck_view_key, change_markers, get_bottleneck_view
from ui.panels import cached_figure, chart_panel
from ui.plain import md
from ui.state import Selection
from ui.view_tabs import open_view
from vsm_core.charts.bottlenecks import rework_chart, stage_week_heatmap_chart
from vsm_core.charts.markers import visible_changes
from vsm_core.charts.value_stream import value_stream_map
from vsm_core.metrics.views import BottleneckView

#: The time-in-stage table's numbers and their headings.
STAGE_COLUMNS = {
    "p50": "Median (days)",
    "p85": "85th percentile (days)",
    "mean": "Mean (days)",
    "total": "Total (days)",
}
MEASURES = {"Median time in stage": "median_days", "Average WIP in stage": "avg_wip"}
#: The page's views, in tab order; the first is the default. The open one is in the address
#: (``?view=Rework``; see :mod:`ui.view_tabs`).
VIEWS: tuple[str, ...] = ("Week by week", "Time in stage", "Rework", "Value stream map")


def render_bottlenecks(selection: Selection) -> None:
    if selection.version_id is None:
        st.info("No dataset yet. Go to **Import** to upload your team's export.")
        return
    view = get_bottleneck_view(selection)
    view_key = bottleneck_view_key(selection)
    _in_words(view)
    # One view at a time, named in the address (?view=Rework); only the open one is built.
    name, tab = open_view(VIEWS, page="bottlenecks")
    with tab:
        if name == "Week by week":
            _heatmap(view, view_key, selection)
        elif name == "Time in stage":
            _time_in_stage(view)
        elif name == "Rework":
            _rework(view, view_key)
        else:
            _value_stream(view, view_key)


def _rework(view: BottleneckView, view_key: tuple) -> None:
    chart_panel(
        cached_figure((*view_key, "rework"), lambda: rework_chart(view.rework)),
        key="rework",
        definition="Backward moves (to an earlier stage) per pair of stages, over all items in "
        "scope: rework, or items sent back.",
        data=view.rework,
    )


def _value_stream(view: BottleneckView, view_key: tuple) -> None:
    chart_panel(
        cached_figure(
            (*view_key, "value_stream"),
            lambda: value_stream_map(view.value_stream, rework=view.rework),
        ),
        key="value_stream",
        definition="Current state over completed items: each active stage with its median "
        "work time, each waiting stage as a queue with its median wait. One flow efficiency "
        "for the ladder and the box: time in active stages ÷ cycle time, summed over the "
        "completed items; the ladder's right end shows the work and wait of the mean item "
        "(start to done), whose ratio is the box's figure. Value-added time: the time in "
        "stages that add value (the active ones unless the workflow says otherwise) between "
        "start and done, mean per item; process cycle efficiency: its sum ÷ the sum of lead "
        "times (created to done). Dotted arcs: backward moves "
        "(rework) from a later stage to an earlier one, with their count.",
        data=pd.DataFrame(view.value_stream.get("stages", [])),
    )


def bottleneck_sentence(bottleneck: dict | None, completed: int) -> str:
    """The bottleneck in plain words (or why there is none)."""
    if not bottleneck:
        return "No completed items in this selection, so no bottleneck can be named yet."
    stage = md(bottleneck["stage"])
    share = f"{bottleneck['share']:.0%} of the cycle time of the {completed} completed items"
    if bottleneck["category"] == "waiting":
        return f"Work waits longest in **{stage}**, a queue: {share} was spent there."
    return (
        f"Most time goes into **{stage}**, an active stage: {share} was spent "
        "there. Check whether items are blocked or waiting while they sit in it."
    )


def _in_words(view: BottleneckView) -> None:
    st.subheader("The bottleneck")
    st.markdown(bottleneck_sentence(view.bottleneck, view.completed))
    st.caption(
        "Among stages at or after the commitment point that are active or waiting: the one "
        "where completed items spent the largest total time between start and done, divided by "
        "the sum of their cycle times."
    )


def _heatmap(view: BottleneckView, view_key: tuple, selection: Selection) -> None:
    st.subheader("Where work waits, week by week")
    left, right = st.columns([2, 3])
    label = left.radio("Show", list(MEASURES), horizontal=True, key=f"heat_{selection.version_id}")
    early = right.checkbox(
        "Include stages before the commitment point",
        key=f"heat_early_{selection.version_id}",
        help="Backlog stays last weeks and would dominate the colour scale.",
    )
    per_row = right.toggle(
        "Colour each stage on its own scale",
        key=f"heat_per_row_{selection.version_id}",
        help="Each row from its lowest week (light) to its highest (dark), so one busy stage "
        "does not wash out the others. Colours then compare weeks within a stage, not stages.",
    )
    heat = view.heatmap
    if not early:
        committed = set(view.value_stream.get("stages_in_scope") or []) or {
            s["stage"] for s in view.value_stream.get("stages", [])
        }
        heat = heat[heat["stage"].isin(committed)] if committed else heat
    measure = MEASURES[label]
    changes = tuple(visible_changes(change_markers(selection), selection.window))
    chart_panel(
        cached_figure(
            (*view_key, "heatmap", measure, early, per_row, changes),
            lambda: stage_week_heatmap_chart(
                heat, measure=measure, change_dates=changes, per_row=per_row
            ),
        ),
        key=f"heatmap_{measure}",
        definition=(
            "Median over items of the time each spent in the stage during that week (days, at "
            "most 7), among items that were in the stage that week."
            if measure == "median_days"
            else "Average number of items in the stage during the week (item-days ÷ days)."
        )
        + (
            " Colour scaled per stage: each row from its lowest week to its highest."
            if per_row
            else ""
        ),
        data=heat,
    )


def _time_in_stage(view: BottleneckView) -> None:
    st.subheader("Time in stage (completed items)")
    rows = [
        {"stage": stage, **{k: stats[k] for k in STAGE_COLUMNS}}
        for stage, stats in view.time_in_stage.items()
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            "stage": "Stage",
            **{
                k: st.column_config.NumberColumn(label, format="%.1f")
                for k, label in STAGE_COLUMNS.items()
            },
        },
    )
    st.caption(
        "Sum of each item's stays in the stage (re-entries add up), over the completed items "
        "that visited it; done and cancelled stages count zero."
    )
