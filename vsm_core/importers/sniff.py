"""Guess an upload's format from its columns (tables) or keys (JSON records)."""

from __future__ import annotations

import re

from vsm_core.importers.columns import normalise_header, suggest_columns
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.table import Upload

UPDATE_HEADERS = {"updated", "updatedat", "sysupdatedon", "lastupdated", "modified", "modifiedat"}


def detect_format(upload: Upload, mapping: dict[str, str] | None = None) -> tuple[str, str]:
    """``(format, reason)`` for ``upload``; the reason is shown to the user."""
    if upload.records is not None:
        return _detect_json(upload.records)
    columns = upload.table.columns
    given = dict(mapping or {})
    roles = {
        **suggest_columns(
            columns, ("item_id", "from_status", "status", "timestamp", "created", "started", "done")
        ),
        **given,
    }
    if {"from_status", "status", "timestamp"} <= set(roles):
        return "transitions", "it has from-status, to-status and timestamp columns"
    if _is_dates_table(upload.table, roles):
        return "dates", "it has one row per item with started/done date columns"
    if {"status", "timestamp"} <= set(roles):
        timestamp = normalise_header(roles["timestamp"])
        if timestamp in UPDATE_HEADERS:
            return "snapshots", f"it has a status and an update time ({roles['timestamp']!r})"
        return "events", "it has a status column and a timestamp column"
    return "stages", "it has one column of dates per workflow stage"


#: Date columns a one-row-per-item export carries besides created/started/done.
META_DATE_HEADERS = {
    "updated",
    "updatedat",
    "modified",
    "lastupdated",
    "due",
    "duedate",
    "canceled",
    "cancelled",
    "canceledat",
    "cancelledat",
    "archived",
    "archivedat",
    "resolved",
    "resolutiondate",
    "targetdate",
    "lastviewed",
}


def _is_dates_table(table, roles: dict[str, str]) -> bool:
    """One row per item, started/done columns, and no date column named like a stage."""
    if not {"started", "done"} & set(roles) or "item_id" not in roles:
        return False
    if table.frame[roles["item_id"]].duplicated().any():
        return False
    date_roles = {roles[r] for r in ("created", "started", "done", "timestamp") if r in roles}
    stage_like = [
        c
        for c in _date_like_columns(table)
        if c not in date_roles and normalise_header(c) not in META_DATE_HEADERS
    ]
    return not stage_like


_DATE_LIKE = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}/[A-Za-z]{3}/\d{2,4})"
)
#: How many non-blank cells of a column the sniffer looks at.
SAMPLE_CELLS = 50


def _date_like_columns(table) -> list[str]:
    """Columns whose first non-blank cells mostly start like a date."""
    found = []
    for column in table.columns:
        values = table.frame[column]
        if values.dtype == object:  # merged repeated headers
            continue
        sample = values.dropna().head(SAMPLE_CELLS)
        if len(sample) and sample.str.match(_DATE_LIKE).mean() >= 0.8:
            found.append(column)
    return found


def _detect_json(records: list[dict]) -> tuple[str, str]:
    sample = records[0] if records else {}
    if "changelog" in sample or ("key" in sample and "fields" in sample):
        return "jira-json", "its records look like Jira issues (key, fields, changelog)"
    fields = sample.get("fields") if isinstance(sample.get("fields"), dict) else {}
    if "workItemId" in sample or any(str(k).startswith("System.") for k in fields):
        return "ado-json", "its records look like Azure DevOps work item updates"
    if "events" in sample or "timeline" in sample or "html_url" in sample:
        return "github-json", "its records look like GitHub issues with events"
    raise ImportFailed(
        "could not tell the JSON format; choose one with --format jira-json|ado-json|github-json"
    )
