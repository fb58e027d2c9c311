"""Files in the shapes real tools export, with what the generator knows it wrote.

Every generator is deterministic (a seeded :class:`random.Random`), writes
invented data (teams, keys, titles, status flows with skips, back-moves,
cancellations and unfinished items) and returns an :class:`Export`. An
Export unpacks like ``(filename, data)``::

    filename, data = jira_changelog(seed=3, quoted=True, bom=True)

and also carries the generator's own knowledge, for hand-checkable
expectations: the format that imports it right (``format``; ``accepted``
lists every format that would import it correctly), whether a refusal is an
acceptable outcome (``may_refuse``), the column each role must come from
(``roles``), and the number of items and status events the import must
produce (``counts``: format -> (items, events)).

Table generators take the variant switches of :class:`Variant` as keywords:
``quoted`` (every field quoted, as Jira and Azure DevOps write them),
``bom``, ``sep`` (``","``, ``";"`` or ``"\\t"``), ``shuffle`` (a seed: the
columns are put in a shuffled order; repeated headers stay repeated) and
``crlf``.

Expected event counts follow the documented rules of each format
(docs/importing.md): consecutive entries of the same status collapse into
one; a transitions item starts in its first change's from-status at its
created time; a stages row gives one event per filled stage cell; a dates
row one event per filled created/started/done cell. Every item's times
strictly increase (stages and dates files: never decrease), so "consecutive"
is the generator's own order.

``example(format_name)`` gives one confidently detectable file per format
(the browser test uses it). ``shape(name, **options)`` builds any shape by
name; ``SHAPES`` lists the realistic ones and ``NEAR_MISSES`` the traps.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
ACTIONABLEAGILE_FIXTURES = FIXTURES / "actionableagile-stages"
GITHUB_FIXTURE = FIXTURES / "github-timeline" / "webcompat-issues-with-events.jsonl"

TABLE_FORMATS = ("stages", "events", "transitions", "snapshots", "dates")
JSON_FORMATS = ("jira-json", "ado-json", "github-json")
FORMATS = TABLE_FORMATS + JSON_FORMATS

#: ``events`` and ``snapshots`` are read by the same parser (docs/importing.md):
#: a file of one kind imported as the other gives the same items and events.
SAME_PARSER = frozenset({"events", "snapshots"})


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class Export:
    """A generated file and what its generator knows about it."""

    shape: str
    filename: str
    data: bytes
    #: the format that imports it right; None when no format fits (it must be refused)
    format: str | None
    #: every format that imports it correctly (includes ``format``)
    accepted: frozenset[str] = frozenset()
    #: True when refusing it (FormatUnclear) is an acceptable outcome
    may_refuse: bool = False
    #: role -> the column the import must take it from
    roles: dict[str, str] = field(default_factory=dict)
    #: role -> other columns that fit the role and should be offered as alternatives
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: format -> (items, status events) the import must produce
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: raw status -> the status category the file itself gives it
    file_categories: dict[str, str] = field(default_factory=dict)
    #: statuses a suggested workflow must make cancelled
    cancelled: tuple[str, ...] = ()
    #: statuses a suggested workflow must keep in the backlog
    backlog: tuple[str, ...] = ()
    #: items the file says were cancelled (Won't Do, Removed, Canceled…): they must not end
    #: in a done stage (cancelled work is not delivered work)
    cancelled_items: tuple[str, ...] = ()
    #: stages files: the stage columns in flow order (the workflow's stages, in order)
    stage_order: tuple[str, ...] = ()
    #: a short description of what the file is, for test ids and messages
    note: str = ""

    def __iter__(self) -> Iterator[str | bytes]:
        yield self.filename
        yield self.data

    @property
    def text(self) -> str:
        return self.data.decode("utf-8-sig")


@dataclass(frozen=True)
class Variant:
    """How a table is written: the switches every table generator takes."""

    quoted: bool = False
    bom: bool = False
    sep: str = ","
    shuffle: int | None = None
    crlf: bool = False

    def __post_init__(self) -> None:
        if self.sep not in (",", ";", "\t"):
            raise ValueError(f"sep must be ',', ';' or a tab, not {self.sep!r}")

    @property
    def label(self) -> str:
        parts = ["quoted" if self.quoted else "plain"]
        if self.bom:
            parts.append("bom")
        parts.append({",": "comma", ";": "semicolon", "\t": "tab"}[self.sep])
        if self.shuffle is not None:
            parts.append(f"shuffled{self.shuffle}")
        if self.crlf:
            parts.append("crlf")
        return "-".join(parts)


#: The variants every realistic table shape is tested in.
VARIANTS: tuple[Variant, ...] = (
    Variant(),
    Variant(quoted=True),
    Variant(quoted=True, bom=True, crlf=True),
    Variant(sep=";"),
    Variant(sep=";", quoted=True, bom=True),
    Variant(shuffle=1),
    Variant(shuffle=7, quoted=True, sep="\t"),
)


def write_table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    variant: Variant = Variant(),
    *,
    together: Sequence[str] = (),
) -> bytes:
    """The bytes of a CSV/TSV table written as ``variant`` says (None cells are blank).

    ``together`` names a run of columns that a shuffle moves as one block, in its
    order (a stages file's stage columns: their order is the flow).
    """
    units = [[i] for i, name in enumerate(header) if name not in together]
    if together:
        block = [i for i, name in enumerate(header) if name in together]
        units.insert(min(block), block)
    if variant.shuffle is not None:
        random.Random(variant.shuffle).shuffle(units)
    order = [i for unit in units for i in unit]
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=variant.sep,
        quoting=csv.QUOTE_ALL if variant.quoted else csv.QUOTE_MINIMAL,
        lineterminator="\r\n" if variant.crlf else "\n",
    )
    writer.writerow([header[i] for i in order])
    for row in rows:
        assert len(row) == len(header), (row, header)
        writer.writerow(["" if row[i] is None else str(row[i]) for i in order])
    return ("\ufeff" if variant.bom else "").encode() + out.getvalue().encode("utf-8")


def _variant(options: Mapping[str, object]) -> Variant:
    return Variant(**options)  # type: ignore[arg-type]


def _filename(stem: str, variant: Variant) -> str:
    return f"{stem}.tsv" if variant.sep == "\t" else f"{stem}.csv"


# --------------------------------------------------------------------------- invented data

TEAMS = ("Payments", "Onboarding", "Search", "Mobile", "Platform", "Billing")
PROJECT_KEYS = ("PAY", "ONB", "SRCH", "MOB", "PLAT")
PEOPLE = (
    "Ana Costa",
    "Bilal Hassan",
    "Chen Wei",
    "Dara O'Neill",
    "Emeka Obi",
    "Freya Lund",
    "Gita Rao",
    "Hugo Marchand",
    "Ines Duarte",
    "Jonas Berg",
)
LABELS = ("backend", "frontend", "api", "ux", "tech-debt", "security", "customer", "infra")
VERBS = ("Add", "Fix", "Refactor", "Remove", "Speed up", "Document", "Migrate", "Validate")
THINGS = (
    "invoice export",
    "login throttling",
    "search ranking",
    "refund flow",
    "push notifications",
    "audit log",
    "CSV upload",
    "rate limiter",
    "password reset, email step",  # a comma inside a cell: quoted even when unquoted
    'the "Save" button',  # quotes inside a cell
    "onboarding checklist",
    "dark mode",
)
ISSUE_TYPES = ("Story", "Bug", "Task", "Story", "Story", "Spike")


def _title(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(THINGS)}"


def _labels(rng: random.Random, most: int = 2) -> list[str]:
    return rng.sample(LABELS, rng.randint(0, most))


@dataclass(frozen=True)
class Step:
    """One status an item entered, and when (UTC)."""

    status: str
    at: datetime


def walk(
    rng: random.Random,
    flow: Sequence[str],
    start: datetime,
    *,
    cancel: Sequence[str] = (),
    skip: float = 0.25,
    back: float = 0.12,
    cancel_chance: float = 0.05,
    unfinished: float = 0.3,
    gap_minutes: tuple[int, int] = (30, 6 * 24 * 60),
    finish: bool = False,
) -> list[Step]:
    """An item's path through ``flow`` from ``start``: skips, back-moves, a cancellation
    or an unfinished stop; consecutive steps always differ and times strictly increase.

    ``finish`` makes it reach the last status (generators finish their first item, so
    that every file, however small, has an item that can finish)."""
    last = len(flow) - 1
    end = rng.randrange(0, last) if rng.random() < unfinished and not finish else last
    if finish:
        cancel = ()
    steps = [Step(flow[0], start)]
    at, i, backs = start, 0, 0
    while i < end:
        at = at + timedelta(minutes=rng.randint(*gap_minutes))
        if cancel and rng.random() < cancel_chance:
            steps.append(Step(rng.choice(cancel), at))
            return steps
        if i > 1 and backs < 2 and rng.random() < back:
            i -= 1
            backs += 1
        else:
            i = min(end, i + (2 if rng.random() < skip and i + 2 <= end else 1))
        steps.append(Step(flow[i], at))
    return steps


def _start(rng: random.Random, base: datetime = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)):
    return base + timedelta(minutes=rng.randint(0, 120 * 24 * 60))


def _collapsed(statuses: Sequence[str]) -> int:
    """Statuses left after consecutive repeats (case and spaces ignored) collapse."""
    kept, previous = 0, None
    for status in statuses:
        key = status.strip().casefold()
        if key != previous:
            kept += 1
        previous = key
    return kept


# --------------------------------------------------------------------------- date spellings


def _local(at: datetime) -> datetime:
    """A Central-European wall clock: +02:00 from April to October, +01:00 otherwise."""
    hours = 2 if 4 <= at.month <= 10 else 1
    return at.astimezone(timezone(timedelta(hours=hours)))


def iso_offset(at: datetime, *, millis: bool = True) -> str:
    """``2024-03-05T14:07:09.000+01:00`` (the offset changes with daylight saving)."""
    local = _local(at)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if millis:
        text += f".{local.microsecond // 1000:03d}"
    return text + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]


def jira_api_time(at: datetime) -> str:
    """Jira REST: ``2024-03-05T14:07:09.000+0100``."""
    local = _local(at)
    return local.strftime("%Y-%m-%dT%H:%M:%S.000%z")


def iso_z(at: datetime) -> str:
    """``2024-03-05T13:07:09.000Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def jira_csv_time(at: datetime) -> str:
    """Jira's CSV export: ``05/Mar/24 2:07 PM``."""
    hour = at.hour % 12 or 12
    return f"{at:%d/%b/%y} {hour}:{at:%M} {'AM' if at.hour < 12 else 'PM'}"


def us_time(at: datetime) -> str:
    """Azure DevOps CSV (en-US): ``3/5/2024 2:07:09 PM``."""
    hour = at.hour % 12 or 12
    return f"{at.month}/{at.day}/{at.year} {hour}:{at:%M:%S} {'AM' if at.hour < 12 else 'PM'}"


def servicenow_time(at: datetime) -> str:
    """The incident event log: ``29/2/2016 01:16`` (day first, no leading zeros)."""
    return f"{at.day}/{at.month}/{at.year} {at:%H:%M}"


def day(at: datetime | date) -> str:
    return f"{at:%Y-%m-%d}"


# --------------------------------------------------------------------------- Jira CSV

JIRA_FLOW = ("Backlog", "Prioritized", "Accepted", "In Progress", "In Review", "Done")
JIRA_CANCEL = ("Won't Do", "Can't Fix")
JIRA_CATEGORY = {
    "Backlog": "To Do",
    "Prioritized": "To Do",
    "Accepted": "To Do",
    "In Progress": "In Progress",
    "In Review": "In Progress",
    "Done": "Done",
    "Won't Do": "Done",
    "Can't Fix": "Done",
}


def jira_csv(seed: int = 0, n: int = 40, **variant) -> Export:
    """Jira's issue-navigator CSV export: one row per issue, current status only.

    Repeated ``Sprint`` and ``Labels`` headers, ``Issue key`` and a numeric
    ``Issue id``, Jira dates (``05/Mar/24 2:07 PM``). It only says when an
    issue was created and resolved, so it imports right as ``dates``
    (created = Created, done = Resolved; ``Updated`` is not a stage), or is
    refused; never as stages, events or snapshots (one row per issue).
    """
    v = _variant(variant)
    rng = random.Random(seed)
    key = rng.choice(PROJECT_KEYS)
    header = [
        "Summary",
        "Issue key",
        "Issue id",
        "Issue Type",
        "Status",
        "Status Category",
        "Priority",
        "Assignee",
        "Created",
        "Updated",
        "Resolved",
        "Sprint",
        "Sprint",
        "Labels",
        "Labels",
        "Custom field (Story Points)",
    ]
    rows, events = [], 0
    cancelled_items: list[str] = []
    for i in range(n):
        steps = walk(rng, JIRA_FLOW, _start(rng), cancel=JIRA_CANCEL, finish=i == 0)
        status = steps[-1].status
        resolved = steps[-1].at if JIRA_CATEGORY[status] == "Done" else None
        updated = steps[-1].at + timedelta(minutes=rng.randint(1, 3000))
        sprint = rng.randint(30, 41)
        sprints = [f"{key} Sprint {sprint}", f"{key} Sprint {sprint + 1}"]
        labels = [*_labels(rng), "", ""]
        if status in JIRA_CANCEL:
            cancelled_items.append(f"{key}-{100 + i * 3}")
        rows.append(
            [
                _title(rng),
                f"{key}-{100 + i * 3}",
                str(10400 + i * 7),
                rng.choice(ISSUE_TYPES),
                status,
                JIRA_CATEGORY[status],
                rng.choice(("Highest", "High", "Medium", "Medium", "Low")),
                rng.choice(PEOPLE) if rng.random() < 0.8 else "",
                jira_csv_time(steps[0].at),
                jira_csv_time(updated),
                jira_csv_time(resolved) if resolved else "",
                sprints[0] if len(steps) > 2 else "",
                sprints[1] if len(steps) > 4 else "",
                labels[0],
                labels[1],
                rng.choice(("1.0", "2.0", "3.0", "5.0", "8.0", "")),
            ]
        )
        events += 1 + (resolved is not None)
    return Export(
        shape="jira-csv",
        filename=_filename("Jira", v),
        data=write_table(header, rows, v),
        format="dates",
        accepted=frozenset({"dates"}),
        may_refuse=True,
        roles={"item_id": "Issue key", "created": "Created", "done": "Resolved"},
        counts={"dates": (n, events)},
        cancelled_items=tuple(cancelled_items),
        note="Jira issue CSV (current status, created/resolved only)",
    )


# --------------------------------------------------------------------------- Jira changelog

JIRA_STATUS_IDS = {
    "Backlog": 10000,
    "Prioritized": 10104,
    "Accepted": 10105,
    "In Progress": 3,
    "In Review": 10201,
    "Done": 10002,
    "Won't Do": 10311,
    "Can't Fix": 10312,
}


def jira_changelog(seed: int = 0, n: int = 30, **variant) -> Export:
    """A Jira changelog export: one row per status change, ISO times with offsets.

    Columns as Jira's data exports name them (``issue_key``,
    ``status_from_name``, ``status_to_category_name``, ...). Issues that
    never changed status keep one row with the change columns blank.
    """
    v = _variant(variant)
    rng = random.Random(seed)
    key = rng.choice(PROJECT_KEYS)
    header = [
        "issue_id",
        "issue_key",
        "issue_type_name",
        "issue_created_date",
        "status_change_id",
        "status_from_id",
        "status_from_name",
        "status_from_category_name",
        "status_to_id",
        "status_to_name",
        "status_to_category_name",
        "status_change_date",
    ]
    rows, events, change_id = [], 0, 500_000
    cancelled_items: list[str] = []
    for i in range(n):
        steps = walk(rng, JIRA_FLOW, _start(rng), cancel=JIRA_CANCEL, finish=i == 0)
        if i == 1:  # one issue nobody moved: a row with the change columns blank
            steps = steps[:1]
        issue = [str(20_100 + i * 11), f"{key}-{7 + i}", rng.choice(ISSUE_TYPES)]
        if steps[-1].status in JIRA_CANCEL:
            cancelled_items.append(issue[1])
        created = iso_offset(steps[0].at)
        if len(steps) == 1:
            rows.append([*issue, created, *[""] * 8])
            continue
        for before, after in pairwise(steps):
            change_id += rng.randint(1, 40)
            rows.append(
                [
                    *issue,
                    created,
                    str(change_id),
                    str(JIRA_STATUS_IDS[before.status]),
                    before.status,
                    JIRA_CATEGORY[before.status],
                    str(JIRA_STATUS_IDS[after.status]),
                    after.status,
                    JIRA_CATEGORY[after.status],
                    iso_offset(after.at),
                ]
            )
        events += _collapsed([s.status for s in steps])
    return Export(
        shape="jira-changelog",
        filename=_filename("jira_changelog", v),
        data=write_table(header, rows, v),
        format="transitions",
        accepted=frozenset({"transitions"}),
        roles={
            "item_id": "issue_key",
            "from_status": "status_from_name",
            "status": "status_to_name",
            "timestamp": "status_change_date",
            "created": "issue_created_date",
        },
        counts={"transitions": (n, events)},
        file_categories=dict(JIRA_CATEGORY),
        cancelled=JIRA_CANCEL,
        backlog=("Backlog", "Prioritized", "Accepted"),
        cancelled_items=tuple(cancelled_items),
        note="Jira changelog, one row per status change",
    )


# --------------------------------------------------------------------------- Azure DevOps CSV

ADO_FLOW = ("New", "Active", "Resolved", "Closed")
ADO_CATEGORY = {
    "New": "Proposed",
    "Active": "InProgress",
    "Resolved": "Resolved",
    "Closed": "Completed",
    "Removed": "Removed",
}
ADO_COLUMNS = {
    "New": ("New", "Approved"),
    "Active": ("Develop", "Test"),
    "Resolved": ("Verify",),
    "Closed": ("Done",),
    "Removed": ("",),
}
ADO_TYPES = ("User Story", "Bug", "Task", "Feature", "User Story")


def ado_revisions_csv(seed: int = 0, n: int = 25, **variant) -> Export:
    """Azure DevOps work item revisions (a query of revisions saved as CSV).

    One row per revision, several per work item: field edits repeat the
    state (Board Column or Tags change), so runs of one state collapse.
    Dates are en-US (``3/5/2024 2:07:09 PM``); the first item is created on
    a 13th or later so each date column settles month-first.
    """
    v = _variant(variant)
    rng = random.Random(seed)
    team = rng.choice(TEAMS)
    header = [
        "ID",
        "Work Item Type",
        "Title",
        "State",
        "Board Column",
        "State Category",
        "Changed Date",
        "Created Date",
        "Area Path",
        "Tags",
    ]
    rows, events = [], 0
    cancelled_items: list[str] = []
    for i in range(n):
        start = _start(rng)
        if i == 0:
            start = start.replace(day=min(28, max(13, start.day)))
        steps = walk(rng, ADO_FLOW, start, cancel=("Removed",), back=0.15, finish=i == 0)
        work_item = str(4100 + i * 13 + rng.randint(0, 9))
        if steps[-1].status == "Removed":
            cancelled_items.append(work_item)
        kind, title = rng.choice(ADO_TYPES), _title(rng)
        area = f"Shop\\{team}" if rng.random() < 0.8 else "Shop"
        tags = "; ".join(_labels(rng))
        states = []
        for n_step, step in enumerate(steps):
            at = step.at
            revisions = 1 + (rng.random() < 0.5) + (rng.random() < 0.2)
            for r in range(revisions):
                if r:
                    at = at + timedelta(minutes=rng.randint(1, 600))
                    if n_step + 1 < len(steps) and at >= steps[n_step + 1].at:
                        break
                columns = ADO_COLUMNS[step.status]
                rows.append(
                    [
                        work_item,
                        kind,
                        title,
                        step.status,
                        columns[min(r, len(columns) - 1)],
                        ADO_CATEGORY[step.status],
                        us_time(at),
                        us_time(steps[0].at),
                        area,
                        tags if r < 2 else "; ".join([*tags.split("; "), "reviewed"]).strip("; "),
                    ]
                )
                states.append(step.status)
        events += _collapsed(states)
    return Export(
        shape="ado-revisions-csv",
        filename=_filename("ado_revisions", v),
        data=write_table(header, rows, v),
        format="snapshots",
        accepted=frozenset(SAME_PARSER),
        roles={"item_id": "ID", "status": "State", "timestamp": "Changed Date"},
        counts={"snapshots": (n, events), "events": (n, events)},
        file_categories=dict(ADO_CATEGORY),
        cancelled=("Removed",),
        cancelled_items=tuple(cancelled_items),
        note="Azure DevOps revisions CSV, one row per revision",
    )


# --------------------------------------------------------------------------- Linear CSV

LINEAR_FLOW = ("Backlog", "Todo", "In Progress", "In Review", "Done")


def linear_csv(seed: int = 0, n: int = 30, **variant) -> Export:
    """Linear's CSV export: one row per issue with Created / Started / Completed / Canceled."""
    v = _variant(variant)
    rng = random.Random(seed)
    team = rng.choice(TEAMS)
    prefix = team[:3].upper()
    header = [
        "ID",
        "Team",
        "Title",
        "Status",
        "Estimate",
        "Priority",
        "Project",
        "Creator",
        "Assignee",
        "Labels",
        "Created",
        "Updated",
        "Started",
        "Completed",
        "Canceled",
    ]
    rows, events = [], 0
    cancelled_items: list[str] = []
    for i in range(n):
        steps = walk(rng, LINEAR_FLOW, _start(rng), cancel=("Canceled",), finish=i == 0)
        status = steps[-1].status
        started = next((s.at for s in steps if s.status in ("In Progress", "In Review")), None)
        completed = steps[-1].at if status == "Done" else None
        canceled = steps[-1].at if status == "Canceled" else None
        if canceled:
            cancelled_items.append(f"{prefix}-{200 + i}")
        rows.append(
            [
                f"{prefix}-{200 + i}",
                team,
                _title(rng),
                status,
                rng.choice(("1", "2", "3", "5", "")),
                rng.choice(("No priority", "Urgent", "High", "Medium", "Low")),
                rng.choice(("Q2 billing", "Self-serve", "")),
                rng.choice(PEOPLE),
                rng.choice(PEOPLE) if started else "",
                ", ".join(_labels(rng)),
                iso_z(steps[0].at),
                iso_z(steps[-1].at + timedelta(minutes=5)),
                iso_z(started) if started else "",
                iso_z(completed) if completed else "",
                iso_z(canceled) if canceled else "",
            ]
        )
        # A cancelled issue ends in a Cancelled event at its Canceled date.
        events += 1 + (started is not None) + (completed is not None) + (canceled is not None)
    return Export(
        shape="linear-csv",
        filename=_filename("Linear-export", v),
        data=write_table(header, rows, v),
        format="dates",
        accepted=frozenset({"dates"}),
        roles={
            "item_id": "ID",
            "created": "Created",
            "started": "Started",
            "done": "Completed",
            "cancelled": "Canceled",
        },
        counts={"dates": (n, events)},
        cancelled_items=tuple(cancelled_items),
        note="Linear CSV, one row per issue",
    )


# --------------------------------------------------------------------------- ServiceNow

SNOW_FLOW = ("New", "Active", "Awaiting User Info", "Active", "Resolved", "Closed")


def servicenow_incidents(seed: int = 0, n: int = 25, **variant) -> Export:
    """The incident-management event log: one full-record row per update of an incident.

    ``?`` stands for a missing value, dates are day-first without leading
    zeros (``29/2/2016 01:16``). Several updates repeat the state
    (reassignments), so runs collapse. The first incident is opened on a
    13th or later, so the date columns settle day-first.
    """
    v = _variant(variant)
    rng = random.Random(seed)
    header = [
        "number",
        "incident_state",
        "active",
        "reassignment_count",
        "reopen_count",
        "sys_mod_count",
        "made_sla",
        "caller_id",
        "opened_by",
        "opened_at",
        "sys_created_by",
        "sys_created_at",
        "sys_updated_by",
        "sys_updated_at",
        "contact_type",
        "location",
        "category",
        "subcategory",
        "impact",
        "urgency",
        "priority",
        "assignment_group",
        "assigned_to",
        "knowledge",
        "closed_code",
        "resolved_by",
        "resolved_at",
        "closed_at",
    ]
    rows, events = [], 0
    for i in range(n):
        opened = _start(rng, datetime(2016, 2, 29, 1, 16, tzinfo=UTC)).replace(second=0)
        if i == 0:
            opened = opened.replace(day=min(28, max(13, opened.day)))
        path = list(SNOW_FLOW)
        if rng.random() < 0.5:  # most incidents never wait for the user
            path = ["New", "Active", "Resolved", "Closed"]
        steps = walk(
            rng,
            path,
            opened,
            skip=0.1,
            back=0.0,
            cancel_chance=0.0,
            gap_minutes=(5, 4000),
            finish=i == 0,
        )
        resolved = next((s.at for s in steps if s.status == "Resolved"), None)
        closed = next((s.at for s in steps if s.status == "Closed"), None)
        number = f"INC{1000 + i * 3:07d}"
        fixed = {
            "caller_id": f"Caller {rng.randint(100, 5000)}",
            "opened_by": f"Opened by {rng.randint(1, 400)}",
            "sys_created_by": rng.choice(("?", f"Created by {rng.randint(1, 200)}")),
            "contact_type": rng.choice(("Phone", "Email", "Self service")),
            "location": f"Location {rng.randint(1, 200)}",
            "category": f"Category {rng.randint(1, 60)}",
            "subcategory": f"Subcategory {rng.randint(1, 250)}",
            "impact": "2 - Medium",
            "urgency": "2 - Medium",
            "priority": "3 - Moderate",
        }
        sys_created_at = "?" if fixed["sys_created_by"] == "?" else servicenow_time(opened)
        states, mods, group = [], 0, f"Group {rng.randint(1, 80)}"
        reassignments = 0
        for n_step, step in enumerate(steps):
            at = step.at
            for r in range(1 + (rng.random() < 0.6) + (rng.random() < 0.3)):
                if r:
                    at = at + timedelta(minutes=rng.randint(1, 300))
                    if n_step + 1 < len(steps) and at >= steps[n_step + 1].at:
                        break
                    reassignments += rng.random() < 0.5
                    group = f"Group {rng.randint(1, 80)}"
                done_yet = resolved is not None and at >= resolved
                record = {
                    **fixed,
                    "number": number,
                    "incident_state": step.status,
                    "active": "false" if step.status == "Closed" else "true",
                    "reassignment_count": str(reassignments),
                    "reopen_count": "0",
                    "sys_mod_count": str(mods),
                    "made_sla": rng.choice(("true", "true", "false")),
                    "opened_at": servicenow_time(opened),
                    "sys_created_at": sys_created_at,
                    "sys_updated_by": f"Updated by {rng.randint(1, 900)}",
                    "sys_updated_at": servicenow_time(at),
                    "assignment_group": group if step.status != "New" else "?",
                    "assigned_to": f"Resolver {rng.randint(1, 230)}" if mods else "?",
                    "knowledge": rng.choice(("true", "false")),
                    "closed_code": f"code {rng.randint(1, 17)}" if done_yet else "?",
                    "resolved_by": f"Resolved by {rng.randint(1, 230)}" if done_yet else "?",
                    "resolved_at": servicenow_time(resolved) if done_yet else "?",
                    "closed_at": servicenow_time(closed) if closed else "?",
                }
                rows.append([record[column] for column in header])
                states.append(step.status)
                mods += 1
        events += _collapsed(states)
    return Export(
        shape="servicenow-incidents",
        filename=_filename("incident_event_log", v),
        data=write_table(header, rows, v),
        format="snapshots",
        accepted=frozenset(SAME_PARSER),
        roles={"item_id": "number", "status": "incident_state", "timestamp": "sys_updated_at"},
        counts={"snapshots": (n, events), "events": (n, events)},
        note="ServiceNow incident event log, one full record per update",
    )


# --------------------------------------------------------------------------- Volvo IT

#: (Status, Sub Status) in the order an incident usually passes them.
VOLVO_FLOW = (
    ("Accepted", "In Progress"),
    ("Queued", "Awaiting Assignment"),
    ("Accepted", "Assigned"),
    ("Accepted", "In Progress"),
    ("Accepted", "Wait - User"),
    ("Accepted", "In Progress"),
    ("Completed", "Resolved"),
    ("Completed", "Closed"),
)
VOLVO_PRODUCTS = ("PROD424", "PROD698", "PROD542", "PROD236", "PROD253")
VOLVO_COUNTRIES = ("Sweden", "Brazil", "India", "Belgium", "USA", "China")


def volvo_incidents(seed: int = 0, n: int = 25, **variant) -> Export:
    """The Volvo IT incident log shape (BPI Challenge 2013): one row per status change.

    ``Status`` is the main status and ``Sub Status`` a finer one; consecutive
    rows of the same ``Status`` (Accepted/Assigned then Accepted/In Progress)
    collapse into one status entry.
    """
    v = _variant(variant)
    rng = random.Random(seed)
    header = [
        "SR Number",
        "Change Date+Time",
        "Status",
        "Sub Status",
        "Impact",
        "Product",
        "Country",
        "Owner Group",
        "Support Team",
        "Organization line",
        "Owner Country",
        "Owner First Name",
    ]
    names = [p.split()[0] for p in PEOPLE]
    rows, events = [], 0
    for i in range(n):
        at = datetime(2012, 3, 1, 8, 0, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 90 * 1440))
        path = [p for p in VOLVO_FLOW if rng.random() < 0.8 or p in (VOLVO_FLOW[0], VOLVO_FLOW[-1])]
        if i == 0:
            path = list(VOLVO_FLOW)
        elif rng.random() < 0.1:
            path = [*path[:3], ("Completed", "Cancelled")]
        elif rng.random() < 0.2:
            path = path[: rng.randint(1, max(1, len(path) - 2))]  # still open
        if rng.random() < 0.05:
            path = [("Unmatched", "Unmatched"), *path]
        sr = f"1-{364285768 + i * 9173 + rng.randint(0, 900)}"
        impact, product = rng.choice(("Low", "Medium", "High")), rng.choice(VOLVO_PRODUCTS)
        country = rng.choice(VOLVO_COUNTRIES)
        statuses = []
        previous = None
        for status, sub in path:
            if (status, sub) == previous:
                continue
            previous = (status, sub)
            at = at + timedelta(seconds=rng.randint(30, 3 * 86400))
            team = f"G{rng.randint(1, 300)}"
            rows.append(
                [
                    sr,
                    iso_offset(at, millis=False),
                    status,
                    sub,
                    impact,
                    product,
                    country,
                    f"{team} 2nd",
                    team,
                    f"Org line {rng.choice('ABC')}",
                    rng.choice(VOLVO_COUNTRIES),
                    rng.choice(names),
                ]
            )
            statuses.append(status)
        events += _collapsed(statuses)
    return Export(
        shape="volvo-incidents",
        filename=_filename("VINST cases incidents", v),
        data=write_table(header, rows, v),
        format="events",
        accepted=frozenset(SAME_PARSER),
        roles={"item_id": "SR Number", "status": "Status", "timestamp": "Change Date+Time"},
        alternatives={"status": ("Sub Status",)},
        counts={"events": (n, events), "snapshots": (n, events)},
        note="Volvo IT incident log (Status and Sub Status)",
    )


