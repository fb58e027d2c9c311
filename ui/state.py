"""Cached access to the store and the sidebar selection every page reads.

Caches are keyed on the database URL, the dataset *version id* and the
version's import time (its *stamp*), so two teams' data can never share an
entry: a re-import is a new version, and a version id that SQLite hands out
again after the newest version was deleted comes with a new stamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st
from sqlmodel import Session

from vsm_core.filters import ItemFilter, attribute_options
from vsm_core.model import CanonicalDataset
from vsm_core.store import crud, database_url, make_engine
from vsm_core.store.bootstrap import prepare_database
from vsm_core.store.models import DatasetSummary


@st.cache_resource(show_spinner="Preparing the database…")
def get_engine(url: str):
    """One engine per database URL for the server's lifetime, schema at head, demo seeded."""
    engine = make_engine(url)
    prepare_database(engine)
    return engine


def current_engine():
    return get_engine(database_url())


def list_datasets() -> list[DatasetSummary]:
    with Session(current_engine()) as session:
        return crud.list_datasets(session)


def list_versions(dataset_id: int) -> dict[int, tuple[int, str]]:
    """Version number -> (version id, stamp) of a dataset, newest first.

    The stamp (the import time, ISO 8601) is part of every cache key next to
    the version id.
    """
    with Session(current_engine()) as session:
        versions = crud.list_versions(session, dataset_id=dataset_id)
    return {v.version: (v.id, v.imported_at.isoformat()) for v in reversed(versions)}


@st.cache_data(show_spinner="Loading the dataset…", max_entries=8)
def load_version(url: str, version_id: int, stamp: str | None = None) -> CanonicalDataset:
    """The stored dataset version (``stamp`` only keys the cache; see the module docstring)."""
    with Session(get_engine(url)) as session:
        return crud.load_dataset(session, version_id=version_id)


@dataclass(frozen=True)
class VersionFacts:
    """What the sidebar's filters offer for one version (small: cheap to unpickle per rerun)."""

    first_day: date
    last_day: date
    types: tuple[str, ...]
    teams: tuple[str, ...]
    attributes: dict[str, list[str]]


@st.cache_data(show_spinner=False, max_entries=16)
def version_facts(url: str, version_id: int, stamp: str | None = None) -> VersionFacts | None:
    """First and last event day, work types, teams and attribute values; None without events.

    Cached apart from the dataset, so a rerun's sidebar unpickles a few
    values rather than the whole dataset (tens of MB at 100,000 items).
    """
    loaded = load_version(url, version_id, stamp)
    if loaded.events.empty:
        return None
    items = loaded.items
    return VersionFacts(
        first_day=loaded.first_event_at.date(),
        last_day=loaded.last_event_at.date(),
        types=tuple(sorted(items["type"].dropna().unique().tolist())),
        teams=tuple(sorted(items["team"].dropna().unique().tolist())),
        attributes=attribute_options(items),
    )


@dataclass(frozen=True)
class Selection:
    """What the sidebar selected: a dataset version and the filters.

    ``version``/``version_id`` name the chosen version (the latest unless the
    user picked an older one); ``version_stamp`` is its import time, part of
    every cache key (see the module docstring).
    """

    dataset: DatasetSummary | None
    window: tuple[date, date] | None = None
    work_types: tuple[str, ...] = ()
    version: int | None = None
    version_id: int | None = None
    teams: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    version_stamp: str | None = None

    @property
    def item_filter(self) -> ItemFilter:
        return ItemFilter(work_types=self.work_types, teams=self.teams, attributes=self.attributes)

    def load(self) -> CanonicalDataset | None:
        if self.version_id is None:
            return None
        return load_version(database_url(), self.version_id, self.version_stamp)

    def facts(self) -> VersionFacts | None:
        if self.version_id is None:
            return None
        return version_facts(database_url(), self.version_id, self.version_stamp)
