"""``github-json``: GitHub issues (and pull requests) with their issue events.

Each record is a GitHub REST issue object (``number``, ``title``,
``created_at``, ``labels``, ``milestone``, ``user``, ...) plus an ``events``
list from the issue events API (or a ``timeline`` list from the timeline
API): ``{"event": "milestoned", "created_at": ..., "milestone": {"title"}}``
and so on. A record with a ``pull_request`` key is a pull request; it is kept
(attribute ``Kind`` = ``pull_request``).

Where the status comes from is ``ImportOptions.github_status_source``:

``milestone`` (default)
    ``milestoned`` sets the status to the milestone's title; ``demilestoned``
    (of the current milestone) sets it back to ``Open``.
``labels``
    The status is the name of the most recently added label still on the
    issue (``labeled`` adds or re-adds a label, ``unlabeled`` removes it, so
    removing the newest label falls back to the one added before it), and
    ``Open`` when the issue has no label.
``project``
    ``added_to_project``, ``moved_columns_in_project`` and
    ``converted_note_to_issue`` set the status to ``project_card.column_name``;
    ``removed_from_project`` sets it back to ``Open``.
``state``
    Only ``Open`` and ``Closed``.

For every source:

* The issue starts ``Open`` at ``created_at`` (or at its first event, if an
  event is dated earlier).
* ``closed`` -> ``Closed``. A closed issue stays ``Closed`` until it is
  ``reopened``: milestone, label and project changes made while it is closed
  are remembered but add no event (webcompat, for one, sets the resolution
  milestone right after closing; the item is done, not back in progress).
* ``reopened`` -> the status the source gives at that moment: the current
  milestone (label, project column) if there is one, else ``Open``.
* A removal (``demilestoned``, ``unlabeled``, ``removed_from_project``) that
  is followed by another status change at the same second adds no event:
  GitHub records "move to milestone B" as demilestoned A + milestoned B at
  one time, and the issue was never back in ``Open``.
* Events are taken in time order (stable: events at the same second keep
  their file order); consecutive events with the same status are merged.
  Other events (renamed, mentioned, subscribed, ...) are ignored.

A record without any events list gets ``Open`` at ``created_at`` and, when
its ``state`` is ``closed``, ``Closed`` at ``closed_at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vsm_core.importers.formats.common import ParsedImport, located
from vsm_core.importers.formats.json_common import (
    NAT,
    EventLog,
    JsonProblems,
    Timestamps,
    attributes,
    dig,
    finish,
    keep_last,
    name_of,
    names,
    plural,
    report_id,
    require_shape,
    text,
)
from vsm_core.importers.options import ImportOptions

REQUIRED: tuple[str, ...] = ()
OPTIONAL: tuple[str, ...] = ()

OPEN = "Open"
CLOSED = "Closed"

_STATE_EVENTS = ("closed", "reopened")
_PROJECT_SET = ("added_to_project", "moved_columns_in_project", "converted_note_to_issue")
#: The events each status source reads, besides closed and reopened.
SOURCE_EVENTS: dict[str, tuple[str, ...]] = {
    "milestone": ("milestoned", "demilestoned"),
    "labels": ("labeled", "unlabeled"),
    "project": (*_PROJECT_SET, "removed_from_project"),
    "state": (),
}
_REMOVALS = frozenset({"demilestoned", "unlabeled", "removed_from_project"})


@dataclass
class _Event:
    kind: str
    time: int  # index into the Timestamps batch
    value: str | None  # milestone title, label name or project column


@dataclass
class _Issue:
    number: str
    row: int
    record: dict[str, Any]
    created: int  # index into the Timestamps batch
    events: list[_Event] | None = None  # None: the record has no events list
    closed_at: int = -1


@dataclass
class _State:
    """What an issue looks like at one moment, for one status source."""

    source: str
    closed: bool = False
    milestone: str | None = None
    labels: dict[str, None] = field(default_factory=dict)  # insertion order = order added
    column: str | None = None

    def status(self, *, ignore_closed: bool = False) -> str:
        if self.closed and not ignore_closed:
            return CLOSED
        if self.source == "milestone":
            return self.milestone or OPEN
        if self.source == "labels":
            return next(reversed(self.labels), OPEN) if self.labels else OPEN
        if self.source == "project":
            return self.column or OPEN
        return OPEN

    def apply(self, event: _Event) -> None:
        kind, value = event.kind, event.value
        if kind == "closed":
            self.closed = True
        elif kind == "reopened":
            self.closed = False
        elif kind == "milestoned":
            self.milestone = value or self.milestone
        elif kind == "demilestoned":
            if value is None or self.milestone is None or value == self.milestone:
                self.milestone = None
        elif kind == "labeled" and value:
            self.labels.pop(value, None)
            self.labels[value] = None
        elif kind == "unlabeled" and value:
            self.labels.pop(value, None)
        elif kind in _PROJECT_SET:
            self.column = value or self.column
        elif kind == "removed_from_project":
            self.column = None


def parse_records(records: list[dict], options: ImportOptions) -> ParsedImport:
    """Items and status events of GitHub issues with events (see the module docstring)."""
    require_shape(
        records,
        lambda r: "number" in r and ("created_at" in r or "events" in r or "timeline" in r),
        "github-json",
        "GitHub issues with number, created_at and an events list (the issue events API)",
    )
    source = options.github_status_source
    wanted = frozenset((*_STATE_EVENTS, *SOURCE_EVENTS[source]))
    problems = JsonProblems()
    times = Timestamps()
    ids = [text(record.get("number")) for record in records]
    keep, repeated = keep_last(ids)
    issues = []
    for row, (record, number, kept) in enumerate(zip(records, ids, keep, strict=True), start=1):
        if number is None:
            report_id(problems, row, "number", "the issue number", record.get("number"))
        elif kept:
            with located(row=row):  # a bug met here names the record
                issues.append(_read_issue(record, number, row, wanted, times, problems))
    instants = times.parse(options, problems)
    problems.raise_if_any()

    log = EventLog()
    items = []
    hidden_while_closed = early_events = 0
    for issue in issues:
        with located(row=issue.row):
            created = int(instants[issue.created])
            if issue.events is None:
                run = [(OPEN, created)]
                if issue.closed_at >= 0 and instants[issue.closed_at] != NAT:
                    run.append((CLOSED, int(instants[issue.closed_at])))
            else:
                run, hidden, early = _status_run(issue.events, instants, created, source)
                hidden_while_closed += hidden
                early_events += early
            log.add_run(issue.number, run)
            items.append(_item(issue, created))

    notes = [_source_note(source)]
    without = sum(issue.events is None for issue in issues)
    if without:
        notes.append(
            f"{plural(without, 'issue')} had no events list: each is Open from created_at and "
            "Closed at closed_at when closed"
        )
    if hidden_while_closed:
        notes.append(
            f"{plural(hidden_while_closed, 'status change')} made while an issue was closed "
            "added no event (a closed issue stays Closed until reopened)"
        )
    if early_events:
        notes.append(f"{plural(early_events, 'issue')} had events dated before created_at")
    if repeated:
        notes.append(
            f"{plural(repeated, 'record')} repeated an earlier issue number; the last one was used"
        )
    mapping = {
        "item_id": "number",
        "title": "title",
        "type": "type.name",
        "labels": "labels[*].name",
        "created": "created_at",
        "status": _STATUS_PATHS[source],
        "timestamp": "events[*].created_at",
    }
    return finish(items, log, mapping=mapping, notes=notes, raw_item_ids=ids)


_STATUS_PATHS = {
    "milestone": "events[milestoned].milestone.title, closed, reopened",
    "labels": "events[labeled/unlabeled].label.name, closed, reopened",
    "project": "events[*project*].project_card.column_name, closed, reopened",
    "state": "events[closed/reopened]",
}


def _source_note(source: str) -> str:
    what = {
        "milestone": "milestones (milestoned/demilestoned)",
        "labels": "labels (the most recently added label still on the issue)",
        "project": "project board columns",
        "state": "the open/closed state only",
    }[source]
    return f"statuses come from {what}, plus Open at creation and Closed/reopened"


def _read_issue(
    record: dict,
    number: str,
    row: int,
    wanted: frozenset[str],
    times: Timestamps,
    problems: JsonProblems,
) -> _Issue:
    if text(record.get("created_at")) is None:
        problems.add(row, "created_at", "the created time is missing")
    issue = _Issue(number, row, record, times.add(record.get("created_at"), row, "created_at"))
    key = "events" if "events" in record else "timeline" if "timeline" in record else None
    listed = record.get(key) if key else None
    if listed is None:
        if text(record.get("state")) == "closed" and text(record.get("closed_at")) is not None:
            issue.closed_at = times.add(record.get("closed_at"), row, "closed_at")
        return issue
    if not isinstance(listed, list):
        problems.add(row, key, "expected a list of issue events", listed)
        return issue
    issue.events = []
    for j, event in enumerate(listed):
        where = f"{key}[{j}]"
        if not isinstance(event, dict):
            problems.add(row, where, "expected an event object", event)
            continue
        kind = text(event.get("event"))
        if kind not in wanted:
            continue
        stamp = event.get("created_at")
        if text(stamp) is None:
            problems.add(row, f"{where}.created_at", f"the time of the {kind} event is missing")
        issue.events.append(
            _Event(kind, times.add(stamp, row, f"{where}.created_at"), _value(event))
        )
    return issue


def _value(event: dict) -> str | None:
    kind = event.get("event")
    if kind in ("milestoned", "demilestoned"):
        return name_of(event.get("milestone"), "title")
    if kind in ("labeled", "unlabeled"):
        return name_of(event.get("label"))
    if kind in (*_PROJECT_SET, "removed_from_project"):
        return text(dig(event, "project_card", "column_name"))
    return None


def _status_run(
    events: list[_Event], instants: np.ndarray, created: int, source: str
) -> tuple[list[tuple[str, int]], int, bool]:
    """(status, time) steps of one issue; changes hidden by Closed; any event before created."""
    stamps = [int(instants[e.time]) for e in events]
    order = sorted(range(len(events)), key=stamps.__getitem__)
    first = stamps[order[0]] if order else created
    state = _State(source)
    steps: list[tuple[str, int, bool]] = [(OPEN, min(created, first), False)]
    hidden = 0
    for i in order:
        event = events[i]
        before, behind = state.status(), state.status(ignore_closed=True)
        state.apply(event)
        after = state.status()
        if after != before:
            steps.append((after, stamps[i], event.kind in _REMOVALS))
        elif state.closed and event.kind != "closed":
            hidden += state.status(ignore_closed=True) != behind
    # A removal superseded at the same second never was a status of its own.
    run = [
        (status, time)
        for k, (status, time, removal) in enumerate(steps)
        if not (removal and k + 1 < len(steps) and steps[k + 1][1] == time)
    ]
    return run, hidden, first < created


def _item(issue: _Issue, created: int) -> dict[str, Any]:
    record = issue.record
    repository = text(record.get("repository_url"))
    if repository and "/repos/" in repository:
        repository = repository.split("/repos/", 1)[1]
    return {
        "item_id": issue.number,
        "title": text(record.get("title")),
        "type": name_of(record.get("type")),
        "created_at": created,
        "labels": names(record.get("labels")),
        "attributes": attributes(
            [
                ("Kind", "pull_request" if "pull_request" in record else "issue"),
                ("Milestone", name_of(record.get("milestone"), "title")),
                ("Author", dig(record, "user", "login")),
                ("Assignees", names(record.get("assignees"), "login")),
                ("State", record.get("state")),
                ("Repository", repository),
            ]
        ),
    }