# --------------------------------------------------------------------------- stages

AA_STAGES = ("Backlog", "Refinement", "Ready for Dev", "In Development", "Code Review", "Done")


def _stage_rows(rng: random.Random, stages: Sequence[str], finish: bool) -> list[str | None]:
    """One item's stage cells: dates (no time) never decreasing, skips, unfinished items."""
    steps = walk(
        rng,
        stages,
        _start(rng),
        back=0.0,
        cancel_chance=0.0,
        gap_minutes=(0, 9 * 1440),
        finish=finish,
    )
    entered = {s.status: s.at for s in steps}
    return [day(entered[s]) if s in entered else None for s in stages]


def actionableagile_stages(seed: int = 0, n: int = 40, **variant) -> Export:
    """ActionableAgile / jira-to-analytics: ``ID,Link,Name,<stage dates>,Type,Labels``."""
    v = _variant(variant)
    rng = random.Random(seed)
    key = rng.choice(PROJECT_KEYS)
    header = ["ID", "Link", "Name", *AA_STAGES, "Type", "Labels"]
    rows, events = [], 0
    for i in range(n):
        issue = f"{key}-{300 + i}"
        cells = _stage_rows(rng, AA_STAGES, finish=i == 0)
        events += sum(c is not None for c in cells)
        rows.append(
            [
                issue,
                f"https://jira.example.com/browse/{issue}",
                _title(rng),
                *cells,
                rng.choice(ISSUE_TYPES),
                "|".join(_labels(rng)),
            ]
        )
    return Export(
        shape="actionableagile-stages",
        filename=_filename("jira-to-analytics", v),
        data=write_table(header, rows, v, together=AA_STAGES),
        format="stages",
        stage_order=tuple(AA_STAGES),
        accepted=frozenset({"stages"}),
        roles={"item_id": "ID", "title": "Name"},
        counts={"stages": (n, events)},
        note="ActionableAgile stages export",
    )


