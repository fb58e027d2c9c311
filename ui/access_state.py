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
"""

from __future__ import annotations

from sqlmodel import Session

from ui.auth import current_identity
from vsm_core.store import teams
from vsm_core.store.access import Actor, local_actor, person


def current_actor() -> Actor:
    """The actor of this run (see the module docstring)."""
    identity = current_identity()
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
