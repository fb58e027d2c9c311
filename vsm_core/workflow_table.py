"""The editable workflow table of the Import page: one row per raw status.

:func:`workflow_table` lays a workflow out as rows (status, its event count,
stage, category, whether the stage adds value, the stage's position) and
:func:`workflow_from_table` reads an edited table back into a workflow,
raising :class:`~vsm_core.workflow.WorkflowFileError` with a readable message
when it cannot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import ValidationError

from vsm_core.model import Category, Stage, Workflow, normalise_status
from vsm_core.workflow import WorkflowFileError, validation_messages

__all__ = ["WORKFLOW_TABLE_COLUMNS", "workflow_from_table", "workflow_table"]

_CATEGORY_NAMES = ", ".join(c.value for c in Category)

#: Columns of the editable workflow table the Import page shows.
WORKFLOW_TABLE_COLUMNS = ("status", "events", "stage", "category", "adds_value", "order")


def workflow_table(workflow: Workflow, status_counts: dict[str, int]) -> pd.DataFrame:
    """One row per raw status: its event count, stage, the stage's category, whether the
    stage adds value (given or by default; empty for an unmapped status) and its position.

    Statuses the data holds but the workflow does not map get an empty stage
    (the user must assign them, or they are ignored as unmapped). Stage
    positions are 1-based so people can type them, and are floats, so that a
    typed 2.5 stays 2.5 (an integer column would truncate it to 2).
    """
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for status, count in status_counts.items():
        key = normalise_status(status)
        counts[key] = counts.get(key, 0) + int(count)
        spelling.setdefault(key, status)
    rows = []
    for position, stage in enumerate(workflow.stages):
        for status in workflow.statuses_of(stage):
            key = normalise_status(status)
            rows.append(_table_row(status, counts.pop(key, 0), stage, position))
    unmapped = sorted(counts.items(), key=lambda kv: -kv[1])
    rows += [_table_row(spelling[key], count, None, None) for key, count in unmapped]
    table = pd.DataFrame(rows, columns=list(WORKFLOW_TABLE_COLUMNS))
    return table.astype({"events": "int64", "adds_value": "boolean", "order": "float64"})


def _table_row(status: str, events: int, stage: Stage | None, position: int | None) -> dict:
    return {
        "status": status,
        "events": events,
        "stage": stage.name if stage else None,
        "category": stage.category.value if stage else None,
        "adds_value": stage.value_adding if stage else None,
        "order": float(position + 1) if position is not None else None,
    }


def workflow_from_table(
    table: pd.DataFrame, *, start: str | None = None, shown: pd.DataFrame | None = None
) -> Workflow:
    """Build a Workflow from an edited :func:`workflow_table`.

    Rows with a blank stage are left unmapped. A stage's category comes from
    its first row (by ``order``), and so does its "adds value" flag (the
    first row with one; none: the default, active stages add value). When
    ``shown`` (the table as it was shown, same rows in the same order) is
    given, a row whose category was changed but whose flag was not follows
    the new category's default, so changing Review from waiting to active
    makes it add value without a second edit, and a flag changed on any one
    row of a stage holds for the stage. Stages are ordered by their smallest
    ``order``, which may be fractional (2.5 sorts between 2 and 3); a blank
    order puts the stage last, ties keep the table's order. Raises
    :class:`WorkflowFileError` with a readable message when an order is not
    a number or the result is not a valid workflow.
    """
    table = _flags_following_category(table, shown)
    rows = table.dropna(subset=["stage"]).copy()
    rows["stage"] = rows["stage"].astype("str").str.strip()
    rows = rows[rows["stage"] != ""]
    if rows.empty:
        raise WorkflowFileError("assign at least one status to a stage")
    rows["order"] = _order_values(rows)
    stages = []
    for name, group in rows.sort_values("order", kind="stable").groupby("stage", sort=False):
        category = group["category"].dropna()
        if category.empty:
            raise WorkflowFileError(f"stage {name!r} needs a category ({_CATEGORY_NAMES})")
        flag = group["adds_value"].dropna() if "adds_value" in group else group["status"][:0]
        stages.append(
            {
                "name": name,
                "statuses": group["status"].tolist(),
                "category": category.iloc[0],
                "adds_value": bool(flag.iloc[0]) if len(flag) else None,
            }
        )
    try:
        return Workflow.model_validate({"stages": stages, "start": start or None})
    except ValidationError as error:
        raise WorkflowFileError("; ".join(validation_messages(error))) from error


def _flags_following_category(table: pd.DataFrame, shown: pd.DataFrame | None) -> pd.DataFrame:
    """``table`` with the flags the user meant, judged against the table as ``shown``.

    A row whose category changed but whose flag did not gets the default (empty); a flag
    the user changed on one row of a stage holds for the whole stage (every row shows the
    stage's flag, and the stage otherwise takes its first row's).
    """
    if shown is None or "adds_value" not in table or len(shown) != len(table):
        return table
    before = shown.reset_index(drop=True)
    after = table.reset_index(drop=True)
    category_changed = after["category"].astype("str") != before["category"].astype("str")
    flag_changed = after["adds_value"].astype("str") != before["adds_value"].astype("str")
    reset = (category_changed & ~flag_changed).to_numpy(dtype=bool)
    ticked = flag_changed.to_numpy(dtype=bool) & after["stage"].notna().to_numpy(dtype=bool)
    if not reset.any() and not ticked.any():
        return table
    out = table.copy()
    out["adds_value"] = out["adds_value"].astype("boolean")
    out.loc[out.index[reset], "adds_value"] = pd.NA
    if ticked.any():
        stage = after["stage"].astype("str").str.strip()
        chosen = after.loc[ticked, "adds_value"].groupby(stage[ticked], sort=False).first()
        follows = stage.isin(chosen.index).to_numpy(dtype=bool)
        out.loc[out.index[follows], "adds_value"] = stage[follows].map(chosen).to_numpy()
    return out


def _order_values(rows: pd.DataFrame) -> pd.Series:
    """The ``order`` column as floats (blank: last); a value that is no number is an error."""
    raw = rows["order"]
    text = raw.astype("string").str.strip()
    blank = raw.isna() | (text == "")
    values = pd.to_numeric(raw.where(~blank), errors="coerce").astype("float64")
    bad = ~blank & (values.isna() | ~np.isfinite(values.fillna(0.0)))
    if bad.any():
        status, value = rows.loc[bad, "status"].iloc[0], raw[bad].iloc[0]
        raise WorkflowFileError(f"the order of status {status!r} must be a number, not {value!r}")
    return values.fillna(float("inf"))