def real_stages_file(name: str) -> Export:
    """One of the real ActionableAgile exports in the shared fixtures (MIT, see its LICENSE).

    Items and events are counted here from the file itself: the rows, and
    the filled cells of the stage columns (named in the fixtures' README).
    """
    path = ACTIONABLEAGILE_FIXTURES / name
    data = path.read_bytes()
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    stages = [
        c for c in reader.fieldnames or [] if c not in ("ID", "Link", "Name", "Type", "Labels")
    ]
    rows = list(reader)
    events = sum(1 for row in rows for stage in stages if row[stage].strip())
    return Export(
        shape=f"real-{path.stem}",
        filename=path.name,
        data=data,
        format="stages",
        accepted=frozenset({"stages"}),
        roles={"item_id": "ID"},
        counts={"stages": (len(rows), events)},
        stage_order=tuple(stages),
        note=f"real ActionableAgile export {name}",
    )


# --------------------------------------------------------------------------- generic tables

GENERIC_FLOW = ("To Do", "In Progress", "Review", "Done")


def generic_events(seed: int = 0, n: int = 20, **variant) -> Export:
    """The simplest events file: ``id,status,timestamp``."""
    return events_table(seed, n, shape="generic-events", **variant)


def generic_dates(seed: int = 0, n: int = 20, **variant) -> Export:
    """A hand-kept spreadsheet: ``Key,Summary,Created,Started,Done,Points``."""
    return dates_table(
        seed,
        n,
        shape="generic-dates",
        names={
            "item_id": "Key",
            "title": "Summary",
            "created": "Created",
            "started": "Started",
            "done": "Done",
        },
        **variant,
    )


