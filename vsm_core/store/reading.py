"""Reading stored versions and experiments with SQLAlchemy Core only.

``experiments show`` reads one experiment, its dataset's latest version and
a few rows more. Through the ORM that would import SQLAlchemy's ORM,
SQLModel and build every table class (about 0.15 s of a process that should
answer in well under 2 s), so these reads name their tables and columns
with lightweight ``table()``/``column()`` constructs instead (the tests check
them against :mod:`vsm_core.store.models`). Rows come back as SQLAlchemy
``Row`` objects: attribute access by column name, like the ORM objects.

Every function takes a ``Session`` (SQLModel's or SQLAlchemy's; the reads
run on its connection, inside its transaction) or a ``Connection``.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import JSON, Date, Float, Integer, LargeBinary, String, Text, cast, column, table
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Row

from vsm_core.gcpause import collection_paused
from vsm_core.model import ITEM_COLUMNS, CanonicalDataset, Workflow, make_dataset
from vsm_core.store.access import Actor, NotFound
from vsm_core.store.codec import decode_events

DATASET = table("dataset", column("id", Integer), column("name", String), column("team", String))

DATASET_VERSION = table(
    "dataset_version",
    column("id", Integer),
    column("dataset_id", Integer),
    column("version", Integer),
    column("format", String),
    column("timezone", String),
    column("workflow", JSON),
    column("archived_at"),  # only compared with NULL
)
STATUS_EVENT_BLOCK = table(
    "status_event_block",
    column("version_id", Integer),
    column("payload", LargeBinary),
)
EXPERIMENT = table(
    "experiment",
    column("id", Integer),
    column("title", String),
    column("hypothesis", Text),
    column("action", Text),
    column("owner", String),
    column("status", String),
    column("learnings", Text),
    column("version", Integer),
    column("dataset_id", Integer),
    column("metric", String),
    column("direction", String),
    column("method", String),
    column("target", Float),
    column("change_date", Date),
    column("baseline_from", Date),
    column("baseline_to", Date),
    column("review_date", Date),
    column("scope", JSON),
)
EXPERIMENT_SNAPSHOT = table(
    "experiment_snapshot",
    column("id", Integer),
    column("experiment_id", Integer),
    column("version_id", Integer),
    column("taken_at"),  # only ordered by
    column("result", JSON),
)
#: The canonical item columns, stored one per column of ``work_item``.
ITEM_FIELDS = ITEM_COLUMNS


def connection_of(db) -> Connection:
    """The connection to run Core statements on: ``db`` itself, or a session's connection."""
    return db if isinstance(db, Connection) else db.connection()


# --------------------------------------------------------------------------- access


def _dataset_team(db, *, dataset_id: int) -> str | None:
    """The team of a dataset (its team, else its own name); None when there is no such dataset."""
    d = DATASET.c
    row = connection_of(db).execute(sa_select(d.team, d.name).where(d.id == dataset_id)).first()
    return None if row is None else (row.team or row.name)


def dataset_team(db, *, dataset_id: int, actor: Actor) -> str | None:
    """The team of a dataset the actor may read; None when there is none they may read."""
    team = _dataset_team(db, dataset_id=dataset_id)
    return team if team is not None and actor.may(team) else None


def _may_read_dataset(db, actor: Actor, dataset_id: int) -> bool:
    if actor.everything:
        return True  # no query for the system and the single user
    team = _dataset_team(db, dataset_id=dataset_id)
    return team is not None and actor.may(team)


# --------------------------------------------------------------------------- versions


def latest_version(db, *, dataset_id: int, actor: Actor) -> Row | None:
    """The dataset's newest version that is not archived (``id``, ``version``, …), or None
    (also when the actor may not read the dataset)."""
    if not _may_read_dataset(db, actor, dataset_id):
        return None
    v = DATASET_VERSION.c
    statement = (
        sa_select(DATASET_VERSION)
        .where(v.dataset_id == dataset_id, v.archived_at.is_(None))
        .order_by(v.version.desc())
        .limit(1)
    )
    return connection_of(db).execute(statement).first()


def load_dataset(db, *, version_id: int, actor: Actor) -> CanonicalDataset:
    """Read a stored version back into the canonical model.

    Raises :class:`~vsm_core.store.access.NotFound` (a ``LookupError``) when
    the version does not exist or the actor may not read its dataset.
    """
    if not actor.everything:
        owner = (
            connection_of(db)
            .execute(
                sa_select(DATASET_VERSION.c.dataset_id).where(DATASET_VERSION.c.id == version_id)
            )
            .scalar()
        )
        if owner is None or not _may_read_dataset(db, actor, owner):
            raise NotFound(f"no dataset version with id {version_id}")
    # Hundreds of thousands of objects are made and all stay alive until the frames are
    # built: a collection meanwhile finds nothing and costs about a third of a large load.
    with collection_paused():
        return _load_dataset(connection_of(db), version_id=version_id)


