"""Filters every page and the CLI apply the same way.

* :class:`ItemFilter` keeps the items (and their events) whose attributes
  match: work type, team, and any free attribute. Empty means "all".
* A date *window* restricts completed-item metrics to items done within it
  (local calendar dates in the dataset's time zone, both ends included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from vsm_core.model import CanonicalDataset, item_positions


@dataclass(frozen=True)
class ItemFilter:
    work_types: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.work_types or self.teams or self.attributes)

    def describe(self) -> str:
        parts = []
        if self.work_types:
            parts.append("types: " + ", ".join(self.work_types))
        if self.teams:
            parts.append("teams: " + ", ".join(self.teams))
        parts += [f"{name}: {', '.join(values)}" for name, values in self.attributes]
        return "; ".join(parts) or "all items"

    def apply(self, dataset: CanonicalDataset) -> CanonicalDataset:
        """The dataset restricted to matching items and their events."""
        if self.is_empty:
            return dataset
        items = dataset.items
        keep = pd.Series(True, index=items.index)
        if self.work_types:
            keep &= items["type"].isin(list(self.work_types))
        if self.teams:
            keep &= items["team"].isin(list(self.teams))
        for name, values in self.attributes:
            keep &= items["attributes"].map(
                lambda attrs, n=name, wanted=frozenset(values): _matches(attrs.get(n), wanted)
            )
        keep_rows = keep.to_numpy(dtype=bool)
        kept = items.loc[keep_rows].reset_index(drop=True)
        events = dataset.events
        # Each event's item row (a run-head look-up, the log being grouped by item), then
        # whether that item is kept; events of unknown items (-1) go too.
        item_row = item_positions(items["item_id"], events["item_id"])
        keep_event = np.append(keep_rows, False)[item_row]
        events = events.loc[keep_event].reset_index(drop=True)
        return CanonicalDataset(kept, events, dataset.workflow, dataset.timezone, dataset.metadata)


def _matches(value, wanted: frozenset) -> bool:
    """An attribute value matches when it, or any element of a list value, is wanted."""
    if isinstance(value, (list, tuple)):
        return any(v in wanted for v in value)
    return value in wanted


def attribute_options(items: pd.DataFrame, *, max_values: int = 200) -> dict[str, list[str]]:
    """Filterable attributes of ``items``: name -> its sorted distinct values.

    List values (a repeated Jira ``Sprint`` column) contribute each element.
    Attributes with more than ``max_values`` distinct values (free text,
    URLs) are left out: they are not useful as filters.
    """
    pairs = [
        (name, str(v))
        for attrs in items["attributes"].tolist()
        for name, value in attrs.items()
        for v in (value if isinstance(value, (list, tuple)) else [value])
        if v is not None and str(v) != ""
    ]
    if not pairs:
        return {}
    frame = pd.DataFrame(pairs, columns=["name", "value"]).drop_duplicates()
    counts = frame.groupby("name")["value"].nunique()
    keep = counts[counts <= max_values].index
    return {
        name: sorted(group["value"].tolist())
        for name, group in frame[frame["name"].isin(keep)].groupby("name", sort=True)
    }


def in_window(times: pd.Series, window: tuple[date, date] | None, timezone: str) -> pd.Series:
    """True where ``times`` (UTC) falls on a local date inside ``window`` (inclusive)."""
    if window is None:
        return times.notna()
    # Compare local midnights as timestamps: .dt.date of an all-missing column
    # is not comparable with a date in pandas 3.
    local_day = times.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    start, end = (pd.Timestamp(min(max(d, _MIN_DAY), _MAX_DAY)) for d in window)
    return times.notna() & (local_day >= start) & (local_day <= end)


# Window ends may be date.min / date.max ("open"); timestamps cannot hold those.
_MIN_DAY = date(1677, 9, 22)
_MAX_DAY = date(2262, 4, 11)