#: Column spellings the tools use, per role and format (for renamed-column tests).
SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "events": {
        "item_id": (
            "id",
            "ID",
            "Key",
            "Issue key",
            "Item",
            "Ticket",
            "SR Number",
            "Work Item ID",
            "Card ID",
            "Case Number",
            "issue_id",
        ),
        "status": (
            "status",
            "Status",
            "State",
            "incident_state",
            "Workflow State",
            "Column",
            "Stage",
        ),
        "timestamp": (
            "timestamp",
            "Timestamp",
            "Changed",
            "Changed Date",
            "Change Date+Time",
            "Date",
            "Entered",
            "Transition Date",
            "Time",
            "Entered At",
            "Event Time",
            "Moved At",
            "Changed On",
        ),
        "title": ("Title", "Summary", "Name", "short_description"),
        "type": ("Type", "Issue Type", "Work Item Type"),
    },
    "transitions": {
        "item_id": ("Key", "issue_key", "Issue key", "ID", "Item", "issue_id", "Card ID"),
        "from_status": (
            "From",
            "From Status",
            "status_from_name",
            "Old Status",
            "fromString",
            "Previous Status",
            "From State",
            "original_from_value",
            "Status From",
            "Old State",
            "From Column",
        ),
        "status": (
            "To",
            "To Status",
            "status_to_name",
            "New Status",
            "toString",
            "To State",
            "original_to_value",
            "Status To",
            "New State",
            "To Column",
        ),
        "timestamp": (
            "Changed",
            "Date",
            "status_change_date",
            "Transition Date",
            "Changed At",
            "Timestamp",
            "created_date",
            "Transition Time",
            "Moved At",
        ),
        "created": ("Created", "issue_created_date", "Created Date", "Date Created"),
        "type": ("Issue Type", "issue_type_name", "Type"),
    },
    "snapshots": {
        "item_id": ("number", "ID", "Key", "Incident", "Incident Number", "Work Item ID"),
        "status": ("state", "incident_state", "State", "Status"),
        "timestamp": (
            "sys_updated_on",
            "sys_updated_at",
            "Updated",
            "Last Updated",
            "Modified",
            "Updated At",
            "Changed Date",
            "Last Modified",
            "Updated On",
            "Modified Date",
        ),
        "title": ("short_description", "Title", "Summary"),
        "team": ("assignment_group", "Team", "Area Path"),
    },
    "stages": {
        "item_id": ("ID", "Key", "Issue key", "Card ID", "Work Item ID"),
        "title": ("Name", "Title", "Summary", "Card Title"),
        "type": ("Type", "Issue Type"),
    },
    "dates": {
        "item_id": ("ID", "Key", "Ticket", "Issue key", "Card ID", "Number"),
        "title": ("Title", "Summary", "Name"),
        "created": (
            "Created",
            "Created At",
            "Opened",
            "Creation Date",
            "Created Date",
            "Date Created",
            "Opened At",
        ),
        "started": (
            "Started",
            "Start Date",
            "Started At",
            "Activated Date",
            "In Progress Date",
            "InProgressDate",
        ),
        "done": (
            "Completed",
            "Done",
            "Resolved",
            "Closed",
            "Finished",
            "Resolution Date",
            "Closed Date",
            "Completed At",
            "Done Date",
            "CompletedDate",
            "ClosedDate",
        ),
    },
}

