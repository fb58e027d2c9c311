"""``dates``: one row per item with created / started / done dates (Linear, spreadsheets).

Each filled date becomes a status event: ``Created`` (backlog), ``Started``
(active), ``Done`` (done). The workflow is known, so the parser suggests it.
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

REQUIRED = ("item_id",)
OPTIONAL = ("title", "type", "team", "labels", "blocked_days", "created", "started", "done")
DATE_ROLES = (("created", "Created"), ("started", "Started"), ("done", "Done"))

DATES_WORKFLOW = Workflow(
    stages=(
        Stage(name="Created", statuses=("Created",), category=Category.BACKLOG),
        Stage(name="Started", statuses=("Started",), category=Category.ACTIVE),
        Stage(name="Done", statuses=("Done",), category=Category.DONE),
    )
)


def parse(table: RawTable, options: ImportOptions) -> ParsedImport:
    mapping = resolve_mapping(
        table.columns, required=REQUIRED, optional=OPTIONAL, given=options.mapping
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
    parts = [
        events_frame(raw_ids, status, times[role], np.arange(n) * 3 + k)
        for k, (role, status) in enumerate(DATE_ROLES)
        if role in times
    ]
    events = pd.concat(parts, ignore_index=True).sort_values("seq", kind="stable")
    events = events[events["entered_at"].notna()].reset_index(drop=True)
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
        workflow=DATES_WORKFLOW,
    )
