"""The canonical work-item model every importer produces and every metric reads.

A dataset is three things:

* ``items``  – one row per work item (see :data:`ITEM_COLUMNS`).
* ``events`` – the status event log: one row per *entry* of an item into a raw
  status (see :data:`EVENT_COLUMNS`). Times are timezone-aware UTC with
  microsecond resolution (pandas 3's default resolution; never assume ns).
* ``workflow`` – the mapping from raw statuses to ordered stages with a
  category (:class:`Workflow`).

Nothing downstream of the importers reads a raw upload: they build these
frames with :func:`make_items` / :func:`make_events`, which coerce dtypes and
reject frames that break the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

TIMESTAMP_DTYPE = "datetime64[us, UTC]"

#: Item table columns, in order. ``labels`` holds a tuple of strings and
#: ``attributes`` a dict of str -> str (free filter attributes such as
#: "Component" or "Priority"). ``blocked_days`` is a float number of days.
ITEM_COLUMNS: tuple[str, ...] = (
    "item_id",
    "title",
    "type",
    "team",
    "created_at",
    "labels",
    "attributes",
    "blocked_days",
)

#: Event log columns, in order. ``seq`` is the event's position in the source
#: file; metrics sort by (item_id, entered_at, seq) so that events with equal
#: timestamps keep their file order (a stable sort).
EVENT_COLUMNS: tuple[str, ...] = ("item_id", "status", "entered_at", "seq")


class ModelError(ValueError):
    """A frame does not meet the canonical model's contract."""


class Category(StrEnum):
    """What a stage means for flow: drives start, done, WIP and efficiency."""

    BACKLOG = "backlog"
    ACTIVE = "active"
    WAITING = "waiting"
    DONE = "done"
    CANCELLED = "cancelled"


def normalise_status(status: str) -> str:
    """The key statuses are matched on: case-insensitive, surrounding spaces ignored."""
    return status.strip().casefold()


