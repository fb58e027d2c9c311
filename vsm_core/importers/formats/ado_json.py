"""``ado-json``: Azure DevOps work item history, as work item *updates* or *revisions*.

Two shapes of the REST API are read; the file's records decide which (a
record with ``workItemId``, or whose fields hold ``{"oldValue", "newValue"}``
objects, makes the file updates):

* **updates** (``/_apis/wit/workItems/{id}/updates``): ``{id, workItemId,
  rev, revisedDate, fields: {"System.State": {"oldValue", "newValue"},
  "System.ChangedDate": {"newValue"}, ...}}``. Each update whose fields hold
  ``System.State`` adds an event: ``newValue`` at the update's
  ``System.ChangedDate.newValue`` — the time the change was saved. When an
  update lacks ``System.ChangedDate``, its time is the ``revisedDate`` of the
  item's previous update: ``revisedDate`` is when a revision was *superseded*
  (``9999-01-01`` for the current one), so it is never the time of the
  update that carries it; for the first revision, ``System.CreatedDate``.
  If the first state change has an ``oldValue`` (the export starts
  mid-history), the item starts in it at its created time, when that is
  known (without a created time the old state's start is unknown, and it is
  left out rather than given a made-up stay).
* **revisions** (``/_apis/wit/workItems/{id}/revisions``, or a work item
  batch): full snapshots ``{id, rev, fields: {"System.Id", "System.State",
  "System.ChangedDate", ...}}``. Each item's revisions are ordered by ``rev``
  and consecutive revisions with the same state are merged: an event is the
  first revision of each run, at its ``System.ChangedDate`` (the first
  revision falls back to ``System.CreatedDate``).

Items take each field's latest value (highest ``rev``): ``System.Title``,
``System.WorkItemType`` (type), ``System.AreaPath`` (team, and the ``Area
Path`` attribute), ``System.Tags`` (``"a; b"`` -> labels),
``System.CreatedDate`` (left empty when no record carries it: the flow then
counts from the first event), plus the attributes ``Iteration Path``,
``Priority``, ``Assigned To``, ``Project`` and ``Reason``. Records of several
work items may be mixed in one file; items keep their first-seen order.
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
    finish,
    name_of,
    non_finite,
    plural,
    report_id,
    require_shape,
    text,
)
from vsm_core.importers.options import ImportOptions

REQUIRED: tuple[str, ...] = ()
OPTIONAL: tuple[str, ...] = ()

STATE = "System.State"
CHANGED = "System.ChangedDate"
CREATED = "System.CreatedDate"

#: Item fields: field reference name -> item column or attribute name.
_ITEM_FIELDS = {
    "System.Title": "title",
    "System.WorkItemType": "type",
    "System.AreaPath": "team",
    "System.Tags": "labels",
}
_ATTRIBUTE_FIELDS = {
    "System.AreaPath": "Area Path",
    "System.IterationPath": "Iteration Path",
    "Microsoft.VSTS.Common.Priority": "Priority",
    "System.AssignedTo": "Assigned To",
    "System.TeamProject": "Project",
    "System.Reason": "Reason",
}
_KEPT_FIELDS = (*_ITEM_FIELDS, *_ATTRIBUTE_FIELDS, CREATED)

#: A ``revisedDate`` on or after this year means "not superseded yet".
_CURRENT_YEAR = "9999"


@dataclass
class _Record:
    row: int
    rev: int | None
    fields: dict[str, Any]
    state: Any = None  # the new state (None: the record does not change it)
    old_state: Any = None
    time: int = -1  # index into the Timestamps batch; -1 when none
    revised: int = -1  # updates: index of revisedDate (superseded at), -1 when none/current


@dataclass
class _WorkItem:
    item_id: str
    records: list[_Record] = field(default_factory=list)


def parse_records(records: list[dict], options: ImportOptions) -> ParsedImport:
    """Items and state events of Azure DevOps updates or revisions (see the module docstring)."""
    require_shape(
        records,
        lambda r: "workItemId" in r or any(str(k).startswith("System.") for k in _fields(r)),
        "ado-json",
        "Azure DevOps work item updates or revisions (objects with fields such as "
        "System.State and System.ChangedDate)",
    )
    updates = any("workItemId" in r or _has_field_updates(r) for r in records)
    problems = JsonProblems()
    times = Timestamps()
    work_items: dict[str, _WorkItem] = {}
    read = _read_update if updates else _read_revision
    for row, record in enumerate(records, start=1):
        with located(row=row):  # a bug met here names the record
            item_id, entry = read(record, row, times, problems)
        if item_id is not None and entry is not None:
            work_items.setdefault(item_id, _WorkItem(item_id)).records.append(entry)
    instants = times.parse(options, problems)
    problems.raise_if_any()

    events = EventLog()
    items = []
    started_mid = 0
    for work_item in work_items.values():
        ordered = _by_rev(work_item.records)
        latest = _latest_fields(ordered)
        created = _time(instants, latest.get(CREATED))
        run, mid = _run(ordered, instants, created, updates, problems)
        started_mid += mid
        events.add_run(work_item.item_id, run)
        items.append(_item(work_item.item_id, latest, created))
    problems.raise_if_any()

    if updates:
        notes = [f"read {plural(len(records), 'work item update')} of {len(items)} work items"]
        if started_mid:
            notes.append(
                f"{plural(started_mid, 'work item')} started mid-history (the first state "
                "change has an old state): with a known created time the item is in the old "
                "state from then, otherwise it starts at its first state change"
            )
        mapping = {
            "item_id": "workItemId",
            "status": "fields.System.State.newValue",
            "timestamp": "fields.System.ChangedDate.newValue",
        }
    else:
        notes = [
            f"read {plural(len(records), 'revision')} of {len(items)} work items as snapshots; "
            f"consecutive revisions with the same state became {len(events.times)} state changes"
        ]
        mapping = {
            "item_id": "fields.System.Id",
            "status": "fields.System.State",
            "timestamp": "fields.System.ChangedDate",
        }
    mapping |= {
        "title": "fields.System.Title",
        "type": "fields.System.WorkItemType",
        "team": "fields.System.AreaPath",
        "labels": "fields.System.Tags",
        "created": "fields.System.CreatedDate",
    }
    return finish(items, events, mapping=mapping, notes=notes)


def _fields(record: dict) -> dict:
    value = record.get("fields")
    return value if isinstance(value, dict) else {}


def _has_field_updates(record: dict) -> bool:
    return any(
        isinstance(v, dict) and ("newValue" in v or "oldValue" in v)
        for v in _fields(record).values()
    )


def _rev(record: dict) -> int | None:
    rev = record.get("rev")
    return rev if isinstance(rev, int) and not isinstance(rev, bool) else None


def _read_update(record: dict, row: int, times: Timestamps, problems: JsonProblems):
    item_id = text(record.get("workItemId"))
    if item_id is None:
        report_id(problems, row, "workItemId", "the work item id", record.get("workItemId"))
        return None, None
    raw = record.get("fields", {})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.add(row, "fields", "expected an object of field updates", raw)
        return item_id, None
    values = {}
    for name in _KEPT_FIELDS:
        change = raw.get(name)
        if isinstance(change, dict) and "newValue" in change:
            values[name] = change["newValue"]
    entry = _Record(row=row, rev=_rev(record), fields=values)
    if CREATED in values:
        values[CREATED] = times.add(values[CREATED], row, f"fields.{CREATED}.newValue")
    revised = record.get("revisedDate")
    if text(revised) is not None and not str(revised).startswith(_CURRENT_YEAR):
        entry.revised = times.add(revised, row, "revisedDate")
    state = raw.get(STATE)
    if state is None:
        return item_id, entry
    if not isinstance(state, dict):
        problems.add(row, f"fields.{STATE}", "expected {oldValue, newValue}", state)
        return item_id, entry
    entry.state = text(state.get("newValue"))
    entry.old_state = text(state.get("oldValue"))
    if entry.state is None:
        problems.add(row, f"fields.{STATE}.newValue", "a state change without the new state")
        return item_id, entry
    changed = raw.get(CHANGED)
    changed = changed.get("newValue") if isinstance(changed, dict) else None
    if text(changed) is not None:
        entry.time = times.add(changed, row, f"fields.{CHANGED}.newValue")
    return item_id, entry


def _read_revision(record: dict, row: int, times: Timestamps, problems: JsonProblems):
    raw = record.get("fields", {})
    if not isinstance(raw, dict):
        problems.add(row, "fields", "expected an object of fields", raw)
        return None, None
    # The id is System.Id, else the record's id; a NaN in either is refused, not skipped.
    given, where = raw.get("System.Id"), "fields.System.Id"
    if text(given) is None and non_finite(given) is None and record.get("id") is not None:
        given, where = record.get("id"), "id"
    item_id = text(given)
    if item_id is None:
        report_id(problems, row, where, "the work item id", given)
        return None, None
    values = {name: raw[name] for name in _KEPT_FIELDS if name in raw}
    rev = _rev(record)
    entry = _Record(
        row=row, rev=_rev({"rev": raw.get("System.Rev")}) if rev is None else rev, fields=values
    )
    if text(values.get(CREATED)) is not None:
        values[CREATED] = times.add(values[CREATED], row, f"fields.{CREATED}")
    else:
        values.pop(CREATED, None)
    entry.state = text(raw.get(STATE))
    if entry.state is not None and text(raw.get(CHANGED)) is not None:
        entry.time = times.add(raw.get(CHANGED), row, f"fields.{CHANGED}")
    return item_id, entry


def _by_rev(records: list[_Record]) -> list[_Record]:
    """The item's records by revision number; file order when any record lacks one."""
    if any(r.rev is None for r in records):
        return records
    return sorted(records, key=lambda r: r.rev)


