"""Which column plays which role: scores from header names, user overrides.

A header is read as words: camelCase is split and everything but letters
and digits separates words, so "Issue Key", "issue_key", "ISSUE-KEY" and
"issueKey" are all ``issue key``. A column fits a role

* **exactly** (score 1.0, a little less for the later aliases of a role) when
  its words joined are one of the role's :data:`ALIASES` (``issuekey``);
* **by its words** (score 0.6–0.95, :data:`WORD_RULES`) when it holds one of
  the role's words and none of the words that rule it out: ``SR Number`` is an
  item id, ``status_to_name`` a to-status, ``status_from_category_name`` is
  not a status (it is a category), ``resolved_by`` is not a done date.

What the cells hold is checked separately (:mod:`vsm_core.importers.detect`):
a name alone never makes a date column of a column without dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vsm_core.importers.errors import ImportFailed, ImportProblem

#: Exact header aliases per role, most specific first (words joined, lower case).
ALIASES: dict[str, tuple[str, ...]] = {
    "item_id": (
        "itemid",
        "item",
        "itemkey",
        "issuekey",
        "key",
        "id",
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
    "type": (
        "type",
        "issuetype",
        "issuetypename",
        "workitemtype",
        "itemtype",
        "kind",
        "tickettype",
    ),
    "team": ("team", "squad", "board", "areapath", "assignmentgroup"),
    "labels": ("labels", "label", "tags", "tag"),
    "from_status": (
        "fromstatus",
        "from",
        "fromstring",
        "oldstatus",
        "previousstatus",
        "fromstate",
        "statusfromname",
        "statusfrom",
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
        "statustoname",
        "statusto",
        "stage",
        "originaltovalue",
        "newvalue",
    ),
    "status_category": (
        "statuscategory",
        "statecategory",
        "statustocategoryname",
        "tostatuscategory",
        "statuscategoryname",
    ),
    "timestamp": (
        "timestamp",
        "enteredat",
        "entered",
        "changedat",
        "changed",
        "changedate",
        "changeddate",
        "statuschangedate",
        "changedatetime",
        "date",
        "time",
        "datetime",
        "transitiondate",
        "transitionedat",
        "updatedat",
        "updated",
        "sysupdatedon",
        "sysupdatedat",
        "eventtime",
    ),
    "created": (
        "created",
        "createdat",
        "createddate",
        "creationdate",
        "issuecreateddate",
        "opened",
        "openedat",
        "syscreatedon",
        "syscreatedat",
    ),
    "started": ("started", "startedat", "startdate", "activateddate", "inprogressdate"),
    "done": (
        "done",
        "doneat",
        "completed",
        "completedat",
        "completeddate",
        "resolved",
        "resolvedat",
        "resolutiondate",
        "closed",
        "closedat",
        "closeddate",
        "finished",
    ),
    "cancelled": (
        "cancelled",
        "canceled",
        "cancelledat",
        "canceledat",
        "cancelleddate",
        "canceleddate",
    ),
    "blocked_days": ("blockeddays", "daysblocked", "blockedtime"),
}


@dataclass(frozen=True)
class WordRule:
    """A column fits a role when it has one word of ``any_of`` (and, if given, one of
    ``with_one_of``) and none of ``none_of``; ``score`` says how sure that is."""

    score: float
    any_of: frozenset[str]
    none_of: frozenset[str] = frozenset()
    with_one_of: frozenset[str] = frozenset()


def _words(*names: str) -> frozenset[str]:
    return frozenset(names)


_STATUS = _words("status", "state")
#: Board words: a from/to pair of these (``From Column``/``To Column``) is a status change.
_BOARD = _words("column", "stage", "lane", "step")
_TIME_WORDS = _words("date", "time", "datetime", "timestamp", "at", "on", "dt", "ts")
_PERSON = _words("by", "user", "caller", "assignee", "owner", "creator", "reporter", "author")
#: Rules tried after the exact aliases; the best score wins.
WORD_RULES: dict[str, tuple[WordRule, ...]] = {
    "item_id": (
        WordRule(
            0.9,
            _words("key"),
            none_of=_STATUS
            | _PERSON
            | _words("sprint", "parent", "epic", "project", "change", "from", "to", "link"),
        ),
        WordRule(
            0.85,
            _words("number", "nr", "no", "ref", "ticket"),
            none_of=_STATUS
            | _PERSON
            | _words("sprint", "parent", "phone", "count", "change", "from", "to", "version"),
        ),
        WordRule(
            0.8,
            _words("id"),
            none_of=_STATUS
            | _PERSON
            | _words(
                "sprint", "parent", "epic", "project", "change", "from", "to", "board", "type"
            ),
        ),
    ),
    "from_status": (
        WordRule(
            0.95,
            _words("from", "old", "previous", "prev"),
            with_one_of=_STATUS | _BOARD,
            none_of=_TIME_WORDS | _words("category", "id", "code"),
        ),
    ),
    "status": (
        WordRule(
            0.95,
            _words("to", "new"),
            with_one_of=_STATUS | _BOARD,
            none_of=_TIME_WORDS | _words("category", "id", "code", "from", "old"),
        ),
        WordRule(
            0.8,
            _STATUS,
            none_of=_TIME_WORDS
            | _words("category", "id", "code", "from", "old", "previous", "sub", "reason", "count"),
        ),
        WordRule(
            0.6,
            _STATUS | _BOARD,
            none_of=_TIME_WORDS | _words("category", "id", "code", "from", "old", "count"),
        ),
    ),
    "status_category": (
        WordRule(
            0.9,
            _words("category"),
            with_one_of=_STATUS,
            none_of=_words("from", "old", "previous", "id"),
        ),
    ),
    "timestamp": (
        WordRule(
            0.9,
            _words("changed", "change", "transition", "transitioned", "entered", "event"),
            none_of=_words("by", "id", "count", "reason", "type", "request"),
        ),
        WordRule(
            0.8,
            _words("updated", "modified", "update"),
            none_of=_words("by", "id", "count"),
        ),
    ),
    "created": (
        WordRule(0.9, _words("created", "opened", "creation"), none_of=_PERSON | _words("id")),
    ),
    "started": (
        WordRule(
            0.9,
            # "Committed": Azure DevOps Scrum's state between Approved and Done.
            _words("started", "start", "activated", "committed", "commitment"),
            none_of=_PERSON | _words("id"),
        ),
    ),
    "cancelled": (
        WordRule(
            0.9, _words("cancelled", "canceled", "cancellation"), none_of=_PERSON | _words("id")
        ),
    ),
    "done": (
        WordRule(
            0.9,
            _words("completed", "resolved", "closed", "done", "finished", "resolution"),
            with_one_of=_TIME_WORDS,
            none_of=_PERSON | _words("code", "notes", "count", "id"),
        ),
        WordRule(
            0.8,
            _words("completed", "resolved", "closed", "done", "finished"),
            none_of=_PERSON | _words("code", "notes", "count", "id", "reason"),
        ),
    ),
    "title": (
        WordRule(0.9, _words("summary", "title", "subject")),
        WordRule(0.7, _words("description"), with_one_of=_words("short", "brief")),
    ),
    "type": (
        WordRule(
            0.85,
            _words("type"),
            none_of=_words("contact", "change", "link", "id", "relation", "content"),
        ),
    ),
    "team": (
        WordRule(0.85, _words("team", "squad")),
        WordRule(0.7, _words("area", "group"), none_of=_PERSON | _words("id")),
    ),
    "labels": (WordRule(0.85, _words("labels", "label", "tags", "tag")),),
    "blocked_days": (WordRule(0.8, _words("blocked"), with_one_of=_words("days", "time")),),
}


#: Header words that make a column an attribute, never a workflow stage, even when its cells
#: could be read as dates (a numeric ``Issue id`` of 45123 reads as an Excel day number).
NOT_STAGE_WORDS = frozenset(
    {
        "id",
        "key",
        "number",
        "no",
        "points",
        "point",
        "estimate",
        "name",
        "title",
        "summary",
        "link",
        "url",
        "count",
        "size",
        "priority",
        "rank",
        "version",
        "sprint",
    }
)


def is_attribute_name(column: str) -> bool:
    """Whether ``column``'s name says it is an attribute (id, key, points, …), never a stage."""
    return bool(set(header_words(column)) & NOT_STAGE_WORDS)