class Stage(BaseModel):
    """One ordered workflow stage and the raw statuses that map to it."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    statuses: tuple[str, ...] = ()
    category: Category
    #: Whether time in this stage adds value (value-added time, process cycle
    #: efficiency). ``None`` means the default: active stages add value, others do not.
    #: An explicit value equal to that default is kept as ``None``, so two stages that
    #: mean the same compare equal, and a stored workflow without the key reads the same.
    adds_value: bool | None = None

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a stage needs a name")
        return value

    @model_validator(mode="after")
    def _normalise_adds_value(self) -> Stage:
        if self.adds_value is None:
            return self
        if self.adds_value and self.category not in (Category.ACTIVE, Category.WAITING):
            # Only time between commitment and done is measured; a backlog, done or
            # cancelled stage flagged as adding value would be silently ignored.
            raise ValueError(
                f"stage {self.name!r} is a {self.category.value} stage: only active or "
                "waiting stages can add value"
            )
        if self.adds_value == (self.category == Category.ACTIVE):
            object.__setattr__(self, "adds_value", None)  # frozen: set once, while validating
        return self

    @property
    def value_adding(self) -> bool:
        """Whether time in this stage counts as value-added: the flag, else "is active"."""
        if self.adds_value is None:
            return self.category == Category.ACTIVE
        return self.adds_value

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # The default flag is left out, so stored workflows (and their digests) of
        # workflows without an explicit flag stay exactly as they were.
        data = handler(self)
        if data.get("adds_value") is None:
            data.pop("adds_value", None)
        return data


class Workflow(BaseModel):
    """Raw statuses mapped to ordered stages with a category.

    ``start`` names the commitment stage (a stage name, not a status). When it
    is omitted, the first stage whose category is active or waiting is used.
    A stage lists its raw statuses; a stage with no statuses matches a status
    of its own name.
    """

    model_config = ConfigDict(frozen=True)

    stages: tuple[Stage, ...] = Field(min_length=1)
    start: str | None = None

    @model_validator(mode="after")
    def _check_consistency(self) -> Workflow:
        names = [stage.name.casefold() for stage in self.stages]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"stage names must be unique; repeated: {', '.join(duplicates)}")
        seen: dict[str, str] = {}
        for stage in self.stages:
            for status in self.statuses_of(stage):
                key = normalise_status(status)
                if key in seen and seen[key] != stage.name:
                    raise ValueError(
                        f"status {status!r} is mapped to both {seen[key]!r} and {stage.name!r}"
                    )
                seen[key] = stage.name
        if self.start is not None and self.start.casefold() not in names:
            raise ValueError(f"start {self.start!r} is not one of the stages")
        if not any(s.category in (Category.ACTIVE, Category.WAITING) for s in self.stages):
            raise ValueError("the workflow needs at least one active or waiting stage")
        return self

    @staticmethod
    def statuses_of(stage: Stage) -> tuple[str, ...]:
        """The raw statuses of ``stage``; its own name when none are listed."""
        return stage.statuses or (stage.name,)

    @property
    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    @property
    def categories(self) -> list[Category]:
        return [stage.category for stage in self.stages]

    @property
    def commitment_index(self) -> int:
        """Position of the commitment stage in :attr:`stages`."""
        if self.start is not None:
            return [n.casefold() for n in self.stage_names].index(self.start.casefold())
        return next(
            i
            for i, stage in enumerate(self.stages)
            if stage.category in (Category.ACTIVE, Category.WAITING)
        )

    @property
    def commitment_stage(self) -> str:
        return self.stages[self.commitment_index].name

    def status_lookup(self) -> dict[str, int]:
        """Normalised raw status -> stage position."""
        return {
            normalise_status(status): position
            for position, stage in enumerate(self.stages)
            for status in self.statuses_of(stage)
        }

    def stage_positions(self, statuses: pd.Series) -> pd.Series:
        """Map a series of raw statuses to stage positions (``<NA>`` when unmapped)."""
        keys = statuses.astype("str").str.strip().str.casefold()
        return keys.map(self.status_lookup()).astype("Int64")


@dataclass(frozen=True)
class CanonicalDataset:
    """A validated dataset: items, their status events and the workflow.

    ``timezone`` is the IANA zone in which days and weeks are counted
    (throughput buckets, WIP sampling); stored times are always UTC.
    """

    items: pd.DataFrame
    events: pd.DataFrame
    workflow: Workflow
    timezone: str = "UTC"
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def first_event_at(self) -> pd.Timestamp | None:
        return None if self.events.empty else self.events["entered_at"].min()

    @property
    def last_event_at(self) -> pd.Timestamp | None:
        return None if self.events.empty else self.events["entered_at"].max()


def _as_utc(values: pd.Series, column: str) -> pd.Series:
    converted = pd.to_datetime(values, utc=True, errors="coerce")
    if converted.dt.tz is None:  # pragma: no cover - utc=True always localises
        raise ModelError(f"{column} must be timezone-aware")
    return converted.astype(TIMESTAMP_DTYPE)


def _optional_text(values: pd.Series) -> pd.Series:
    """Text with missing cells kept missing (pandas 3 ``str`` dtype)."""
    return values.astype("str")


def make_items(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce ``frame`` to the item contract.

    Missing optional columns are added empty. Raises :class:`ModelError` when
    ``item_id`` is missing, blank or repeated.
    """
    if "item_id" not in frame.columns:
        raise ModelError("items need an item_id column")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    ids = frame["item_id"].reset_index(drop=True)
    if ids.isna().any() or (ids.astype("str").str.strip() == "").any():
        raise ModelError("every item needs a non-blank item_id")
    out["item_id"] = ids.astype("str")
    if out["item_id"].duplicated().any():
        repeated = out.loc[out["item_id"].duplicated(), "item_id"].head(5).tolist()
        raise ModelError(f"item ids must be unique; repeated: {repeated}")
    for column in ("title", "type", "team"):
        out[column] = _optional_text(_column_or(frame, column, None))
    out["created_at"] = _as_utc(_column_or(frame, "created_at", pd.NaT), "created_at")
    out["labels"] = _object_column(frame, "labels", tuple, len(frame))
    out["attributes"] = _object_column(frame, "attributes", dict, len(frame))
    blocked = _column_or(frame, "blocked_days", float("nan"))
    out["blocked_days"] = pd.to_numeric(blocked, errors="coerce").astype("float64")
    return out


def _column_or(frame: pd.DataFrame, column: str, missing) -> pd.Series:
    """``frame[column]`` with a fresh index, or a column of ``missing`` values."""
    if column in frame:
        return frame[column].reset_index(drop=True)
    return pd.Series([missing] * len(frame), dtype="object")


