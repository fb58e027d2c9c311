"""The acting identity of this browser session, for every store call a page makes.

Without sign-in Flowlab is single-user: the actor is the local user, who may
do everything (as before teams existed). With sign-in the actor is the
signed-in person with the roles of :mod:`vsm_core.store.access`: the role
each team of the ID token's groups claim gives (``vsm_core.identity``:
``editor`` unless the secrets' ``[teams]`` table names another), raised by
any role the Admin page gave their e-mail; an instance admin may do
everything.

The store decides with this actor what a page may read or change; pages never
filter by team themselves.

A page run makes many store calls (5–20), and each needs the actor. Resolving
it means a query for the Admin page's roles, so :func:`resolve_actor` does it
once at the start of every run (``ui.shell.page_setup``) and keeps it in the
session for :func:`current_actor`. A role given or taken on the Admin page
counts from the next run; a change of who is signed in counts at once (the
kept actor is used only while the signed-in e-mail is the same).
"""

from __future__ import annotations

import streamlit as st
from sqlmodel import Session

from ui.auth import current_identity
from vsm_core.store import teams
from vsm_core.store.access import Actor, local_actor, person

#: Session-state key of ``(signed-in e-mail or None, actor)`` resolved this run.
_KEPT = "_flowlab_actor"


def current_actor() -> Actor:
    """The actor of this run: the one :func:`resolve_actor` kept, else resolved now."""
    kept = st.session_state.get(_KEPT)
    identity = current_identity()
    email = identity.email if identity is not None else None
    if kept is not None and kept[0] == email:
        return kept[1]
    return resolve_actor()


def resolve_actor() -> Actor:
    """Work out who is acting (one roles query when signed in) and keep it for this run."""
    identity = current_identity()
    actor = _actor_of(identity)
    st.session_state[_KEPT] = (identity.email if identity is not None else None, actor)
    return actor


def _actor_of(identity) -> Actor:
    """The store's actor for ``identity`` (``ui.auth.Identity`` or None: not signed in)."""
    if identity is None:
        return local_actor()
    from ui.state import current_engine  # ui.state asks this module who is acting

    with Session(current_engine()) as session:
        granted = teams.granted_roles(session, email=identity.email)
    return person(
        name=identity.display_name,
        email=identity.email,
        claimed=identity.roles,
        granted=granted,
        instance_admin=identity.is_admin,
    )
