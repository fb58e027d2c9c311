"""SQLModel tables and their read/create models.

Layout follows the SQLModel docs: a ``*Base`` with the shared fields, the
``table=True`` class, and plain models for what callers create or read.

* ``dataset``          – a named dataset of a team (its versions are re-imports).
* ``dataset_version``  – one import: source file, format, counts, workflow mapping.
* ``work_item``        – the items of a version, one row each.
* ``status_event_block`` – the version's canonical event log as one
  zstd-compressed Parquet blob. A million events load from it in about a
  tenth of a second, where a million rows take seconds (docs/benchmarks.md).
* ``experiment``, ``experiment_edit``, ``experiment_snapshot`` – improvement
  experiments, their edit history and their review snapshots (at the end).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from vsm_core.experiments.spec import DEFAULT_METHOD, Direction, Method, Status
from vsm_core.store.types import UTCDateTime, utc_now


class DatasetBase(SQLModel):
    name: str = Field(index=True, unique=True, min_length=1, max_length=200)
    team: str | None = Field(default=None, max_length=200)


class Dataset(DatasetBase, table=True):
    __tablename__ = "dataset"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DatasetVersionBase(SQLModel):
    source_filename: str | None = Field(default=None, max_length=500)
    source_sha256: str | None = Field(default=None, max_length=64)
    format: str = Field(max_length=40)
    timezone: str = Field(default="UTC", max_length=64)
    item_count: int = 0
    event_count: int = 0
    workflow: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class DatasetVersion(DatasetVersionBase, table=True):
    __tablename__ = "dataset_version"
    __table_args__ = (UniqueConstraint("dataset_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True, ondelete="RESTRICT")
    version: int
    imported_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WorkItem(SQLModel, table=True):
    __tablename__ = "work_item"
    __table_args__ = (UniqueConstraint("version_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="dataset_version.id", index=True, ondelete="CASCADE")
    item_id: str = Field(max_length=200)
    title: str | None = None
    type: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=200)
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    labels: list[str] = Field(default_factory=list, sa_type=JSON)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    blocked_days: float | None = None


class StatusEventBlock(SQLModel, table=True):
    __tablename__ = "status_event_block"

    version_id: int = Field(foreign_key="dataset_version.id", primary_key=True, ondelete="CASCADE")
    encoding: str = Field(default="parquet-zstd", max_length=40)
    event_count: int = 0
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class DatasetSummary(BaseModel):
    """What ``datasets list`` shows: a dataset with its latest version's facts."""

    id: int
    name: str
    team: str | None
    latest_version: int | None
    versions: int
    version_id: int | None
    format: str | None
    source_filename: str | None
    items: int
    events: int
    imported_at: datetime | None
    archived: bool


# --- Improvement experiments ----------------------------------------------------------------
#
# * ``experiment``          – one improvement experiment on a dataset (never deleted by the app).
# * ``experiment_edit``     – its history: who changed which fields when (the first row: created).
# * ``experiment_snapshot`` – the evidence an experiment was reviewed on, kept as it was then.
#
# Every foreign key here is RESTRICT: the store archives a dataset or version that an
# experiment or snapshot refers to instead of deleting it (``crud.delete_version``), and no
# cascade ever removes an experiment. The create/update/read models and the validation live
# in :mod:`vsm_core.experiments.records`.


class ExperimentBase(SQLModel):
    """The fields an experiment's author fills in (its scope is stored apart, as JSON)."""

    title: str = Field(max_length=200)
    hypothesis: str = Field(sa_type=Text)
    action: str = Field(default="", sa_type=Text)
    owner: str = Field(max_length=200)
    dataset_id: int = Field(foreign_key="dataset.id", index=True, ondelete="RESTRICT")
    metric: str = Field(max_length=200)
    direction: Direction = Field(sa_type=AutoString(length=20))
    target: float | None = None
    #: How per-item metrics are compared (``vsm_core.experiments.spec.Method``). The server
    #: default is what migration 0004 gave the experiments stored before the field existed.
    method: Method = Field(
        default=DEFAULT_METHOD,
        sa_type=AutoString(length=20),
        sa_column_kwargs={"server_default": DEFAULT_METHOD},
    )
    change_date: date
    baseline_from: date | None = None
    baseline_to: date | None = None
    review_date: date | None = None
    status: Status = Field(default="planned", sa_type=AutoString(length=20), index=True)
    learnings: str = Field(default="", sa_type=Text)


