"""What the pages of a team's own records share (Delivery, Measures): the team picker and
the table of an upload's problems."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.plain import empty_cells
from ui.state import Selection
from vsm_core.importers.errors import ImportFailed
from vsm_core.store.access import Actor
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