def _object_column(frame: pd.DataFrame, column: str, kind: type, length: int) -> pd.Series:
    """A column of tuples or dicts; missing or NaN cells become empty ones."""
    if column not in frame:
        return pd.Series([kind() for _ in range(length)], dtype="object")
    values = frame[column].reset_index(drop=True)
    return pd.Series(
        [kind(v) if isinstance(v, (list, tuple, dict)) else kind() for v in values.tolist()],
        dtype="object",
    )


def make_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce ``frame`` to the event contract.

    ``seq`` defaults to the row order. Raises :class:`ModelError` for a
    missing column, a blank item id or status, or a missing timestamp.
    """
    missing = [c for c in ("item_id", "status", "entered_at") if c not in frame.columns]
    if missing:
        raise ModelError(f"events need the columns {missing}")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column in ("item_id", "status"):
        values = frame[column].reset_index(drop=True)
        if values.isna().any() or (values.astype("str").str.strip() == "").any():
            raise ModelError(f"every event needs a non-blank {column}")
        out[column] = values.astype("str")
    out["entered_at"] = _as_utc(frame["entered_at"].reset_index(drop=True), "entered_at")
    if out["entered_at"].isna().any():
        raise ModelError("every event needs a timestamp")
    seq = frame["seq"].to_numpy() if "seq" in frame else range(len(frame))
    out["seq"] = pd.Series(seq, dtype="int64")
    return out


def _arrow_text(values: pd.Series) -> pa.Array:
    """``values`` as one Arrow ``large_string`` array (zero-copy for an Arrow-backed ``str``)."""
    array = pa.array(values.astype("str"))
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def item_positions(item_ids: pd.Series, event_ids: pd.Series) -> np.ndarray:
    """Row of each event's item in the item table: ``int64``, ``-1`` for an unknown id.

    ``item_ids``: the item table's ``item_id`` column (unique, as
    :func:`make_items` guarantees); ``event_ids``: the events' ``item_id``
    column. Returns an array of ``len(event_ids)`` positions into
    ``item_ids`` (0-based row numbers, not index labels).

    Event logs come grouped by item (a tracker's changelog export, or
    :func:`make_dataset`'s callers), so only the first id of each run of
    equal ids is looked up: one comparison of neighbouring ids, then a hash
    look-up of the run heads, or none at all when the runs follow the item
    table one to one. Any order is handled; grouping only makes it faster.
    """
    run_pos, run_length = _run_positions(item_ids, event_ids)
    return np.repeat(run_pos, run_length)


def _run_positions(item_ids: pd.Series, event_ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Item-table row (``-1``: unknown) and length of each run of equal event ids, in order."""
    n = len(event_ids)
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    events = _arrow_text(event_ids)
    items = _arrow_text(item_ids)
    head = np.ones(n, dtype=bool)
    if n > 1:
        # A missing id (null) compares as null: treat it as a run of its own.
        changed = pc.fill_null(pc.not_equal(events[1:], events[:-1]), True)
        head[1:] = changed.to_numpy(zero_copy_only=False)
    heads = np.flatnonzero(head)
    head_ids = events.take(pa.array(heads))
    same = len(heads) == len(items) and pc.all(pc.equal(head_ids, items), skip_nulls=False).as_py()
    if same:
        run_pos = np.arange(len(heads), dtype=np.int64)
    else:
        found = pc.index_in(head_ids, value_set=items)
        run_pos = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return run_pos, np.diff(np.append(heads, n))


def make_dataset(
    items: pd.DataFrame,
    events: pd.DataFrame,
    workflow: Workflow,
    *,
    timezone: str = "UTC",
    metadata: dict[str, Any] | None = None,
) -> CanonicalDataset:
    """Validate and bundle a dataset; every event must belong to a known item."""
    items = make_items(items)
    events = make_events(events)
    # Per run of equal ids, not per event: the log is usually grouped by item.
    run_pos, run_length = _run_positions(items["item_id"], events["item_id"])
    if (run_pos < 0).any():
        orphans = np.repeat(run_pos < 0, run_length)
        sample = events.loc[orphans, "item_id"].unique()[:5].tolist()  # first few, for the message
        raise ModelError(f"events refer to unknown items: {sample}")
    return CanonicalDataset(items, events, workflow, timezone, dict(metadata or {}))