class Experiment(ExperimentBase, table=True):
    __tablename__ = "experiment"

    id: int | None = Field(default=None, primary_key=True)
    #: ``ExperimentScope.model_dump(mode="json")``: work_types, team, attributes.
    scope: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    author: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    #: Raised by one with every stored edit (optimistic locking, migration 0006): an edit
    #: made from an older version is refused instead of overwriting (``records.EditConflict``).
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class ExperimentEdit(SQLModel, table=True):
    """One entry of an experiment's history: ``changes`` maps a field to ``[old, new]``."""

    __tablename__ = "experiment_edit"

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True, ondelete="RESTRICT")
    kind: str = Field(default="edited", max_length=20)  # "created" or "edited"
    at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    author: str = Field(max_length=200)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: The experiment's version this entry produced (1 for "created").
    version: int | None = None


class ExperimentSnapshot(SQLModel, table=True):
    """The evidence an experiment was reviewed on, on the version it was judged on."""

    __tablename__ = "experiment_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True, ondelete="RESTRICT")
    version_id: int = Field(foreign_key="dataset_version.id", index=True, ondelete="RESTRICT")
    status: Status = Field(sa_type=AutoString(length=20))  # the verdict at the time
    taken_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    author: str = Field(max_length=200)
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


# --- Retrospectives -------------------------------------------------------------------------
#
# * ``retrospective``            – one team retrospective: when it was held, the period it
#   looked back on ("since"), who came, what was said.
# * ``retrospective_experiment`` – the experiments the retrospective started.
#
# RESTRICT like the experiments: a retrospective keeps its dataset (archived, never deleted)
# and its experiments. CRUD: :mod:`vsm_core.store.retrospectives`.


class Retrospective(SQLModel, table=True):
    __tablename__ = "retrospective"

    id: int | None = Field(default=None, primary_key=True)
    #: The team the retrospective was for (the dataset's team; a later issue scopes by it).
    team: str | None = Field(default=None, max_length=200, index=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True, ondelete="RESTRICT")
    held_on: date
    since: date
    attendees: str = Field(default="", sa_type=Text)
    notes: str = Field(default="", sa_type=Text)
    author: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class RetrospectiveExperiment(SQLModel, table=True):
    """An experiment a retrospective started (one row per pair)."""

    __tablename__ = "retrospective_experiment"

    retrospective_id: int = Field(
        foreign_key="retrospective.id", primary_key=True, ondelete="RESTRICT"
    )
    experiment_id: int = Field(
        foreign_key="experiment.id", primary_key=True, index=True, ondelete="RESTRICT"
    )


# --- Teams: members and activity -------------------------------------------------------------
#
# * ``team_member`` – a role in a team given on the Admin page (roles also come from the
#   ID token's groups claim; see :mod:`vsm_core.store.access`).
# * ``activity``    – who changed what in a team, newest first on the Activity view.
#
# A team is a name (``dataset.team``); it has no table of its own. CRUD and the access rule:
# :mod:`vsm_core.store.teams`, :mod:`vsm_core.store.access`.


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    team: str = Field(max_length=200, index=True)
    #: Lower-cased; the signed-in identity's e-mail is compared lower-cased.
    email: str = Field(max_length=320, index=True)
    role: str = Field(max_length=20)  # viewer, editor or admin
    added_by: str = Field(max_length=200)
    added_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class Activity(SQLModel, table=True):
    """One change in a team: ``action`` names it, ``subject`` says what it was done to."""

    __tablename__ = "activity"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False, index=True)
    team: str = Field(max_length=200, index=True)
    actor: str = Field(max_length=200)
    actor_email: str | None = Field(default=None, max_length=320)
    action: str = Field(max_length=40)
    subject: str = Field(max_length=300)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


# --- Future-state designs ---------------------------------------------------------------------
#
# * ``future_design`` – a saved future-state design (issue #14): its name, the change texts,
#   the prediction made on a dataset version (``vsm_core.future.FutureDesign.record()``), and
#   the experiment it became, if any. It belongs to its dataset's team. RESTRICT like the
#   experiments: a version a design was computed on is archived, never deleted. CRUD:
#   :mod:`vsm_core.store.designs`.


