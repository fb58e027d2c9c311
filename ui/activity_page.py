"""Activity page body: the changes made in the teams the visitor may read, newest first."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.state import current_engine
from vsm_core.store import teams

ALL = "All my teams"


def render_activity() -> None:
    actor = current_actor()
    with Session(current_engine()) as session:
        offered = teams.known_teams(session, actor=actor)
    if not offered:
        st.info("No team yet: nothing has happened that you may see.")
        return
    choice = st.selectbox("Team", [ALL, *offered], key="activity_team")
    with Session(current_engine()) as session:
        entries = teams.list_activity(session, actor=actor, team=None if choice == ALL else choice)
    if not entries:
        st.info("Nothing recorded yet for this team.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "When (UTC)": [e.at.strftime("%Y-%m-%d %H:%M") for e in entries],
                "Team": [e.team for e in entries],
                "Who": [e.actor for e in entries],
                "What": [teams.ACTIONS[e.action] for e in entries],
                "On": [e.subject for e in entries],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(f"The newest {len(entries)} changes. Times are UTC.")
