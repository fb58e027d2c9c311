"""Which format a file is, and which column plays which role: names and content, scored.

:func:`detect` looks at a sample of the table (the first :data:`SAMPLE_ROWS`
rows, so it costs the same for any file size) and scores every format:

* ``transitions``: a from-status and a to-status column, a change time, ids
  that repeat (one row per change);
* ``events``: a status and a time on every row, ids that repeat;
* ``snapshots``: the same, when the time is an update time (``sys_updated_at``,
  ``Changed Date``…): one full record per update;
* ``dates``: one row per item with started and/or done date columns and no
  other date column named like a stage;
* ``stages``: several columns whose cells are mostly dates and whose names are
  not id-, key-, points-, name- or bookkeeping-date-like, one row per item.

A role's column is chosen by its name (:func:`~vsm_core.importers.columns.name_score`)
*and* its cells: a date role needs dates, a status role text that is not dates
and repeats. Where two columns fit a role (``Status`` and ``Sub Status``) the
better one is used and the other is offered (:attr:`Detection.alternatives`).

The best format is used only when it is good enough (:data:`MIN_SCORE`) and
clearly ahead of the next one (:data:`MIN_LEAD`); otherwise ``format`` is None
and the import asks (:class:`FormatUnclear`): the CLI exits 2 naming the
candidates and the exact ``--format``/``--map`` to pass, the page asks.
``events`` and ``snapshots`` read a file the same way, so they never make each
other unclear.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field, replace

import pandas as pd

from vsm_core.importers.columns import (
    MERGEABLE_ROLES,
    NOT_STAGE_WORDS,
    header_words,
    name_score,
    normalise_header,
    repeated_header_message,
)
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.formats import TABLE_FORMAT_MODULES, table_format_roles
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable, Upload

#: Rows of the table whose ids are compared (repeats, changes of status), and rows whose
#: cells are profiled: detection costs the same for any file size.
SAMPLE_ROWS = 2000
PROFILE_ROWS = 500
#: The least score a format needs to be used without asking.
MIN_SCORE = 0.6
#: How far the best format must be ahead of the next (incompatible) one.
MIN_LEAD = 0.2
#: Share of a column's non-blank sample cells that must look like dates: for a stage column
#: found by content, and for a column whose name already says it is a date role (bad cells
#: are then reported by the parser, row by row).
DATE_SHARE = 0.8
NAMED_DATE_SHARE = 0.5
#: Cells that exports write for "no value" (ServiceNow's ``?``); ignored when profiling.
MISSING_MARKERS = frozenset({"?", "-", "n/a", "na", "null", "none", "nan", "(none)"})

_DATE_PATTERN = (
    r"^\s*(?:\d{4}-\d{1,2}-\d{1,2}"  # ISO
    r"|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"  # 05/03/2024, 5.3.24, 29/2/2016 01:16
    r"|\d{1,2}[/\- ][A-Za-z]{3,9}[/\- ]\d{2,4}"  # Jira 05/Mar/24, 5 March 2024
    r"|[A-Za-z]{3,9} \d{1,2},? \d{4}"  # Mar 5, 2024
    r"|\d{4}/\d{1,2}/\d{1,2})"
)
#: Names of date columns that are bookkeeping, not workflow stages.
_META_DATE_WORDS = frozenset(
    {
        "created",
        "creation",
        "opened",
        "updated",
        "modified",
        "changed",
        "change",
        "due",
        "target",
        "viewed",
        "archived",
        "sys",
        "last",
        "resolved",
        "resolution",
        "closed",
        "canceled",
        "cancelled",
    }
)
_DATE_ROLES = frozenset({"timestamp", "created", "started", "done", "cancelled"})
_TEXT_ROLES = frozenset({"status", "from_status", "status_category"})
#: Roles in the order columns are handed out (a column plays one role).
_ROLE_ORDER = (
    "item_id",
    "from_status",
    "status_category",
    "status",
    "timestamp",
    "created",
    "started",
    "done",
    "cancelled",
    "title",
    "type",
    "team",
    "labels",
    "blocked_days",
)
_COMPATIBLE = frozenset({"events", "snapshots"})  # read the same way: never unclear


@dataclass(frozen=True)
class Candidate:
    """One format's reading of the file: how well it fits (0–1), why, and its columns."""

    format: str
    score: float
    evidence: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)

    def hint(self) -> str:
        """The command-line options that import the file this way."""
        required = table_format_roles(self.format)[0] if self.format in TABLE_FORMAT_MODULES else ()
        maps = " ".join(
            f"--map {shlex.quote(f'{role}={self.columns[role]}')}"
            for role in required
            if role in self.columns
        )
        return f"--format {self.format}" + (f" {maps}" if maps else "")


