"""Which column plays which role: suggestions from header names, user overrides.

Header names are compared after lower-casing and dropping everything but
letters and digits, so "Issue Key", "issue_key" and "ISSUE-KEY" are alike.
"""

from __future__ import annotations

import re

from vsm_core.importers.errors import ImportFailed, ImportProblem

#: Header aliases per role, most specific first (normalised form).
ALIASES: dict[str, tuple[str, ...]] = {
    "item_id": (
        "itemid",
        "item",
        "itemkey",
        "id",
        "key",
        "issuekey",
        "issueid",
        "workitemid",
        "number",
        "ticket",
        "ticketid",
        "ref",
        "issue",
        "identifier",
        "sysid",
    ),
    "title": ("title", "name", "summary", "subject", "shortdescription"),
    "type": ("type", "issuetype", "workitemtype", "itemtype", "kind", "tickettype"),
    "team": ("team", "squad", "board", "areapath", "assignmentgroup"),
    "labels": ("labels", "label", "tags", "tag"),
    "from_status": (
        "fromstatus",
        "from",
        "fromstring",
        "oldstatus",
        "previousstatus",
        "fromstate",
        "originalfromvalue",
        "oldvalue",
    ),
    "status": (
        "status",
        "state",
        "tostatus",
        "to",
        "tostring",
        "newstatus",
        "tostate",
        "stage",
        "originaltovalue",
        "newvalue",
    ),
    "timestamp": (
        "timestamp",
        "enteredat",
        "entered",
        "changedat",
        "changed",
        "changedate",
        "date",
        "time",
        "datetime",
        "transitiondate",
        "transitionedat",
        "updatedat",
        "updated",
        "sysupdatedon",
        "eventtime",
    ),
    "created": ("created", "createdat", "createddate", "creationdate", "opened", "syscreatedon"),
    "started": ("started", "startedat", "startdate", "activateddate", "inprogressdate"),
    "done": (
        "done",
        "doneat",
        "completed",
        "completedat",
        "completeddate",
        "resolved",
        "resolutiondate",
        "closed",
        "closedat",
        "closeddate",
        "finished",
    ),
    "blocked_days": ("blockeddays", "daysblocked", "blockedtime"),
}


def normalise_header(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def suggest_columns(columns: list[str], roles: tuple[str, ...]) -> dict[str, str]:
    """For each of ``roles``, the first column whose normalised name is one of its aliases.

    A column is given to at most one role, in the order of ``roles``.
    """
    by_key = {}
    for column in columns:
        by_key.setdefault(normalise_header(column), column)
    taken: set[str] = set()
    chosen: dict[str, str] = {}
    for role in roles:
        for alias in ALIASES.get(role, ()):
            column = by_key.get(alias)
            if column is not None and column not in taken:
                chosen[role] = column
                taken.add(column)
                break
    return chosen


def resolve_mapping(
    columns: list[str],
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    given: dict[str, str],
) -> dict[str, str]:
    """Merge the user's ``given`` mapping over suggestions; fail if a required role has no column.

    Raises :class:`ImportFailed` listing every unknown column and every
    missing required role.
    """
    problems = [
        ImportProblem(
            column=column,
            message=f"--map {role}={column}: no such column; columns are {_listing(columns)}",
        )
        for role, column in given.items()
        if column not in columns
    ]
    free = [c for c in columns if c not in given.values()]
    open_roles = tuple(r for r in required + optional if r not in given)
    mapping = {**suggest_columns(free, open_roles), **given}
    problems += [
        ImportProblem(
            message=(
                f"no column found for {role!r}; columns are {_listing(columns)} "
                f"(name one with --map {role}=COLUMN)"
            )
        )
        for role in required
        if role not in mapping
    ]
    if problems:
        raise ImportFailed(problems)
    return mapping


def _listing(columns: list[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:15])
    return shown + (f" and {len(columns) - 15} more" if len(columns) > 15 else "")
