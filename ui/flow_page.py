"""Flow metrics page body: controls, headline, and one tab per family of charts.

Only the open tab is drawn, and it is in the URL (``?view=Aging``) and
remembered for the session (:func:`ui.view_tabs.open_view`). The charts of each
view come from :mod:`ui.flow_charts`.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import streamlit as st

from ui.flow_charts import (
    VIEWS,
    XMR_DEFAULT_POINTS,
    XMR_POINTS,
    XMR_RULE,
    Panel,
    view_panels,
)
from ui.item_forecasts import aging_forecasts
from ui.metrics_state import change_markers, flow_view_key, get_flow_view
from ui.panels import cached_figure, chart_panel
from ui.plain import empty_cells, md, md_list
from ui.state import Selection
from ui.url_state import parse_day
from ui.view_tabs import open_view
from vsm_core.charts.markers import visible_changes
from vsm_core.metrics.aging import items_at_risk
from vsm_core.metrics.views import FlowView, done_per_period

MODES = {"Elapsed days": "elapsed", "Calendar days, inclusive": "inclusive"}
AS_OF = ("Last event in the data", "Now", "A date")
FREQS = {"Week": "week", "Day": "day", "Month": "month"}

#: The at-risk table's columns and their headings; its statuses in words.
RISK_COLUMNS = {
    "item_id": "Item",
    "title": "Title",
    "type": "Work type",
    "stage": "Stage",
    "age_days": "Age (days)",
    "status": "Status",
}
RISK_WORDS = {"breached": "Past the SLE", "at_risk": "At risk"}
#: Item tables longer than this are drawn only when their expander is opened: at 100,000
#: items the Aging view's two tables (15,963 rows each) cost 1.2 s on every visit
#: (docs/benchmarks.md, *Speed as a person feels it*).
TABLE_ROWS_SHOWN = 500


def render_flow_metrics(selection: Selection) -> None:
    if selection.version_id is None:
        st.info("No dataset yet. Go to **Import** to upload your team's export.")
        return
    mode, as_of, freq, sle_slot = _controls(selection)
    view = get_flow_view(selection, mode=mode, as_of=as_of, freq=freq)
    view_key = flow_view_key(selection, mode=mode, as_of=as_of, freq=freq)
    changes = tuple(visible_changes(change_markers(selection), selection.window))
    with sle_slot:
        sle = _sle_input(view, selection)
    _headline(view)
    # Only the open view is built: the other tabs stay empty until opened (a rerun).
    name, tab = open_view(VIEWS, page="flow")
    with tab:
        if name == "Aging":
            forecasts = aging_forecasts(selection, mode=mode, as_of=as_of)
            _aging(view, view_key, sle, changes, forecasts)
        elif name == "Efficiency & mix":
            _efficiency(view, view_key, changes)
        elif name == "Process behaviour":
            _behaviour(view, view_key)
        elif name == "WIP & cumulative flow":
            _wip(view, view_key, changes)
        else:
            _draw(view_key, view_panels(name, view, sle=sle, changes=changes))


def _draw(view_key: tuple, panels: list[Panel]) -> None:
    for panel in panels:
        _draw_one(view_key, panel)


def _draw_one(view_key: tuple, panel: Panel) -> None:
    figure = cached_figure((*view_key, panel.key, panel.depends), panel.build)
    chart_panel(figure, key=panel.key, definition=panel.definition, data=panel.data)


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
        # Typed, like the sidebar's window: a date picker applies a typed date only once its
        # calendar closes.
        typed = cols[2].text_input(
            "As-of date",
            value=date.today().isoformat(),
            key=f"asof_date_{key}",
            placeholder="YYYY-MM-DD",
            help="Year-month-day; applies on Enter or Tab.",
        )
        as_of = parse_day(typed)
        if as_of is None:
            cols[2].caption("Not a date written year-month-day: as of the last event instead.")
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
    # Two rows of four: seven in one row cut "Cycle time, 85th percentile" to "Cycle time, …"
    # at 1280 px.
    cols = [*st.columns(4), *st.columns(4)]
    cols[0].metric("Completed", counts["completed"])
    cols[1].metric("In progress", counts["in_progress"])
    cols[2].metric(
        "Cycle time, median",
        _fmt(cycle["p50"], " d"),
        help="Half of the completed items took at most this many days from start to done.",
    )
    cols[3].metric(
        "Cycle time, 85th percentile",
        _fmt(cycle["p85"], " d"),
        help="85 % of the completed items took at most this many days from start to done.",
    )
    done_label, done_mean = done_per_period(view)
    cols[4].metric(done_label, _fmt(done_mean))
    cols[5].metric("WIP (mean)", _fmt(doc["wip"]["mean"]))
    ratio = doc["flow_efficiency"]["ratio_of_sums"]
    cols[6].metric("Flow efficiency", "–" if ratio is None else f"{100 * ratio:.0f} %")
    d = view.definitions
    st.caption(
        f"Start = first entry into **{md(d['start_stage'])}** or a later active/waiting stage; "
        f"done = entry into the final run of {md_list(d['done_stages'], none='done')} stages. "
        f"Cycle time: {d['cycle_time_definition']}. Percentiles: {d['percentile_method']}. "
        f"As of {pd.Timestamp(d['as_of']):%d %b %Y %H:%M} UTC ({d['as_of_rule']}); "
        f"days and weeks in {md(d['timezone'])}."
    )


def _aging(view: FlowView, view_key: tuple, sle: float | None, changes, forecasts) -> None:
    table = None if forecasts is None else forecasts.table
    aging, age_run = view_panels("Aging", view, sle=sle, changes=changes, forecasts=table)
    _draw_one(view_key, aging)
    risk = items_at_risk(view.aging, sle) if sle is not None else view.at_risk
    st.markdown(f"**Items at risk of missing the SLE ({_fmt(sle, ' days')})**")
    if risk.empty:
        st.caption("None: every item in progress is younger than 70 % of the SLE.")
    else:
        _item_table(
            lambda: empty_cells(
                risk[list(RISK_COLUMNS)].assign(status=risk["status"].map(RISK_WORDS))
            ),
            len(risk),
            {
                **RISK_COLUMNS,
                "age_days": st.column_config.NumberColumn("Age (days)", format="%.1f"),
            },
            key="aging_risk_table",
            what="items at risk",
        )
        st.caption("Past the SLE: older than the SLE. At risk: at least 70 % of it.")
    if forecasts is not None and sle is not None:
        _likely_past_sle(forecasts.past_sle(sle), sle)
    _draw_one(view_key, age_run)


def _item_table(build, rows: int, column_config: dict, *, key: str, what: str) -> None:
    """A table of items: drawn at once up to :data:`TABLE_ROWS_SHOWN` rows, else inside an
    expander ("Show the 15,963 items at risk") whose table is built only while it is open."""
    if rows > TABLE_ROWS_SHOWN:
        box = st.expander(f"Show the {rows:,} {what}", key=key, on_change="rerun")
        if not box.open:
            return
        with box:
            st.dataframe(build(), hide_index=True, column_config=column_config)
        return
    st.dataframe(build(), hide_index=True, column_config=column_config)


def _likely_past_sle(rows: pd.DataFrame, sle: float) -> None:
    """The items whose 85 % completion date is past the SLE (the Forecast page's rule)."""
    st.markdown(f"**Items likely to finish past the SLE ({_fmt(sle, ' days')})**")
    if rows.empty:
        st.caption("None: every item in progress will likely finish within the SLE (85 %).")
        return

    def table() -> pd.DataFrame:
        done_by = pd.to_datetime(rows["p85_done"].astype(object), errors="coerce")
        return empty_cells(
            rows[["item_id", "title", "stage", "age_days"]].assign(
                p85_done=done_by.dt.strftime("%Y-%m-%d")
            )
        )

    _item_table(
        table,
        len(rows),
        {
            "item_id": "Item",
            "title": "Title",
            "stage": "Stage",
            "age_days": st.column_config.NumberColumn("Age (days)", format="%.1f"),
            "p85_done": "85 % done by",
        },
        key="aging_late_table",
        what="items likely to finish past the SLE",
    )
    st.caption(
        "Their 85 % completion date (Forecast page, This work in progress) lies past the SLE: "
        "at the pace of past items of their age, they will likely miss it."
    )


def _wip(view: FlowView, view_key: tuple, changes) -> None:
    name = "WIP & cumulative flow"
    wip_run, _, _ = view_panels(name, view, sle=None, changes=changes)
    _draw_one(view_key, wip_run)
    only = st.toggle(
        "Cumulative flow: work in progress only",
        key="cfd_in_progress_only",
        help="Hide the done, cancelled and backlog bands, which usually dwarf the stages "
        "where the work happens; the remaining bands then stack from zero.",
    )
    _, cfd, net_flow = view_panels(name, view, sle=None, changes=changes, cfd_in_progress_only=only)
    _draw(view_key, [cfd, net_flow])


def _efficiency(view: FlowView, view_key: tuple, changes) -> None:
    _draw(view_key, view_panels("Efficiency & mix", view, sle=None, changes=changes))
    shares = view.document["flow_distribution"]
    st.caption(
        "Done: "
        + ", ".join(f"{md(k)} {v:.0%}" for k, v in shares["done"].items())
        + " · In progress: "
        + ", ".join(f"{md(k)} {v:.0%}" for k, v in shares["wip"].items())
    )


def _behaviour(view: FlowView, view_key: tuple) -> None:
    st.caption(XMR_RULE)
    points = st.selectbox(
        "Completed items on the cycle-time chart",
        XMR_POINTS,
        index=XMR_POINTS.index(XMR_DEFAULT_POINTS),
        format_func=lambda n: f"The last {n}",
        key="xmr_points",
        help="The chart shows the most recent completed items (in the date window and "
        "filters), in done order, and computes its centre and limits from those points only.",
    )
    _draw(view_key, view_panels("Process behaviour", view, sle=None, xmr_points=points))
