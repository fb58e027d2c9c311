"""Deployment and incident imports (issue #14, part 2): keyword-only store functions taking a
session first and the acting :class:`~vsm_core.store.access.Actor`.

A team has at most one *current* import of each kind (``deployments``, ``incidents``): saving
a new one supersedes the previous (``superseded_at`` is set; its rows stay, for the
history). Saving the same file again (same SHA-256 as the current import of that team and
kind) stores nothing. Saving needs the editor role in the team and is written to its
activity log in the same transaction; reading needs any role in it (another team's
imports do not exist for the actor: lists leave them out, :func:`load_log` says "not
found").

:func:`load_log` gives the team's :class:`~vsm_core.delivery.log.DeliveryLog` from the
current import of each kind; a deployment's ``service`` is its environment when the file
named no service.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from vsm_core.delivery.log import DeliveryLog, text_or_none
from vsm_core.store.access import Actor, check, readable
from vsm_core.store.models import DeliveryImport, Deployment, Incident
from vsm_core.store.teams import record_activity
from vsm_core.store.types import utc_now
from vsm_core.store.writing import write_transaction

__all__ = ["SavedImport", "list_imports", "load_log", "save_import", "services"]

KINDS = ("deployments", "incidents")
_TEXT_LIMITS = {
    "external_id": 200,
    "service": 200,
    "environment": 200,
    "title": 500,
    "deployment_ref": 200,
}


@dataclass(frozen=True)
class SavedImport:
    """The outcome of :func:`save_import`: the team's current import of that kind and whether
    this call stored it (False: the same file was already the current import)."""

    import_id: int
    created: bool
    rows: int
    superseded: int | None = None


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"the kind must be one of {', '.join(KINDS)}, not {kind!r}")


def _current(session: Session, team: str, kind: str) -> DeliveryImport | None:
    statement = (
        select(DeliveryImport)
        .where(
            DeliveryImport.team == team,
            DeliveryImport.kind == kind,
            col(DeliveryImport.superseded_at).is_(None),
        )
        .order_by(col(DeliveryImport.id).desc())
    )
    return session.exec(statement).first()


def _fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the rows, for imports made without a file (the rows are the content)."""
    text = frame.astype(str).to_csv(index=False).encode("utf-8")
    return hashlib.sha256(text).hexdigest()


def save_import(
    session: Session,
    *,
    actor: Actor,
    team: str,
    kind: str,
    rows: pd.DataFrame,
    format: str,
    source_filename: str | None = None,
    source_sha256: str | None = None,
) -> SavedImport:
    """Store ``rows`` (a :class:`DeliveryLog` table of ``kind``) as ``team``'s current import.

    Needs the editor role in ``team`` (``NotFound``/``AccessDenied`` otherwise). Everything
    is one transaction. ``source_sha256`` (default: a hash of the rows) decides whether
    this is the current import again, in which case nothing is stored.
    """
    _check_kind(kind)
    team = (team or "").strip()
    if not team:
        raise ValueError("an import needs a team")
    table = (
        DeliveryLog(deployments=rows).deployments
        if kind == "deployments"
        else DeliveryLog(incidents=rows).incidents
    )
    sha = source_sha256 or _fingerprint(table)
    with write_transaction(session):
        check(actor, team, "edit", what=f"the {kind} of {team}")
        current = _current(session, team, kind)
        if current is not None and current.source_sha256 == sha:
            return SavedImport(int(current.id), False, current.row_count)
        record = DeliveryImport(
            team=team,
            kind=kind,
            format=format,
            source_filename=(source_filename or None) and source_filename[:500],
            source_sha256=sha,
            row_count=len(table),
            author=actor.name,
        )
        session.add(record)
        if current is not None:
            current.superseded_at = utc_now()
            session.add(current)
        session.flush()
        values = _deployment_rows(table) if kind == "deployments" else _incident_rows(table)
        if values:
            model = Deployment if kind == "deployments" else Incident
            session.execute(insert(model), [{**v, "import_id": record.id} for v in values])
        record_activity(
            session,
            actor=actor,
            team=team,
            action="delivery_import",
            subject=f"{kind} from {source_filename or 'rows'} ({len(table)} rows)",
            detail={
                "kind": kind,
                "import_id": record.id,
                "rows": len(table),
                "superseded": current.id if current is not None else None,
            },
        )
        saved = SavedImport(
            int(record.id), True, len(table), int(current.id) if current is not None else None
        )
    return saved


