"""The data-quality report of a dataset: counts and examples, never silent.

:func:`quality_report` runs every check in :data:`CHECK_KEYS` on a
:class:`~vsm_core.model.CanonicalDataset` and returns a :class:`QualityReport`
whose :meth:`~QualityReport.summary` is the CLI's JSON ``quality`` object.
Every check is present, with a count of 0 when nothing was found, and every
check works on an empty dataset. Examples are at most
:data:`MAX_EXAMPLES` short strings (item ids, "DATA-12: In Review → In
Progress", ...), first ones in item-table (or event-log) order.

The flow checks read :func:`~vsm_core.flow.build_flow` with its default
options (``as_of`` = the last event, so every event counts). Everything is
vectorised: no Python loop over items or events.

The checks (key: what is counted)
---------------------------------

``unmapped_statuses`` (events)
    Events whose status the workflow does not map; examples are the status
    names (spellings that differ only in case or surrounding spaces merged)
    with their event counts, most frequent first, then in file order.
``backward_moves`` (items)
    Items with at least one move from a stay to a stay in an earlier stage;
    examples show each item's first backward move, "ID: From → To".
``skipped_stages`` (items)
    Done items that never visited (at any time) some active or waiting stage
    positioned from the commitment stage up to, not including, the done stage
    their final done run began in; examples "ID: skipped Review". Items that
    are done without a start are left to ``done_without_start``.
``reopened`` (items)
    Items that moved out of a done stage (flow's ``reopened`` flag);
    examples "ID: Done → In Progress" (the first such move).
``done_without_start`` (items)
    Done items that never entered a committed active or waiting stage.
``zero_or_negative_durations`` (items)
    Items with a zero-length stay in a stage that is not done or cancelled,
    left at the very time it was entered (a same-timestamp transition; the
    last stay, open at ``as_of``, is not counted), or whose lead time is zero
    or negative (created at or after done).
``duplicate_ids`` (ids)
    Given ``raw_item_ids`` (the id cell of every row of a file that should have
    one row per item): ids on more than one row (blank cells ignored; ids
    compared after stripping spaces). When ``table`` is given and has one row
    per id, examples give the file's line numbers.
``future_events`` (events)
    Events after ``now`` (default: the current UTC time).
``events_before_2000`` (events)
    Events before 2000-01-01 UTC (often an Excel zero date or a typo).
``items_without_events`` (items)
    Items with no status event at all (mapped or not).
``repeated_header_rows`` (rows)
    The number of repeated header rows the reader skipped, passed in as
    ``repeated_header_rows``.
``excel_mangled_ids`` (items)
    Item ids that look as if a spreadsheet converted them: a date
    ("2024-03-01", "2024-03-01 00:00:00", "01.03.2024", "1/3/24", "1-Mar",
    "01-Mar-24", "Mar-01" — the month-first form only in title case, since
    "MAR-12" is a Jira key), scientific notation ("2.31E+13") or a number
    ending in ".0" ("12345.0").
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from vsm_core.flow import FlowTables, build_flow
from vsm_core.importers.table import RawTable
from vsm_core.model import CanonicalDataset, Category

__all__ = [
    "CHECK_KEYS",
    "MAX_EXAMPLES",
    "QualityCheck",
    "QualityReport",
    "quality_report",
]

MAX_EXAMPLES = 5

Severity = Literal["info", "warning"]

#: Every check, in report order: key -> (plain-words label, severity).
_CHECKS: dict[str, tuple[str, Severity]] = {
    "unmapped_statuses": ("Events whose status is not in the workflow", "warning"),
    "backward_moves": ("Items that moved back to an earlier stage", "info"),
    "skipped_stages": ("Finished items that skipped a stage", "info"),
    "reopened": ("Items that left a done stage (reopened)", "info"),
    "done_without_start": ("Finished items that never passed the commitment point", "warning"),
    "zero_or_negative_durations": (
        "Items with a zero-length stage or a lead time of zero or less",
        "warning",
    ),
    "duplicate_ids": ("Item ids found on more than one row", "warning"),
    "future_events": ("Events dated in the future", "warning"),
    "events_before_2000": ("Events dated before 2000", "warning"),
    "items_without_events": ("Items without any status event", "info"),
    "repeated_header_rows": ("Repeated header rows skipped", "info"),
    "excel_mangled_ids": ("Item ids that look changed by a spreadsheet", "warning"),
}

#: The check keys, in report order.
CHECK_KEYS: tuple[str, ...] = tuple(_CHECKS)

_YEAR_2000 = pd.Timestamp("2000-01-01", tz="UTC")

_MONTH = r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_MONTH_TITLE = r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_EXCEL_ID = (
    r"^(?:"
    r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # 2024-03-01[ 00:00:00]
    r"|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?"  # 01.03.2024, 1/3/24
    rf"|\d{{1,2}}[- ](?:{_MONTH}|{_MONTH.upper()}|{_MONTH_TITLE})(?:[- ]\d{{2,4}})?"  # 1-Mar
    rf"|(?:{_MONTH_TITLE})[- ]\d{{1,4}}"  # Mar-01 (title case only: MAR-12 is a Jira key)
    r"|[+-]?\d+(?:\.\d+)?[eE][+-]?\d+"  # 2.31E+13
    r"|-?\d+\.0"  # 12345.0
    r")$"
)
_EXCEL_ID_RE = re.compile(_EXCEL_ID)


class QualityCheck(BaseModel):
    """One check: how many times it fired and a few examples."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    count: int = Field(ge=0)
    examples: list[str] = Field(default_factory=list, max_length=MAX_EXAMPLES)
    severity: Severity


