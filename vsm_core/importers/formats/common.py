"""Pieces every table format shares: the parse result, timestamps, item attributes."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from vsm_core.importers.dates import NAT, parse_timestamps
from vsm_core.importers.errors import ImportFailed, ImportProblem
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable
from vsm_core.model import Workflow
from vsm_core.ordering import first_appearance, grouped_time_order

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
    #: raw status -> events, in first-appearance order, when the parser counted them
    status_counts: dict[str, int] | None = None
    #: raw status -> the status category the file itself gives it (Jira "Status Category",
    #: Azure DevOps "State Category"): seeds the suggested workflow
    status_categories: dict[str, str] = field(default_factory=dict)


#: The attribute an unexpected error gets from :class:`located`: ``{"stage", "row", "column"}``.
WHERE = "flowlab_where"
_PLACE = ("stage", "row", "column")


class located:  # lower case: it reads as a function, ``with located(row=3):``
    """Names the place a parser is reading, for an error nobody anticipated.

    ``with located(stage=..., row=..., column=...):`` adds the place to any
    exception other than :class:`ImportFailed` raised inside it, as the dict
    ``error.flowlab_where`` (see :data:`WHERE`); the pipeline turns such an
    error into its "internal error … please report" message. Inner places win,
    outer ones fill in what the inner ones left unknown (a record's row around
    a JSON path). Nothing happens unless an error passes through, so a parser
    can wrap every record in one (a few hundred nanoseconds each).
    """

    __slots__ = ("column", "row", "stage")

    def __init__(
        self, *, stage: str | None = None, row: int | None = None, column: str | None = None
    ) -> None:
        self.stage, self.row, self.column = stage, row, column

    def __enter__(self) -> located:
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if isinstance(error, Exception) and not isinstance(error, ImportFailed):
            inner = place_of(error)
            ours = {"stage": self.stage, "row": self.row, "column": self.column}
            place = {k: ours[k] if inner[k] is None else inner[k] for k in _PLACE}
            # An exception type that takes no attributes just goes without its place.
            with contextlib.suppress(AttributeError, TypeError):
                setattr(error, WHERE, place)
        return False  # never swallows the error


def place_of(error: BaseException) -> dict[str, object]:
    """``{"stage", "row", "column"}`` where :class:`located` saw ``error`` (None: unknown)."""
    where = getattr(error, WHERE, None) or {}
    return {key: where.get(key) for key in _PLACE}


class ProblemCollector:
    """Gathers problems across columns so the user sees all of them at once."""

    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []
        self.date_orders: dict[str, str | None] = {}

    def timestamps(self, table: RawTable, column: str, options: ImportOptions) -> pd.Series:
        with located(column=column):
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


def factorize_ids(ids: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(code of each row's id, the distinct ids in first-appearance order).

    Codes are ``int64`` positions into the distinct ids; a missing id gets
    -1. Computed once by a parser and handed to :func:`row_items`,
    :func:`collapse_repeats` and ``order_statuses_by_flow``, so that the
    ids' text is hashed once rather than by each of them.
    """
    codes, uniques = factorize_text(ids)
    return codes.astype(np.int64, copy=False), pd.Series(uniques, dtype=ids.dtype)


