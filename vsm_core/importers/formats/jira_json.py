"""``jira-json``: Jira search API pages (``/rest/api/2|3/search?expand=changelog``).

Each record is an issue: ``key``, ``fields`` (``summary``, ``issuetype.name``,
``status.name``, ``created``, ``labels``, ``priority.name``,
``components[*].name``, ...) and ``changelog.histories[*]``, each history
with a ``created`` time and ``items[*]``; the items whose ``field`` (or
``fieldId``) is ``status`` are status changes (``fromString`` ->
``toString``).

The rules:

* An issue's histories are put in time order first. Jira returns them
  oldest-first from some endpoints and newest-first from others: a list
  whose times never increase is reversed, then sorted stably by ``created``
  (histories with equal times keep their file order).
* The issue starts in the ``fromString`` of its first status change, at
  ``fields.created`` (at the first change's time, if that is earlier than
  ``created``: migrated issues can have such histories).
* Each status item adds an event: ``toString`` at its history's ``created``
  (several status items in one history keep their order).
* An issue without any status change is in ``fields.status.name`` since
  ``fields.created``.
* A key that repeats (overlapping search pages) keeps its last record; the
  quality report counts the repeats (``duplicate_ids``).

Timestamps carry an offset (``2024-01-05T10:00:00.000+0100``, with or without
a colon); a timestamp without one is wall-clock time in the import's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from vsm_core.importers.formats.common import ParsedImport, located
from vsm_core.importers.formats.json_common import (
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

#: Where each role comes from, for the import summary.
MAPPING = {
    "item_id": "key",
    "title": "fields.summary",
    "type": "fields.issuetype.name",
    "labels": "fields.labels",
    "created": "fields.created",
    "status": "changelog.histories[*].items[field=status].toString (fields.status.name)",
    "timestamp": "changelog.histories[*].created",
}


@dataclass
class _Change:
    history: int  # position in changelog.histories
    time: int  # index into the Timestamps batch
    item: int  # position in the history's items
    from_status: str | None
    to_status: str


@dataclass
class _Issue:
    key: str
    row: int
    fields: dict[str, Any]
    created: int  # index into the Timestamps batch
    changes: list[_Change] = field(default_factory=list)
    has_changelog: bool = False
    truncated: bool = False


def parse_records(records: list[dict], options: ImportOptions) -> ParsedImport:
    """Items and status events of Jira issues with their changelogs (see the module docstring)."""
    require_shape(
        records,
        lambda r: "key" in r or isinstance(r.get("fields"), dict) or "changelog" in r,
        "jira-json",
        "Jira issues with key, fields and changelog (/rest/api/2/search?expand=changelog)",
    )
    problems = JsonProblems()
    times = Timestamps()
    ids = [text(record.get("key")) for record in records]
    keep, repeated = keep_last(ids)
    issues = []
    for row, (record, key, kept) in enumerate(zip(records, ids, keep, strict=True), start=1):
        if key is None:
            report_id(problems, row, "key", "the issue key", record.get("key"))
        elif kept:
            with located(row=row):  # a bug met here names the record
                issue = _read_issue(record, key, row, times, problems)
            if issue is not None:
                issues.append(issue)
    instants = times.parse(options, problems)
    problems.raise_if_any()

    events = EventLog()
    items = []
    notes: list[str] = []
    late_created = broken_chain = descending = 0
    for issue in issues:
        with located(row=issue.row):
            created = int(instants[issue.created])
            changes, reversed_ = _in_time_order(issue.changes, instants)
            descending += reversed_
            run: list[tuple[str, int]] = []
            if changes:
                first = int(instants[changes[0].time])
                if changes[0].from_status is not None:
                    late_created += created > first
                    run.append((changes[0].from_status, min(created, first)))
                previous = changes[0].from_status
                for change in changes:
                    if previous is not None and change.from_status is not None:
                        broken_chain += change.from_status.casefold() != previous.casefold()
                    run.append((change.to_status, int(instants[change.time])))
                    previous = change.to_status
            else:
                run.append((name_of(issue.fields.get("status")), created))
            events.add_run(issue.key, run)
            items.append(_item(issue, created))

    if repeated:
        notes.append(
            f"{plural(repeated, 'record')} repeated an earlier issue key (overlapping search "
            "pages?); the last record of each key was used"
        )
    without = sum(not issue.has_changelog for issue in issues)
    if without:
        notes.append(
            f"{plural(without, 'issue')} had no changelog: each is in its current status since "
            "it was created (export the search with expand=changelog for the history)"
        )
    truncated = sum(issue.truncated for issue in issues)
    if truncated:
        notes.append(
            f"{plural(truncated, 'issue')} had a truncated changelog (changelog.total is larger "
            "than the histories returned); their earliest status changes may be missing"
        )
    if descending:
        notes.append(
            f"{plural(descending, 'changelog')} listed the histories newest first; "
            "they were put in time order"
        )
    if late_created:
        notes.append(
            f"{plural(late_created, 'issue')} had status changes before fields.created; "
            "they start at their first change"
        )
    if broken_chain:
        notes.append(
            f"{plural(broken_chain, 'status change')} did not start from the previous status "
            "(edited workflow or migrated issue)"
        )
    return finish(items, events, mapping=dict(MAPPING), notes=notes, raw_item_ids=ids)


def _read_issue(
    record: dict, key: str, row: int, times: Timestamps, problems: JsonProblems
) -> _Issue | None:
    fields = record.get("fields", {})
    if not isinstance(fields, dict):
        problems.add(row, "fields", "expected an object of issue fields", fields)
        return None
    created_text = fields.get("created")
    if text(created_text) is None:
        problems.add(row, "fields.created", "the created time is missing")
    created = times.add(created_text, row, "fields.created")
    issue = _Issue(key=key, row=row, fields=fields, created=created)
    _read_changelog(record, issue, times, problems)
    if not issue.changes and name_of(fields.get("status")) is None:
        problems.add(
            row,
            "fields.status.name",
            "the status is missing and the issue has no status changes in its changelog",
        )
    return issue


def _read_changelog(record: dict, issue: _Issue, times: Timestamps, problems: JsonProblems):
    row = issue.row
    if "changelog" not in record or record["changelog"] is None:
        return
    changelog = record["changelog"]
    if not isinstance(changelog, dict):
        problems.add(row, "changelog", "expected an object with a histories list", changelog)
        return
    histories = changelog.get("histories", changelog.get("values"))
    if histories is None:
        return
    issue.has_changelog = True
    if not isinstance(histories, list):
        problems.add(row, "changelog.histories", "expected a list of histories", histories)
        return
    total = changelog.get("total")
    issue.truncated = isinstance(total, int) and total > len(histories)
    for h, history in enumerate(histories):
        where = f"changelog.histories[{h}]"
        if not isinstance(history, dict):
            problems.add(row, where, "expected a history object", history)
            continue
        entries = history.get("items", [])
        if not isinstance(entries, list):
            problems.add(row, f"{where}.items", "expected a list of changed fields", entries)
            continue
        status_items = [
            (i, entry)
            for i, entry in enumerate(entries)
            if isinstance(entry, dict)
            and "status" in (str(entry.get("field", "")).casefold(), entry.get("fieldId"))
        ]
        if not status_items:
            continue
        created = history.get("created")
        if text(created) is None:
            problems.add(row, f"{where}.created", "the time of a status change is missing")
        at = times.add(created, row, f"{where}.created")
        for i, entry in status_items:
            to_status = text(entry.get("toString"))
            if to_status is None:
                problems.add(
                    row,
                    f"{where}.items[{i}].toString",
                    "a status change without the new status",
                    entry.get("toString"),
                )
                continue
            issue.changes.append(_Change(h, at, i, text(entry.get("fromString")), to_status))


def _in_time_order(changes: list[_Change], instants: np.ndarray) -> tuple[list[_Change], bool]:
    """The changes sorted by time (stable); a newest-first list is reversed first."""
    if len(changes) < 2:
        return changes, False
    histories = list(dict.fromkeys(c.history for c in changes))
    by_history = {c.history: int(instants[c.time]) for c in changes}
    stamps = [by_history[h] for h in histories]
    descending = stamps[0] > stamps[-1] and all(a >= b for a, b in pairwise(stamps))
    if descending:  # reverse whole histories; items within a history keep their order
        order = {h: rank for rank, h in enumerate(reversed(histories))}
        changes = sorted(changes, key=lambda c: order[c.history])
    return sorted(changes, key=lambda c: int(instants[c.time])), descending


def _item(issue: _Issue, created: int) -> dict[str, Any]:
    fields = issue.fields
    labels = fields.get("labels")
    return {
        "item_id": issue.key,
        "title": text(fields.get("summary")),
        "type": name_of(fields.get("issuetype")),
        "created_at": created,
        "labels": tuple(dict.fromkeys(t for t in map(text, labels) if t))
        if isinstance(labels, list)
        else (),
        "attributes": attributes(
            [
                ("Priority", name_of(fields.get("priority"))),
                ("Components", names(fields.get("components"))),
                ("Assignee", name_of(fields.get("assignee"), "displayName", "name")),
                ("Project", name_of(fields.get("project"), "key", "name")),
                ("Resolution", name_of(fields.get("resolution"))),
                ("Parent", dig(fields, "parent", "key")),
            ]
        ),
    }
