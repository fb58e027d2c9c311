"""The access rule (vsm_core.store.access) and the members/activity store (vsm_core.store.teams).

The rule by hand: each role may do what the weaker ones may; a team the actor cannot read
is "not found", one it can read but not change is "denied"; the system and local actors and
instance admins may do everything. Store tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from vsm_core.store import access, teams
from vsm_core.store.access import SYSTEM, AccessDenied, NotFound, local_actor, person
from vsm_core.store.models import Activity

ANA = person(name="Ana", email="Ana@Example.org", claimed={"A": "editor", "B": "viewer"})


@pytest.mark.parametrize(
    ("team", "action", "allowed"),
    [
        ("A", "read", True),
        ("A", "edit", True),
        ("A", "admin", False),
        ("B", "read", True),
        ("B", "edit", False),
        ("C", "read", False),
        (None, "read", False),
    ],
)
def test_each_role_may_what_the_weaker_ones_may(team, action, allowed):
    assert ANA.may(team, action) is allowed


def test_everything_actors_may_everything_and_see_every_team():
    admin = person(name="Root", email="root@example.org", instance_admin=True)
    for actor in (SYSTEM, local_actor(), admin):
        assert actor.teams() is None
        assert actor.may("anything", "admin") and actor.may(None, "admin")


def test_roles_from_the_claim_and_the_admin_page_merge_to_the_higher_one():
    merged = person(
        name="Bo",
        email="bo@example.org",
        claimed={"A": "viewer", "B": "admin"},
        granted={"A": "editor", "B": "viewer", "C": "viewer"},
    )
    assert dict(merged.roles) == {"A": "editor", "B": "admin", "C": "viewer"}
    assert merged.email == "bo@example.org"
    assert merged.teams("edit") == {"A", "B"}
    with pytest.raises(ValueError, match="unknown role"):
        person(name="X", email=None, claimed={"A": "owner"})


def test_check_says_not_found_for_an_unreadable_team_and_denied_for_a_read_only_one():
    access.check(ANA, "A", "edit", what="dataset 1")
    with pytest.raises(NotFound, match="dataset 7 not found"):
        access.check(ANA, "C", "read", what="dataset 7")
    with pytest.raises(AccessDenied, match="needs the editor role"):
        access.check(ANA, "B", "edit", what="dataset 2")


@given(
    st.dictionaries(
        st.sampled_from(["A", "B", "C", "D"]), st.sampled_from(access.ROLES), max_size=4
    ),
    st.sampled_from(["A", "B", "C", "D"]),
    st.sampled_from(["read", "edit", "admin"]),
)
def test_may_is_exactly_membership_of_teams(roles, team, action):
    actor = person(name="P", email="p@example.org", claimed=roles)
    assert actor.may(team, action) == (team in actor.teams(action))


# --- the store ------------------------------------------------------------------------------


def test_members_are_set_by_team_admins_only_and_logged(engine):
    lead = person(name="Lead", email="lead@example.org", claimed={"A": "admin"})
    with Session(engine) as session:
        teams.set_member(session, actor=lead, team="A", email=" Kim@Example.org ", role="viewer")
        teams.set_member(session, actor=lead, team="A", email="kim@example.org", role="editor")
        with pytest.raises(NotFound):
            teams.set_member(session, actor=lead, team="B", email="x@example.org", role="viewer")
        with pytest.raises(AccessDenied):
            teams.set_member(session, actor=ANA, team="A", email="x@example.org", role="admin")
        with pytest.raises(ValueError, match="not an e-mail"):
            teams.set_member(session, actor=lead, team="A", email="kim", role="viewer")
        members = teams.list_members(session, actor=ANA, team="A")
        assert [(m.email, m.role, m.added_by) for m in members] == [
            ("kim@example.org", "editor", "Lead")
        ]
        assert teams.granted_roles(session, email="KIM@example.org") == {"A": "editor"}
        log = teams.list_activity(session, actor=ANA, team="A")
        assert [(e.action, e.actor, e.detail["role"]) for e in log] == [
            ("member_add", "Lead", ["viewer", "editor"]),
            ("member_add", "Lead", [None, "viewer"]),
        ]
        assert teams.remove_member(session, actor=lead, team="A", email="kim@example.org")
        assert not teams.remove_member(session, actor=lead, team="A", email="kim@example.org")
        assert teams.granted_roles(session, email="kim@example.org") == {}


def test_activity_is_read_only_for_the_teams_an_actor_may_read(engine):
    with Session(engine) as session:
        for team in ("A", "B", "C"):
            teams.record_activity(
                session, actor=SYSTEM, team=team, action="import", subject=f"data of {team}"
            )
        session.commit()
        seen = {e.team for e in teams.list_activity(session, actor=ANA)}
        assert seen == {"A", "B"}
        assert teams.list_activity(session, actor=ANA, team="C") == []
        assert {e.team for e in teams.list_activity(session, actor=SYSTEM)} == {"A", "B", "C"}
        nobody = person(name="N", email="n@example.org")
        assert teams.list_activity(session, actor=nobody) == []
        with pytest.raises(ValueError, match="unknown activity"):
            teams.record_activity(session, actor=SYSTEM, team="A", action="dance", subject="x")
        assert len(session.exec(select(Activity)).all()) == 3
