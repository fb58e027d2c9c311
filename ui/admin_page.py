"""Admin page body: a team's members and their roles, for the team's admins.

Roles (``vsm_core.store.access``): viewer reads; editor also imports, edits
workflows, experiments and retrospectives; admin also manages members, deletes
and archives. Roles given here add to those the sign-in claim gives (the higher
role holds); removing a member here does not touch a role the claim gives. The
store checks every change against the acting identity: this page only offers the
teams where the visitor is an admin.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from ui.plain import md
from ui.state import current_engine
from vsm_core.store import teams
from vsm_core.store.access import ROLES, AccessDenied, NotFound

ROLE_WORDS = {
    "viewer": "Viewer: reads the team's data",
    "editor": "Editor: also imports, edits workflows, experiments and retrospectives",
    "admin": "Admin: also manages members, deletes and archives",
}


def render_admin() -> None:
    actor = current_actor()
    with Session(current_engine()) as session:
        offered = teams.known_teams(session, actor=actor, action="admin")
    if actor.kind == "local":
        st.caption(
            "Single-user: sign-in is not configured, so roles have no effect yet. They are "
            "kept and apply once sign-in is on (docs/sign-in.md)."
        )
    if not offered:
        st.info("You are not an admin of any team. A team admin can give you the role here.")
        return
    team = st.selectbox("Team", offered, key="admin_team")
    with Session(current_engine()) as session:
        members = teams.list_members(session, actor=actor, team=team)
    st.subheader("Members")
    if members:
        table = pd.DataFrame(
            {
                "E-mail": [m.email for m in members],
                "Role": [m.role.capitalize() for m in members],
                "Given by": [m.added_by for m in members],
                "On": [m.added_at.strftime("%d %b %Y") for m in members],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.caption("Nobody has a role given here yet; roles may still come from sign-in.")
    _member_form(actor, team)
    if members:
        _remove_form(actor, team, [m.email for m in members])


def _member_form(actor, team: str) -> None:
    with st.form("admin_add", clear_on_submit=True):
        st.markdown("**Give a role**")
        email = st.text_input("E-mail", key="admin_email")
        role = st.radio("Role", ROLES, format_func=ROLE_WORDS.get, key="admin_role", index=0)
        if st.form_submit_button("Give the role"):
            _apply(lambda s: teams.set_member(s, actor=actor, team=team, email=email, role=role))


def _remove_form(actor, team: str, emails: list[str]) -> None:
    with st.form("admin_remove"):
        st.markdown("**Remove a member**")
        email = st.selectbox("E-mail", emails, key="admin_remove_email")
        if st.form_submit_button("Remove"):
            _apply(lambda s: teams.remove_member(s, actor=actor, team=team, email=email))


def _apply(change) -> None:
    """Run one store change; its refusal is shown in words, nothing else changes."""
    try:
        with Session(current_engine()) as session:
            change(session)
    except (AccessDenied, NotFound, ValueError) as error:
        st.error(md(str(error)))
        return
    st.rerun()
