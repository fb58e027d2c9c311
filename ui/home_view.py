"""Home page body: the selection's story on one screen.

In order: the window at a glance (items by state, completed items, cycle time,
throughput); how the window's last four weeks compare with the four weeks before
(the Check-in's flow summary, :func:`ui.checkin_page.flow_measures`); how many items
in progress are at risk of the service level expectation, with a link to the aging
view; the experiments under way with their verdict so far and review date; and the
weekly throughput with the process changes (experiments' change dates) inside the
window. The numbers come from one cached core call
(:func:`vsm_core.summary.home_summary` through :func:`ui.metrics_state.get_home_summary`).
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from ui.flow_measures import flow_measures
from ui.home_state import running_experiments
from ui.metrics_state import change_markers, get_home_summary
from ui.plain import md
from ui.state import Selection
from ui.url_state import link_params
from vsm_core.charts.throughput import weekly_throughput_chart
from vsm_core.experiments.checkin import verdict_label
from vsm_core.experiments.checkin_flow import FlowSummary, period_words
from vsm_core.summary import HomeSummary

#: The Flow metrics page and its aging view (``?view=`` names the open tab).
FLOW_PAGE, AGING_VIEW = "pages/flow_metrics.py", "Aging"
EXPERIMENTS_PAGE = "pages/experiments.py"


def _days(value: float) -> str | None:
    """``"12.3 d"``; None (Streamlit's dash) when there is no value."""
    return None if math.isnan(value) else f"{value:.1f} d"


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
    _headline(summary)
    if summary.lately is not None:
        _lately(summary.lately)
    _risk_and_experiments(summary, selection)
    _throughput(summary, selection)


def _headline(summary: HomeSummary) -> None:
    """The window at a glance: counts by state now, completed items and their cycle time."""
    # Two rows of four (the width of the measures below): six in one row cut "Cycle time,
    # 85th percentile" to "Cycle time, 85t…" at 1280 px.
    row = [*st.columns(4), *st.columns(4)]
    row[0].metric("Items", summary.items)
    row[1].metric("Completed", summary.completed, help="Done inside the date window.")
    row[2].metric("In progress", summary.in_progress, help="Started, not done, not cancelled.")
    row[4].metric(
        "Cycle time, median",
        _days(summary.cycle_time_p50),
        help="Half of the items done in the window took at most this many days from start "
        "to done (median, elapsed time).",
    )
    row[5].metric(
        "Cycle time, 85th percentile",
        _days(summary.cycle_time_p85),
        help="85 % of the items done in the window took at most this many days from start "
        "to done (85th percentile, elapsed time).",
    )
    row[3].metric(
        "Done / week",
        None if math.isnan(summary.throughput_per_week) else f"{summary.throughput_per_week:.1f}",
        help="Items done per week (Monday start) in the window, weeks without any included.",
    )


def _lately(lately: FlowSummary) -> None:
    """The window's last weeks against the period of the same length before them."""
    (start, end), (before_start, before_end) = lately.period, lately.previous_period
    days = (end - start).days + 1
    name = period_words(days).removeprefix("the ").removesuffix(" before")
    st.markdown(
        f"**The last {name} of the window** ({start:%d %b} to {end:%d %b %Y}), "
        f"{lately.completed} items finished, against {period_words(days)} "
        f"({before_start:%d %b} to {before_end:%d %b %Y})"
    )
    flow_measures(lately)
    st.markdown(md(lately.bottleneck_text))
    st.caption(
        "Each change is against the previous period of the same length, as on Check-in; "
        "green is better, red worse. No change is shown when the data starts too late to "
        "compare."
    )


def _risk_and_experiments(summary: HomeSummary, selection: Selection) -> None:
    """The count of items at risk of the SLE, and the experiments under way."""
    rows = running_experiments(selection)
    left, right = st.columns(2)
    with left:
        st.metric(
            "Items at risk of the SLE",
            summary.at_risk if summary.sle_days is not None else None,
            help="Items in progress that have used at least 70 % of the service level "
            "expectation (SLE) or passed it. The SLE is the Flow metrics page's default: "
            "the 85th percentile of the window's cycle times.",
        )
        st.caption(_risk_words(summary))
        st.page_link(
            FLOW_PAGE,
            label="See them on Flow metrics, Aging",
            query_params=link_params(st.session_state, view=AGING_VIEW),  # same selection
            icon=":material/arrow_forward:",
        )
    with right:
        st.metric(
            "Experiments under way",
            len(rows),
            help="Experiments on this dataset that are running or awaiting their review.",
        )
        st.page_link(
            EXPERIMENTS_PAGE,
            label="Open Experiments",
            icon=":material/arrow_forward:",
            query_params=link_params(st.session_state),
        )
    if len(rows):
        st.dataframe(experiments_table(rows), hide_index=True, width="stretch")
        st.caption(
            "Verdict so far: today's answer on the latest data, by each experiment's own "
            "comparison method. A review date that has passed reads “overdue”."
        )


def _risk_words(summary: HomeSummary) -> str:
    """``"2 older than the SLE of 12.3 days, 3 close to it (70 % of it or more)."``"""
    if summary.sle_days is None:
        return "No SLE yet: no item was done in the window."
    sle = f"the SLE of {summary.sle_days:.1f} days"
    if summary.at_risk == 0:
        return f"Every item in progress is younger than 70 % of {sle}."
    closing = summary.at_risk - summary.breached
    older = f"{summary.breached} older than {sle}" if summary.breached else f"No item is past {sle}"
    return f"{older}, {closing} close to it (70 % or more)."


def experiments_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The experiments under way as Home lists them (empty cells empty)."""
    return pd.DataFrame(
        {
            "#": rows["id"],
            "Experiment": rows["title"],
            "Status": rows["status"],
            "Verdict so far": [verdict_label(v) for v in rows["verdict"]],
            "Review date": [
                "" if pd.isna(d) else f"{d:%d %b %Y}" + (" (overdue)" if late else "")
                for d, late in zip(rows["review_date"], rows["review_overdue"], strict=True)
            ],
        }
    )


def _throughput(summary: HomeSummary, selection: Selection) -> None:
    """Weekly throughput with the process changes inside the window, and its definition."""
    figure = weekly_throughput_chart(
        summary.weekly, change_dates=change_markers(selection), window=summary.window
    )
    st.plotly_chart(figure, key="home_throughput")
    st.caption(
        "Items done per week. Start = first entry into the commitment stage or later "
        "(active/waiting); done = entry into the final run of done stages. Dashed lines: "
        "process changes (an experiment's change date) inside the window. "
        f"{summary.not_started} not started, {summary.cancelled} cancelled (excluded)."
    )
