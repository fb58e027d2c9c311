"""Team members (the Admin page) and the activity log (the Activity view).

Keyword-only functions taking a ``sqlmodel.Session`` and the acting
:class:`~vsm_core.store.access.Actor`, like the rest of the store. The rule
for who may do what is :mod:`vsm_core.store.access`'s: listing a team's
members or activity needs to be able to read the team; adding or removing a
member needs its admin role.

:func:`record_activity` is called by every store function that changes a
team's rows, inside that change's transaction, so a change and its log entry
are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from vsm_core.store.access import DATASET_TEAM, ROLES, Actor, Role, check, readable
from vsm_core.store.models import Activity, TeamMember
from vsm_core.store.types import utc_now
from vsm_core.store.writing import write_transaction

#: The changes the activity log names, and how the Activity view says them.
ACTIONS: dict[str, str] = {
    "import": "imported a dataset version",
    "workflow": "changed the workflow",
    "delete_version": "deleted a dataset version",
    "archive": "archived a dataset or version",
    "restore": "restored an archived dataset or version",
    "experiment_create": "recorded an experiment",
    "experiment_edit": "edited an experiment",
    "experiment_review": "reviewed an experiment",
    "retrospective": "saved a retrospective",
    "design": "saved a future-state design",
    "delivery_import": "imported deployments or incidents",
    "series_import": "uploaded measures",
    "member_add": "gave a role",
    "member_remove": "removed a member",
}


def record_activity(
    session: Session,
    *,
    actor: Actor,
    team: str,
    action: str,
    subject: str,
    detail: Mapping[str, Any] | None = None,
) -> Activity:
    """Add one entry to ``team``'s activity log in the session's open transaction.

    ``action`` is one of :data:`ACTIONS`; ``subject`` names what was changed
    ("dataset 'Payments' version 3"); ``detail`` is JSON-ready context. The
    caller commits (with the change itself).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown activity {action!r}")
    entry = Activity(
        at=utc_now(),
        team=team,
        actor=actor.name,
        actor_email=actor.email,
        action=action,
        subject=subject[:300],
        detail=dict(detail or {}),
    )
    session.add(entry)
    return entry


def list_activity(
    session: Session, *, actor: Actor, team: str | None = None, limit: int = 200
) -> list[Activity]:
    """The newest ``limit`` entries of ``team`` (None: every team the actor may read)."""
    statement = select(Activity).where(readable(Activity.team, actor))
    if team is not None:
        statement = statement.where(Activity.team == team)
    statement = statement.order_by(col(Activity.at).desc(), col(Activity.id).desc()).limit(limit)
    return list(session.exec(statement).all())


def known_teams(session: Session, *, actor: Actor, action: str = "read") -> list[str]:
    """The teams the actor may ``action`` (read, edit, admin), by name.

    A team is known from its datasets (a dataset without a team is a team of its
    own name), its Admin-page members, or the actor's own roles.
    """
    names = set(session.exec(select(DATASET_TEAM)).all())
    names |= set(session.exec(select(TeamMember.team)).all())
    names |= set(actor.roles)
    return sorted((n for n in names if n and actor.may(n, action)), key=str.casefold)


def list_members(session: Session, *, actor: Actor, team: str) -> list[TeamMember]:
    """The members given a role in ``team`` on the Admin page, by e-mail."""
    check(actor, team, "read", what=f"team {team}")
    statement = select(TeamMember).where(TeamMember.team == team).order_by(col(TeamMember.email))
    return list(session.exec(statement).all())


def granted_roles(session: Session, *, email: str | None) -> dict[str, Role]:
    """The roles the Admin page gave ``email``, team → role (for :func:`access.person`).

    This is the one read that runs before an actor exists: it reads only the
    person's own rows.
    """
    if not email:
        return {}
    statement = select(TeamMember.team, TeamMember.role).where(TeamMember.email == email.casefold())
    return {team: role for team, role in session.exec(statement).all() if role in ROLES}


def set_member(session: Session, *, actor: Actor, team: str, email: str, role: Role) -> TeamMember:
    """Give ``email`` the ``role`` in ``team`` (added, or changed if already a member).

    Needs the team's admin role. Raises ``ValueError`` for an unknown role or
    an address without ``@``.
    """
    if role not in ROLES:
        raise ValueError(f"the role must be one of {', '.join(ROLES)}")
    email = email.strip().casefold()
    if "@" not in email.strip("@"):
        raise ValueError(f"{email!r} is not an e-mail address")
    with write_transaction(session):
        check(actor, team, "admin", what=f"the members of {team}")
        statement = select(TeamMember).where(TeamMember.team == team, TeamMember.email == email)
        member = session.exec(statement).first()
        before = member.role if member is not None else None
        if member is None:
            member = TeamMember(team=team, email=email, role=role, added_by=actor.name)
        member.role = role
        session.add(member)
        record_activity(
            session,
            actor=actor,
            team=team,
            action="member_add",
            subject=email,
            detail={"role": [before, role]},
        )
    session.refresh(member)
    return member


def remove_member(session: Session, *, actor: Actor, team: str, email: str) -> bool:
    """Remove ``email``'s Admin-page role in ``team``; False when there was none.

    Roles that come from the sign-in claim are not affected (the provider owns those).
    """
    email = email.strip().casefold()
    with write_transaction(session):
        check(actor, team, "admin", what=f"the members of {team}")
        statement = select(TeamMember).where(TeamMember.team == team, TeamMember.email == email)
        member = session.exec(statement).first()
        if member is None:
            return False
        session.delete(member)
        record_activity(
            session, actor=actor, team=team, action="member_remove", subject=email, detail={}
        )
    return True