def header_words(name: str) -> list[str]:
    """The lower-case words of a header: camelCase split, any non-alphanumeric separates."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(name))
    return [w for w in re.split(r"[^0-9a-z]+", spaced.casefold()) if w]


def normalise_header(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).casefold())


def name_score(role: str, column: str) -> float:
    """How well ``column``'s name fits ``role``: 0 (not at all) to 1 (an exact alias)."""
    aliases = ALIASES.get(role, ())
    key = normalise_header(column)
    if key in aliases:
        return 1.0 - 0.005 * aliases.index(key)
    words = set(header_words(column))
    best = 0.0
    for rule in WORD_RULES.get(role, ()):
        if (
            words & rule.any_of
            and not words & rule.none_of
            and (not rule.with_one_of or words & rule.with_one_of)
        ):
            best = max(best, rule.score)
    return best


#: Roles a column merged from a repeated header may play: item text (its values joined) and
#: labels (united). Jira repeats ``Labels`` and ``Sprint`` on purpose; every other role
#: (an id, a status, a time) needs one value per row.
MERGEABLE_ROLES = frozenset({"title", "type", "team", "labels"})


def repeated_header_message(column: str, count: int, role: str) -> str:
    """What to say when ``column``, named ``count`` times in the header, is ``role``'s."""
    return (
        f"the column {column!r} appears {count} times in the header; keep one (rename or "
        f"delete the others), or name another column with --map {role}=COLUMN"
    )


