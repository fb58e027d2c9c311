"""Numbers computed once from a dataset version and kept (table ``version_summary``).

A stored version never changes (a re-import or a workflow edit is a new
version), so anything computed from it alone can be computed once and read
back: the Organisation page's rows (issue #13: 50 teams within 3 s) are the
first such summary. A summary is a JSON payload under ``(version_id, key)``;
``key`` names what was computed, the code revision of its definition and its
parameters (``"overview-row/v1/days=28"``), so a changed definition is
computed afresh under a new key instead of serving stale numbers.

Access: like every store function these take the acting identity. Reading
or storing a version's summary needs only to be able to *read* the version
(its dataset's team, :mod:`vsm_core.store.access`): a summary is the same for
everyone who may read the version, derived from it alone, and storing it
changes none of the team's data, so it is not an activity-log change either
(a viewer's first look stores the row the next viewer reads).

Concurrent writers of one key do not fail: the insert is "insert, or do
nothing if that key is there" on SQLite and PostgreSQL alike, and the first
payload stays (two computations of one definition from one immutable version
are equal anyway).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from vsm_core.store.access import Actor, NotFound, readable
from vsm_core.store.crud import DATASET_TEAM
from vsm_core.store.models import Dataset, DatasetVersion, VersionSummary
from vsm_core.store.types import utc_now
from vsm_core.store.writing import write_transaction

log = logging.getLogger(__name__)

#: How a non-finite float is kept in the JSON payload (PostgreSQL's JSON has no NaN).
_NON_FINITE = "__float__"


def stored_summary(
    session: Session, *, actor: Actor, version_id: int, key: str
) -> dict[str, Any] | None:
    """The payload stored for ``(version_id, key)``, or None when none is stored.

    Raises :class:`~vsm_core.store.access.NotFound` when the version does not
    exist or the actor may not read it.
    """
    _require_readable(session, actor=actor, version_ids=[version_id])
    return stored_summaries(session, actor=actor, version_ids=[version_id], key=key).get(version_id)


def stored_summaries(
    session: Session, *, actor: Actor, version_ids: Iterable[int], key: str
) -> dict[int, dict[str, Any]]:
    """Version id → payload stored under ``key``, for those of ``version_ids`` that have one
    and the actor may read (one query for all of them; unreadable ones are left out)."""
    ids = sorted(set(version_ids))
    if not ids:
        return {}
    statement = (
        select(VersionSummary.version_id, VersionSummary.payload)
        .join(DatasetVersion, DatasetVersion.id == VersionSummary.version_id)
        .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
        .where(
            col(VersionSummary.version_id).in_(ids),
            VersionSummary.key == key,
            _readable(actor),
        )
    )
    return {version_id: decode(payload) for version_id, payload in session.exec(statement).all()}


def store_summary(
    session: Session, *, actor: Actor, version_id: int, key: str, payload: dict[str, Any]
) -> bool:
    """Keep ``payload`` for ``(version_id, key)``; True if stored, False if one was there.

    An existing payload is kept (insert-or-ignore), so two processes storing
    the same key at once both succeed. Commits its own transaction. Raises
    ``NotFound`` when the version does not exist or the actor may not read it.
    """
    return bool(store_summaries(session, actor=actor, key=key, payloads={version_id: payload}))


def store_summaries(
    session: Session, *, actor: Actor, key: str, payloads: Mapping[int, dict[str, Any]]
) -> int:
    """:func:`store_summary` for several versions (version id → payload) in one transaction;
    returns how many were stored (the others had one already). ``NotFound`` when any
    version does not exist or the actor may not read it: then nothing is stored."""
    if len(key) > 200:
        raise ValueError(f"a summary key has at most 200 characters, not {len(key)}")
    if not payloads:
        return 0
    now = utc_now()
    stored = 0
    with write_transaction(session):
        _require_readable(session, actor=actor, version_ids=sorted(payloads))
        dialect = session.connection().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for version_id, payload in sorted(payloads.items()):
            statement = (
                insert(VersionSummary)
                .values(version_id=version_id, key=key, payload=encode(payload), computed_at=now)
                .on_conflict_do_nothing(index_elements=["version_id", "key"])
                .returning(VersionSummary.version_id)  # a row only when this insert stored it
            )
            stored += session.connection().execute(statement).first() is not None
    return stored


def summary_or_compute(
    session: Session,
    *,
    actor: Actor,
    version_id: int,
    key: str,
    compute: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """The stored payload of ``(version_id, key)``; else ``compute()``, stored and returned.

    A failure to *store* (a busy database, a read-only replica) is logged and
    the computed payload returned anyway: a summary is a shortcut, never a
    reason to show nothing. Errors of ``compute`` itself are raised.
    """
    found = stored_summary(session, actor=actor, version_id=version_id, key=key)
    if found is not None:
        return found
    payload = compute()
    keep_quietly(session, actor=actor, key=key, payloads={version_id: payload})
    return payload


def keep_quietly(
    session: Session, *, actor: Actor, key: str, payloads: Mapping[int, dict[str, Any]]
) -> int:
    """:func:`store_summaries`, logging instead of raising when storing fails (0 then)."""
    try:
        return store_summaries(session, actor=actor, key=key, payloads=payloads)
    except NotFound:
        raise
    except Exception:  # a shortcut that could not be kept is only logged
        session.rollback()
        log.warning(
            "could not store summaries %s of versions %s", key, sorted(payloads), exc_info=True
        )
        return 0


def drop_summaries(session: Session, *, actor: Actor, prefix: str = "") -> int:
    """Delete the stored summaries (whose key starts with ``prefix``) of every version the
    actor may read; returns how many. They are computed again on the next read."""
    readable_ids = (
        select(DatasetVersion.id)
        .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
        .where(_readable(actor))
    )
    statement = delete(VersionSummary).where(
        col(VersionSummary.version_id).in_(readable_ids),
        col(VersionSummary.key).startswith(prefix, autoescape=True),
    )
    with write_transaction(session):
        dropped = session.connection().execute(statement).rowcount
    return int(dropped or 0)


# --------------------------------------------------------------------------- JSON payloads


def encode(value: Any) -> Any:
    """``value`` made JSON-safe without losing a number: NaN and infinities become
    ``{"__float__": "nan"}`` (``float(text)`` reads them back exactly); numpy scalars
    become Python numbers."""
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # a numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return {_NON_FINITE: repr(value)}
    return value


def decode(value: Any) -> Any:
    """Inverse of :func:`encode` (lists stay lists)."""
    if isinstance(value, dict):
        if set(value) == {_NON_FINITE}:
            return float(value[_NON_FINITE])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


# --------------------------------------------------------------------------- access


def _readable(actor: Actor):
    return readable(DATASET_TEAM, actor)


def _require_readable(session: Session, *, actor: Actor, version_ids: list[int]) -> None:
    """Raise ``NotFound`` unless every version exists and the actor may read it."""
    statement = (
        select(DatasetVersion.id)
        .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
        .where(col(DatasetVersion.id).in_(version_ids), _readable(actor))
    )
    found = set(session.exec(statement).all())
    missing = [v for v in version_ids if v not in found]
    if missing:
        raise NotFound(f"no dataset version with id {missing[0]}")
