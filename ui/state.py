"""Cached access to the store and the sidebar selection every page reads.

Caches are keyed on the database URL and the dataset *version id*, so two
teams' data can never share an entry, and a re-import (a new version) is a
new key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st
from sqlmodel import Session

from vsm_core.filters import ItemFilter
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


def list_versions(dataset_id: int) -> dict[int, int]:
    """Version number -> version id of a dataset, newest first."""
    with Session(current_engine()) as session:
        versions = crud.list_versions(session, dataset_id=dataset_id)
    return {v.version: v.id for v in reversed(versions)}


@st.cache_data(show_spinner="Loading the dataset…", max_entries=8)
def load_version(url: str, version_id: int) -> CanonicalDataset:
    with Session(get_engine(url)) as session:
        return crud.load_dataset(session, version_id=version_id)


@dataclass(frozen=True)
class Selection:
    """What the sidebar selected: a dataset version and the filters.

    ``version``/``version_id`` name the chosen version (the latest unless the
    user picked an older one).
    """

    dataset: DatasetSummary | None
    window: tuple[date, date] | None = None
    work_types: tuple[str, ...] = ()
    version: int | None = None
    version_id: int | None = None
    teams: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def item_filter(self) -> ItemFilter:
        return ItemFilter(work_types=self.work_types, teams=self.teams, attributes=self.attributes)

    def load(self) -> CanonicalDataset | None:
        if self.version_id is None:
            return None
        return load_version(database_url(), self.version_id)