@dataclass(frozen=True)
class Detection:
    """The format used (None: not sure, the user must choose) and why.

    ``score`` is the chosen candidate's (1.0 when chosen by the user);
    ``evidence`` one sentence for people; ``columns`` role -> column used;
    ``candidates`` every format that fits at all, best first;
    ``alternatives`` role -> other columns that fit it too.
    """

    format: str | None
    score: float
    evidence: str
    columns: dict[str, str]
    candidates: tuple[Candidate, ...]
    chosen_by_user: bool = False
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def confident(self) -> bool:
        return self.format is not None

    def command_hint(self) -> str:
        """``--format``/``--map`` options for the chosen format, or the best candidate's."""
        best = next((c for c in self.candidates if c.format == self.format), None)
        best = best or (self.candidates[0] if self.candidates else None)
        return best.hint() if best else "--format FORMAT --map ROLE=COLUMN"

    def as_json(self) -> dict:
        """The ``detected`` object of ``import --json``."""
        return {"format": self.format, "score": round(self.score, 2), "evidence": self.evidence}


class FormatUnclear(ImportFailed):
    """Auto-detection is not sure which format the file is; nothing was parsed."""

    def __init__(self, detection: Detection, filename: str = "the file") -> None:
        self.detection = detection
        super().__init__(_unclear_message(detection, filename))


def detect(upload: Upload, options: ImportOptions | None = None) -> Detection:
    """Score every format for ``upload`` and pick one, or none when unsure.

    ``options.mapping`` (role -> column, given by the user) is taken as it is;
    ``options.format`` other than ``auto`` is taken as chosen, with its columns
    suggested from names and content.
    """
    options = options or ImportOptions()
    if upload.records is not None:
        detection = _detect_json(upload.records)
    else:
        detection = _detect_table(upload.table, dict(options.mapping))
    if options.format == "auto":
        if options.mapping and detection.format is not None:
            given = ", ".join(f"{role}={column!r}" for role, column in options.mapping.items())
            evidence = f"{detection.evidence}; columns given by the user: {given}"
            return replace(detection, evidence=evidence)
        return detection
    chosen = next((c for c in detection.candidates if c.format == options.format), None)
    columns = dict(chosen.columns) if chosen else _columns_for(upload, options)
    return Detection(
        format=options.format,
        score=1.0,
        evidence="chosen by the user",
        columns=columns,
        candidates=detection.candidates,
        chosen_by_user=True,
        alternatives=detection.alternatives,
    )


# --- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    """What a column's sample cells hold."""

    filled: float  # share of sample rows with a value
    dates: float  # share of values that look like dates
    distinct: int  # distinct values
    values: int  # non-blank values
    merged: bool  # a repeated header merged into tuples


