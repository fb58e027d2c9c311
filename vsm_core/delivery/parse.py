"""Deployment and incident files -> :class:`~vsm_core.delivery.log.DeliveryLog`, or ImportFailed.

:func:`read_delivery` is the one entry point: the bytes go through the importers' one
reading path (:func:`~vsm_core.importers.containers.read_upload`: the size limit, the
encoding and separator detection, Arrow, the bounded JSON reader), then

* JSON records go to :mod:`.github` (GitHub's deployments with their statuses);
* a table is recognised as deployments or incidents by its header words
  (:mod:`.columns`): a deployment time and a status make deployments, a start and a
  resolution time make incidents. When both or neither fit, nothing is guessed:
  :class:`KindUnclear` says which columns were seen and what is missing.

Every cell is checked and every problem reported with its row, column and value
(:class:`~vsm_core.importers.errors.ImportFailed`): unreadable times, blank required
cells, unknown status or kind words (the accepted words are named), a deployment or an
incident dated in the future, a first commit after its deployment, an incident resolved
before it started, an id used twice. Nothing is stored from a file with a problem.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from vsm_core.delivery import columns as cols
from vsm_core.delivery.log import DeliveryLog
from vsm_core.delivery.read import FUTURE_SLACK, DeliveryRead, Kind, KindUnclear
from vsm_core.importers.containers import read_upload
from vsm_core.importers.dates import parse_timestamps
from vsm_core.importers.errors import ImportFailed, ImportProblem, clip
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.table import RawTable, Upload

__all__ = ["DeliveryRead", "KindUnclear", "read_delivery", "read_table"]

#: The longest text the store keeps per role (characters); longer cells are refused.
TEXT_LIMITS = {
    "external_id": 200,
    "service": 200,
    "environment": 200,
    "title": 500,
    "deployment_ref": 200,
}


def read_delivery(
    data: bytes,
    filename: str,
    *,
    kind: Kind | None = None,
    format: Literal["auto", "csv", "github"] = "auto",
    timezone: str = "UTC",
    date_order: Literal["dayfirst", "monthfirst"] | None = None,
    now: pd.Timestamp | None = None,
    max_bytes: int | None = None,
) -> DeliveryRead:
    """Read a deployments or incidents upload (module docstring).

    ``kind``/``format``: None/``auto`` to detect; ``timezone``: the zone of times
    without an offset; ``now`` (UTC): the present, for "in the future" (default: now);
    ``max_bytes``: the upload limit (default: the importers', ``VSM_MAX_UPLOAD_MB``).
    Raises :class:`ImportFailed` (or :class:`KindUnclear`) and nothing else.
    """
    given = {"timezone": timezone}
    if max_bytes is not None:
        given["max_bytes"] = max_bytes
    try:
        options = ImportOptions(**given)
    except ValueError as error:  # pydantic's: the first error's own message
        errors = getattr(error, "errors", lambda: [])()
        message = errors[0]["msg"].removeprefix("Value error, ") if errors else str(error)
        raise ImportFailed(message) from error
    upload = read_upload(data, filename, options)
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    try:
        read = _read(
            upload, kind=kind, format=format, options=options, date_order=date_order, now=now
        )
    except ImportFailed:
        raise
    except Exception as error:  # never a traceback: one sentence naming the file
        raise ImportFailed(f"could not read {filename}: {type(error).__name__}: {error}") from error
    return _with_upload(read, upload)


def _with_upload(read: DeliveryRead, upload: Upload) -> DeliveryRead:
    notes = tuple(upload.table.notes) if upload.table is not None else ()
    return DeliveryRead(
        kind=read.kind,
        format=read.format,
        log=read.log,
        columns=read.columns,
        evidence=read.evidence,
        notes=notes + read.notes,
        filename=upload.filename,
        sha256=upload.sha256,
        left_out=read.left_out,
    )


def _read(upload: Upload, *, kind, format, options, date_order, now) -> DeliveryRead:
    if upload.records is not None:
        if format == "csv":
            raise ImportFailed("the file holds JSON records, not a table; choose the GitHub format")
        if kind == "incidents":
            raise ImportFailed(
                "incidents are read from a table (CSV, TSV or Excel) with a start and a "
                "resolution time; this file holds JSON records"
            )
        from vsm_core.delivery.github import read_github

        return read_github(upload.records, timezone=options.timezone, now=now)
    if format == "github":
        raise ImportFailed(
            "the file is a table, not GitHub's JSON list of deployments; choose the CSV format"
        )
    return read_table(
        upload.table, kind=kind, timezone=options.timezone, date_order=date_order, now=now
    )


# --- tables -------------------------------------------------------------------------------------


def detect_kind(table: RawTable) -> tuple[Kind, dict[str, str], str]:
    """The kind of a table, its columns and the evidence; :class:`KindUnclear` when unsure."""
    deployments = cols.choose_columns(table.columns, cols.DEPLOYMENT_ROLES)
    incidents = cols.choose_columns(table.columns, cols.INCIDENT_ROLES)
    fits_deployments = all(role in deployments for role in cols.DEPLOYMENT_REQUIRED)
    fits_incidents = all(role in incidents for role in cols.INCIDENT_REQUIRED)
    if fits_deployments and fits_incidents:
        # An incident tool's export has a status too ("resolved"); a deployment log has no
        # resolution time. Content decides: deployment status words or not.
        statuses = cols.word_key(table.frame[deployments["status"]].dropna().head(500))
        known = (
            statuses.isin(cols.SUCCESS_WORDS | cols.FAILURE_WORDS).mean() if len(statuses) else 0
        )
        if known >= 0.8:
            fits_incidents = False
        elif known <= 0.2:
            fits_deployments = False
    seen = cols.listing_of(table.columns)
    if fits_deployments and not fits_incidents:
        return "deployments", deployments, _evidence("deployments", deployments)
    if fits_incidents and not fits_deployments:
        return "incidents", incidents, _evidence("incidents", incidents)
    if fits_deployments:
        raise KindUnclear(
            f"the file could hold deployments or incidents (columns: {seen}); choose which "
            "(--kind deployments|incidents)"
        )
    raise KindUnclear(
        "could not tell what the file holds: deployments need a deployment time and a "
        "status column (e.g. deployed_at, status), incidents a start and a resolution time "
        f"(e.g. started_at, resolved_at); the columns are {seen}"
    )


def _evidence(kind: Kind, chosen: dict[str, str]) -> str:
    named = ", ".join(f"{cols.ROLE_WORDS[r]} from {c!r}" for r, c in chosen.items())
    return f"read as {kind}: {named}"


def read_table(
    table: RawTable,
    *,
    kind: Kind | None = None,
    timezone: str = "UTC",
    date_order: Literal["dayfirst", "monthfirst"] | None = None,
    now: pd.Timestamp | None = None,
) -> DeliveryRead:
    """Parse a table of deployments or incidents (``kind`` None: detect; module docstring)."""
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    if kind is None:
        kind, chosen, evidence = detect_kind(table)
    else:
        roles = cols.DEPLOYMENT_ROLES if kind == "deployments" else cols.INCIDENT_ROLES
        required = cols.DEPLOYMENT_REQUIRED if kind == "deployments" else cols.INCIDENT_REQUIRED
        chosen = cols.choose_columns(table.columns, roles)
        missing = [cols.ROLE_WORDS[r] for r in required if r not in chosen]
        if missing:
            raise ImportFailed(
                f"a file of {kind} needs a column for the {' and the '.join(missing)}; the "
                f"columns are {cols.listing_of(table.columns)}"
            )
        evidence = _evidence(kind, chosen)
    repeated = [c for c in chosen.values() if c in table.repeated_headers]
    if repeated:
        raise ImportFailed(
            [
                ImportProblem(column=c, message="the column appears more than once in the header")
                for c in repeated
            ]
        )
    reader = _Cells(table, chosen, timezone, date_order)
    if kind == "deployments":
        frame, notes, left_out = _deployments(reader, now)
        log = DeliveryLog(deployments=frame)
        fmt = "deployments-csv"
    else:
        frame, notes, left_out = _incidents(reader, now)
        log = DeliveryLog(incidents=frame)
        fmt = "incidents-csv"
    reader.raise_problems()
    return DeliveryRead(kind, fmt, log, dict(chosen), evidence, tuple(notes), left_out=left_out)


class _Cells:
    """A table's cells by role, collecting problems with row, column and value."""

    def __init__(self, table: RawTable, chosen: dict[str, str], timezone: str, date_order):
        self.frame = table.frame.reset_index(drop=True)
        self.rows = np.asarray(table.rows)
        self.chosen = chosen
        self.timezone = timezone
        self.date_order = date_order
        self.problems: list[ImportProblem] = []

    def __len__(self) -> int:
        return len(self.frame)

    def text(self, role: str) -> pd.Series:
        """The role's cells as stripped text (missing where blank or no column)."""
        if role not in self.chosen:
            return pd.Series(pd.NA, index=self.frame.index, dtype="string")
        text = self.frame[self.chosen[role]].astype("string").str.strip()
        return text.mask(text == "")

    def times(self, role: str) -> pd.Series:
        if role not in self.chosen:
            return pd.Series(pd.NaT, index=self.frame.index, dtype="datetime64[us, UTC]")
        column = self.chosen[role]
        parsed = parse_timestamps(
            self.frame[column],
            column=column,
            rows=self.rows,
            date_order=self.date_order,
            timezone=self.timezone,
        )
        self.problems.extend(parsed.problems)
        return parsed.values.reset_index(drop=True)

    def report(self, mask: np.ndarray | pd.Series, role: str, message: str) -> None:
        """One problem per row where ``mask`` holds, naming the role's column and cell."""
        where = np.flatnonzero(np.asarray(mask, dtype=bool))
        if where.size == 0:
            return
        column = self.chosen.get(role)
        cells = self.frame[column].to_numpy(dtype=object) if column else None
        self.problems.extend(
            ImportProblem(
                row=int(self.rows[i]),
                column=column,
                value=clip(cells[i]) if cells is not None and isinstance(cells[i], str) else None,
                message=message,
            )
            for i in where[:2000]
        )

    def check_lengths(self) -> None:
        """Report text cells longer than the store keeps (never cut short silently)."""
        for role, limit in TEXT_LIMITS.items():
            if role not in self.chosen:
                continue
            long = (self.text(role).str.len() > limit).fillna(False).to_numpy(dtype=bool)
            self.report(long, role, f"longer than {limit} characters")

    def raise_problems(self) -> None:
        self.check_lengths()
        if self.problems:
            self.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
            raise ImportFailed(self.problems)


def _words(cells: pd.Series) -> pd.Series:
    return cols.word_key(cells)


def _blank_required(reader: _Cells, values: pd.Series, role: str, what: str) -> np.ndarray:
    """Report rows whose required ``role`` cell is blank; the mask of those rows."""
    blank = reader.text(role).isna().to_numpy(dtype=bool)
    reader.report(blank, role, f"the {what} is missing")
    return blank


def _future(reader: _Cells, values: pd.Series, role: str, now: pd.Timestamp, what: str) -> None:
    future = (values > now + FUTURE_SLACK).fillna(False).to_numpy(dtype=bool)
    reader.report(future, role, f"the {what} is in the future")


def _duplicate_ids(reader: _Cells, ids: pd.Series) -> None:
    again = (ids.notna() & ids.duplicated(keep="first")).to_numpy(dtype=bool)
    reader.report(again, "external_id", "this id is used by an earlier row too")


def _production_only(reader: _Cells, environment: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Rows to keep: deployments to production when the file names a production environment
    besides others (DORA counts deployments to production); all rows otherwise."""
    keys = _words(environment)
    production = keys.isin(cols.PRODUCTION_WORDS).fillna(False).to_numpy(dtype=bool)
    named = environment.notna().to_numpy(dtype=bool)
    if not production.any() or production[named].all():
        return np.ones(len(environment), dtype=bool), []
    others = sorted(set(environment[named & ~production].dropna().astype(str)))
    left = cols.counted(int((named & ~production).sum()), "deployment")
    shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
    note = (
        f"Left out {left} to other environments than production ({shown}): the DORA keys "
        "count deployments to production"
    )
    return production | ~named, [note]


def _deployments(reader: _Cells, now: pd.Timestamp) -> tuple[pd.DataFrame, list[str], int]:
    deployed = reader.times("deployed_at")
    _blank_required(reader, deployed, "deployed_at", "deployment time")
    commit = reader.times("commit_at")
    statuses = _words(reader.text("status"))
    blank_status = _blank_required(reader, statuses, "status", "status")
    success = statuses.isin(cols.SUCCESS_WORDS).fillna(False).to_numpy(dtype=bool)
    failure = statuses.isin(cols.FAILURE_WORDS).fillna(False).to_numpy(dtype=bool)
    reader.report(
        ~(success | failure | blank_status),
        "status",
        "unknown status: use success (or succeeded, ok, passed) or failure (or failed, error)",
    )
    kinds = _words(reader.text("kind"))
    rollback = kinds.isin(cols.ROLLBACK_WORDS).fillna(False).to_numpy(dtype=bool)
    hotfix = kinds.isin(cols.HOTFIX_WORDS).fillna(False).to_numpy(dtype=bool)
    planned = (kinds.isna() | kinds.isin(cols.PLANNED_WORDS)).fillna(True).to_numpy(dtype=bool)
    reader.report(
        ~(rollback | hotfix | planned),
        "kind",
        "unknown kind: use rollback (or revert), hotfix (or fix, patch) or leave it blank "
        "for a planned deployment",
    )
    _future(reader, deployed, "deployed_at", now, "deployment time")
    late = (commit > deployed).fillna(False).to_numpy(dtype=bool)
    reader.report(late, "commit_at", "the first commit is after the deployment")
    ids = reader.text("external_id")
    _duplicate_ids(reader, ids)
    service = reader.text("service")
    environment = reader.text("environment")
    frame = pd.DataFrame(
        {
            "external_id": ids.astype(object).where(ids.notna(), None),
            "deployed_at": deployed,
            "service": service.fillna(environment).astype(object),
            "environment": environment.astype(object),
            "status": np.where(failure, "failure", "success"),
            "kind": np.select([rollback, hotfix], ["rollback", "hotfix"], None),
            "commit_at": commit,
            "change_ids": cols.split_ids(reader.text("change_ids")),
        }
    )
    frame = frame.astype({"service": object, "environment": object, "external_id": object})
    frame = frame.where(frame.notna(), None).assign(deployed_at=deployed, commit_at=commit)
    keep, notes = _production_only(reader, environment)
    return frame[keep].reset_index(drop=True), notes, int((~keep).sum())


def _incidents(reader: _Cells, now: pd.Timestamp) -> tuple[pd.DataFrame, list[str], int]:
    started = reader.times("started_at")
    _blank_required(reader, started, "started_at", "start time")
    resolved = reader.times("resolved_at")
    _future(reader, started, "started_at", now, "start time")
    _future(reader, resolved, "resolved_at", now, "resolution time")
    before = (resolved < started).fillna(False).to_numpy(dtype=bool)
    reader.report(before, "resolved_at", "the incident is resolved before it started")
    ids = reader.text("external_id")
    _duplicate_ids(reader, ids)
    frame = pd.DataFrame(
        {
            "external_id": ids.astype(object),
            "title": reader.text("title").astype(object),
            "started_at": started,
            "resolved_at": resolved,
            "service": reader.text("service").astype(object),
            "deployment_ref": reader.text("deployment_ref").astype(object),
        }
    )
    text = ["external_id", "title", "service", "deployment_ref"]
    frame[text] = frame[text].where(frame[text].notna(), None)
    open_count = int(resolved.isna().sum())
    notes = (
        [f"No resolution time for {cols.counted(open_count, 'incident')}: counted as open"]
        if open_count
        else []
    )
    return frame, notes, 0