#: Stage column names the tools use (a stages file takes a run of them, in order).
STAGE_NAMES: tuple[tuple[str, ...], ...] = (
    ("Backlog", "In Analyse", "Ready for Development", "In Development", "In Sign Off", "Done"),
    ("Backlog", "Analysis", "Doing", "Done"),
    ("To Do", "Selected", "In Progress", "Review", "Done"),
    ("Open", "Triage", "Ready", "Build", "Test", "Deployed"),
    ("Proposed", "Committed", "Develop", "Verify", "Closed"),
)


def _names(format_name: str, names: Mapping[str, str] | None) -> dict[str, str]:
    defaults = {role: spellings[0] for role, spellings in SPELLINGS[format_name].items()}
    return {**defaults, **(names or {})}


def events_table(
    seed: int = 0,
    n: int = 15,
    *,
    names: Mapping[str, str] | None = None,
    extras: bool = True,
    shape: str = "events",
    **variant,
) -> Export:
    """An events file (one row per status entry) with the given column ``names``."""
    v = _variant(variant)
    rng = random.Random(seed)
    cols = _names("events", names)
    roles = ("item_id", "status", "timestamp", *(("title", "type") if extras else ()))
    header = [cols[r] for r in roles]
    rows, events = [], 0
    cancelled_items: list[str] = []
    for i in range(n):
        steps = walk(rng, GENERIC_FLOW, _start(rng), cancel=("Cancelled",), finish=i == 0)
        title, kind = _title(rng), rng.choice(ISSUE_TYPES)
        if steps[-1].status == "Cancelled":
            cancelled_items.append(f"A-{i + 1}")
        for step in steps:
            cells = [f"A-{i + 1}", step.status, iso_z(step.at)]
            rows.append(cells + ([title, kind] if extras else []))
        events += _collapsed([s.status for s in steps])
    return Export(
        shape=shape,
        filename=_filename(shape, v),
        data=write_table(header, rows, v),
        format="events",
        accepted=frozenset(SAME_PARSER),
        roles={r: cols[r] for r in ("item_id", "status", "timestamp")},
        counts={"events": (n, events), "snapshots": (n, events)},
        cancelled_items=tuple(cancelled_items),
        note="events file",
    )


def transitions_table(
    seed: int = 0,
    n: int = 15,
    *,
    names: Mapping[str, str] | None = None,
    created: bool = True,
    shape: str = "transitions",
    **variant,
) -> Export:
    """A transitions file (one row per change, from and to status) with the given ``names``."""
    v = _variant(variant)
    rng = random.Random(seed)
    cols = _names("transitions", names)
    roles = ("item_id", *(("created",) if created else ()), "from_status", "status", "timestamp")
    header = [*[cols[r] for r in roles], cols["type"]]
    rows, events = [], 0
    cancelled_items: list[str] = []
    for i in range(n):
        steps = walk(
            rng, GENERIC_FLOW, _start(rng), cancel=("Cancelled",), unfinished=0.2, finish=i == 0
        )
        if len(steps) == 1:  # every item moves at least once here
            steps.append(Step(GENERIC_FLOW[1], steps[0].at + timedelta(hours=3)))
        kind = rng.choice(ISSUE_TYPES)
        if steps[-1].status == "Cancelled":
            cancelled_items.append(f"J-{i + 1}")
        for before, after in pairwise(steps):
            cells = [f"J-{i + 1}"]
            if created:
                cells.append(iso_z(steps[0].at))
            rows.append([*cells, before.status, after.status, iso_z(after.at), kind])
        # without a created column the first status starts at the first change: the same count
        events += _collapsed([s.status for s in steps])
    return Export(
        shape=shape,
        filename=_filename(shape, v),
        data=write_table(header, rows, v),
        format="transitions",
        accepted=frozenset({"transitions"}),
        roles={r: cols[r] for r in ("item_id", "from_status", "status", "timestamp")},
        counts={"transitions": (n, events)},
        cancelled_items=tuple(cancelled_items),
        note="transitions file",
    )


def snapshots_table(
    seed: int = 0,
    n: int = 12,
    *,
    names: Mapping[str, str] | None = None,
    shape: str = "snapshots",
    **variant,
) -> Export:
    """A snapshots file (one full record per update; the state repeats) with ``names``."""
    v = _variant(variant)
    rng = random.Random(seed)
    cols = _names("snapshots", names)
    roles = ("item_id", "status", "timestamp", "title", "team")
    header = [cols[r] for r in roles]
    rows, events = [], 0
    for i in range(n):
        steps = walk(
            rng, ("New", "In Progress", "On Hold", "Resolved", "Closed"), _start(rng), finish=i == 0
        )
        title, states = _title(rng), []
        for n_step, step in enumerate(steps):
            at = step.at
            for r in range(1 + (rng.random() < 0.6)):
                if r:
                    at = at + timedelta(minutes=rng.randint(1, 20))
                    if n_step + 1 < len(steps) and at >= steps[n_step + 1].at:
                        break
                team = rng.choice(("Service desk", "Field team", "Network"))
                rows.append(
                    [f"INC{i + 1:04d}", step.status, f"{at:%Y-%m-%d %H:%M:%S}", title, team]
                )
                states.append(step.status)
        events += _collapsed(states)
    return Export(
        shape=shape,
        filename=_filename(shape, v),
        data=write_table(header, rows, v),
        format="snapshots",
        accepted=frozenset(SAME_PARSER),
        roles={r: cols[r] for r in ("item_id", "status", "timestamp")},
        counts={"snapshots": (n, events), "events": (n, events)},
        note="snapshots file",
    )


def stages_table(
    seed: int = 0,
    n: int = 15,
    *,
    names: Mapping[str, str] | None = None,
    stages: Sequence[str] = STAGE_NAMES[1],
    shape: str = "stages",
    **variant,
) -> Export:
    """A stages file (one date column per stage) with the given ``names`` and ``stages``."""
    v = _variant(variant)
    rng = random.Random(seed)
    cols = _names("stages", names)
    header = [cols["item_id"], cols["title"], *stages, cols["type"]]
    rows, events = [], 0
    for i in range(n):
        cells = _stage_rows(rng, stages, finish=i == 0)
        events += sum(c is not None for c in cells)
        rows.append([f"S-{i + 1}", _title(rng), *cells, rng.choice(ISSUE_TYPES)])
    return Export(
        shape=shape,
        filename=_filename(shape, v),
        data=write_table(header, rows, v, together=stages),
        format="stages",
        stage_order=tuple(stages),
        accepted=frozenset({"stages"}),
        roles={"item_id": cols["item_id"]},
        counts={"stages": (n, events)},
        note="stages file",
    )


def dates_table(
    seed: int = 0,
    n: int = 15,
    *,
    names: Mapping[str, str] | None = None,
    shape: str = "dates",
    **variant,
) -> Export:
    """A dates file (created / started / done per item) with the given ``names``."""
    v = _variant(variant)
    rng = random.Random(seed)
    cols = _names("dates", names)
    roles = ("item_id", "title", "created", "started", "done")
    header = [*[cols[r] for r in roles], "Points"]
    rows, events = [], 0
    for i in range(n):
        created = _start(rng)
        started = (
            created + timedelta(days=rng.randint(0, 20)) if rng.random() < 0.8 or i == 0 else None
        )
        done = (
            started + timedelta(days=rng.randint(0, 15))
            if started is not None and (rng.random() < 0.7 or i == 0)
            else None
        )
        rows.append(
            [
                f"T-{i + 1}",
                _title(rng),
                day(created),
                day(started) if started else None,
                day(done) if done else None,
                rng.choice(("1", "2", "3", "5", "8")),
            ]
        )
        events += 1 + (started is not None) + (done is not None)
    return Export(
        shape=shape,
        filename=_filename(shape, v),
        data=write_table(header, rows, v),
        format="dates",
        accepted=frozenset({"dates"}),
        roles={r: cols[r] for r in ("item_id", "created", "started", "done")},
        counts={"dates": (n, events)},
        note="dates file",
    )


