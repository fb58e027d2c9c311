"""Pieces every table format shares: the parse result, timestamps, item attributes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vsm_core.importers.dates import parse_timestamps
from vsm_core.importers.errors import ImportFailed, ImportProblem
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable
from vsm_core.model import Workflow

#: Roles whose columns describe the item rather than one event.
ITEM_ROLES = ("title", "type", "team", "labels", "created", "blocked_days")


@dataclass(frozen=True)
class ParsedImport:
    """What a format parser found.

    ``items`` and ``events`` are ready for :func:`vsm_core.model.make_dataset`.
    ``status_order`` is the suggested workflow order of the raw statuses.
    ``raw_item_ids`` holds the id of every source row for formats with one
    row per item (so the quality report can count duplicates), else None.
    """

    items: pd.DataFrame
    events: pd.DataFrame
    status_order: list[str]
    mapping: dict[str, str]
    raw_item_ids: pd.Series | None = None
    notes: list[str] = field(default_factory=list)
    workflow: Workflow | None = None  # a format that knows its stages suggests them itself
    #: column -> "dayfirst" / "monthfirst", or None where no order was needed (ISO, unambiguous)
    date_orders: dict[str, str | None] = field(default_factory=dict)


class ProblemCollector:
    """Gathers problems across columns so the user sees all of them at once."""

    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []
        self.date_orders: dict[str, str | None] = {}

    def timestamps(self, table: RawTable, column: str, options: ImportOptions) -> pd.Series:
        parsed = parse_timestamps(
            table.frame[column],
            column=column,
            rows=table.rows,
            date_order=options.date_order,
            timezone=options.timezone,
        )
        self.problems.extend(parsed.problems)
        self.date_orders[column] = parsed.date_order_used
        return parsed.values

    def missing(self, table: RawTable, column: str, what: str) -> None:
        """One problem per row whose ``column`` is blank."""
        blank = table.frame[column].isna().to_numpy()
        self.problems.extend(
            ImportProblem(row=int(row), column=column, message=f"{what} is blank")
            for row in table.rows[blank]
        )

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportFailed(self.problems)


def text(table: RawTable, column: str | None) -> pd.Series:
    """The column as text (missing where blank), or all-missing when ``column`` is None."""
    if column is None:
        return pd.Series([None] * len(table.frame), dtype="str")
    values = table.frame[column]
    if values.dtype == object:  # merged duplicate headers hold tuples
        values = values.map(lambda v: " | ".join(v) if isinstance(v, tuple) and v else None)
    return values.astype("str")


def split_labels(values: pd.Series) -> pd.Series:
    """``"a|b"`` or ``"a, b"`` -> ``("a", "b")``; tuples from repeated headers are kept."""

    def split(value):
        if isinstance(value, tuple):
            return tuple(v.strip() for v in value if v and v.strip())
        if not isinstance(value, str):
            return ()
        parts = value.replace(",", "|").split("|")
        return tuple(p.strip() for p in parts if p.strip())

    return pd.Series([split(v) for v in values.tolist()], index=values.index, dtype="object")


def attribute_columns(table: RawTable, mapping: dict[str, str], extra_excluded=()) -> list[str]:
    used = set(mapping.values()) | set(extra_excluded)
    return [c for c in table.columns if c not in used]


def row_items(
    table: RawTable,
    ids: pd.Series,
    mapping: dict[str, str],
    created: pd.Series | None,
    attributes: list[str],
) -> pd.DataFrame:
    """One item per distinct id, from rows that may repeat it (the last non-blank value wins)."""
    frame = pd.DataFrame(
        {
            "item_id": ids.to_numpy(),
            "title": text(table, mapping.get("title")).to_numpy(),
            "type": text(table, mapping.get("type")).to_numpy(),
            "team": text(table, mapping.get("team")).to_numpy(),
            "created_at": created.to_numpy() if created is not None else pd.NaT,
            "blocked_days": _numbers(table, mapping.get("blocked_days")),
        }
    )
    frame["labels"] = (
        split_labels(table.frame[mapping["labels"]]).to_numpy()
        if "labels" in mapping
        else [() for _ in range(len(frame))]
    )
    for column in attributes:
        frame[f"attr::{column}"] = table.frame[column].to_numpy()
    grouped = frame.groupby("item_id", sort=False)
    items = grouped.last().reset_index()
    items["created_at"] = grouped["created_at"].min().to_numpy()  # earliest created wins
    items["labels"] = grouped["labels"].agg(_union_labels).to_numpy()
    items["attributes"] = _attribute_dicts(items, attributes)
    return items.drop(columns=[f"attr::{c}" for c in attributes])


def _union_labels(values: pd.Series) -> tuple:
    seen: dict[str, None] = {}
    for labels in values:
        seen.update(dict.fromkeys(labels))
    return tuple(seen)


def _attribute_dicts(items: pd.DataFrame, attributes: list[str]) -> list[dict]:
    if not attributes:
        return [{} for _ in range(len(items))]
    block = items[[f"attr::{c}" for c in attributes]]
    block.columns = attributes
    records = block.astype(object).where(block.notna(), None).to_dict("records")
    return [
        {k: (list(v) if isinstance(v, tuple) else v) for k, v in r.items() if v not in (None, ())}
        for r in records
    ]


def _numbers(table: RawTable, column: str | None) -> np.ndarray:
    if column is None:
        return np.full(len(table.frame), np.nan)
    return pd.to_numeric(table.frame[column], errors="coerce").to_numpy(dtype="float64")


def events_frame(item_ids, statuses, times, seq) -> pd.DataFrame:
    return pd.DataFrame({"item_id": item_ids, "status": statuses, "entered_at": times, "seq": seq})


def collapse_repeats(events: pd.DataFrame) -> pd.DataFrame:
    """Drop events that repeat the item's previous status (after a stable time sort)."""
    if events.empty:
        return events
    ordered = events.sort_values(["item_id", "entered_at", "seq"], kind="stable")
    key = ordered["status"].str.strip().str.casefold()
    same_item = ordered["item_id"].eq(ordered["item_id"].shift())
    repeat = same_item & key.eq(key.shift())
    return ordered.loc[~repeat].sort_values("seq", kind="stable").reset_index(drop=True)


def first_seen_order(statuses: pd.Series) -> list[str]:
    return pd.unique(statuses.dropna()).tolist()
