"""Pieces the JSON formats (``jira-json``, ``ado-json``, ``github-json``) share.

A JSON parser walks its records once in Python (the records are Python dicts
already), collecting every timestamp text in a :class:`Timestamps` batch that
is parsed in one vectorised :func:`~vsm_core.importers.dates.parse_timestamps`
call; a second walk builds the status events from the parsed instants. Items
and events become frames once, at the end (:func:`finish`).

Problems name the record (``row``: the 1-based position of the record in the
file's list of records) and a JSON path such as
``changelog.histories[3].created`` (``column``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from vsm_core.importers.dates import NAT, AmbiguousDateOrder, parse_timestamps
from vsm_core.importers.errors import ImportFailed, ImportProblem, clip
from vsm_core.importers.formats.common import ParsedImport
from vsm_core.importers.options import ImportOptions
from vsm_core.workflow_suggest import order_statuses_by_flow

__all__ = [
    "NAT",
    "EventLog",
    "JsonProblems",
    "Timestamps",
    "as_timestamps",
    "attributes",
    "dig",
    "finish",
    "keep_last",
    "name_of",
    "names",
    "non_finite",
    "plural",
    "report_id",
    "require_shape",
    "text",
]


class JsonProblems:
    """Every problem found in the records, raised together as one :class:`ImportFailed`."""

    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def add(self, row: int | None, column: str | None, message: str, value: Any = None) -> None:
        self.problems.append(
            ImportProblem(row=row, column=column, value=_shown(value), message=message)
        )

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportFailed(self.problems)


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return clip(json.dumps(value, ensure_ascii=False, default=str))
    return clip(value)


class Timestamps:
    """Timestamp texts gathered from many records, parsed in one vectorised call.

    :meth:`add` returns the index of the value in the batch; after
    :meth:`parse`, ``values[index]`` is the instant in UTC microseconds since
    the epoch (``NAT`` when the value was missing or unreadable). Unreadable
    values are reported as problems with their record and JSON path; missing
    ones are not (the caller knows whether the value was required).
    """

    def __init__(self) -> None:
        self._texts: list[str | None] = []
        self._rows: list[int] = []
        self._paths: list[str] = []
        self.values: np.ndarray = np.empty(0, dtype=np.int64)

    def add(self, value: Any, row: int, path: str) -> int:
        self._texts.append(value if isinstance(value, str) else _non_text(value))
        self._rows.append(row)
        self._paths.append(path)
        return len(self._texts) - 1

    def parse(self, options: ImportOptions, problems: JsonProblems) -> np.ndarray:
        texts = pd.Series(self._texts, dtype="str")
        positions = np.arange(len(texts))
        try:
            parsed = parse_timestamps(
                texts,
                column="",
                rows=positions,
                date_order=options.date_order,
                timezone=options.timezone,
            )
        except AmbiguousDateOrder as error:
            raise ImportFailed([self._located(p) for p in error.problems]) from None
        problems.problems.extend(self._located(p) for p in parsed.problems)
        values = parsed.values.dt.tz_convert(None).to_numpy(dtype="datetime64[us]")
        self.values = values.view(np.int64).copy()
        return self.values

    def _located(self, problem: ImportProblem) -> ImportProblem:
        """The problem with its batch position replaced by the record and JSON path."""
        if problem.row is None:
            return problem
        at = problem.row
        return problem.model_copy(update={"row": self._rows[at], "column": self._paths[at]})


def _non_text(value: Any) -> str | None:
    """Timestamps are text in every API these formats read; anything else is kept to fail."""
    if value is None or isinstance(value, (dict, list)):
        return None if value is None else str(value)
    return str(value)


def dig(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]...``, or None as soon as a level is missing or not an object."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def text(value: Any) -> str | None:
    """A scalar as stripped text; None for null, blank text, objects, arrays and non-finite
    numbers (JSON's ``NaN``/``Infinity``, which Python's reader accepts and some writers
    put for a missing number: as text they would become a title or status ``nan``)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer():
            value = int(value)
    out = str(value).strip()
    return out or None


def non_finite(value: Any) -> str | None:
    """``NaN``, ``Infinity`` or ``-Infinity`` as JSON writes ``value`` when it is such a
    number (a number too large for a double, ``1e400``, reads as Infinity); else None."""
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)
    return None


def report_id(problems: JsonProblems, row: int, path: str, what: str, value: Any) -> None:
    """The problem of a record whose ``path`` (``what``: "the issue key") gives no id.

    A non-finite number is refused by name (it would have become the id
    ``nan``); otherwise the id is missing or blank.
    """
    spelled = non_finite(value)
    if spelled is not None:
        problems.add(
            row, path, f"{what} is {spelled}, not an id (text or a finite number)", spelled
        )
    else:
        problems.add(row, path, f"{what} is missing or blank", value)


