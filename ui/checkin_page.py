"""Check-in page body: a team's flow, its experiments on one table, and the report to share.

The flow summary (per dataset of the team: four measures against the period before,
and the bottleneck) comes from :func:`vsm_core.experiments.checkin_flow.team_flow`.
The table keeps to seven narrow columns so it fits a 1280 px window beside the
sidebar; what does not fit (hypothesis, action, full learnings, metric, overlaps) is
in a detail expander per experiment.

The rows are cached per database, team, day and a fingerprint of everything they are
computed from (every experiment's id, ``updated_at`` and latest snapshot, every
dataset's team and versions), so one team's rows are never served for another and any
edit, review or import computes them afresh.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.flow_measures import DELIVERY_HELP, flow_measures, measure_row
from ui.plain import md
from ui.state import Selection, current_engine, get_engine
from vsm_core.experiments.checkin import (
    checkin_csv,
    checkin_figures,
    checkin_html,
    checkin_rows,
    checkin_teams,
    metric_label,
)
from vsm_core.experiments.checkin_delivery import DeliverySummary, team_delivery
from vsm_core.experiments.checkin_flow import FlowSummary, flow_csv, team_flow
from vsm_core.store import database_url
from vsm_core.store import delivery as delivery_store
from vsm_core.store.access import Actor
from vsm_core.store.stamps import experiments_stamp

ALL_TEAMS = "All teams"


def render_checkin(selection: Selection, *, today: date | None = None) -> None:
    today = today or date.today()
    actor = current_actor()
    with Session(current_engine()) as session:
        teams = checkin_teams(session, actor=actor)
        fingerprint = experiments_stamp(session, actor=current_actor())
    if not fingerprint[0] and not teams:
        st.info("No teams and no experiments yet: import a dataset with its team set.")
        return
    options = [*teams, ALL_TEAMS]
    own = selection.dataset.team if selection.dataset is not None else None
    team_choice = st.selectbox(
        "Team",
        options,
        index=options.index(own) if own in options else 0,
        key=f"checkin_team_{selection.dataset.id if selection.dataset else 'none'}",
        help="An experiment belongs to the team its scope names, else to its dataset's team.",
    )
    team = None if team_choice == ALL_TEAMS else team_choice
    since = st.date_input(
        "Since",
        value=None,
        key="checkin_since",
        help="The flow summary covers this day to the data's last day, against the period "
        "of the same length before it. Empty: the last four weeks.",
    )
    flow = _flow(database_url(), team, since, fingerprint, actor)
    _flow_summary(flow)
    delivery = None
    if team is not None:
        with Session(current_engine()) as session:
            imports = tuple(
                i.id for i in delivery_store.list_imports(session, actor=actor, team=team)
            )
        period = flow[0].period if flow else None
        delivery = _delivery(database_url(), team, period, imports, actor) if imports else None
    _delivery_summary(delivery)
    rows = _rows(database_url(), team, today, fingerprint, actor)
    st.subheader("Experiments")
    if rows.empty:
        st.info(f"No experiments for {md(team_choice)} yet.")
        _downloads(rows, team_choice, flow, delivery)
        return
    _summary(rows)
    st.dataframe(
        display_table(rows).style.map(_verdict_colour, subset=["Verdict"]),
        hide_index=True,
        width="stretch",
        column_config=TABLE_COLUMNS,
    )
    st.caption(
        "Reviewed experiments show the result the team reviewed (its snapshot); “now:” gives "
        "today's verdict on the latest data when it differs. Other experiments show today's "
        "re-computation. A status reads “(overdue)” when the review date has passed "
        "without a review; the details say which experiments' windows and scopes overlap "
        "(their effects can mix)."
    )
    _details(rows)
    _downloads(rows, team_choice, flow, delivery)


#: The table's columns and widths in pixels: 780 in all, so it fits the main area
#: of a 1280 px window (about 820 px beside the sidebar) without scrolling.
TABLE_COLUMNS = {
    "#": st.column_config.NumberColumn("#", format="%d", width=40),
    "Experiment": st.column_config.TextColumn("Experiment", width=160),
    "Owner": st.column_config.TextColumn("Owner", width=100),
    "Status": st.column_config.TextColumn("Status", width=150),
    "Verdict": st.column_config.TextColumn("Verdict", width=130),
    "Target met": st.column_config.TextColumn("Target met", width=80),
    "Learnings": st.column_config.TextColumn(
        "Learnings", width=120, help="In full under “Details” below the table."
    ),
}


def _flow_summary(flow: list[FlowSummary]) -> None:
    """Per dataset (or team of its items): the four measures with their change, and the
    bottleneck in words."""
    st.subheader("Flow")
    if not flow:
        st.info("No flow data for this team: import a dataset with its team set.")
        return
    for summary in flow:
        (start, end), (before_start, before_end) = summary.period, summary.previous_period
        st.markdown(
            f"**{md(summary.title)}**: {start:%d %b %Y} to {end:%d %b %Y}, "
            f"{summary.completed} items finished; changes against "
            f"{before_start:%d %b} to {before_end:%d %b %Y}."
        )
        flow_measures(summary)
        st.markdown(md(summary.bottleneck_text))


def _delivery_summary(summary: DeliverySummary | None) -> None:
    """The team's DORA keys in the flow's period against the one before, each with its
    band; nothing when the team has imported no deployments or incidents."""
    if summary is None:
        return
    st.subheader("Delivery")
    (start, end), (before_start, before_end) = summary.period, summary.previous_period
    st.markdown(
        f"{start:%d %b %Y} to {end:%d %b %Y}, {summary.deployments} deployments; changes "
        f"against {before_start:%d %b} to {before_end:%d %b %Y}."
    )
    measure_row(summary.measures, DELIVERY_HELP)
    bands = [
        f"{m.label}: {summary.bands[m.key]}" for m in summary.measures if summary.bands.get(m.key)
    ]
    if bands:
        st.caption("DORA bands (2024 report) — " + "; ".join(bands) + ".")


def _details(rows: pd.DataFrame) -> None:
    """One collapsed expander per experiment: what was tried, what was learned, context.

    Only what was written is shown (nothing stands in for an empty field)."""
    for row in rows.to_dict("records"):
        with st.expander(f"Details of #{row['id']}: {md(str(row['title']))}"):
            words = [
                f"**{label}:** {md(row[key])}"
                for key, label in (
                    ("hypothesis", "Hypothesis"),
                    ("action", "Action"),
                    ("learnings", "Learnings"),
                )
                if isinstance(row.get(key), str) and row[key].strip()
            ]
            for line in words or ["No hypothesis, action or learnings written yet."]:
                st.markdown(line)
            review = row.get("review_date")
            overlaps = ", ".join(f"#{i}" for i in row.get("overlaps") or [])
            facts = [
                f"**{name}:** {md(value)}"
                for name, value in (
                    ("Metric", metric_label(row.get("metric"))),
                    ("Dataset", row.get("dataset")),
                    ("Review date", None if pd.isna(review) else review.isoformat()),
                )
                if isinstance(value, str) and value
            ]
            if row.get("review_overdue"):
                facts.append("**review overdue**")
            if overlaps:
                facts.append(f"**Overlaps:** {overlaps} (their effects can mix)")
            st.markdown(" · ".join(facts))


def display_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as the page shows them: cues in words, newest first, empty cells empty."""
    verdicts = [
        (v if isinstance(v, str) else "no evidence")
        + (f" (now: {now})" if isinstance(now, str) else "")
        for v, now in zip(rows["verdict"], rows["recomputed_verdict"], strict=True)
    ]
    return pd.DataFrame(
        {
            "#": rows["id"],
            "Experiment": rows["title"],
            "Owner": rows["owner"].fillna(""),
            "Status": [
                status + (" (overdue)" if late else "")
                for status, late in zip(rows["status"], rows["review_overdue"], strict=True)
            ],
            "Verdict": verdicts,
            "Target met": [
                {True: "yes", False: "no"}.get(v, "") if isinstance(v, bool) else ""
                for v in rows["target_met"]
            ],
            "Learnings": [v if isinstance(v, str) else "" for v in rows["learnings"]],
        }
    )


