"""Measures page body: a team's own measures (CSAT, NPS, cost ...) as run charts with limits.

Widgets -> one core call -> chart/table, as every page: the team picker and
the period switch are in the address (``?measures_team=A&period=Month``: the labels), so
a copied address opens the same view. Uploading (a file, a preview of what
was read or every problem in words, then Save) is offered only to those who
may change the team's rows; the store decides (:mod:`vsm_core.store.series`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.panels import chart_panel
from ui.plain import empty_cells, md
from ui.state import Selection, current_engine, get_engine
from ui.team_uploads import offer_demo_records, show_problems, team_picker
from vsm_core.charts.series import series_figure
from vsm_core.charts.xmr import RULE_TEXT
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.isolated import parse_isolated
from vsm_core.importers.options import describe_limit, max_upload_bytes, streamlit_upload_mb
from vsm_core.series import DEFINITION, LIMITS, PERIODS, ParsedSeries, run_chart
from vsm_core.store import database_url, teams
from vsm_core.store import series as store
from vsm_core.store.access import AccessDenied, Actor, NotFound

#: The team picker's widget key, also its query parameter.
TEAM_KEY = "measures_team"
#: The period switch's widget key, also its query parameter.
PERIOD_KEY = "period"
PERIOD_WORDS = {"week": "Week", "month": "Month"}
DATE_ORDERS = {"Decide from the dates": None, "Day first": "dayfirst", "Month first": "monthfirst"}
DECIMALS = {"Decide from the values": None, "Decimal point (1.5)": ".", "Decimal comma (1,5)": ","}
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx"]
_FLASH = "measures.saved_message"
PREVIEW_ROWS = 20
#: Charts drawn at once unless the visitor picks the measures (each chart costs a redraw).
MOST_CHARTS = 12


def render_measures(selection: Selection) -> None:
    actor = current_actor()
    with Session(current_engine()) as session:
        known = set(teams.known_teams(session, actor=actor))
        known |= set(store.series_teams(session, actor=actor))
    team = team_picker(
        sorted(known, key=str.casefold), selection, actor, key=TEAM_KEY, shown="measures"
    )
    if team is None:
        st.info(
            "No team yet: import a dataset with its team on the Import page, or upload "
            "measures with the command line (python -m vsm_core series import FILE --team TEAM)."
        )
        return
    if _FLASH in st.session_state:
        st.success(st.session_state.pop(_FLASH))
    if actor.may(team, "edit"):
        with st.expander("Upload measures", expanded=False):
            _upload(team, actor)
            _uploads(team, actor)
    else:
        st.caption(
            f"You can see the measures of {md(team)}; uploading them needs the editor role "
            "there (a team admin can give it on the Admin page)."
        )
    _charts(team, actor)


def _upload(team: str, actor: Actor) -> None:
    st.caption(
        "A CSV, TSV or Excel file with one row per value: a date, the measure's name and its "
        "value (columns named e.g. date, metric, value; an optional team column — rows "
        f"without a team are {md(team)}'s). A newer value for the same day replaces the stored "
        "one. Each chart shows the mean per week or month."
    )
    upload = st.file_uploader(
        "Measures file",
        type=UPLOAD_TYPES,
        key="measures_file",
        help=f"CSV, TSV, TXT or Excel (.xlsx); up to {describe_limit(max_upload_bytes())}.",
        max_upload_size=streamlit_upload_mb(max_upload_bytes()),
    )
    left, right = st.columns(2)
    order = left.radio("Dates", list(DATE_ORDERS), key="measures_date_order", horizontal=True)
    decimal = right.radio("Numbers", list(DECIMALS), key="measures_decimal", horizontal=True)
    if upload is None:
        return
    parsed = _parsed(upload.getvalue(), upload.name, team, DATE_ORDERS[order], DECIMALS[decimal])
    if isinstance(parsed, ImportFailed):
        show_problems(parsed, key="measures_problems")
        return
    _preview(parsed)
    if st.button("Save", type="primary", key="measures_save"):
        _save(parsed, team, actor)


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def _parsed(
    data: bytes, name: str, team: str, date_order: str | None, decimal: str | None
) -> ParsedSeries | ImportFailed:
    """The file read in a worker process under the import limits (one bad file cannot take
    the server's memory or time), or the failure (a cached value, not raised), so that the
    reruns of the preview and Save do not read a large file again."""
    try:
        return parse_isolated(
            "series", data, name, team=team, date_order=date_order, decimal=decimal
        )
    except ImportFailed as failure:
        return failure


def _preview(parsed: ParsedSeries) -> None:
    points = parsed.points
    summary = parsed.metrics().rename(
        columns={
            "team": "Team",
            "metric": "Measure",
            "points": "Values",
            "first": "First day",
            "last": "Last day",
        }
    )
    read_as = [f"{role}: {header}" for role, header in parsed.columns.items()]
    st.caption(
        md(f"Read {len(points):,} values from {parsed.filename} (columns {', '.join(read_as)}).")
    )
    for note in parsed.notes:
        st.caption(md(note))
    st.dataframe(empty_cells(summary), hide_index=True, key="measures_preview_summary")
    first = points.head(PREVIEW_ROWS).rename(
        columns={"row": "Row", "team": "Team", "metric": "Measure", "day": "Date", "value": "Value"}
    )
    first["Date"] = first["Date"].dt.date
    st.dataframe(
        empty_cells(first[["Row", "Team", "Measure", "Date", "Value"]]),
        hide_index=True,
        key="measures_preview_rows",
    )


def _save(parsed: ParsedSeries, team: str, actor: Actor) -> None:
    try:
        with Session(current_engine()) as session:
            saved = store.save_series(
                session,
                actor=actor,
                team=team,
                points=parsed.points,
                source_filename=parsed.filename,
                source_sha256=parsed.sha256,
            )
    except (AccessDenied, NotFound, ValueError) as refused:
        st.error(f"{md(refused)} Nothing was stored.")
        return
    if saved.stored:
        message = (
            f"Saved {md(parsed.filename)}: {saved.added:,} new values, {saved.replaced:,} "
            f"replaced, {saved.unchanged:,} unchanged."
        )
    else:
        message = f"Every value of {md(parsed.filename)} is already stored; nothing was stored."
    st.session_state[_FLASH] = message
    st.rerun()


def _uploads(team: str, actor: Actor) -> None:
    """The team's last uploads: when, by whom, which file, how many rows."""
    with Session(current_engine()) as session:
        uploads = store.list_uploads(session, actor=actor, team=team, limit=20)
    if not uploads:
        return
    table = pd.DataFrame(
        {
            "Uploaded": [u.imported_at.strftime("%Y-%m-%d %H:%M UTC") for u in uploads],
            "By": [u.author for u in uploads],
            "File": [u.source_filename for u in uploads],
            "Rows": [u.row_count for u in uploads],
        }
    )
    st.caption("Last uploads (an upload that changed nothing is not listed)")
    st.dataframe(empty_cells(table), hide_index=True, key="measures_uploads")


def _charts(team: str, actor: Actor) -> None:
    period = st.segmented_control(
        "Period",
        list(PERIODS),
        default="week",
        format_func=PERIOD_WORDS.get,
        key=PERIOD_KEY,
        bind="query-params",
        help="Each point is the mean of the values in one week or month.",
    )
    period = period or "week"
    with Session(current_engine()) as session:
        stamp = store.points_stamp(session, actor=actor, team=team)
    points = _points(database_url(), team, stamp, actor)
    if points.empty:
        st.info(f"No measures stored for {md(team)} yet.")
        offer_demo_records(team, actor, flash=_FLASH, key="measures_demo_records")
        return
    metrics = points["metric"].unique().tolist()
    shown = metrics
    if len(metrics) > MOST_CHARTS:
        shown = st.multiselect(
            "Measures shown",
            metrics,
            default=metrics[:MOST_CHARTS],
            key="measures_shown",
            help=f"The team has {len(metrics)} measures; the first {MOST_CHARTS} are drawn "
            "unless you choose others.",
        )
    for index, metric in enumerate(shown):
        chart = run_chart(points, metric, period)
        st.subheader(md(metric))
        chart_panel(
            series_figure(chart),
            key=f"measure_{index}",
            definition=DEFINITION[period] + LIMITS,
            data=_chart_table(chart),
        )


@st.cache_data(show_spinner=False, max_entries=16)
def _points(url: str, team: str, stamp: tuple, actor: Actor) -> pd.DataFrame:
    """The team's stored points; the arguments are the whole cache key (``stamp``: what an
    upload changes; the acting identity too), so a rerun reads nothing again."""
    del stamp  # part of the key only
    with Session(get_engine(url)) as session:
        return store.load_points(session, actor=actor, team=team)


def _chart_table(chart) -> pd.DataFrame:
    """The chart's points for the CSV download: period, mean, values, signals in words."""
    rules: dict[int, list[str]] = {}
    for signal in chart.xmr.signals:
        rules.setdefault(signal["index"], []).append(RULE_TEXT[signal["rule"]])
    return pd.DataFrame(
        {
            "Measure": chart.metric,
            "Period start": chart.starts,
            "Mean": chart.values,
            "Values": chart.counts,
            "Signal": [", ".join(rules.get(i, [])) for i in range(len(chart.starts))],
        }
    )