# --------------------------------------------------------------------------- JSON shapes


def jira_search_json(seed: int = 0, n: int = 12) -> Export:
    """A Jira search page (``/rest/api/2/search?expand=changelog``) with changelogs.

    Some changelogs are listed newest first (as some endpoints return
    them); histories also hold non-status items (assignee, labels). Issues
    without a status change are in ``fields.status`` since ``created``.
    """
    rng = random.Random(seed)
    key = rng.choice(PROJECT_KEYS)
    issues, events = [], 0
    cancelled_items: list[str] = []
    for i in range(n):
        steps = walk(rng, JIRA_FLOW, _start(rng), cancel=JIRA_CANCEL, finish=i == 0)
        if i == 2:
            steps = steps[:1]
        if steps[-1].status in JIRA_CANCEL:
            cancelled_items.append(f"{key}-{40 + i}")
        histories, history_id = [], 90_000 + i * 100
        for before, after in pairwise(steps):
            history_id += 1
            items = [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "fieldId": "status",
                    "from": str(JIRA_STATUS_IDS[before.status]),
                    "fromString": before.status,
                    "to": str(JIRA_STATUS_IDS[after.status]),
                    "toString": after.status,
                }
            ]
            if rng.random() < 0.4:
                items.insert(
                    0,
                    {
                        "field": "assignee",
                        "fieldtype": "jira",
                        "from": None,
                        "fromString": None,
                        "to": "5b10a2844c20165700ede21g",
                        "toString": rng.choice(PEOPLE),
                    },
                )
            histories.append(
                {
                    "id": str(history_id),
                    "author": {"displayName": rng.choice(PEOPLE)},
                    "created": jira_api_time(after.at),
                    "items": items,
                }
            )
        if i % 3 == 1:
            histories.reverse()
        issues.append(
            {
                "expand": "operations,changelog",
                "id": str(10_400 + i),
                "self": f"https://jira.example.com/rest/api/2/issue/{10_400 + i}",
                "key": f"{key}-{40 + i}",
                "fields": {
                    "summary": _title(rng),
                    "issuetype": {"name": rng.choice(ISSUE_TYPES)},
                    "status": {
                        "name": steps[-1].status,
                        "statusCategory": {"name": JIRA_CATEGORY[steps[-1].status]},
                    },
                    "created": jira_api_time(steps[0].at),
                    "labels": _labels(rng),
                    "priority": {"name": rng.choice(("High", "Medium", "Low"))},
                },
                "changelog": {
                    "startAt": 0,
                    "maxResults": len(histories),
                    "total": len(histories),
                    "histories": histories,
                },
            }
        )
        events += _collapsed([s.status for s in steps])
    page = {"expand": "schema,names", "startAt": 0, "maxResults": 50, "total": n, "issues": issues}
    return Export(
        shape="jira-search-json",
        filename="jira-search.json",
        data=json.dumps(page, indent=2).encode(),
        format="jira-json",
        accepted=frozenset({"jira-json"}),
        counts={"jira-json": (n, events)},
        cancelled_items=tuple(cancelled_items),
        note="Jira search page with changelogs",
    )


def ado_updates_json(seed: int = 0, n: int = 8) -> Export:
    """Azure DevOps work item updates: one page (``count``, ``value``) per work item.

    Each state change is an update with ``System.State`` ``oldValue`` ->
    ``newValue`` and ``System.ChangedDate``; other updates only edit fields.
    """
    rng = random.Random(seed)
    pages, events = [], 0
    cancelled_items: list[str] = []
    for i in range(n):
        steps = walk(rng, ADO_FLOW, _start(rng), cancel=("Removed",), finish=i == 0)
        work_item = 700 + i
        if steps[-1].status == "Removed":
            cancelled_items.append(str(work_item))
        updates, rev = [], 0
        previous_changed = None
        for n_step, step in enumerate(steps):
            rev += 1
            changed = iso_z(step.at)
            fields: dict[str, object] = {
                "System.Rev": {"oldValue": rev - 1, "newValue": rev}
                if rev > 1
                else {"newValue": 1},
                "System.State": (
                    {"oldValue": steps[n_step - 1].status, "newValue": step.status}
                    if n_step
                    else {"newValue": step.status}
                ),
                "System.ChangedDate": (
                    {"oldValue": previous_changed, "newValue": changed}
                    if previous_changed
                    else {"newValue": changed}
                ),
            }
            if rev == 1:
                fields.update(
                    {
                        "System.Id": {"newValue": work_item},
                        "System.CreatedDate": {"newValue": changed},
                        "System.Title": {"newValue": _title(rng)},
                        "System.WorkItemType": {"newValue": rng.choice(ADO_TYPES)},
                        "System.AreaPath": {"newValue": f"Shop\\{rng.choice(TEAMS)}"},
                        "System.Tags": {"newValue": "; ".join(_labels(rng))},
                    }
                )
            updates.append({"id": rev, "workItemId": work_item, "rev": rev, "fields": fields})
            previous_changed = changed
            if n_step + 1 < len(steps) and rng.random() < 0.5:  # a field edit in between
                at = step.at + (steps[n_step + 1].at - step.at) / 2
                rev += 1
                edited = iso_z(at)
                updates.append(
                    {
                        "id": rev,
                        "workItemId": work_item,
                        "rev": rev,
                        "fields": {
                            "System.Rev": {"oldValue": rev - 1, "newValue": rev},
                            "System.ChangedDate": {
                                "oldValue": previous_changed,
                                "newValue": edited,
                            },
                            "System.AssignedTo": {"newValue": {"displayName": rng.choice(PEOPLE)}},
                        },
                    }
                )
                previous_changed = edited
        for update, following in zip(updates, [*updates[1:], None], strict=True):
            update["revisedDate"] = (
                following["fields"]["System.ChangedDate"]["newValue"]
                if following
                else "9999-01-01T00:00:00Z"
            )
        pages.append({"count": len(updates), "value": updates})
        events += _collapsed([s.status for s in steps])
    return Export(
        shape="ado-updates-json",
        filename="workitem-updates.json",
        data=json.dumps(pages, indent=1).encode(),
        format="ado-json",
        accepted=frozenset({"ado-json"}),
        counts={"ado-json": (n, events)},
        cancelled=("Removed",),
        cancelled_items=tuple(cancelled_items),
        note="Azure DevOps work item updates",
    )


GITHUB_MILESTONES = ("needstriage", "needsdiagnosis", "needscontact", "sitewait")
GITHUB_ENDINGS = ("duplicate", "invalid", "worksforme", "fixed")


def _github_event(number: int, n: int, kind: str, at: datetime, **extra) -> dict:
    return {
        "id": 4_600_000_000 + number * 100 + n,
        "url": f"https://api.github.com/repos/example/web-issues/issues/events/{number}{n}",
        "actor": {"login": "triage-bot", "type": "Bot"},
        "event": kind,
        "commit_id": None,
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **extra,
    }


def github_issues_jsonl(seed: int = 0, n: int = 15) -> Export:
    """GitHub issues with their issue events, one JSON object per line (milestones as stages).

    Each issue opens, gets ``needstriage``, moves between milestones
    (``demilestoned`` + ``milestoned`` in the same second), may close, get an
    ending milestone after closing (no status change: it is closed) and be
    reopened (back to its current milestone). Labels and renames are noise.
    """
    rng = random.Random(seed)
    lines, events = [], 0
    for i in range(n):
        number = 1200 + i
        created = _start(rng).replace(microsecond=0)
        at = created
        log: list[dict] = []
        statuses = ["Open"]

        def add(kind: str, when: datetime, log=log, number=number, **extra) -> None:
            log.append(_github_event(number, len(log), kind, when, **extra))

        at += timedelta(seconds=rng.randint(5, 600))
        add("labeled", at, label={"name": rng.choice(("browser-firefox", "os-linux"))})
        milestone = "needstriage"
        add("milestoned", at, milestone={"title": milestone})
        statuses.append(milestone)
        for nxt in rng.sample(GITHUB_MILESTONES[1:], rng.randint(0, 2)):
            at += timedelta(minutes=rng.randint(10, 5000))
            add("demilestoned", at, milestone={"title": milestone})
            add("milestoned", at, milestone={"title": nxt})
            milestone = nxt
            statuses.append(milestone)
        state, closed_at = "open", None
        if rng.random() < 0.7:
            at += timedelta(minutes=rng.randint(10, 5000))
            add("closed", at)
            statuses.append("Closed")
            state, closed_at = "closed", at
            at += timedelta(seconds=rng.randint(1, 30))
            ending = rng.choice(GITHUB_ENDINGS)
            add("demilestoned", at, milestone={"title": milestone})
            add("milestoned", at, milestone={"title": ending})
            milestone = ending  # changed while closed: no status event
            if rng.random() < 0.3:
                at += timedelta(hours=rng.randint(1, 48))
                add("reopened", at)
                statuses.append(milestone)
                at += timedelta(hours=rng.randint(1, 48))
                add("closed", at)
                statuses.append("Closed")
                closed_at = at
        if rng.random() < 0.3:
            at += timedelta(minutes=3)
            add("renamed", at, rename={"from": "x", "to": "y"})
        lines.append(
            {
                "url": f"https://api.github.com/repos/example/web-issues/issues/{number}",
                "html_url": f"https://github.com/example/web-issues/issues/{number}",
                "id": 860_000_000 + number,
                "number": number,
                "title": f"site{i}.example - {_title(rng)}",
                "user": {"login": f"reporter{rng.randint(1, 99)}", "type": "User"},
                "labels": [{"name": "browser-firefox"}],
                "state": state,
                "milestone": {"title": milestone, "number": 2},
                "comments": rng.randint(0, 5),
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "updated_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "closed_at": closed_at.strftime("%Y-%m-%dT%H:%M:%SZ") if closed_at else None,
                "body": "<!-- @browser: Firefox 88.0 -->\n**URL**: https://example.org/",
                "events": log,
            }
        )
        events += _collapsed(statuses)
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    return Export(
        shape="github-issues-jsonl",
        filename="issues-with-events.jsonl",
        data=data,
        format="github-json",
        accepted=frozenset({"github-json"}),
        counts={"github-json": (n, events)},
        note="GitHub issues with events, JSON Lines",
    )