def factorize_text(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values)``: (int64 code per cell, -1 where missing; the distinct values
    in first-appearance order)."""
    return pd.factorize(values)


def row_items(
    table: RawTable,
    ids: pd.Series,
    mapping: dict[str, str],
    created: pd.Series | None,
    attributes: list[str],
    *,
    codes: tuple[np.ndarray, pd.Series] | None = None,
) -> pd.DataFrame:
    """One item per distinct id, from rows that may repeat it (the last non-blank value wins).

    ``ids`` holds each row's item id (rows without one are left out);
    ``created`` each row's created time (the earliest per item wins);
    ``attributes`` the columns kept as item attributes. ``codes`` is
    ``factorize_ids(ids)`` when the caller has it. Items come in the order
    their ids first appear, with the columns ``item_id``, ``title``,
    ``type``, ``team`` (text, missing where every row is blank),
    ``created_at``, ``blocked_days`` (float), ``labels`` (tuple: the union
    of the rows' labels, in first-seen order) and ``attributes`` (dict of the
    non-blank values; merged repeated headers' tuples as lists).

    One ``groupby(sort=False)`` over the ids' integer codes: ``last()``
    skips blank cells, ``min()`` skips missing times.
    """
    item_of_row, distinct = codes or factorize_ids(ids)
    rows = np.flatnonzero(item_of_row >= 0)
    keys = item_of_row[rows]  # codes count up by first appearance: sort=False keeps that order
    n_items = len(distinct)
    columns = {role: text(table, mapping[role]) for role in _TEXT_ROLES if role in mapping}
    if "blocked_days" in mapping:
        columns["blocked_days"] = pd.Series(_numbers(table, mapping["blocked_days"]))
    columns.update({f"attr::{c}": table.frame[c] for c in attributes})
    items = pd.DataFrame(index=pd.RangeIndex(n_items))
    if columns:
        frame = pd.DataFrame({name: _by_position(values) for name, values in columns.items()})
        if len(rows) < len(frame):
            frame = frame.take(rows)
        items = frame.groupby(keys, sort=False).last().reset_index(drop=True)  # last non-blank
    if created is None:
        earliest = pd.Series(np.full(n_items, np.datetime64("NaT"), dtype="M8[ns]"))
    else:
        when = _by_position(created).take(rows)
        earliest = when.groupby(keys, sort=False).min().reset_index(drop=True)
    return pd.DataFrame(
        {
            "item_id": distinct.reset_index(drop=True),
            **{
                role: items[role] if role in items else _missing_text(n_items)
                for role in _TEXT_ROLES
            },
            "created_at": earliest,
            "blocked_days": items.get("blocked_days", pd.Series(np.full(n_items, np.nan))),
            "labels": pd.Series(
                _united_labels(table.frame[mapping["labels"]], keys, rows, n_items)
                if "labels" in mapping
                else [()] * n_items,
                dtype=object,
            ),
            "attributes": _attribute_dicts_of(
                {c: items[f"attr::{c}"] for c in attributes}, n_items
            ),
        }
    )


#: The item's text roles, taken from its rows' last non-blank cells.
_TEXT_ROLES = ("title", "type", "team")


def _missing_text(size: int) -> pd.Series:
    """``size`` missing text cells (a role without a column)."""
    return pd.Series(np.full(size, np.nan, dtype=object), dtype="str")


def _by_position(values: pd.Series) -> pd.Series:
    """``values`` indexed 0..n-1, so that columns of one table line up row by row."""
    return values.reset_index(drop=True)


def _united_labels(
    values: pd.Series, keys: np.ndarray, rows: np.ndarray, n_items: int
) -> list[tuple]:
    """Per item (in code order), the union of its rows' labels in first-seen order.

    ``values`` is the labels column (``"a|b"``, ``"a, b"`` or tuples from
    repeated headers, see :func:`split_labels`); ``rows`` the rows with an
    id and ``keys`` their item codes. Only the distinct cells are split; the
    rows' labels are then one array, deduplicated per item with integers.
    """
    cell_of_row, cells = pd.factorize(_by_position(values).take(rows).to_numpy(dtype=object))
    split = split_labels(pd.Series(cells, dtype=object)).tolist()
    counts = np.array([len(one) for one in split] + [0], dtype=np.int64)  # [-1]: a blank cell
    if not counts.any():
        return [()] * n_items
    label_of, labels = pd.factorize(np.array([x for one in split for x in one], dtype=object))
    firsts = np.concatenate(([0], np.cumsum(counts[:-1])))
    per_row = counts[cell_of_row]
    within = np.arange(per_row.sum()) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    label = label_of[np.repeat(firsts[cell_of_row], per_row) + within]  # every row's labels
    item = np.repeat(keys, per_row)
    first = np.unique(item * len(labels) + label, return_index=True)[1]  # each pair's first
    first = first[np.lexsort((first, item[first]))]  # by item, then as first seen
    bounds = np.searchsorted(item[first], np.arange(n_items + 1))
    names = np.asarray(labels, dtype=object)[label[first]]
    return [tuple(names[a:b]) for a, b in itertools.pairwise(bounds)]


def _attribute_dicts_of(columns: dict[str, pd.Series], n_items: int) -> list[dict]:
    """Per item, ``{column: value}`` of its non-blank attribute values (tuples as lists).

    ``columns`` maps each attribute to its item-aligned values. The dicts are
    the one per-item Python step left: the model stores a dict per item.
    """
    if not columns:
        return [{} for _ in range(n_items)]
    names = list(columns)
    values = [_python_cells(series) for series in columns.values()]
    if len(names) == 1:
        name = names[0]
        return [{} if v is None else {name: v} for v in values[0]]
    return [
        {k: v for k, v in zip(names, row, strict=True) if v is not None}
        for row in zip(*values, strict=True)
    ]


def _python_cells(series: pd.Series) -> list:
    """The cells as Python values, None where blank; tuples (merged repeated headers) as
    lists, an empty one as None."""
    if isinstance(series.dtype, pd.StringDtype):
        return pa.array(series.array).to_pylist()  # Arrow: None for missing, in C
    cells = series.astype(object).where(series.notna(), None).tolist()
    return [(list(v) or None) if isinstance(v, tuple) else v for v in cells]


def _numbers(table: RawTable, column: str | None) -> np.ndarray:
    """The column's cells as float64 numbers, NaN where blank or not a finite number.

    ``inf``, ``-Infinity`` and ``1e400`` (which overflows) read as numbers but
    count nothing (infinite blocked days would make every efficiency 0): missing.
    """
    if column is None:
        return np.full(len(table.frame), np.nan)
    values = pd.to_numeric(table.frame[column], errors="coerce").to_numpy(dtype="float64")
    return np.where(np.isinf(values), np.nan, values)  # a new array: Arrow's may be read-only


def events_frame(item_ids, statuses, times, seq) -> pd.DataFrame:
    return pd.DataFrame({"item_id": item_ids, "status": statuses, "entered_at": times, "seq": seq})


def collapse_repeats(events: pd.DataFrame, *, item_codes: np.ndarray | None = None) -> pd.DataFrame:
    """Drop events that repeat the item's previous status (after a stable time sort).

    ``events`` has ``item_id``, ``status``, ``entered_at`` and ``seq``. Each
    item's events are put in ``(entered_at, seq)`` order (missing times
    last); an event whose status equals the previous one's (surrounding
    spaces and case ignored; a missing status or item id never repeats) is
    dropped. The rest come back in ``seq`` order with a fresh index.
    ``item_codes``, when given, is ``factorize_ids(events["item_id"])[0]``.
    """
    if events.empty:
        return events
    kept = kept_events(events, item_codes)
    if kept is None:  # duplicate seq or unusual dtypes: the sort by text decides ties
        return _collapse_by_sorting(events)
    return take_rows(events, kept)


def take_rows(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """``frame.take(positions)`` with a fresh index, without copying when ``positions`` are
    all the rows in order (nothing collapsed, as in most event exports)."""
    if len(positions) == len(frame) and np.array_equal(positions, np.arange(len(frame))):
        return frame.reset_index(drop=True)
    return frame.take(positions).reset_index(drop=True)


def _collapse_by_sorting(events: pd.DataFrame) -> pd.DataFrame:
    """:func:`collapse_repeats` by sorting the log by the ids' text (the general path)."""
    ordered = events.sort_values(["item_id", "entered_at", "seq"], kind="stable")
    key = ordered["status"].str.strip().str.casefold()
    same_item = ordered["item_id"].eq(ordered["item_id"].shift())
    repeat = same_item & key.eq(key.shift())
    return ordered.loc[~repeat].sort_values("seq", kind="stable").reset_index(drop=True)