#: A light background per verdict: the cue needs no emoji font (the page shows no emoji).
_VERDICT_BACKGROUNDS = {
    "improved": "#dcf2e3",
    "worsened": "#fadcdc",
    "no clear change": "#fbf0d2",
}


def _verdict_colour(label: str) -> str:
    verdict = str(label).split(" (now:")[0]
    colour = _VERDICT_BACKGROUNDS.get(verdict)
    return f"background-color: {colour}" if colour else ""


def _summary(rows: pd.DataFrame) -> None:
    overdue = int(rows["review_overdue"].sum())
    overlapping = int(sum(bool(ids) for ids in rows["overlaps"]))
    parts = [f"**{len(rows)}** experiment{'s' if len(rows) != 1 else ''}"]
    if overdue:
        parts.append(f"**{overdue}** overdue for review")
    if overlapping:
        parts.append(f"**{overlapping}** overlapping another")
    st.markdown(" · ".join(parts))


def _downloads(
    rows: pd.DataFrame,
    team_label: str,
    flow: list[FlowSummary],
    delivery: DeliverySummary | None,
) -> None:
    slug = re.sub(r"[^a-z0-9]+", "-", team_label.lower()).strip("-") or "team"
    title = f"{team_label} check-in"

    def report() -> bytes:  # built on click, not on every run (plotly.js is ~5 MB)
        generated = datetime.now(UTC)
        return checkin_html(
            rows,
            title=title,
            figures=checkin_figures(rows),
            generated_at=generated,
            flow=flow,
            delivery=delivery,
        ).encode("utf-8")

    buttons = st.container(horizontal=True)
    buttons.download_button(
        "Download HTML report",
        data=report,
        file_name=f"flowlab-checkin-{slug}.html",
        mime="text/html",
        key="checkin_html",
        on_click="ignore",
        icon=":material/download:",
        help="One file with the flow summary, the table (with hypothesis, action and "
        "learnings) and a before/after chart per experiment; opens offline.",
    )
    buttons.download_button(
        "Download CSV",
        data=checkin_csv(rows),
        file_name=f"flowlab-checkin-{slug}.csv",
        mime="text/csv",
        key="checkin_csv",
        on_click="ignore",
        icon=":material/download:",
        help="The experiments, one row each; days to 0.1, percentages whole, yes or no.",
    )
    buttons.download_button(
        "Download flow CSV",
        data=flow_csv(flow),
        file_name=f"flowlab-checkin-{slug}-flow.csv",
        mime="text/csv",
        key="checkin_flow_csv",
        on_click="ignore",
        icon=":material/download:",
        help="The flow summary, one row per measure and the bottleneck.",
    )