def _profiles(frame: pd.DataFrame) -> dict[str, _Profile]:
    """A profile per column of the sample ``frame``, computed by Arrow (no Python per cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = {}
    rows = max(len(frame), 1)
    missing = pa.array(sorted(MISSING_MARKERS))
    for column in frame.columns:
        cells = frame[column]
        if cells.dtype == object:  # a repeated header merged into tuples of values
            found[str(column)] = _Profile(float(cells.notna().mean()), 0.0, 0, 0, True)
            continue
        text = pa.array(cells.dropna().to_numpy(dtype=object), type=pa.string())
        text = text.filter(pc.invert(pc.is_in(pc.utf8_lower(text), value_set=missing)))
        n = len(text)
        dates = pc.sum(pc.match_substring_regex(text, _DATE_PATTERN)).as_py() or 0
        distinct = pc.count_distinct(text).as_py() if n else 0
        found[str(column)] = _Profile(n / rows, dates / n if n else 0.0, distinct, n, False)
    return found


def _fits_content(role: str, profile: _Profile, rows: int) -> bool:
    """Whether a column's cells can play ``role`` (its name aside)."""
    if profile.merged:
        return role == "labels"
    if role in _DATE_ROLES:
        return profile.values > 0 and profile.dates >= NAMED_DATE_SHARE
    if role in _TEXT_ROLES:
        limit = max(60, rows // 5)
        return profile.values > 0 and profile.dates < 0.5 and profile.distinct <= limit
    if role == "item_id":
        return profile.filled >= 0.5 and profile.dates < 0.5
    return True


def _role_choices(
    columns: list[str],
    profiles: dict[str, _Profile],
    rows: int,
    given: dict[str, str],
    repeated: dict[str, int] | None = None,
) -> tuple[dict[str, tuple[str, float]], dict[str, tuple[str, ...]], list[str]]:
    """(role -> (column, score), role -> other fitting columns, notes on rejected names).

    ``repeated``: header name -> how many columns carried it; a well-named
    column rejected because its header repeats is noted by name.
    """
    chosen: dict[str, tuple[str, float]] = {r: (c, 1.0) for r, c in given.items() if c in columns}
    taken = {c for c, _ in chosen.values()}
    alternatives: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    for role in _ROLE_ORDER:
        if role in chosen:
            continue
        fits = []
        for at, column in enumerate(columns):
            score = name_score(role, column)
            if score <= 0 or column in taken:
                continue
            if not _fits_content(role, profiles[column], rows):
                if score >= 0.8 and profiles[column].merged and role not in MERGEABLE_ROLES:
                    count = (repeated or {}).get(column, 2)
                    notes.append(repeated_header_message(column, count, role))
                elif score >= 0.8 and role in _DATE_ROLES | {"status", "item_id"}:
                    notes.append(f"{column!r} is named like {role} but its cells do not fit")
                continue
            fits.append((score, -at, column))
        if fits:
            fits.sort(reverse=True)
            chosen[role] = (fits[0][2], fits[0][0])
            taken.add(fits[0][2])
            others = tuple(c for s, _, c in fits[1:] if s >= 0.5)
            if others:
                alternatives[role] = others
    return chosen, alternatives, notes


_KEY_LIKE = re.compile(r"^[A-Za-z]{1,12}[-_ ]?\d+$|^\d+(?:-\d+)*$")


def _detect_table(table: RawTable, given: dict[str, str]) -> Detection:
    frame = table.frame.head(SAMPLE_ROWS)
    columns = table.columns
    status_rows = _status_change_rows(frame, columns)
    profiled = frame if status_rows is None else frame[status_rows]
    profiles = _profiles(profiled.head(PROFILE_ROWS))
    rows = min(len(profiled), PROFILE_ROWS)
    chosen, alternatives, notes = _role_choices(
        columns, profiles, rows, given, table.repeated_headers
    )
    if "item_id" not in chosen:
        chosen.update(_key_column(frame, columns, profiles, {c for c, _ in chosen.values()}))
    repeats = _repeat_share(frame, chosen)
    candidates = [
        c
        for c in (
            _transitions(chosen, repeats),
            *_events_and_snapshots(chosen, repeats, frame),
            _dates(chosen, repeats, columns, profiles),
            _stages(chosen, repeats, columns, profiles),
        )
        if c is not None and c.score > 0
    ]
    candidates.sort(key=lambda c: -c.score)
    return _decide(tuple(candidates), alternatives, notes)


def _status_change_rows(frame: pd.DataFrame, columns: list[str]) -> pd.Series | None:
    """In a changelog of every field (a ``Field`` column naming status on some rows), the
    rows that change the status: only their from/to cells say anything about the flow."""
    from vsm_core.importers.formats.transitions import FIELD_HEADERS, STATUS_FIELDS

    for column in columns:
        if normalise_header(column) in FIELD_HEADERS and frame[column].dtype != object:
            rows = frame[column].str.casefold().isin(STATUS_FIELDS).fillna(False).astype(bool)
            if rows.any():
                return rows
    return None


def _key_column(frame, columns, profiles, taken) -> dict[str, tuple[str, float]]:
    """An item id found by content alone: the only filled column whose cells look like keys."""
    keyish = []
    for column in columns:
        profile = profiles[column]
        if column in taken or profile.merged or profile.filled < 0.99 or profile.dates > 0:
            continue
        cells = frame[column].dropna().astype(str)
        if len(cells) and cells.str.match(_KEY_LIKE).mean() >= 0.99:
            keyish.append(column)
    return {"item_id": (keyish[0], 0.6)} if len(keyish) == 1 else {}


def _repeat_share(frame: pd.DataFrame, chosen: dict[str, tuple[str, float]]) -> float:
    """Share of sample rows whose item id already appeared on an earlier row."""
    if "item_id" not in chosen or frame.empty:
        return 0.0
    ids = frame[chosen["item_id"][0]].dropna()
    return float(ids.duplicated().mean()) if len(ids) else 0.0


def _weakest(chosen, roles) -> float | None:
    if any(r not in chosen for r in roles):
        return None
    return min(chosen[r][1] for r in roles)


def _columns_of(fmt: str, chosen) -> dict[str, str]:
    required, optional = table_format_roles(fmt)
    return {r: chosen[r][0] for r in required + optional if r in chosen}


def _per_item(repeats: float) -> str:
    return f"{1 / max(1 - repeats, 1e-9):.1f} rows per item in the first rows"


def _transitions(chosen, repeats) -> Candidate | None:
    score = _weakest(chosen, table_format_roles("transitions")[0])
    if score is None:
        return None
    evidence = (
        f"from-status {chosen['from_status'][0]!r} and to-status {chosen['status'][0]!r} columns",
        f"change time {chosen['timestamp'][0]!r}",
        _per_item(repeats),
    )
    score *= 1.0 if repeats >= 0.1 else 0.9
    return Candidate("transitions", score, evidence, _columns_of("transitions", chosen))


_UPDATE_WORDS = frozenset({"updated", "modified", "update", "sys", "revised", "changed"})


def _events_and_snapshots(chosen, repeats, frame) -> list[Candidate | None]:
    score = _weakest(chosen, table_format_roles("events")[0])
    if score is None:
        return [None]
    if "from_status" in chosen:
        score *= 0.5  # a to-status beside a from-status is a transitions file
    if repeats < 0.2:
        score *= 0.5  # one row per item: an issue list with its current status, not a log
    status, when = chosen["status"][0], chosen["timestamp"][0]
    is_update = bool(set(header_words(when)) & _UPDATE_WORDS)
    same = _unchanged_share(frame, chosen["item_id"][0], status)
    base = (f"status {status!r} and time {when!r} on every row", _per_item(repeats))
    if same >= 0.3:
        base = (*base, f"{same:.0%} of rows repeat the item's previous status")
    # Both read the file the same way; which label fits is told by rows that repeat the
    # item's status (a full record written at an update that changed something else), with
    # an update-time name as the tie-breaker.
    full_records = same >= 0.3 or (is_update and same >= 0.1)
    events = Candidate(
        "events", score * (0.95 if full_records else 1.0), base, _columns_of("events", chosen)
    )
    snapshots = Candidate(
        "snapshots",
        score * (1.0 if full_records else 0.9),
        (*base, f"{when!r} is an update time") if is_update else base,
        _columns_of("snapshots", chosen),
    )
    return [events, snapshots]


def _unchanged_share(frame: pd.DataFrame, id_column: str, status_column: str) -> float:
    """Share of rows whose status equals the previous row's status for the same item."""
    ids, status = frame[id_column], frame[status_column]
    same_item = ids.eq(ids.shift())
    if not same_item.any():
        return 0.0
    return float((status.eq(status.shift()) & same_item).sum() / same_item.sum())


def _date_columns(columns, profiles, chosen) -> list[str]:
    used = {c for c, _ in chosen.values()}
    return [
        c
        for c in columns
        if c not in used
        and not profiles[c].merged
        and profiles[c].values
        and profiles[c].dates >= DATE_SHARE
    ]


def _stage_like(column: str) -> bool:
    words = set(header_words(column))
    return not words & (_META_DATE_WORDS | NOT_STAGE_WORDS | _TIME_ONLY)


_TIME_ONLY = frozenset({"date", "time", "datetime", "timestamp"})


def _dates(chosen, repeats, columns, profiles) -> Candidate | None:
    if "item_id" not in chosen or not {"started", "done"} & set(chosen):
        return None
    if repeats >= 0.02:
        return None
    ends = [r for r in ("created", "started", "done") if r in chosen]
    score = min(chosen["item_id"][1], max(chosen[r][1] for r in ("started", "done") if r in chosen))
    stage_like = [c for c in _date_columns(columns, profiles, chosen) if _stage_like(c)]
    if stage_like:
        score *= 0.5
    evidence = [
        "one row per item",
        "date columns " + ", ".join(f"{r} {chosen[r][0]!r}" for r in ends),
    ]
    if "done" not in chosen:
        score *= 0.5  # nothing in the file says when an item finished: not flow data
        evidence.append("no done column")
    if "started" not in chosen:
        evidence.append("no started column: only lead time can be measured")
    return Candidate("dates", score, tuple(evidence), _columns_of("dates", chosen))


def _stages(chosen, repeats, columns, profiles) -> Candidate | None:
    if "item_id" not in chosen:
        return None
    ignore = {chosen[r][0] for r in ("item_id", "title", "type", "team", "labels") if r in chosen}
    dated = [
        c
        for c in columns
        if c not in ignore
        and not profiles[c].merged
        and profiles[c].values
        and profiles[c].dates >= DATE_SHARE
        and _stage_like(c)
    ]
    if len(dated) < 2:
        return None
    score = 0.95 if len(dated) >= 3 else 0.7
    score = min(score, chosen["item_id"][1])
    if repeats >= 0.05:
        score *= 0.2  # stages files have one row per item
    if {"status", "timestamp"} <= set(chosen):
        score *= 0.8
    shown = ", ".join(dated[:6]) + (", …" if len(dated) > 6 else "")
    evidence = (f"{len(dated)} date columns in flow order ({shown})", _per_item(repeats))
    return Candidate("stages", score, evidence, _columns_of("stages", chosen))


# --- the decision ------------------------------------------------------------------------------


def _decide(
    candidates: tuple[Candidate, ...], alternatives: dict[str, tuple[str, ...]], notes: list[str]
) -> Detection:
    best = candidates[0] if candidates else None
    rival = (
        next((c for c in candidates[1:] if not {best.format, c.format} <= _COMPATIBLE), None)
        if best
        else None
    )
    sure = (
        best is not None
        and best.score >= MIN_SCORE
        and (rival is None or best.score - rival.score >= MIN_LEAD)
    )
    if sure:
        evidence = "; ".join(best.evidence)
        return Detection(
            best.format,
            best.score,
            evidence,
            dict(best.columns),
            candidates,
            alternatives=alternatives,
        )
    why = "; ".join(notes[:3])  # e.g. columns named like a role whose cells do not fit
    return Detection(
        format=None,
        score=best.score if best else 0.0,
        evidence=why or "no format fits well",
        columns={},
        candidates=candidates,
        alternatives=alternatives,
    )


def _unclear_message(detection: Detection, filename: str) -> str:
    options = [c for c in detection.candidates if c.score > 0][:3]
    if not options and detection.evidence == JSON_UNKNOWN:
        return f"{filename}: {JSON_UNKNOWN}"
    if not options:
        return (
            f"could not tell the format of {filename}: it matches none of the formats "
            "(stages, events, transitions, snapshots, dates, jira-json, ado-json, github-json)"
            f"{'; ' + detection.evidence if detection.evidence != 'no format fits well' else ''}."
            " Choose one with --format and name the columns with --map ROLE=COLUMN "
            "(docs/importing.md)"
        )
    shown = "; ".join(f"{c.format} (score {c.score:.2f}: {', '.join(c.evidence)})" for c in options)
    hints = " or ".join(c.hint() for c in options)
    return (
        f"could not tell the format of {filename} with confidence; it could be {shown}. "
        f"Import it with {hints}"
    )


def _columns_for(upload: Upload, options: ImportOptions) -> dict[str, str]:
    """Columns for a format the user chose that detection did not consider at all."""
    if upload.table is None or options.format not in TABLE_FORMAT_MODULES:
        return {}
    frame = upload.table.frame.head(PROFILE_ROWS)
    profiles = _profiles(frame)
    chosen, _, _ = _role_choices(
        upload.table.columns,
        profiles,
        len(frame),
        dict(options.mapping),
        upload.table.repeated_headers,
    )
    return _columns_of(options.format, chosen)


# --- JSON ------------------------------------------------------------------------------------


def _detect_json(records: list[dict]) -> Detection:
    sample = records[:50]
    votes = {"jira-json": 0, "ado-json": 0, "github-json": 0}
    for record in sample:
        if not isinstance(record, dict):
            continue
        fields = record.get("fields") if isinstance(record.get("fields"), dict) else {}
        if "changelog" in record or ("key" in record and fields):
            votes["jira-json"] += 1
        elif "workItemId" in record or any(str(k).startswith("System.") for k in fields):
            votes["ado-json"] += 1
        elif "events" in record or "timeline" in record or "html_url" in record:
            votes["github-json"] += 1
    total = max(sum(votes.values()), 1)  # records that look like no export do not vote
    evidence = {
        "jira-json": "records look like Jira issues (key, fields, changelog)",
        "ado-json": "records look like Azure DevOps work item updates (System.* fields)",
        "github-json": "records look like GitHub issues with their events",
    }
    candidates = tuple(
        sorted(
            (
                Candidate(f, n / total, (f"{n} of {len(sample)} {evidence[f]}",))
                for f, n in votes.items()
                if n
            ),
            key=lambda c: -c.score,
        )
    )
    return _decide(candidates, {}, [] if candidates else [JSON_UNKNOWN])


JSON_UNKNOWN = (
    "could not tell the JSON format: no record looks like a Jira issue, an Azure DevOps "
    "work item update or a GitHub issue; choose one with --format jira-json|ado-json|github-json"
)
