"""ui.access_state: the actor is resolved once per page run and follows who is signed in.

``current_identity`` is replaced by a plain function returning an ``Identity`` here because
this tests the keeping of the actor, not sign-in (the real provider drives sign-in in
tests/e2e/test_roles_browser.py). The roles query is counted on a real migrated database.
"""

from __future__ import annotations

import pytest
import streamlit as st
from sqlmodel import Session

import ui.access_state as access_state
import ui.state
from vsm_core.identity import Identity
from vsm_core.store import teams
from vsm_core.store.access import SYSTEM

KIM = Identity(
    subject="k", email="kim@example.org", name="Kim", teams=("A",), roles={"A": "viewer"}
)
LEE = Identity(
    subject="l", email="lee@example.org", name="Lee", teams=("B",), roles={"B": "editor"}
)


@pytest.fixture
def signed_in(engine, monkeypatch):
    """Who is signed in (set ``signed_in.who``) and how often the roles were queried."""

    class Visitor:
        who: Identity | None = KIM
        queries = 0

    visitor = Visitor()
    real_granted = teams.granted_roles

    def counted(session, *, email):
        visitor.queries += 1
        return real_granted(session, email=email)

    monkeypatch.setattr(access_state, "current_identity", lambda: visitor.who)
    monkeypatch.setattr(access_state.teams, "granted_roles", counted)
    monkeypatch.setattr(ui.state, "current_engine", lambda: engine)
    st.session_state.pop(access_state._KEPT, None)
    yield visitor
    st.session_state.pop(access_state._KEPT, None)


def test_one_roles_query_per_run_however_many_store_calls(signed_in, engine):
    with Session(engine) as session:
        teams.set_member(session, actor=SYSTEM, team="C", email="kim@example.org", role="editor")
    actor = access_state.resolve_actor()  # what page_setup does at the start of a run
    assert dict(actor.roles) == {"A": "viewer", "C": "editor"}
    assert [access_state.current_actor() for _ in range(12)] == [actor] * 12
    assert signed_in.queries == 1


def test_a_role_given_on_the_admin_page_counts_from_the_next_run(signed_in, engine):
    assert access_state.resolve_actor().role_in("D") is None
    with Session(engine) as session:
        teams.set_member(session, actor=SYSTEM, team="D", email="kim@example.org", role="admin")
    assert access_state.current_actor().role_in("D") is None  # same run: the kept actor
    assert access_state.resolve_actor().role_in("D") == "admin"  # next run
    assert signed_in.queries == 2


def test_another_person_signing_in_is_never_served_the_kept_actor(signed_in):
    assert access_state.resolve_actor().email == "kim@example.org"
    signed_in.who = LEE
    actor = access_state.current_actor()
    assert (actor.email, dict(actor.roles)) == ("lee@example.org", {"B": "editor"})
    signed_in.who = None  # signed out, sign-in turned off: the local single user
    assert access_state.current_actor().kind == "local"
    assert signed_in.queries == 2