class QualityReport(BaseModel):
    """Every check of :data:`CHECK_KEYS`, in that order."""

    model_config = ConfigDict(frozen=True)

    checks: list[QualityCheck]

    def summary(self) -> dict[str, int]:
        """Check key -> count, every check present (the CLI's JSON ``quality`` object)."""
        return {check.key: check.count for check in self.checks}

    def get(self, key: str) -> QualityCheck:
        """The check named ``key`` (``KeyError`` if there is none)."""
        for check in self.checks:
            if check.key == key:
                return check
        raise KeyError(key)

    @property
    def findings(self) -> list[QualityCheck]:
        """The checks that fired (count > 0), in report order."""
        return [check for check in self.checks if check.count > 0]


def _check(key: str, count: int, examples: list[str] | None = None) -> QualityCheck:
    label, severity = _CHECKS[key]
    return QualityCheck(
        key=key,
        label=label,
        count=int(count),
        examples=list(examples or [])[:MAX_EXAMPLES],
        severity=severity,
    )


def _when(ts: pd.Timestamp) -> str:
    return f"{ts:%Y-%m-%d %H:%M} UTC"


def _first_per_group(groups: np.ndarray) -> np.ndarray:
    """Positions (into ``groups``) of the first row of each distinct value, in row order."""
    _, first = np.unique(groups, return_index=True)
    return np.sort(first)


# --------------------------------------------------------------------------- event checks


def _unmapped_statuses(dataset: CanonicalDataset) -> QualityCheck:
    events = dataset.events
    if events.empty:
        return _check("unmapped_statuses", 0)
    codes, statuses = pd.factorize(events["status"].astype("str"))
    statuses = pd.Series(statuses, dtype="str")
    unmapped = dataset.workflow.stage_positions(statuses).isna().to_numpy()
    counts = np.bincount(codes[codes >= 0], minlength=len(statuses))
    # One line per status as the workflow sees it (case and surrounding spaces ignored),
    # named by its first spelling in the file.
    table = pd.DataFrame(
        {
            "key": statuses.str.strip().str.casefold(),
            "status": statuses.str.strip(),
            "n": counts,
            "first": np.arange(len(statuses)),
        }
    )[unmapped]
    table = table.groupby("key", sort=False).agg(
        status=("status", "first"), n=("n", "sum"), first=("first", "min")
    )
    table = table.sort_values(["n", "first"], ascending=[False, True], kind="stable")
    examples = [
        f"{row.status} ({row.n} event{'s' if row.n != 1 else ''})"
        for row in table.head(MAX_EXAMPLES).itertuples()
    ]
    return _check("unmapped_statuses", int(table["n"].sum()), examples)