def _latest_fields(records: list[_Record]) -> dict[str, Any]:
    """Each kept field's latest value; ``System.CreatedDate`` its earliest (a batch index)."""
    latest: dict[str, Any] = {}
    for record in records:
        for name, value in record.fields.items():
            if name == CREATED and CREATED in latest:
                continue
            latest[name] = value
    return latest


def _time(instants: np.ndarray, index: Any) -> int:
    return int(instants[index]) if isinstance(index, int) and index >= 0 else NAT


def _run(
    records: list[_Record],
    instants: np.ndarray,
    created: int,
    updates: bool,
    problems: JsonProblems,
) -> tuple[list[tuple[str, int]], bool]:
    """The item's (state, time) steps; whether it started in an old state (updates only)."""
    run: list[tuple[str, int]] = []
    previous_revised = NAT
    started_mid = False
    for position, record in enumerate(records):
        time = _time(instants, record.time)
        if time == NAT:
            if updates and previous_revised != NAT:
                time = previous_revised  # the previous revision was superseded by this one
            elif position == 0 and created != NAT:
                time = created
        if updates:
            previous_revised = _time(instants, record.revised)
        if record.state is None:
            continue
        if time == NAT:
            path = f"fields.{CHANGED}.newValue" if updates else f"fields.{CHANGED}"
            problems.add(record.row, path, "the time of a state change is missing")
            continue
        if updates and not run and record.old_state is not None:
            started_mid = True
            if created != NAT:
                run.append((record.old_state, min(created, time)))
        run.append((record.state, time))
    return run, started_mid


def _item(item_id: str, latest: dict[str, Any], created: int) -> dict[str, Any]:
    tags = text(latest.get("System.Tags"))
    return {
        "item_id": item_id,
        "title": text(latest.get("System.Title")),
        "type": text(latest.get("System.WorkItemType")),
        "team": text(latest.get("System.AreaPath")),
        "created_at": created,
        "labels": tuple(dict.fromkeys(t.strip() for t in tags.split(";") if t.strip()))
        if tags
        else (),
        "attributes": attributes(
            (
                label,
                _identity(latest.get(name)) if name == "System.AssignedTo" else latest.get(name),
            )
            for name, label in _ATTRIBUTE_FIELDS.items()
        ),
    }


def _identity(value: Any) -> str | None:
    """A person: ``{"displayName": ...}`` (API 5+) or ``"Name <domain\\\\user>"`` (older)."""
    if isinstance(value, dict):
        return name_of(value, "displayName", "uniqueName")
    name = text(value)
    if name and name.endswith(">") and " <" in name:
        name = name.rsplit(" <", 1)[0].strip() or name
    return name