def real_github_file() -> Export:
    """The real webcompat issues in the shared fixtures (MPL-2.0, see its LICENSE): 100 issues."""
    data = GITHUB_FIXTURE.read_bytes()
    issues = sum(1 for line in data.splitlines() if line.strip())
    return Export(
        shape="real-github-webcompat",
        filename=GITHUB_FIXTURE.name,
        data=data,
        format="github-json",
        accepted=frozenset({"github-json"}),
        counts={},  # items only (checked on their own): status events need the parser's rules
        note=f"real GitHub webcompat issues ({issues} lines)",
    )


# --------------------------------------------------------------------------- near misses


def stages_with_numeric_ids(seed: int = 0, n: int = 20, **variant) -> Export:
    """A stages file with id-like numeric columns (``Issue id``, ``Story Points``) that are
    not stages and must not be taken for dates or for the item id."""
    v = _variant(variant)
    rng = random.Random(seed)
    stages = ("Backlog", "Analysis", "In Progress", "Testing", "Done")
    header = ["Key", "Issue id", "Summary", *stages, "Story Points", "Type"]
    rows, events = [], 0
    for i in range(n):
        cells = _stage_rows(rng, stages, finish=i == 0)
        events += sum(c is not None for c in cells)
        rows.append(
            [
                f"OPS-{50 + i}",
                str(30_200 + i * 3),
                _title(rng),
                *cells,
                rng.choice(("1", "2", "3", "5", "8", "13")),
                rng.choice(ISSUE_TYPES),
            ]
        )
    return Export(
        shape="near-stages-numeric-ids",
        filename=_filename("board-stages", v),
        data=write_table(header, rows, v, together=stages),
        format="stages",
        stage_order=tuple(stages),
        accepted=frozenset({"stages"}),
        may_refuse=True,
        roles={"item_id": "Key"},
        counts={"stages": (n, events)},
        note="stages with numeric Issue id and Story Points columns",
    )


def stages_with_id_column_named_like_status(seed: int = 0, n: int = 20, **variant) -> Export:
    """A stages file whose columns are named like statuses, one of which (``Blocked``) holds
    the keys of blocking issues, not dates."""
    v = _variant(variant)
    rng = random.Random(seed)
    stages = ("Backlog", "Ready", "In Progress", "Review", "Done")
    header = ["Key", "Title", "Backlog", "Ready", "In Progress", "Blocked", "Review", "Done"]
    rows, events = [], 0
    for i in range(n):
        cells = _stage_rows(rng, stages, finish=i == 0)
        events += sum(c is not None for c in cells)
        blocker = f"PAY-{rng.randint(1, 400)}" if rng.random() < 0.5 else None
        rows.append([f"PAY-{500 + i}", _title(rng), *cells[:3], blocker, *cells[3:]])
    return Export(
        shape="near-stages-status-named-ids",
        filename=_filename("flow-dates", v),
        data=write_table(
            header,
            rows,
            v,
            together=("Backlog", "Ready", "In Progress", "Blocked", "Review", "Done"),
        ),
        format="stages",
        accepted=frozenset({"stages"}),
        may_refuse=True,
        roles={"item_id": "Key"},
        counts={"stages": (n, events)},
        note="stages whose 'Blocked' column holds issue keys",
    )


def transitions_from_to(seed: int = 0, n: int = 15, **variant) -> Export:
    """A transitions file whose status columns are called ``From`` and ``To``."""
    return transitions_table(
        seed,
        n,
        names={"item_id": "Key", "from_status": "From", "status": "To", "timestamp": "Date"},
        created=False,
        shape="near-transitions-from-to",
        **variant,
    )


def snapshot_file(seed: int = 0, n: int = 12, **variant) -> Export:
    """A ServiceNow-style snapshot file as in docs/importing.md (``sys_updated_on``)."""
    export = snapshots_table(seed, n, shape="near-snapshots", **variant)
    return _replace(export, may_refuse=True)


def budget_table(seed: int = 0, **variant) -> Export:
    """A budget spreadsheet: no item, no status, no date. No format fits."""
    v = _variant(variant)
    rng = random.Random(seed)
    header = ["Department", "Cost centre", "Q1", "Q2", "Q3", "Q4", "Total"]
    rows = []
    for department in ("Engineering", "Marketing", "Sales", "Support", "Finance", "Legal"):
        quarters = [rng.randint(20, 400) * 1000 for _ in range(4)]
        rows.append([department, str(rng.randint(4000, 4999)), *quarters, sum(quarters)])
    return Export(
        shape="near-budget",
        filename=_filename("budget-2024", v),
        data=write_table(header, rows, v),
        format=None,
        may_refuse=True,
        note="a budget table",
    )


def contact_list(seed: int = 0, **variant) -> Export:
    """A contact list with an id, a 'Status' (active/left) and a 'Start date' per person:
    one row per person, nothing that flows. No format fits."""
    v = _variant(variant)
    rng = random.Random(seed)
    header = ["Employee ID", "Name", "Email", "Status", "Start date", "Office"]
    rows = []
    for i, person in enumerate(PEOPLE):
        rows.append(
            [
                str(880 + i),
                person,
                person.split()[0].lower() + "@example.com",
                rng.choice(("Active", "On leave", "Left")),
                day(date(2015 + i % 8, 1 + i, 1 + 2 * i)),
                rng.choice(("Lisbon", "Oslo", "Pune")),
            ]
        )
    return Export(
        shape="near-contacts",
        filename=_filename("staff", v),
        data=write_table(header, rows, v),
        format=None,
        may_refuse=True,
        note="a staff contact list",
    )


def two_formats_file(seed: int = 0, n: int = 15, **variant) -> Export:
    """One row per item with a current ``Status`` and ``Updated`` (a snapshot of each item)
    and ``Created``/``Started``/``Completed`` dates: fits ``dates`` and ``snapshots``
    about equally. Either imports it without a wrong number (each format counts what it
    reads), and so does a refusal; ``stages`` (Updated as a stage) would be wrong."""
    v = _variant(variant)
    rng = random.Random(seed)
    header = ["ID", "Title", "Status", "Updated", "Created", "Started", "Completed"]
    rows, date_events = [], 0
    for i in range(n):
        steps = walk(rng, GENERIC_FLOW, _start(rng), cancel=(), finish=i == 0)
        started = next((s.at for s in steps if s.status == "In Progress"), None)
        if started is None and len(steps) > 1:
            started = steps[1].at
        done = steps[-1].at if steps[-1].status == "Done" else None
        rows.append(
            [
                f"W-{i + 1}",
                _title(rng),
                steps[-1].status,
                iso_z(steps[-1].at + timedelta(hours=1)),
                iso_z(steps[0].at),
                iso_z(started) if started else None,
                iso_z(done) if done else None,
            ]
        )
        date_events += 1 + (started is not None) + (done is not None)
    return Export(
        shape="near-two-formats",
        filename=_filename("work-items", v),
        data=write_table(header, rows, v),
        format="dates",
        accepted=frozenset({"dates", "snapshots", "events"}),
        may_refuse=True,
        counts={"dates": (n, date_events), "snapshots": (n, n), "events": (n, n)},
        note="one row per item with a status snapshot and dates",
    )


def repeated_attempts(seed: int = 0, n: int = 10, **variant) -> Export:
    """One row per attempt at an item (most ids on two or three rows), with only ``Started``
    and ``Finished`` dates: neither a one-row-per-item file (dates, stages) nor a log with a
    status (events, transitions). No format fits: it must be refused."""
    v = _variant(variant)
    rng = random.Random(seed)
    header = ["Ticket", "Owner", "Started", "Finished"]
    rows = []
    for i in range(n):
        at = _start(rng)
        for _attempt in range(rng.choice((2, 2, 3))):
            finished = at + timedelta(days=rng.randint(1, 6))
            rows.append([f"T-{i + 1}", rng.choice(PEOPLE), day(at), day(finished)])
            at = finished + timedelta(days=rng.randint(1, 9))
    return Export(
        shape="near-repeated-attempts",
        filename=_filename("attempts", v),
        data=write_table(header, rows, v),
        format=None,
        may_refuse=True,
        note="rows per attempt, ids repeat, only started/finished dates",
    )