def _load_dataset(connection: Connection, *, version_id: int) -> CanonicalDataset:
    version = connection.execute(
        sa_select(DATASET_VERSION).where(DATASET_VERSION.c.id == version_id)
    ).first()
    if version is None:
        raise LookupError(f"no dataset version with id {version_id}")
    payload = connection.execute(
        sa_select(STATUS_EVENT_BLOCK.c.payload).where(STATUS_EVENT_BLOCK.c.version_id == version_id)
    ).scalar()
    events = (
        decode_events(bytes(payload))
        if payload is not None
        else pd.DataFrame(columns=["item_id", "status", "entered_at"])
    )
    return make_dataset(
        _read_items(connection, version_id=version_id),
        events,
        Workflow.model_validate(version.workflow),
        timezone=version.timezone,
        metadata={
            "dataset_id": version.dataset_id,
            "version": version.version,
            "version_id": version.id,
            "format": version.format,
        },
    )


def _read_items(connection: Connection, *, version_id: int) -> pd.DataFrame:
    """Items of a version, converted column-wise.

    The columns are selected untyped so SQLAlchemy skips its per-row result
    processing, and JSON and timestamps are read as text so the driver does
    not decode them cell by cell (psycopg would call ``json.loads`` 300k
    times for 150k items); both are then decoded once per column.
    """
    as_text = {"created_at", "labels", "attributes"}
    statement = (
        sa_select(
            *(
                cast(column(name), Text).label(name) if name in as_text else column(name)
                for name in ITEM_FIELDS
            )
        )
        .select_from(table("work_item"))
        .where(column("version_id") == version_id)
        .order_by(column("id"))
    )
    rows = connection.execute(statement).all()
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes otherwise.
    frame = pd.DataFrame.from_records([tuple(row) for row in rows], columns=list(ITEM_FIELDS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    frame["labels"] = _decode_json(frame["labels"])
    frame["attributes"] = _decode_json(frame["attributes"])
    return frame


def _decode_json(values: pd.Series) -> pd.Series:
    """Decode a JSON column: text on SQLite, already decoded on PostgreSQL.

    Text cells are joined into one JSON array and parsed in a single call,
    several times faster than one ``json.loads`` per cell.
    """
    cells = values.tolist()
    if not cells or not isinstance(cells[0], str):
        return pd.Series(cells, index=values.index, dtype="object")
    return pd.Series(json.loads("[" + ",".join(cells) + "]"), index=values.index, dtype="object")


# --------------------------------------------------------------------------- experiments


def experiment(db, *, experiment_id: int, actor: Actor) -> Row | None:
    """The fields of an experiment the evidence and ``experiments show`` read, or None (also
    when the actor may not read its dataset)."""
    statement = sa_select(EXPERIMENT).where(EXPERIMENT.c.id == experiment_id)
    row = connection_of(db).execute(statement).first()
    if row is None or not _may_read_dataset(db, actor, row.dataset_id):
        return None
    return row


def experiments_of_dataset(db, *, dataset_id: int, actor: Actor) -> list[Row]:
    """The dataset's experiments, newest change date first (as ``records.list_experiments``);
    none when the actor may not read the dataset."""
    if not _may_read_dataset(db, actor, dataset_id):
        return []
    e = EXPERIMENT.c
    statement = (
        sa_select(EXPERIMENT)
        .where(e.dataset_id == dataset_id)
        .order_by(e.change_date.desc(), e.id.desc())
    )
    return list(connection_of(db).execute(statement).all())


def latest_snapshot_result(db, *, experiment_id: int, actor: Actor) -> dict[str, Any] | None:
    """The stored result of the experiment's newest review snapshot, or None (also when the
    actor may not read the experiment)."""
    if not actor.everything and experiment(db, experiment_id=experiment_id, actor=actor) is None:
        return None
    s = EXPERIMENT_SNAPSHOT.c
    statement = (
        sa_select(s.result)
        .where(s.experiment_id == experiment_id)
        .order_by(s.taken_at.desc(), s.id.desc())
        .limit(1)
    )
    return connection_of(db).execute(statement).scalar()