class FutureDesign(SQLModel, table=True):
    __tablename__ = "future_design"

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True, ondelete="RESTRICT")
    version_id: int = Field(foreign_key="dataset_version.id", index=True, ondelete="RESTRICT")
    name: str = Field(max_length=200)
    #: The change texts in the order given (``scale:Review=0.5``, ...).
    changes: list[str] = Field(default_factory=list, sa_type=JSON)
    #: ``FutureDesign.record()`` (history, as-of, runs, seed, prediction) plus ``sentences``
    #: and ``scope`` (the filters the design was computed on).
    record: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    #: The experiment the design became (one at most).
    experiment_id: int | None = Field(
        default=None, foreign_key="experiment.id", index=True, ondelete="RESTRICT"
    )
    author: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


# --- Delivery: deployments and incidents (issue #14, part 2) ----------------------------------
#
# * ``delivery_import`` – one upload of a team's deployment or incident records. A newer
#   import of the same team and kind supersedes the older one (``superseded_at``): exports of
#   deployments are cumulative, so the newest file is the whole log.
# * ``deployment``      – one deployment of a service (or to an environment).
# * ``incident``        – one incident, optionally naming the deployment that caused it.
#
# Rows belong to their import (CASCADE); the import belongs to a team. CRUD and the team
# rule: :mod:`vsm_core.store.delivery`.


class DeliveryImport(SQLModel, table=True):
    __tablename__ = "delivery_import"

    id: int | None = Field(default=None, primary_key=True)
    team: str = Field(max_length=200, index=True)
    kind: str = Field(max_length=20)  # "deployments" or "incidents"
    format: str = Field(max_length=40)
    source_filename: str | None = Field(default=None, max_length=500)
    source_sha256: str | None = Field(default=None, max_length=64)
    row_count: int = 0
    author: str = Field(max_length=200)
    imported_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Deployment(SQLModel, table=True):
    __tablename__ = "deployment"

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="delivery_import.id", index=True, ondelete="CASCADE")
    #: The tool's own id of the deployment (GitHub's id, a pipeline run), when the file has one.
    external_id: str | None = Field(default=None, max_length=200)
    deployed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    service: str | None = Field(default=None, max_length=200)
    environment: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=20)  # "success" or "failure"
    #: How the deployment was classed by the file: e.g. "rollback", "hotfix" (rework), or None.
    kind: str | None = Field(default=None, max_length=40)
    #: First commit of the change deployed (lead time for changes starts here).
    commit_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    change_ids: list[str] = Field(default_factory=list, sa_type=JSON)


class Incident(SQLModel, table=True):
    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="delivery_import.id", index=True, ondelete="CASCADE")
    external_id: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=500)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    service: str | None = Field(default=None, max_length=200)
    #: The causing deployment's ``external_id``, when the file names one.
    deployment_ref: str | None = Field(default=None, max_length=200)


# --- Any measure: uploaded series (issue #14, part 3) -----------------------------------------
#
# * ``series_import`` – one upload of a CSV of ``date, metric, value[, team]`` rows.
# * ``series_point``  – one value of a team's metric on a day. A later upload's value for the
#   same team, metric and day replaces the earlier one (the unique key), and points to it.
#
# CRUD and the team rule: :mod:`vsm_core.store.series`.


class SeriesImport(SQLModel, table=True):
    __tablename__ = "series_import"

    id: int | None = Field(default=None, primary_key=True)
    #: The team the upload was made for (rows naming another team need its editor role).
    team: str = Field(max_length=200, index=True)
    source_filename: str | None = Field(default=None, max_length=500)
    source_sha256: str | None = Field(default=None, max_length=64)
    row_count: int = 0
    author: str = Field(max_length=200)
    imported_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class SeriesPoint(SQLModel, table=True):
    __tablename__ = "series_point"
    __table_args__ = (UniqueConstraint("team", "metric", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="series_import.id", index=True, ondelete="CASCADE")
    team: str = Field(max_length=200, index=True)
    metric: str = Field(max_length=200)
    day: date
    value: float


# --- Stored summaries ---------------------------------------------------------------------------
#
# * ``version_summary`` – numbers computed once from an immutable dataset version and kept
#   (issue #13: the Organisation page's row for 50 teams within 3 s). ``key`` names what was
#   computed and with which code revision, so a changed definition computes afresh instead of
#   serving stale numbers. Written at import and on first read. :mod:`vsm_core.store.summaries`.


class VersionSummary(SQLModel, table=True):
    __tablename__ = "version_summary"

    version_id: int = Field(foreign_key="dataset_version.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    computed_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