def _text(frame: pd.DataFrame, column: str) -> list:
    """The column's cells as text or None; ``ValueError`` for text longer than its column
    keeps (the readers refuse such cells first, naming their rows)."""
    values = text_or_none(frame[column])
    limit = _TEXT_LIMITS.get(column)
    if limit is not None and (values.str.len() > limit).fillna(False).any():
        raise ValueError(f"a {column.replace('_', ' ')} is longer than {limit} characters")
    return values.tolist()


def _times(values: pd.Series) -> list:
    """UTC datetimes (None for NaT) for the database."""
    stamps = pd.to_datetime(values, utc=True)
    return [None if pd.isna(v) else v.to_pydatetime() for v in stamps]


def _records(columns: dict[str, list]) -> list[dict]:
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _deployment_rows(table: pd.DataFrame) -> list[dict]:
    return _records(
        {
            "external_id": _text(table, "external_id"),
            "deployed_at": _times(table["deployed_at"]),
            "service": _text(table, "service"),
            "environment": _text(table, "environment"),
            "status": _text(table, "status"),
            "kind": _text(table, "kind"),
            "commit_at": _times(table["commit_at"]),
            "change_ids": [list(ids) for ids in table["change_ids"]],
        }
    )


def _incident_rows(table: pd.DataFrame) -> list[dict]:
    return _records(
        {
            "external_id": _text(table, "external_id"),
            "title": _text(table, "title"),
            "started_at": _times(table["started_at"]),
            "resolved_at": _times(table["resolved_at"]),
            "service": _text(table, "service"),
            "deployment_ref": _text(table, "deployment_ref"),
        }
    )


def list_imports(
    session: Session, *, actor: Actor, team: str | None = None
) -> list[DeliveryImport]:
    """The imports the actor may read (of ``team`` only, if given), newest first, superseded
    ones included."""
    statement = select(DeliveryImport).where(readable(DeliveryImport.team, actor))
    if team is not None:
        statement = statement.where(DeliveryImport.team == team)
    statement = statement.order_by(
        col(DeliveryImport.imported_at).desc(), col(DeliveryImport.id).desc()
    )
    return list(session.exec(statement).all())


def load_log(session: Session, *, actor: Actor, team: str) -> DeliveryLog:
    """The team's deployments and incidents from its current import of each kind (empty
    tables for a kind never imported). ``NotFound`` for a team the actor may not read."""
    check(actor, team, "read", what=f"team {team}")
    deployments = incidents = None
    current = _current(session, team, "deployments")
    if current is not None:
        fields = [
            Deployment.external_id,
            Deployment.deployed_at,
            Deployment.service,
            Deployment.environment,
            Deployment.status,
            Deployment.kind,
            Deployment.commit_at,
            Deployment.change_ids,
        ]
        rows = session.execute(
            select(*fields).where(Deployment.import_id == current.id).order_by(Deployment.id)
        ).all()
        deployments = pd.DataFrame(rows, columns=[f.key for f in fields])
        deployments["service"] = deployments["service"].where(
            deployments["service"].notna(), deployments["environment"]
        )
    current = _current(session, team, "incidents")
    if current is not None:
        fields = [
            Incident.external_id,
            Incident.title,
            Incident.started_at,
            Incident.resolved_at,
            Incident.service,
            Incident.deployment_ref,
        ]
        rows = session.execute(
            select(*fields).where(Incident.import_id == current.id).order_by(Incident.id)
        ).all()
        incidents = pd.DataFrame(rows, columns=[f.key for f in fields])
    return DeliveryLog(deployments=deployments, incidents=incidents)


def services(session: Session, *, actor: Actor, team: str) -> list[str]:
    """The services named by the team's current deployments and incidents, sorted — as
    ``load_log(...).services()`` gives them (a deployment without a service names its
    environment), from two DISTINCT queries instead of loading every record: the
    experiment forms ask for them on every run."""
    check(actor, team, "read", what=f"team {team}")
    names: set[object] = set()
    for kind, column, table in (
        ("deployments", func.coalesce(Deployment.service, Deployment.environment), Deployment),
        ("incidents", Incident.service, Incident),
    ):
        current = _current(session, team, kind)
        if current is not None:
            query = select(column).where(table.import_id == current.id).distinct()
            names.update(session.execute(query).scalars().all())
    return sorted({str(n) for n in names if n is not None and str(n)}, key=str.casefold)