@st.cache_data(show_spinner="Judging the experiments…", max_entries=16)
def _rows(
    url: str, team: str | None, today: date, fingerprint: tuple, actor: Actor
) -> pd.DataFrame:
    """The check-in rows; the arguments are the whole cache key (see the module docstring),
    the acting identity included: people of different teams never share an entry."""
    del fingerprint  # part of the key only
    with Session(get_engine(url)) as session:
        return checkin_rows(session, team=team, today=today, actor=actor)


@st.cache_data(show_spinner="Measuring the delivery…", max_entries=16)
def _delivery(
    url: str, team: str, period: tuple | None, imports: tuple, actor: Actor
) -> DeliverySummary | None:
    """The team's DORA keys; the arguments are the whole cache key (``imports``: the ids of
    the team's imports, so a new file computes afresh; the acting identity too)."""
    del imports  # part of the key only
    with Session(get_engine(url)) as session:
        return team_delivery(session, team, period=period, actor=actor)


@st.cache_data(show_spinner="Measuring the flow…", max_entries=16)
def _flow(
    url: str, team: str | None, since: date | None, fingerprint: tuple, actor: Actor
) -> list[FlowSummary]:
    """The team's flow summaries; the arguments (the acting identity too) are the whole
    cache key."""
    del fingerprint  # part of the key only
    with Session(get_engine(url)) as session:
        return team_flow(session, team, since=since, actor=actor)