def suggest_columns(
    columns: list[str], roles: tuple[str, ...], merged: frozenset[str] = frozenset()
) -> dict[str, str]:
    """For each of ``roles``, the best-named column (by :func:`name_score`), from names alone.

    A column is given to at most one role, in the order of ``roles``; ties go to
    the column that comes first. A ``merged`` column (a repeated header) is
    only suggested for the :data:`MERGEABLE_ROLES`.
    """
    taken: set[str] = set()
    chosen: dict[str, str] = {}
    for role in roles:
        skip = taken if role in MERGEABLE_ROLES else taken | merged
        scored = [(name_score(role, c), -i, c) for i, c in enumerate(columns) if c not in skip]
        scored = [s for s in scored if s[0] > 0]
        if scored:
            column = max(scored)[2]
            chosen[role] = column
            taken.add(column)
    return chosen


def resolve_mapping(
    columns: list[str],
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    given: dict[str, str],
    repeated: dict[str, int] | None = None,
) -> dict[str, str]:
    """Merge the user's ``given`` mapping over suggestions; fail if a required role has no column.

    ``repeated`` is the table's header name -> how many columns carried it
    (``RawTable.repeated_headers``): such a column holds tuples, so it plays
    only the :data:`MERGEABLE_ROLES`. Raises :class:`ImportFailed` listing
    every unknown column, every repeated header given or needed for another
    role (naming the header), and every missing required role.
    """
    repeated = repeated or {}
    problems = [
        ImportProblem(
            column=column,
            message=f"--map {role}={column}: no such column; columns are {listing(columns)}",
        )
        for role, column in given.items()
        if column not in columns
    ]
    problems += [
        ImportProblem(message=repeated_header_message(column, repeated[column], role))
        for role, column in given.items()
        if column in repeated and role not in MERGEABLE_ROLES
    ]
    free = [c for c in columns if c not in given.values()]
    open_roles = tuple(r for r in required + optional if r not in given)
    mapping = {**suggest_columns(free, open_roles, frozenset(repeated)), **given}
    problems += [_no_column(role, columns, repeated) for role in required if role not in mapping]
    if problems:
        raise ImportFailed(problems)
    return mapping


def _no_column(role: str, columns: list[str], repeated: dict[str, int]) -> ImportProblem:
    """Why ``role`` has no column: its best-named column is a repeated header, or none fits."""
    named = [(name_score(role, c), -i, c) for i, c in enumerate(columns) if c in repeated]
    named = [n for n in named if n[0] > 0]
    if named:
        column = max(named)[2]
        return ImportProblem(message=repeated_header_message(column, repeated[column], role))
    return ImportProblem(
        message=(
            f"no column found for {role!r}; columns are {listing(columns)} "
            f"(name one with --map {role}=COLUMN)"
        )
    )


def listing(columns: list[str]) -> str:
    """Up to 15 column names, quoted, for a message."""
    shown = ", ".join(repr(c) for c in columns[:15])
    return shown + (f" and {len(columns) - 15} more" if len(columns) > 15 else "")
