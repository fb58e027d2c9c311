"""Flow metrics page body: controls, headline, and one tab per family of charts."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import streamlit as st

from ui.metrics_state import change_markers, get_flow_view
from ui.panels import chart_panel
from ui.state import Selection
from vsm_core.charts.aging import age_run_chart, aging_wip_chart
from vsm_core.charts.cfd import cfd_chart
from vsm_core.charts.cycle_time import cycle_time_scatter, days_histogram
from vsm_core.charts.distribution import distribution_chart
from vsm_core.charts.efficiency import efficiency_histogram
from vsm_core.charts.throughput import throughput_histogram, throughput_run_chart
from vsm_core.charts.wip import net_flow_chart, wip_run_chart
from vsm_core.charts.xmr import xmr_chart
from vsm_core.metrics.aging import items_at_risk
from vsm_core.metrics.views import FlowView, xmr_table

MODES = {"Elapsed days": "elapsed", "Calendar days, inclusive": "inclusive"}
AS_OF = ("Last event in the data", "Now", "A date")
FREQS = {"Week": "week", "Day": "day", "Month": "month"}


def render_flow_metrics(selection: Selection) -> None:
    if selection.version_id is None:
        st.info("No dataset yet. Go to **Import** to upload your team's export.")
        return
    mode, as_of, freq, sle_slot = _controls(selection)
    view = get_flow_view(selection, mode=mode, as_of=as_of, freq=freq)
    changes = change_markers(selection)
    with sle_slot:
        sle = _sle_input(view, selection)
    _headline(view)
    tabs = st.tabs(
        [
            "Cycle time",
            "Throughput",
            "WIP & cumulative flow",
            "Aging",
            "Efficiency & mix",
            "Process behaviour",
        ]
    )
    with tabs[0]:
        _cycle_time(view, sle, changes)
    with tabs[1]:
        _throughput(view, changes)
    with tabs[2]:
        _wip(view, changes)
    with tabs[3]:
        _aging(view, sle, changes)
    with tabs[4]:
        _efficiency(view, changes)
    with tabs[5]:
        _behaviour(view)


def _controls(selection: Selection):
    key = selection.version_id
    cols = st.columns([3, 3, 2, 1.5, 2])
    mode = MODES[
        cols[0].radio(
            "Cycle time in",
            list(MODES),
            horizontal=True,
            key=f"mode_{key}",
            help="Elapsed: done − start in fractional days. Inclusive: calendar days "
            "from start date to done date + 1 (ActionableAgile's convention).",
        )
    ]
    choice = cols[1].radio("As of", AS_OF, horizontal=True, key=f"asof_{key}")
    as_of = None
    if choice == "Now":
        as_of = "now"
    elif choice == "A date":
        as_of = cols[2].date_input("As-of date", value=date.today(), key=f"asof_date_{key}")
    freq = FREQS[cols[3].selectbox("Period", list(FREQS), key=f"freq_{key}")]
    return mode, as_of, freq, cols[4]


def _sle_input(view: FlowView, selection: Selection) -> float | None:
    if view.sle_days is None:
        return None
    return st.number_input(
        "SLE (days)",
        min_value=0.5,
        value=float(view.sle_days),
        step=0.5,
        key=f"sle_{selection.version_id}",
        help="Service level expectation. Default: the 85th percentile of cycle time. Drawn on "
        "the scatter and aging charts; items close to it are listed as at risk.",
    )


def _fmt(value, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.1f}{unit}"


def _headline(view: FlowView) -> None:
    doc = view.document
    counts, cycle = doc["counts"], doc["cycle_time_days"]
    cols = st.columns(7)
    cols[0].metric("Completed", counts["completed"])
    cols[1].metric("In progress", counts["in_progress"])
    cols[2].metric("Cycle time p50", _fmt(cycle["p50"], " d"))
    cols[3].metric("Cycle time p85", _fmt(cycle["p85"], " d"))
    cols[4].metric("Done / week", _fmt(doc["throughput"]["per_week_mean"]))
    cols[5].metric("WIP (mean)", _fmt(doc["wip"]["mean"]))
    ratio = doc["flow_efficiency"]["ratio_of_sums"]
    cols[6].metric("Flow efficiency", "–" if ratio is None else f"{100 * ratio:.0f} %")
    d = view.definitions
    st.caption(
        f"Start = first entry into **{d['start_stage']}** or a later active/waiting stage; "
        f"done = entry into the final run of {', '.join(d['done_stages']) or 'done'} stages. "
        f"Cycle time: {d['cycle_time_definition']}. Percentiles: {d['percentile_method']}. "
        f"As of {pd.Timestamp(d['as_of']):%d %b %Y %H:%M} UTC ({d['as_of_rule']}); "
        f"days and weeks in {d['timezone']}."
    )


def _cycle_time(view: FlowView, sle: float | None, changes) -> None:
    chart_panel(
        cycle_time_scatter(
            view.completed,
            percentiles=view.cycle_percentiles,
            sle_days=sle,
            timezone=view.timezone,
            change_dates=changes,
        ),
        key="cycle_scatter",
        definition="Each dot is a completed item at its done date; lines show the cycle-time "
        "percentiles and the SLE; the trend is the rolling median of the last 20 items.",
        data=view.completed,
    )
    left, right = st.columns(2)
    with left:
        chart_panel(
            days_histogram(
                view.completed["cycle_time_days"],
                title="Cycle time distribution",
                percentiles=view.cycle_percentiles,
            ),
            key="cycle_hist",
            definition="Completed items by cycle time (done − start).",
            data=view.completed,
        )
    with right:
        chart_panel(
            days_histogram(
                view.lead["lead_time_days"],
                title="Lead time distribution",
                percentiles=view.lead_percentiles,
            ),
            key="lead_hist",
            definition="Completed items by lead time (done − created).",
            data=view.lead,
        )


def _throughput(view: FlowView, changes) -> None:
    label = view.freq
    chart_panel(
        throughput_run_chart(
            view.throughput, view.throughput_by_type, freq_label=label, change_dates=changes
        ),
        key="throughput_run",
        definition=f"Completed items per {label} (weeks start Monday), by work type, zero-filled.",
        data=view.throughput_by_type,
    )
    chart_panel(
        throughput_histogram(view.throughput, freq_label=label),
        key="throughput_hist",
        definition=f"How many {label}s finished 0, 1, 2, … items.",
        data=view.throughput,
    )


def _wip(view: FlowView, changes) -> None:
    chart_panel(
        wip_run_chart(view.wip_daily, view.flow_load, change_dates=changes),
        key="wip_run",
        definition="Items at or after the commitment point in an active or waiting stage, at "
        "the end of each day; stacked by work type (flow load).",
        data=view.flow_load,
    )
    chart_panel(
        cfd_chart(view.cfd, stage_categories=view.stage_categories, change_dates=changes),
        key="cfd",
        definition="Items in each stage at the end of each day; the top line is all arrivals, "
        "the top of the done band all departures. Bands widening = work piling up.",
        data=view.cfd,
    )
    chart_panel(
        net_flow_chart(view.net_flow, freq_label=view.freq, change_dates=changes),
        key="net_flow",
        definition=f"Items started minus items finished per {view.freq}: above zero, WIP grows.",
        data=view.net_flow,
    )


def _aging(view: FlowView, sle: float | None, changes) -> None:
    chart_panel(
        aging_wip_chart(
            view.aging,
            stages=view.aging_stages,
            percentiles=view.cycle_percentiles,
            sle_days=sle,
            timezone=view.timezone,
        ),
        key="aging",
        definition="Every item in progress by stage and age (as-of − start). Colour = pace "
        "against past cycle times: green < p50, yellow < p70, orange < p85, red ≥ p85.",
        data=view.aging,
    )
    risk = items_at_risk(view.aging, sle) if sle is not None else view.at_risk
    st.markdown(f"**Items at risk of missing the SLE ({_fmt(sle, ' days')})**")
    if risk.empty:
        st.caption("None: every item in progress is younger than 70 % of the SLE.")
    else:
        st.dataframe(
            risk[["item_id", "title", "type", "stage", "age_days", "status"]],
            hide_index=True,
            column_config={"age_days": st.column_config.NumberColumn("age (days)", format="%.1f")},
        )
        st.caption("breached: older than the SLE; at_risk: at least 70 % of it.")
    chart_panel(
        age_run_chart(view.age_run, change_dates=changes),
        key="age_run",
        definition="Mean and oldest age of the items in progress at the end of each day.",
        data=view.age_run,
    )


def _efficiency(view: FlowView, changes) -> None:
    summary = view.efficiency_summary
    chart_panel(
        efficiency_histogram(
            view.efficiency_items,
            ratio_of_sums=summary["ratio_of_sums"],
            mean_of_ratios=summary["mean_of_ratios"],
        ),
        key="efficiency",
        definition="Time in active stages between start and done ÷ cycle time, per completed "
        "item (blocked days count as waiting). Ratio of sums weighs long items more.",
        data=view.efficiency_items,
    )
    chart_panel(
        distribution_chart(view.distribution_over_time, freq_label=view.freq, change_dates=changes),
        key="distribution",
        definition="Share of completed items by work type per period (flow distribution).",
        data=view.distribution_over_time,
    )
    shares = view.document["flow_distribution"]
    st.caption(
        "Done: "
        + ", ".join(f"{k} {v:.0%}" for k, v in shares["done"].items())
        + " · In progress: "
        + ", ".join(f"{k} {v:.0%}" for k, v in shares["wip"].items())
    )


def _behaviour(view: FlowView) -> None:
    st.caption(
        "Process behaviour (XmR) charts: natural process limits = mean ± 2.66 × mean moving "
        "range (lower limit ≥ 0). Red points are signals: beyond a limit, or 8 in a row on one "
        "side of the centre line."
    )
    for key, result, title, y_title in (
        ("xmr_cycle", view.xmr_cycle, "Cycle time per completed item", "Days"),
        ("xmr_throughput", view.xmr_throughput, "Weekly throughput", "Items per week"),
        ("xmr_wip", view.xmr_wip, "Daily WIP", "Items"),
    ):
        chart_panel(
            xmr_chart(result.labels, result, title=title, y_title=y_title),
            key=key,
            definition=f"{len(result.values)} points; centre {_fmt(result.centre)}, limits "
            f"{_fmt(result.lnpl)}–{_fmt(result.unpl)}; {len(result.signals)} signal(s).",
            data=xmr_table(result),
        )
