"""``events``: one row per status entry (item id, status, timestamp, optional attributes).

Also serves ``snapshots`` (one full-record row per update): both collapse
consecutive rows of the same status into the moment the status changed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.importers.columns import resolve_mapping
from vsm_core.importers.formats.common import (
    ITEM_ROLES,
    ParsedImport,
    ProblemCollector,
    attribute_columns,
    collapse_repeats,
    counted_statuses,
    events_frame,
    factorize_ids,
    factorize_text,
    kept_events,
    row_items,
    take_rows,
    text,
)
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable
from vsm_core.workflow_suggest import order_statuses_by_flow

#: Optional roles besides the item's: the file's own status category (Jira, Azure DevOps).
STATUS_CATEGORY = "status_category"

REQUIRED = ("item_id", "status", "timestamp")
OPTIONAL = (*ITEM_ROLES, STATUS_CATEGORY)


def parse(table: RawTable, options: ImportOptions, *, kind: str = "events") -> ParsedImport:
    """Items and their status entries; every row needs an id, a status and a timestamp."""
    mapping = resolve_mapping(
        table.columns,
        required=REQUIRED,
        optional=OPTIONAL,
        given=options.mapping,
        repeated=table.repeated_headers,
    )
    problems = ProblemCollector()
    problems.missing(table, mapping["item_id"], "the item id")
    problems.missing(table, mapping["status"], "the status")
    problems.missing(table, mapping["timestamp"], "the timestamp")
    times = problems.timestamps(table, mapping["timestamp"], options)
    created = (
        problems.timestamps(table, mapping["created"], options) if "created" in mapping else None
    )
    problems.raise_if_any()
    ids, statuses = text(table, mapping["item_id"]), text(table, mapping["status"])
    # The ids' and statuses' text is hashed here only; the steps below share the codes.
    codes, status_codes = factorize_ids(ids), factorize_text(statuses)
    rows = events_frame(ids, statuses, times, np.arange(len(ids)))
    kept = kept_events(rows, codes[0], status_codes)
    if kept is None:
        events, event_codes, event_statuses = collapse_repeats(rows), None, None
    else:
        events = take_rows(rows, kept)
        event_codes, event_statuses = codes[0][kept], (status_codes[0][kept], status_codes[1])
    attributes = attribute_columns(table, mapping)
    items = row_items(table, ids, mapping, created, attributes, codes=codes)
    notes = []
    if len(events) < len(rows):
        unit = "snapshot rows" if kind == "snapshots" else "rows"
        notes.append(
            f"{len(rows)} {unit} became {len(events)} status changes "
            "(consecutive rows with the same status were merged)"
        )
    return ParsedImport(
        date_orders=problems.date_orders,
        items=items,
        events=events,
        status_order=order_statuses_by_flow(
            events, item_codes=event_codes, status_codes=event_statuses
        ),
        mapping=mapping,
        notes=notes,
        status_counts=counted_statuses(*event_statuses) if event_statuses else None,
        status_categories=file_status_categories(table, mapping),
    )


def file_status_categories(table: RawTable, mapping: dict[str, str]) -> dict[str, str]:
    """Raw status -> the status category the file gives it most often (Jira's "Status
    Category", Azure DevOps' "State Category"); empty when the file has none."""
    if STATUS_CATEGORY not in mapping:
        return {}
    pairs = pd.DataFrame(
        {
            "status": text(table, mapping["status"]),
            "category": text(table, mapping[STATUS_CATEGORY]),
        }
    ).dropna()
    if pairs.empty:
        return {}
    counted = pairs.value_counts(sort=True).reset_index()  # most frequent pair first
    first = counted.drop_duplicates("status")
    return dict(zip(first["status"], first["category"], strict=True))