def _event_examples(events: pd.DataFrame, mask: np.ndarray) -> list[str]:
    rows = events.loc[mask].head(MAX_EXAMPLES)
    return [
        f"{item}: {status} at {_when(ts)}"
        for item, status, ts in zip(
            rows["item_id"], rows["status"], rows["entered_at"], strict=True
        )
    ]


def _dated_events(dataset: CanonicalDataset, now: pd.Timestamp) -> list[QualityCheck]:
    events = dataset.events
    times = events["entered_at"]
    future = (times > now).to_numpy(dtype=bool)
    old = (times < _YEAR_2000).to_numpy(dtype=bool)
    return [
        _check("future_events", int(future.sum()), _event_examples(events, future)),
        _check("events_before_2000", int(old.sum()), _event_examples(events, old)),
    ]


def _items_without_events(dataset: CanonicalDataset) -> QualityCheck:
    ids = dataset.items["item_id"].astype("str")
    codes = pd.Index(ids).get_indexer(dataset.events["item_id"].astype("str"))
    has_events = np.bincount(codes[codes >= 0], minlength=len(ids)) > 0
    missing = ~has_events
    return _check(
        "items_without_events", int(missing.sum()), ids[missing].head(MAX_EXAMPLES).tolist()
    )


# --------------------------------------------------------------------------- id checks


def _duplicate_ids(raw_item_ids: pd.Series | None, table: RawTable | None) -> QualityCheck:
    if raw_item_ids is None or len(raw_item_ids) == 0:
        return _check("duplicate_ids", 0)
    raw = pd.Series(raw_item_ids).reset_index(drop=True).astype("str").str.strip()
    present = raw.notna() & (raw != "")
    repeated = raw.duplicated(keep=False) & present
    if not repeated.any():
        return _check("duplicate_ids", 0)
    ids = raw[repeated]
    counts = ids.value_counts()
    lines = None
    if table is not None and len(table.rows) == len(raw):
        lines = np.asarray(table.rows)
    examples = []
    for item in ids.drop_duplicates().head(MAX_EXAMPLES):
        n = int(counts[item])
        if lines is None:
            examples.append(f"{item} ({n} rows)")
        else:
            where = lines[np.flatnonzero((raw == item).to_numpy(dtype=bool))[:4]]
            shown = ", ".join(str(int(x)) for x in where) + (", ..." if n > 4 else "")
            examples.append(f"{item} ({n} rows: lines {shown})")
    return _check("duplicate_ids", len(counts), examples)


def _excel_mangled_ids(dataset: CanonicalDataset) -> QualityCheck:
    ids = dataset.items["item_id"].astype("str")
    if ids.empty:
        return _check("excel_mangled_ids", 0)
    # Only ids that start with a digit, a sign or a month can match: a cheap pre-filter.
    candidate = ids.str.match(r"^[0-9+\-JFMASONDjfmasond]").fillna(False).to_numpy(dtype=bool)
    hits = np.zeros(len(ids), dtype=bool)
    if candidate.any():
        sub = ids[candidate]
        hits[candidate] = sub.str.match(_EXCEL_ID).fillna(False).to_numpy(dtype=bool)
    return _check("excel_mangled_ids", int(hits.sum()), ids[hits].head(MAX_EXAMPLES).tolist())


# --------------------------------------------------------------------------- flow checks