def kept_events(
    events: pd.DataFrame,
    item_codes: np.ndarray | None,
    status_codes: tuple[np.ndarray, Any] | None = None,
) -> np.ndarray | None:
    """The positions :func:`collapse_repeats` keeps, in its output order; None: use the sort.

    ``events.take(kept_events(...)).reset_index(drop=True)`` is the collapsed
    log; a parser that keeps the positions can carry its ids' codes along.
    ``item_codes`` is ``factorize_ids(events["item_id"])[0]`` and
    ``status_codes`` ``pd.factorize(events["status"])``, each computed here
    when None.

    Items are told apart by integer codes rather than sorted by their text
    (which item comes first does not change which events repeat), statuses
    are compared by the codes of their stripped, case-folded spellings (the
    few distinct spellings are normalised, not every event), and the events
    are sorted only when they are not already grouped by item in time order
    (an export usually is). Needs distinct ``seq`` values: with duplicates
    the text of the ids orders the output (None is returned).
    """
    seq = events["seq"]
    when_values = events["entered_at"]
    if not (
        pd.api.types.is_integer_dtype(seq) and pd.api.types.is_datetime64_any_dtype(when_values)
    ):
        return None
    seq = seq.to_numpy(dtype=np.int64)
    by_seq = None if (np.diff(seq) > 0).all() else np.argsort(seq, kind="stable")
    if by_seq is not None and not (np.diff(seq[by_seq]) > 0).all():
        return None  # duplicate seq
    item = factorize_ids(events["item_id"])[0] if item_codes is None else item_codes
    when = pd.DatetimeIndex(events["entered_at"]).asi8.copy()
    when[when == NAT] = np.iinfo(np.int64).max  # NaT sorts last
    order = grouped_time_order(item, when, seq)
    key = status_keys(events["status"], status_codes)
    item_o = item if order is None else item[order]
    key_o = key if order is None else key[order]
    repeat_o = np.zeros(len(item), dtype=bool)
    repeat_o[1:] = (item_o[1:] == item_o[:-1]) & (item_o[1:] >= 0)
    repeat_o[1:] &= (key_o[1:] == key_o[:-1]) & (key_o[1:] >= 0)
    if order is None:
        repeat = repeat_o
    else:
        repeat = np.empty_like(repeat_o)
        repeat[order] = repeat_o
    if by_seq is None:
        return np.flatnonzero(~repeat)
    return by_seq[~repeat[by_seq]]


def status_keys(statuses: pd.Series, codes: tuple[np.ndarray, Any] | None = None) -> np.ndarray:
    """A code per event for its status with surrounding spaces and case ignored; -1 if missing.

    The few distinct spellings are stripped and case-folded, not every event.
    ``codes`` is ``pd.factorize(statuses)`` when the caller has it.
    """
    spelling, spellings = pd.factorize(statuses) if codes is None else codes
    keys = pd.Series(spellings).str.strip().str.casefold()
    key_of_spelling = pd.factorize(keys)[0]
    return np.append(key_of_spelling, -1)[spelling]  # -1 (missing) picks the appended -1


def counted_statuses(codes: np.ndarray, names: Any) -> dict[str, int]:
    """``{status: events}`` from ``pd.factorize`` codes of the events' statuses (``names``
    may hold statuses no event has), in first-appearance order: what
    ``statuses.value_counts(sort=False)`` gives, without hashing the text again."""
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    in_order = first_appearance(codes, len(names))
    return {str(names[i]): int(counts[i]) for i in in_order.tolist()}  # a few statuses