def epoch_stages(seed: int = 0, n: int = 15, **variant) -> Export:
    """A stages file (clean shape) whose dates came out as 1970 (a tool that wrote zero
    timestamps): the right format, but a reading no one should store without ``--force``."""
    v = _variant(variant)
    rng = random.Random(seed)
    stages = ("Backlog", "Analysis", "Doing", "Done")
    header = ["ID", "Name", *stages, "Type"]
    rows, events = [], 0
    for i in range(n):
        cells = _stage_rows(rng, stages, finish=i == 0)
        cells = [None if c is None else "1970" + c[4:] for c in cells]
        events += sum(c is not None for c in cells)
        rows.append([f"E-{i + 1}", _title(rng), *cells, rng.choice(ISSUE_TYPES)])
    return Export(
        shape="implausible-epoch-stages",
        filename=_filename("epoch-stages", v),
        data=write_table(header, rows, v, together=stages),
        format="stages",
        stage_order=tuple(stages),
        accepted=frozenset({"stages"}),
        roles={"item_id": "ID"},
        counts={"stages": (n, events)},
        note="a stages file dated 1970: implausible",
    )


def leave_calendar(seed: int = 0, **variant) -> Export:
    """Staff leave: ``Employee, Type, From, To, Days`` where ``From`` and ``To`` hold dates.
    The names say transitions, the cells do not; nothing here flows. Must be refused."""
    v = _variant(variant)
    rng = random.Random(seed)
    header = ["Employee", "Type", "From", "To", "Days"]
    rows = []
    for person in PEOPLE:
        at = date(2024, 1, 2) + timedelta(days=rng.randint(0, 40))
        for _leave in range(rng.randint(1, 4)):
            days = rng.randint(1, 10)
            rows.append(
                [
                    person,
                    rng.choice(("Vacation", "Sick", "Training")),
                    day(at),
                    day(at + timedelta(days=days - 1)),
                    str(days),
                ]
            )
            at += timedelta(days=days + rng.randint(10, 60))
    return Export(
        shape="near-leave-calendar",
        filename=_filename("leave", v),
        data=write_table(header, rows, v),
        format=None,
        may_refuse=True,
        note="a leave calendar whose From/To columns hold dates",
    )


def current_status_list(seed: int = 0, n: int = 25, **variant) -> Export:
    """An issue list with each issue's current ``Status`` and ``Updated`` time, one row per
    issue, no created/started/done dates: a picture of today, not a log of changes. Read as
    events it would say each issue entered its status when it was last edited. Must be
    refused."""
    v = _variant(variant)
    rng = random.Random(seed)
    key = rng.choice(PROJECT_KEYS)
    header = ["Issue key", "Summary", "Status", "Assignee", "Updated", "Priority"]
    rows = []
    for i in range(n):
        steps = walk(rng, JIRA_FLOW, _start(rng), cancel=JIRA_CANCEL, finish=i == 0)
        rows.append(
            [
                f"{key}-{900 + i}",
                _title(rng),
                steps[-1].status,
                rng.choice(PEOPLE),
                jira_csv_time(steps[-1].at + timedelta(minutes=rng.randint(1, 900))),
                rng.choice(("High", "Medium", "Low")),
            ]
        )
    return Export(
        shape="near-current-status-list",
        filename=_filename("Jira current", v),
        data=write_table(header, rows, v),
        format=None,
        may_refuse=True,
        note="one row per issue: current status and last update only",
    )


def all_fields_changelog(seed: int = 0, n: int = 15, **variant) -> Export:
    """A flattened Jira changelog of every field: ``Key, Field, From, To, Changed``. Only the
    rows whose ``Field`` is ``status`` are status changes; assignee and priority changes
    interleave. Read right (status rows only) as transitions, or refused."""
    v = _variant(variant)
    rng = random.Random(seed)
    header = ["Key", "Field", "From", "To", "Changed", "Author"]
    rows, events = [], 0
    for i in range(n):
        steps = walk(rng, GENERIC_FLOW, _start(rng), cancel=("Cancelled",), finish=i == 0)
        if len(steps) == 1:
            steps.append(Step(GENERIC_FLOW[1], steps[0].at + timedelta(hours=3)))
        assignee = None
        for before, after in pairwise(steps):
            if rng.random() < 0.6:  # someone takes the item just before it moves
                taker = rng.choice(PEOPLE)
                edit_at = after.at - timedelta(minutes=rng.randint(1, 20))
                rows.append([f"K-{i + 1}", "assignee", assignee, taker, iso_z(edit_at), taker])
                assignee = taker
            rows.append(
                [f"K-{i + 1}", "status", before.status, after.status, iso_z(after.at), assignee]
            )
            if rng.random() < 0.3:
                rows.append(
                    [
                        f"K-{i + 1}",
                        "priority",
                        "Medium",
                        "High",
                        iso_z(after.at + timedelta(minutes=2)),
                        rng.choice(PEOPLE),
                    ]
                )
        events += _collapsed([s.status for s in steps])
    return Export(
        shape="near-all-fields-changelog",
        filename=_filename("changelog-all-fields", v),
        data=write_table(header, rows, v),
        format="transitions",
        accepted=frozenset({"transitions"}),
        may_refuse=True,
        roles={"item_id": "Key", "from_status": "From", "status": "To", "timestamp": "Changed"},
        counts={"transitions": (n, events)},
        note="a changelog of every field (status rows are the status changes)",
    )


def committed_date_dates(seed: int = 0, n: int = 15, **variant) -> Export:
    """A dates file whose start column is ``Committed Date`` (Azure DevOps Scrum's state
    "Committed"): a filled date column named after a workflow state. Read right with it as
    the started date, or refused; a dates reading that drops it loses every start."""
    return _replace(
        dates_table(
            seed,
            n,
            names={
                "item_id": "ID",
                "created": "Created Date",
                "started": "Committed Date",
                "done": "Closed Date",
            },
            shape="near-dates-committed-date",
            **variant,
        ),
        may_refuse=True,
        note="a dates file whose start column is 'Committed Date'",
    )


def _replace(export: Export, **changes) -> Export:
    return replace(export, **changes)


# --------------------------------------------------------------------------- catalogues

#: Realistic table shapes: name -> generator taking (seed, **variant).
TABLE_SHAPES: dict[str, Callable[..., Export]] = {
    "jira-csv": jira_csv,
    "jira-changelog": jira_changelog,
    "ado-revisions-csv": ado_revisions_csv,
    "linear-csv": linear_csv,
    "servicenow-incidents": servicenow_incidents,
    "volvo-incidents": volvo_incidents,
    "actionableagile-stages": actionableagile_stages,
    "generic-events": generic_events,
    "generic-dates": generic_dates,
}

#: One generator per table format, taking (seed, n, names=role -> column, **variant).
TABLE_GENERATORS: dict[str, Callable[..., Export]] = {
    "events": events_table,
    "transitions": transitions_table,
    "snapshots": snapshots_table,
    "stages": stages_table,
    "dates": dates_table,
}

#: Realistic JSON shapes: name -> generator taking (seed).
JSON_SHAPES: dict[str, Callable[..., Export]] = {
    "jira-search-json": jira_search_json,
    "ado-updates-json": ado_updates_json,
    "github-issues-jsonl": github_issues_jsonl,
}

#: Traps: files that look like one format and are another, or like none.
NEAR_MISSES: dict[str, Callable[..., Export]] = {
    "near-stages-numeric-ids": stages_with_numeric_ids,
    "near-stages-status-named-ids": stages_with_id_column_named_like_status,
    "near-transitions-from-to": transitions_from_to,
    "near-snapshots": snapshot_file,
    "near-budget": budget_table,
    "near-contacts": contact_list,
    "near-two-formats": two_formats_file,
    "near-repeated-attempts": repeated_attempts,
    "near-leave-calendar": leave_calendar,
    "near-current-status-list": current_status_list,
    "near-all-fields-changelog": all_fields_changelog,
    "near-dates-committed-date": committed_date_dates,
}

SHAPES: dict[str, Callable[..., Export]] = {**TABLE_SHAPES, **JSON_SHAPES}

#: One confidently detectable shape per format.
EXAMPLES: dict[str, Callable[[], Export]] = {
    "stages": actionableagile_stages,
    # Volvo's log repeats Status while Sub Status changes: labelled snapshots or events
    # (one parser), so the unambiguous events file is the example.
    "events": generic_events,
    "transitions": jira_changelog,
    "snapshots": servicenow_incidents,
    "dates": linear_csv,
    "jira-json": jira_search_json,
    "ado-json": ado_updates_json,
    "github-json": github_issues_jsonl,
}


def shape(name: str, seed: int = 0, **options) -> Export:
    """The shape called ``name`` (a key of SHAPES or NEAR_MISSES)."""
    return {**SHAPES, **NEAR_MISSES}[name](seed, **options)


def example(format_name: str) -> tuple[str, bytes]:
    """One confidently detectable file of ``format_name``: ``(filename, bytes)``."""
    export = EXAMPLES[format_name]()
    return export.filename, export.data


def example_export(format_name: str) -> Export:
    """:func:`example` with the generator's knowledge (expected format, counts, roles)."""
    return EXAMPLES[format_name]()
