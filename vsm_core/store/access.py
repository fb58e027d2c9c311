"""Who may read and change which team's rows: the one place the rule lives.

Every dataset belongs to one team (``dataset.team``), and so do its
versions, its experiments and its retrospectives. An :class:`Actor` is the
acting identity the store functions take:

* a **signed-in person** with a role per team — ``viewer`` (read),
  ``editor`` (import, workflow, experiments, retrospectives) or ``admin``
  (members, delete, archive) — from the ID token's groups claim (mapped to
  team names by :mod:`vsm_core.identity`) and from the ``team_member`` table
  (the Admin page), the higher role winning; an **instance admin** (from
  ``VSM_ADMINS`` or a claim) acts as admin of every team;
* :data:`SYSTEM`, the explicit actor of the command line and the
  migrations, which may do everything;
* :func:`local_actor`, the single user of a Flowlab without sign-in, who
  may do everything too (local use stays exactly as easy as before).

A row of a team the actor cannot read does not exist for them: reads filter
it out and a lookup by id says "not found" (:class:`NotFound`), so a
hand-edited URL learns nothing. A write the actor's role does not allow
raises :class:`AccessDenied` with one plain sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import false, true
from sqlalchemy.sql import ColumnElement

if TYPE_CHECKING:
    from sqlalchemy.sql.functions import Function

    #: A dataset's team in SQL (built on first use, see ``__getattr__`` below).
    DATASET_TEAM: Function[str]

Role = Literal["viewer", "editor", "admin"]

#: Roles in increasing power: each may do what the ones before it may.
ROLES: tuple[Role, ...] = ("viewer", "editor", "admin")

#: What each kind of change needs.
NEEDS: dict[str, Role] = {"read": "viewer", "edit": "editor", "admin": "admin"}


class NotFound(LookupError):
    """No such row — or one the actor may not see (the two look the same on purpose)."""


class AccessDenied(PermissionError):
    """The actor may see the team's rows but not make this change."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person (``roles`` per team), the system, or the local user.

    ``name`` is what histories and the activity log record; ``email`` (lower
    case) identifies a person across sign-ins; ``everything`` is True for the
    system, the local single user and instance admins.
    """

    name: str
    email: str | None = None
    roles: Mapping[str, Role] = field(default_factory=dict)
    everything: bool = False
    kind: Literal["person", "system", "local"] = "person"

    def role_in(self, team: str | None) -> Role | None:
        """The actor's role in ``team`` (``admin`` for everything-actors), else None."""
        if self.everything:
            return "admin"
        if team is None:
            return None  # a row without a team is for instance admins only
        return self.roles.get(team)

    def may(self, team: str | None, action: str = "read") -> bool:
        """Whether the actor may ``action`` (read, edit, admin) the rows of ``team``."""
        role = self.role_in(team)
        return role is not None and ROLES.index(role) >= ROLES.index(NEEDS[action])

    def teams(self, action: str = "read") -> frozenset[str] | None:
        """The teams whose rows the actor may ``action``; None means every team."""
        if self.everything:
            return None
        return frozenset(team for team in self.roles if self.may(team, action))


#: The command line and the migrations: an explicit actor that may do everything.
SYSTEM = Actor(name="system", everything=True, kind="system")


def local_actor(name: str = "local user") -> Actor:
    """The single user of a Flowlab without sign-in: may do everything, as before teams."""
    return Actor(name=name, everything=True, kind="local")


def person(
    *,
    name: str,
    email: str | None,
    claimed: Mapping[str, Role] | None = None,
    granted: Mapping[str, Role] | None = None,
    instance_admin: bool = False,
) -> Actor:
    """A signed-in person: roles from the token's claim and from the Admin page, merged.

    Where both give a role in one team, the higher one holds.
    """
    roles: dict[str, Role] = {}
    for source in (claimed or {}, granted or {}):
        for team, role in source.items():
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
            if team not in roles or ROLES.index(role) > ROLES.index(roles[team]):
                roles[team] = role
    return Actor(
        name=name,
        email=email.casefold() if email else None,
        roles=roles,
        everything=instance_admin,
    )


def readable(column: Any, actor: Actor, action: str = "read") -> ColumnElement[bool]:
    """A WHERE clause keeping the rows whose team ``column`` the actor may ``action``."""
    teams = actor.teams(action)
    if teams is None:
        return true()
    if not teams:
        return false()
    return column.in_(sorted(teams))


def check(actor: Actor, team: str | None, action: str, *, what: str) -> None:
    """Raise unless the actor may ``action`` the rows of ``team``.

    A team the actor cannot even read gives :class:`NotFound` ("``what``
    not found"); one it can read but not change gives :class:`AccessDenied`.
    """
    if actor.may(team, action):
        return
    if not actor.may(team, "read"):
        raise NotFound(f"{what} not found")
    needed = NEEDS[action]
    raise AccessDenied(
        f"{actor.name} is a {actor.role_in(team)} of {team}: changing {what} needs the "
        f"{needed} role. A team admin can give it on the Admin page."
    )


def _dataset_team() -> Function[str]:
    """A dataset's team in SQL: ``coalesce(dataset.team, dataset.name)`` (a dataset stored
    without a team is a team of its own name)."""
    from sqlalchemy import func

    from vsm_core.store.models import Dataset

    return func.coalesce(Dataset.team, Dataset.name)


def __getattr__(name: str) -> Any:
    # ``DATASET_TEAM`` is built on first use: it needs the ORM table classes, and the
    # Core-only readers (``experiments show``, :mod:`vsm_core.store.reading`) import this
    # module without paying for the ORM.
    if name == "DATASET_TEAM":
        globals()[name] = value = _dataset_team()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
