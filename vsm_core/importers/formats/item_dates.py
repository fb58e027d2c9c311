"""``dates``: one row per item with created / started / done dates (Linear, spreadsheets).

Each filled date becomes a status event: ``Created`` (backlog), ``Started``
(active), ``Done`` (done). The workflow is known, so the parser suggests it.

An item that was dropped rather than delivered ends ``Cancelled``
(cancelled), never ``Done``: when its cancel date column (Linear's
``Canceled``) is filled, or when its current status says so (Jira writes a
``Resolved`` date for *Won't Do* too; the file's status category, else the
status name, decides — see :func:`vsm_core.workflow_suggest.category_from_file`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_core.importers.columns import resolve_mapping
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.formats.common import (
    ParsedImport,
    ProblemCollector,
    attribute_columns,
    collapse_repeats,
    events_frame,
    row_items,
    text,
)
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable
from vsm_core.model import Category, Stage, Workflow
from vsm_core.workflow_suggest import category_from_file, suggest_category

REQUIRED = ("item_id",)
OPTIONAL = (
    "title",
    "type",
    "team",
    "labels",
    "blocked_days",
    "created",
    "started",
    "done",
    "cancelled",
    "status",
    "status_category",
)
DATE_ROLES = (
    ("created", "Created"),
    ("started", "Started"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
)
CANCELLED = "Cancelled"

DATES_WORKFLOW = Workflow(
    stages=(
        Stage(name="Created", statuses=("Created",), category=Category.BACKLOG),
        Stage(name="Started", statuses=("Started",), category=Category.ACTIVE),
        Stage(name="Done", statuses=("Done",), category=Category.DONE),
    )
)
#: The workflow when some item ends cancelled.
DATES_WORKFLOW_WITH_CANCELLED = Workflow(
    stages=(
        *DATES_WORKFLOW.stages,
        Stage(name=CANCELLED, statuses=(CANCELLED,), category=Category.CANCELLED),
    )
)


def parse(table: RawTable, options: ImportOptions) -> ParsedImport:
    mapping = resolve_mapping(
        table.columns,
        required=REQUIRED,
        optional=OPTIONAL,
        given=options.mapping,
        repeated=table.repeated_headers,
    )
    if not {"started", "done"} & set(mapping):
        raise ImportFailed(
            "a dates file needs a started or a done column (map them with "
            "--map started=COLUMN --map done=COLUMN)"
        )
    problems = ProblemCollector()
    problems.missing(table, mapping["item_id"], "the item id")
    times = {
        role: problems.timestamps(table, mapping[role], options)
        for role, _status in DATE_ROLES
        if role in mapping
    }
    problems.raise_if_any()
    raw_ids = text(table, mapping["item_id"])
    n = len(raw_ids)
    dropped = _dropped(table, mapping)
    if "done" in times and dropped.any():  # a done date of a dropped item is its cancel date
        cancel = times.get("cancelled", pd.Series(pd.NaT, index=times["done"].index))
        times["cancelled"] = cancel.where(cancel.notna() | ~dropped, times["done"])
        times["done"] = times["done"].where(~dropped)
    step = len(DATE_ROLES)
    parts = [
        events_frame(raw_ids, status, times[role], np.arange(n) * step + k)
        for k, (role, status) in enumerate(DATE_ROLES)
        if role in times
    ]
    events = pd.concat(parts, ignore_index=True).sort_values("seq", kind="stable")
    events = events[events["entered_at"].notna()].reset_index(drop=True)
    ended_cancelled = bool((events["status"] == CANCELLED).any())
    items = row_items(
        table, raw_ids, mapping, times.get("created"), attribute_columns(table, mapping)
    )
    return ParsedImport(
        date_orders=problems.date_orders,
        items=items,
        events=collapse_repeats(events),
        status_order=[status for _role, status in DATE_ROLES],
        mapping=mapping,
        raw_item_ids=raw_ids,
        workflow=DATES_WORKFLOW_WITH_CANCELLED if ended_cancelled else DATES_WORKFLOW,
        notes=_cancel_note(events) if ended_cancelled else [],
    )


def _dropped(table: RawTable, mapping: dict[str, str]) -> pd.Series:
    """Per row: whether the item's current status says it was dropped, not delivered.

    Decided once per distinct (status, status category) pair, then looked up.
    """
    if "status" not in mapping:
        return pd.Series(False, index=table.frame.index)
    pairs = pd.DataFrame({"status": text(table, mapping["status"])})
    pairs["category"] = (
        text(table, mapping["status_category"]) if "status_category" in mapping else None
    )
    key = pairs["status"].fillna("") + "\x1f" + pairs["category"].fillna("")
    distinct = pairs.assign(key=key).drop_duplicates("key")
    dropped = {
        row.key
        for row in distinct.itertuples(index=False)
        if isinstance(row.status, str) and _is_cancelled(row.status, row.category)
    }
    return key.isin(dropped)


def _is_cancelled(status: str, category) -> bool:
    if isinstance(category, str):
        seeded = category_from_file(status, category)
        if seeded is not None:
            return seeded == Category.CANCELLED
    return suggest_category(status) == Category.CANCELLED


def _cancel_note(events: pd.DataFrame) -> list[str]:
    count = int((events["status"] == CANCELLED).sum())
    return [f"{count} item(s) end Cancelled (a cancel date, or a status that says so)"]
