"""Organisation page body: one row per team the visitor may read, sortable, with exports.

The rows come from :mod:`vsm_core.organisation` with the acting identity
(:func:`ui.access_state.current_actor`): the store returns only the teams the visitor
may read. A row's flow part is computed once per dataset version and period length and
kept in the store (:mod:`vsm_core.organisation.stored`: at import for the default four
weeks, on first draw otherwise), so every draw reads all rows in one query; the
experiment counts are read live. A version is read only for a row not stored yet,
through the page's shared loader (which asks the store who may read it first).
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.plain import md
from ui.state import current_engine, load_version
from vsm_core.organisation.overview import (
    COLUMNS,
    OverviewRow,
    overview_csv,
    overview_html,
    overview_table,
)
from vsm_core.organisation.stored import overview_rows
from vsm_core.organisation.summary import experiment_counts, team_datasets
from vsm_core.store import database_url

#: Period lengths offered, in weeks.
WEEKS = (1, 2, 4, 8, 13, 26)

TABLE_COLUMNS = {
    COLUMNS["throughput_per_week"]: st.column_config.NumberColumn(format="%.1f"),
    COLUMNS["throughput_per_week_change"]: st.column_config.NumberColumn(format="%+.1f"),
    COLUMNS["cycle_time_p85"]: st.column_config.NumberColumn(format="%.1f"),
    COLUMNS["cycle_time_p85_change"]: st.column_config.NumberColumn(format="%+.1f"),
    COLUMNS["wip_mean"]: st.column_config.NumberColumn(format="%.1f"),
    COLUMNS["wip_mean_change"]: st.column_config.NumberColumn(format="%+.1f"),
    COLUMNS["flow_efficiency"]: st.column_config.NumberColumn(format="%.0f"),
    COLUMNS["flow_efficiency_change"]: st.column_config.NumberColumn(format="%+.0f"),
    COLUMNS["sle_hit_rate"]: st.column_config.NumberColumn(format="%.0f"),
}


def render_organisation() -> None:
    actor = current_actor()
    weeks = st.segmented_control(
        "Period",
        WEEKS,
        default=4,
        format_func=lambda w: "1 week" if w == 1 else f"{w} weeks",
        key="organisation_weeks",
        help="Each team's last weeks of data, against the same number of weeks before.",
    )
    days = 7 * (weeks or 4)
    url = database_url()
    with Session(current_engine()) as session:
        chosen = team_datasets(session, actor=actor)
        if not chosen:
            st.info("No team to show yet: import a dataset (with its team) on the Import page.")
            return
        stamps = {c.version_id: c.imported_at.isoformat() for c in chosen}
        with st.spinner("Summarising the teams…"):
            rows = overview_rows(
                session,
                actor=actor,
                chosen=chosen,
                load=lambda version_id: load_version(url, version_id, stamps[version_id]),
                counts=experiment_counts(session, actor=actor),
                days=days,
            )
    st.caption(
        f"{len(rows)} teams. Each row reads the team's most recently imported dataset. "
        "Changes are against the period of the same length just before. Within the SLE: "
        "the share of items finished in the period within the 85th percentile cycle time "
        "of the items finished before it. Click a column header to sort."
    )
    table = overview_table(rows).rename(columns=COLUMNS)
    st.dataframe(table, hide_index=True, width="stretch", column_config=TABLE_COLUMNS)
    _open_links(rows)
    _downloads(rows)


def _open_links(rows: list[OverviewRow]) -> None:
    with st.expander("Open a team"):
        for row in rows:
            st.page_link(
                "pages/home.py",
                label=f"{md(row.chosen.team)} · {md(row.chosen.dataset)}",
                query_params={"dataset": str(row.chosen.dataset_id)},
            )


def _downloads(rows: list[OverviewRow]) -> None:
    now = datetime.now(UTC)
    left, right = st.columns(2)
    left.download_button(
        "Download report (HTML)",
        overview_html(rows, generated_at=now),
        file_name=f"flowlab-organisation-{now:%Y-%m-%d}.html",
        mime="text/html",
        width="stretch",
    )
    right.download_button(
        "Download table (CSV)",
        overview_csv(rows),
        file_name=f"flowlab-organisation-{now:%Y-%m-%d}.csv",
        mime="text/csv",
        width="stretch",
    )
