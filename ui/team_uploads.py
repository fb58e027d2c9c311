"""What the pages of a team's own records share (Delivery, Measures): the team picker, the
table of an upload's problems, and the demo team's sample records on request."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlmodel import Session

from ui.plain import empty_cells, md
from ui.state import Selection, current_engine
from vsm_core.importers.errors import ImportFailed
from vsm_core.sample_data import DEMO_TEAM
from vsm_core.store.access import AccessDenied, Actor, NotFound
from vsm_core.store.bootstrap import seed_demo_records
from vsm_core.store.crud import team_of


def team_picker(
    known: list[str], selection: Selection, actor: Actor, *, key: str, shown: str
) -> str | None:
    """The chosen team, bound to the address under ``key``: the sidebar's dataset's team by
    default; anyone who may act for every team may also type a new one. ``shown``: what the
    page shows of the team, for the help ("deployments and incidents")."""
    if not known and not actor.everything:
        return None
    default = team_of(selection.dataset) if selection.dataset is not None else None
    index = known.index(default) if default in known else (0 if known else None)
    return st.selectbox(
        "Team",
        known,
        index=index,
        key=key,
        bind="query-params",
        accept_new_options=actor.everything,
        placeholder="Type a team name",
        help=f"The team whose {shown} are shown (and uploaded).",
    )


def show_problems(failure: ImportFailed, *, key: str) -> None:
    """Why the file cannot be used: the count, then every problem listed with its row,
    column and value (the first 1,000 and the total); nothing was stored."""
    listed = f" (the first {len(failure.problems):,} are listed)" if failure.omitted else ""
    st.error(f"The file cannot be used: {failure.total:,} problem(s){listed}. Nothing was stored.")
    table = pd.DataFrame(
        [p.model_dump() for p in failure.problems],
        columns=["row", "column", "value", "message"],
    ).rename(columns={"row": "Row", "column": "Column", "value": "Value", "message": "Problem"})
    st.dataframe(empty_cells(table), hide_index=True, key=key)


def offer_demo_records(team: str, actor: Actor, *, flash: str, key: str) -> None:
    """For the demo team, to someone who may edit it: a button that stores its sample
    deployments, incidents and measures (:func:`vsm_core.store.bootstrap.seed_demo_records`),
    then reruns with what was stored in the session key ``flash``."""
    if team != DEMO_TEAM or not actor.may(team, "edit"):
        return
    st.caption(
        "To try this page without an export, add the demo team's sample deployments, "
        "incidents and measures (made up, like the demo's work items)."
    )
    if not st.button("Add the demo team's sample records", key=key):
        return
    try:
        with Session(current_engine()) as session:
            said = seed_demo_records(session, actor=actor)
    except (AccessDenied, NotFound, ImportFailed) as refused:
        st.error(f"{md(refused)} Nothing was stored.")
        return
    st.session_state[flash] = " ".join(said)
    st.rerun()
