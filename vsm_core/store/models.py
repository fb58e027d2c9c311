"""SQLModel tables and their read/create models.

Layout follows the SQLModel docs: a ``*Base`` with the shared fields, the
``table=True`` class, and plain models for what callers create or read.

* ``dataset``          – a named dataset of a team (its versions are re-imports).
* ``dataset_version``  – one import: source file, format, counts, workflow mapping.
* ``work_item``        – the items of a version, one row each.
* ``status_event_block`` – the version's canonical event log as one
  zstd-compressed Parquet blob. A million events load from it in about a
  tenth of a second, where a million rows take seconds (docs/benchmarks.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

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