def name_of(value: Any, *keys: str) -> str | None:
    """The first of ``keys`` (default ``name``) of an object, or the value itself when text."""
    if isinstance(value, dict):
        for key in keys or ("name",):
            found = text(value.get(key))
            if found is not None:
                return found
        return None
    return text(value)


def names(values: Any, *keys: str) -> tuple[str, ...]:
    """The names of a list of objects (or texts), blanks dropped, repeats removed, in order."""
    if not isinstance(values, list):
        return ()
    found = (name_of(v, *keys) for v in values)
    return tuple(dict.fromkeys(n for n in found if n is not None))


def attributes(pairs: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """An item's attribute dict: text values only, blanks dropped (in a list too: a
    ``null`` among a label list's names is no name)."""
    out = {}
    for key, value in pairs:
        if isinstance(value, (tuple, list)):
            shown = ", ".join(t for t in (text(v) for v in value) if t)
        else:
            shown = text(value)
        if shown:
            out[key] = shown
    return out


def require_shape(
    records: list[dict], looks_like: Callable[[dict], bool], format_name: str, expected: str
) -> None:
    """Fail with one clear message when no record looks like the format at all."""
    if any(looks_like(record) for record in records):
        return
    keys = ", ".join(repr(k) for k in list(records[0])[:12]) if records else "none"
    raise ImportFailed(
        f"the records do not look like {format_name} data: expected {expected}; "
        f"the first record's keys are {keys}"
    )


def keep_last(ids: list[str | None]) -> tuple[list[bool], int]:
    """Which records to keep when an id repeats (the last one wins), and how many were dropped."""
    last: dict[str, int] = {}
    for position, item_id in enumerate(ids):
        if item_id is not None:
            last[item_id] = position
    keep = [
        item_id is not None and last[item_id] == position for position, item_id in enumerate(ids)
    ]
    dropped = sum(1 for item_id in ids if item_id is not None) - len(last)
    return keep, dropped


class EventLog:
    """Status events in emission order; ``seq`` is that order (equal times keep it)."""

    def __init__(self) -> None:
        self.item_ids: list[str] = []
        self.statuses: list[str] = []
        self.times: list[int] = []

    def add(self, item_id: str, status: str, time: int) -> None:
        self.item_ids.append(item_id)
        self.statuses.append(status)
        self.times.append(time)

    def add_run(self, item_id: str, run: list[tuple[str, int]]) -> None:
        """One item's (status, time) steps, dropping steps that repeat the previous status."""
        previous = None
        for status, time in run:
            key = status.strip().casefold()
            if key != previous:
                self.add(item_id, status, time)
                previous = key

    def frame(self) -> pd.DataFrame:
        times = np.asarray(self.times, dtype=np.int64).view("M8[us]")
        return pd.DataFrame(
            {
                "item_id": pd.Series(self.item_ids, dtype="str"),
                "status": pd.Series(self.statuses, dtype="str"),
                "entered_at": pd.Series(times).dt.tz_localize("UTC"),
                "seq": np.arange(len(self.times), dtype=np.int64),
            }
        )


def as_timestamps(values: list[int]) -> pd.Series:
    """UTC microseconds (``NAT`` for missing) as a ``datetime64[us, UTC]`` series."""
    return pd.Series(np.asarray(values, dtype=np.int64).view("M8[us]")).dt.tz_localize("UTC")


def finish(
    items: list[dict[str, Any]],
    events: EventLog,
    *,
    mapping: dict[str, str],
    notes: list[str],
    raw_item_ids: list[str | None] | None = None,
) -> ParsedImport:
    """The parse result: item rows (``created_at`` in UTC microseconds) and the event log."""
    frame = pd.DataFrame(
        {
            "item_id": pd.Series([i["item_id"] for i in items], dtype="str"),
            "title": pd.Series([i.get("title") for i in items], dtype="str"),
            "type": pd.Series([i.get("type") for i in items], dtype="str"),
            "team": pd.Series([i.get("team") for i in items], dtype="str"),
            "created_at": as_timestamps([i.get("created_at", NAT) for i in items]),
            "labels": pd.Series([tuple(i.get("labels", ())) for i in items], dtype="object"),
            "attributes": pd.Series([dict(i.get("attributes", {})) for i in items], dtype="object"),
        }
    )
    log = events.frame()
    return ParsedImport(
        items=frame,
        events=log,
        status_order=order_statuses_by_flow(log),
        mapping=mapping,
        raw_item_ids=None if raw_item_ids is None else pd.Series(raw_item_ids, dtype="str"),
        notes=notes,
    )


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
