"""``transitions``: one row per change (item id, from-status, to-status, timestamp).

Jira changelog exports and DevLake ``issue_changelogs`` look like this. The
item is in its first change's from-status from its created time (the
``created`` column, else the time of that first change). Rows whose status
columns are both blank still create the item.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.importers.columns import normalise_header, resolve_mapping
from vsm_core.importers.errors import ImportProblem
from vsm_core.importers.formats.common import (
    ITEM_ROLES,
    ParsedImport,
    ProblemCollector,
    attribute_columns,
    collapse_repeats,
    events_frame,
    row_items,
    text,
)
from vsm_core.importers.formats.events import STATUS_CATEGORY, file_status_categories
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable
from vsm_core.workflow_suggest import order_statuses_by_flow

REQUIRED = ("item_id", "from_status", "status", "timestamp")
OPTIONAL = (*ITEM_ROLES, STATUS_CATEGORY)


def parse(table: RawTable, options: ImportOptions) -> ParsedImport:
    mapping = resolve_mapping(
        table.columns,
        required=REQUIRED,
        optional=OPTIONAL,
        given=options.mapping,
        repeated=table.repeated_headers,
    )
    problems = ProblemCollector()
    problems.missing(table, mapping["item_id"], "the item id")
    ids = text(table, mapping["item_id"])
    from_status = text(table, mapping["from_status"])
    to_status = text(table, mapping["status"])
    field_notes = []
    field = field_column(table, mapping)
    if field is not None:  # a changelog of every field: only status changes move the flow
        is_status = status_field_rows(table, field)
        from_status, to_status = from_status.where(is_status), to_status.where(is_status)
        field_notes.append(
            f"{int(is_status.sum())} of {len(is_status)} rows change the status (column "
            f"{field!r}); the other rows only create their items"
        )
    times = problems.timestamps(table, mapping["timestamp"], options)
    created = (
        problems.timestamps(table, mapping["created"], options) if "created" in mapping else None
    )
    is_change = to_status.notna().to_numpy()
    _require_times_on_changes(problems, table, mapping["timestamp"], times, is_change)
    problems.raise_if_any()

    source_row = np.arange(len(ids))
    changes = events_frame(ids, to_status, times, source_row)[is_change].assign(kind=1)
    initial = _initial_events(changes, from_status[is_change], created, ids)
    combined = pd.concat([initial, changes], ignore_index=True)
    combined = combined.sort_values(["seq", "kind"], kind="stable") if len(combined) else combined
    combined = combined.drop(columns="kind").reset_index(drop=True)
    combined["seq"] = np.arange(len(combined))
    events = collapse_repeats(combined)
    items = row_items(table, ids, mapping, created, attribute_columns(table, mapping))
    notes = field_notes + (
        []
        if "created" in mapping
        else ["no created column: each item's first status starts at its first change"]
    )
    return ParsedImport(
        date_orders=problems.date_orders,
        items=items,
        events=events,
        status_order=order_statuses_by_flow(events),
        mapping=mapping,
        notes=notes,
        status_categories=file_status_categories(table, mapping),
    )


#: Header names (words joined) of the column saying which field a changelog row changed.
FIELD_HEADERS = frozenset({"field", "fieldname", "fieldid", "changedfield", "fieldchanged"})
#: Field names (lower case) that are the workflow status.
STATUS_FIELDS = frozenset({"status", "state", "system.state", "workflow state"})


def field_column(table: RawTable, mapping: dict[str, str]) -> str | None:
    """The column naming the field each row changed, when it names the status on some rows."""
    used = set(mapping.values())
    for column in table.columns:
        named = column not in used and normalise_header(column) in FIELD_HEADERS
        if named and status_field_rows(table, column).any():
            return column
    return None


def status_field_rows(table: RawTable, column: str) -> pd.Series:
    """Per row: whether ``column`` says the row changed the status."""
    return text(table, column).str.casefold().isin(STATUS_FIELDS).fillna(False).astype(bool)


def _require_times_on_changes(problems, table, column, times, is_change) -> None:
    missing = is_change & times.isna().to_numpy() & table.frame[column].isna().to_numpy()
    problems.problems.extend(
        ImportProblem(row=int(row), column=column, message="a change needs a timestamp")
        for row in table.rows[missing]
    )


def _initial_events(changes, from_status, created, ids) -> pd.DataFrame:
    """Each item's starting status: the from-status of its earliest change."""
    changes = changes.assign(from_status=from_status.to_numpy())
    first = (
        changes.sort_values(["item_id", "entered_at", "seq"], kind="stable")
        .drop_duplicates("item_id")
        .dropna(subset=["from_status"])
    )
    start = first["entered_at"]
    if created is not None:
        created_by_item = pd.Series(created.to_numpy(), index=ids.to_numpy()).groupby(level=0).min()
        known = created_by_item.reindex(first["item_id"]).to_numpy()
        start = pd.Series(np.where(pd.isna(known), first["entered_at"], known), index=first.index)
        start = pd.to_datetime(start, utc=True)
    initial = events_frame(first["item_id"], first["from_status"], start, first["seq"])
    return initial.assign(kind=0)
