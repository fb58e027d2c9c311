"""Which column of a deployment or incident file plays which role, and which words mean what.

Header names are compared after :func:`~vsm_core.importers.columns.normalise_header`
(lower case, letters and digits only), against the aliases below in order: the first
alias a column matches wins, and a column plays at most one role. Roles are assigned in
the order of the mapping, the most specific first (a ``Commit date`` is never taken for
the deployment time, a ``Deployment ID`` in an incident file is the causing deployment).
"""

from __future__ import annotations

import pandas as pd

from vsm_core.importers.columns import normalise_header

DEPLOYMENT_ROLES: dict[str, tuple[str, ...]] = {
    "commit_at": (
        "firstcommitat",
        "firstcommitdate",
        "firstcommittime",
        "firstcommit",
        "commitat",
        "committedat",
        "commitdate",
        "committime",
    ),
    "deployed_at": (
        "deployedat",
        "deploymentdate",
        "deploymenttime",
        "deployedon",
        "deploydate",
        "deploytime",
        "deployed",
        "finishedat",
        "completedat",
        "releasedat",
        "releasedate",
        "createdat",
        "date",
        "timestamp",
        "time",
    ),
    "status": ("status", "deploymentstatus", "state", "result", "outcome", "conclusion"),
    "environment": ("environment", "env", "environmentname", "targetenvironment", "target"),
    "service": (
        "service",
        "servicename",
        "component",
        "application",
        "applicationname",
        "app",
        "system",
        "repository",
        "repo",
        "project",
        "projectname",
    ),
    "kind": ("kind", "deploymentkind", "deploymenttype", "type", "category", "reason"),
    "change_ids": (
        "changeids",
        "changes",
        "change",
        "commits",
        "commitshas",
        "pullrequests",
        "prs",
        "issues",
        "tickets",
        "workitems",
    ),
    "external_id": ("id", "deploymentid", "deployid", "runid", "pipelineid", "key", "number"),
}
DEPLOYMENT_REQUIRED = ("deployed_at", "status")

INCIDENT_ROLES: dict[str, tuple[str, ...]] = {
    "started_at": (
        "startedat",
        "startdate",
        "starttime",
        "start",
        "incidentstart",
        "openedat",
        "detectedat",
        "triggeredat",
        "beganat",
        "createdat",
        "createdon",
    ),
    "resolved_at": (
        "resolvedat",
        "resolvedon",
        "resolved",
        "resolvedate",
        "resolutiontime",
        "restoredat",
        "recoveredat",
        "mitigatedat",
        "incidentend",
        "endedat",
        "endtime",
        "end",
        "closedat",
        "closedon",
    ),
    "deployment_ref": (
        "causingdeployment",
        "causedbydeployment",
        "causedby",
        "deploymentid",
        "deploymentref",
        "deployment",
        "deployid",
    ),
    "service": (
        "service",
        "servicename",
        "affectedservice",
        "component",
        "application",
        "app",
        "system",
    ),
    "title": ("title", "summary", "name", "description"),
    "external_id": ("id", "incidentid", "incidentnumber", "number", "key"),
}
INCIDENT_REQUIRED = ("started_at", "resolved_at")

#: How the interface names each role (no column or library names).
ROLE_WORDS = {
    "deployed_at": "deployment time",
    "commit_at": "first commit time",
    "status": "status",
    "environment": "environment",
    "service": "service",
    "kind": "kind (rollback, hotfix)",
    "change_ids": "change ids",
    "external_id": "id",
    "started_at": "start time",
    "resolved_at": "resolution time",
    "deployment_ref": "causing deployment",
    "title": "title",
}

SUCCESS_WORDS = frozenset(
    {"success", "succeeded", "successful", "ok", "passed", "pass", "deployed", "done"}
    | {"completed", "complete", "green"}
)
FAILURE_WORDS = frozenset(
    {"failure", "failed", "fail", "error", "errored", "broken", "red", "rolledback"}
)
ROLLBACK_WORDS = frozenset({"rollback", "rolledback", "revert", "reverted"})
HOTFIX_WORDS = frozenset({"hotfix", "fix", "fixforward", "patch", "remediation", "hotpatch"})
PLANNED_WORDS = frozenset(
    {"normal", "regular", "planned", "standard", "release", "feature", "deploy", "deployment"}
    | {"scheduled", "routine"}
)
#: Environment names that mean production (DORA counts deployments to production).
PRODUCTION_WORDS = frozenset({"production", "prod", "prd", "live"})


def word_key(values: pd.Series) -> pd.Series:
    """Cell text as a key: lower case, letters and digits only ("Rolled back" -> "rolledback")."""
    return values.astype("string").str.casefold().str.replace(r"[^0-9a-z]", "", regex=True)


def choose_columns(columns: list[str], roles: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Role -> column for every role some column's name fits (module docstring)."""
    keys = {column: normalise_header(column) for column in columns}
    chosen: dict[str, str] = {}
    for role, aliases in roles.items():
        taken = set(chosen.values())
        best = None
        for column, key in keys.items():
            if column in taken or key not in aliases:
                continue
            rank = aliases.index(key)
            if best is None or rank < best[0]:
                best = (rank, column)
        if best is not None:
            chosen[role] = best[1]
    return chosen


def split_ids(values: pd.Series) -> pd.Series:
    """Each cell's change ids (split at commas, semicolons and spaces) as a tuple."""
    text = values.astype("string").fillna("")
    parts = text.str.split(r"[,;\s]+", regex=True)
    return parts.map(lambda ids: tuple(i for i in ids if i))


def is_blank(values: pd.Series) -> pd.Series:
    """True where a cell is missing or only whitespace."""
    text = values.astype("string")
    return (text.isna() | (text.str.strip() == "")).fillna(True).astype(bool)


def listing_of(columns: list[str], limit: int = 12) -> str:
    """The columns named for a message: ``'a', 'b', … (and 3 more)``."""
    shown = ", ".join(repr(c) for c in columns[:limit])
    more = len(columns) - limit
    return shown + (f" (and {more} more)" if more > 0 else "") if columns else "none"


def counted(n: int, noun: str) -> str:
    """``"1 deployment"``, ``"3 deployments"``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