class _Stays:
    """The flow's stays as numpy arrays, with item codes and next-stay facts."""

    def __init__(self, flow: FlowTables):
        stays = flow.stays
        workflow = flow.workflow
        categories = [stage.category for stage in workflow.stages]
        self.item_ids = flow.items["item_id"].astype("str").reset_index(drop=True)
        self.item = pd.Index(self.item_ids).get_indexer(stays["item_id"].astype("str"))
        self.pos = stays["stage_index"].to_numpy(dtype=np.int64)
        self.names = np.asarray(workflow.stage_names, dtype=object)
        self.is_done_stage = np.array([c == Category.DONE for c in categories])
        self.is_cancelled_stage = np.array([c == Category.CANCELLED for c in categories])
        self.is_work_stage = np.array(
            [c in (Category.ACTIVE, Category.WAITING) for c in categories]
        )
        self.done = self.is_done_stage[self.pos]
        self.is_last = stays["is_last"].to_numpy(dtype=bool)
        self.duration = stays["duration_days"].to_numpy(dtype=np.float64)
        self.entered = stays["entered_at"]
        n = len(self.pos)
        self.next_same = np.zeros(n, dtype=bool)  # this stay is followed by one of the same item
        if n > 1:
            self.next_same[:-1] = self.item[1:] == self.item[:-1]

    def moves(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The first move (stay index) matching ``mask`` of each item, in item order."""
        rows = np.flatnonzero(mask)
        rows = rows[_first_per_group(self.item[rows])]
        return rows, self.item[rows]

    def move_text(self, row: int) -> str:
        return f"{self.item_ids[self.item[row]]}: {self.names[self.pos[row]]} → " + str(
            self.names[self.pos[row + 1]]
        )


def _move_check(key: str, count: int, stays: _Stays, mask: np.ndarray) -> QualityCheck:
    rows, _ = stays.moves(mask)
    return _check(key, count, [stays.move_text(int(r)) for r in rows[:MAX_EXAMPLES]])


def _skipped_stages(flow: FlowTables, stays: _Stays) -> QualityCheck:
    items = flow.items
    workflow = flow.workflow
    n_items = len(items)
    done = (items["state"] == "done").to_numpy(dtype=bool)
    considered = done & ~items["done_without_start"].to_numpy(dtype=bool)
    required_stages = np.flatnonzero(
        stays.is_work_stage & (np.arange(len(workflow.stages)) >= workflow.commitment_index)
    )
    if not considered.any() or len(required_stages) == 0:
        return _check("skipped_stages", 0)

    # The stage the final done run began in: the first stay of the run holding the last stay.
    n = len(stays.pos)
    run_new = np.ones(n, dtype=bool)
    if n > 1:
        run_new[1:] = (stays.item[1:] != stays.item[:-1]) | (stays.done[1:] != stays.done[:-1])
    run_first = np.maximum.accumulate(np.where(run_new, np.arange(n), 0))
    last = np.flatnonzero(stays.is_last & stays.done)
    done_stage = np.full(n_items, -1, dtype=np.int64)
    done_stage[stays.item[last]] = stays.pos[run_first[last]]

    column = np.full(len(workflow.stages), -1, dtype=np.int64)
    column[required_stages] = np.arange(len(required_stages))
    visited = np.zeros((n_items, len(required_stages)), dtype=bool)
    hit = column[stays.pos] >= 0
    visited[stays.item[hit], column[stays.pos[hit]]] = True
    required = required_stages[None, :] < done_stage[:, None]
    skipped = required & ~visited & considered[:, None]
    flagged = np.flatnonzero(skipped.any(axis=1))
    examples = []
    for i in flagged[:MAX_EXAMPLES]:
        names = [workflow.stage_names[p] for p in required_stages[skipped[i]]]
        examples.append(f"{items['item_id'].iat[i]}: skipped {', '.join(names)}")
    return _check("skipped_stages", len(flagged), examples)


def _zero_or_negative(flow: FlowTables, stays: _Stays) -> QualityCheck:
    items = flow.items
    n_items = len(items)
    working = ~(stays.is_done_stage[stays.pos] | stays.is_cancelled_stage[stays.pos])
    zero = working & stays.next_same & (stays.duration <= 0)
    lead = items["lead_time_days"].to_numpy(dtype=np.float64)
    negative_lead = lead <= 0  # NaN compares False

    rows, codes = stays.moves(zero)  # each item's first same-time move
    zero_row = np.full(n_items, -1, dtype=np.int64)
    zero_row[codes] = rows
    flagged = np.flatnonzero((zero_row >= 0) | negative_lead)
    examples = []
    for i in flagged[:MAX_EXAMPLES].tolist():
        row = int(zero_row[i])
        if row >= 0:
            examples.append(
                f"{stays.move_text(row)} at the same time ({_when(stays.entered.iat[row])})"
            )
        else:
            examples.append(
                f"{items['item_id'].iat[i]}: lead time {lead[i]:.2f} days (created "
                f"{_when(items['created_at'].iat[i])}, done {_when(items['done'].iat[i])})"
            )
    return _check("zero_or_negative_durations", len(flagged), examples)


def _flow_checks(flow: FlowTables) -> dict[str, QualityCheck]:
    items = flow.items
    stays = _Stays(flow)
    backward = stays.next_same.copy()  # a move to the next stay of the same item ...
    left_done = stays.next_same.copy()
    if len(stays.pos) > 1:
        backward[:-1] &= stays.pos[1:] < stays.pos[:-1]  # ... to an earlier stage
        left_done[:-1] &= stays.done[:-1] & ~stays.done[1:]  # ... out of a done stage
    no_start = items["done_without_start"].to_numpy(dtype=bool)
    return {
        "backward_moves": _move_check(
            "backward_moves", int((items["backward_moves"] > 0).sum()), stays, backward
        ),
        "skipped_stages": _skipped_stages(flow, stays),
        "reopened": _move_check("reopened", int(items["reopened"].sum()), stays, left_done),
        "done_without_start": _check(
            "done_without_start",
            int(no_start.sum()),
            items.loc[no_start, "item_id"].head(MAX_EXAMPLES).tolist(),
        ),
        "zero_or_negative_durations": _zero_or_negative(flow, stays),
    }


# --------------------------------------------------------------------------- report


def quality_report(
    dataset: CanonicalDataset,
    *,
    table: RawTable | None = None,
    raw_item_ids: pd.Series | None = None,
    now: pd.Timestamp | None = None,
    repeated_header_rows: int = 0,
) -> QualityReport:
    """Run every check of :data:`CHECK_KEYS` on ``dataset`` (see the module docstring).

    * ``raw_item_ids``: the item id of every row of the source file, for
      formats with one row per item; without it ``duplicate_ids`` is 0.
    * ``table``: the raw table the ids came from; only used for the line
      numbers in ``duplicate_ids`` examples (when it has one row per id).
    * ``now``: the reference time of ``future_events`` (naive = UTC);
      default the current UTC time.
    * ``repeated_header_rows``: how many repeated header rows the reader
      skipped (reported as is).
    """
    if repeated_header_rows < 0:
        raise ValueError("repeated_header_rows cannot be negative")
    if now is None:
        now = pd.Timestamp.now(tz="UTC")
    else:
        now = pd.Timestamp(now)
        now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")

    flow_checks = _flow_checks(build_flow(dataset))
    by_key = {
        "unmapped_statuses": _unmapped_statuses(dataset),
        **flow_checks,
        "duplicate_ids": _duplicate_ids(raw_item_ids, table),
        **{check.key: check for check in _dated_events(dataset, now)},
        "items_without_events": _items_without_events(dataset),
        "repeated_header_rows": _check("repeated_header_rows", repeated_header_rows),
        "excel_mangled_ids": _excel_mangled_ids(dataset),
    }
    return QualityReport(checks=[by_key[key] for key in CHECK_KEYS])
