"""Cached access to the store and the sidebar selection every page reads.

Caches are keyed on the database URL, the dataset *version id* and the
version's import time (its *stamp*), so two teams' data can never share an
entry: a re-import is a new version, and a version id that SQLite hands out
again after the newest version was deleted comes with a new stamp.

Who may read what is the store's decision (:mod:`vsm_core.store.access`): the
lists ask the store with the visitor's identity, and a cached version is
served only after the store says the visitor may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st
from sqlmodel import Session

from ui.access_state import current_actor
from vsm_core.filters import ItemFilter, attribute_options
from vsm_core.model import CanonicalDataset
from vsm_core.store import crud, database_url, make_engine
from vsm_core.store.access import SYSTEM, NotFound
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
    """The datasets the visitor may read (:func:`ui.access_state.current_actor`)."""
    with Session(current_engine()) as session:
        return crud.list_datasets(session, actor=current_actor())


def list_versions(dataset_id: int) -> dict[int, tuple[int, str]]:
    """Version number -> (version id, stamp) of a dataset, newest first.

    The stamp (the import time, ISO 8601) is part of every cache key next to
    the version id.
    """
    with Session(current_engine()) as session:
        versions = crud.list_versions(session, dataset_id=dataset_id, actor=current_actor())
    return {v.version: (v.id, v.imported_at.isoformat()) for v in reversed(versions)}


def load_version(url: str, version_id: int, stamp: str | None = None) -> CanonicalDataset:
    """The stored dataset version, if the visitor may read it (``NotFound`` otherwise).

    The loaded version is cached by id and stamp (see the module docstring) and is the
    same for everyone who may read it; who may is asked of the store on every call,
    before the cache is, so an entry is never served to someone of another team.
    """
    _require_readable(url, version_id)
    return _load_version(url, version_id, stamp)


def _require_readable(url: str, version_id: int) -> None:
    actor = current_actor()
    if actor.everything:
        return
    with Session(get_engine(url)) as session:
        if not crud.may_read_version(session, version_id=version_id, actor=actor):
            raise NotFound(f"no dataset version with id {version_id}")


@st.cache_data(show_spinner="Loading the dataset…", max_entries=8)
def _load_version(url: str, version_id: int, stamp: str | None = None) -> CanonicalDataset:
    """The stored version, read as the system: callers check access first."""
    with Session(get_engine(url)) as session:
        return crud.load_dataset(session, version_id=version_id, actor=SYSTEM)


@dataclass(frozen=True)
class VersionFacts:
    """What the sidebar's filters offer for one version (small: cheap to unpickle per rerun)."""

    first_day: date
    last_day: date
    types: tuple[str, ...]
    teams: tuple[str, ...]
    attributes: dict[str, list[str]]


def version_facts(url: str, version_id: int, stamp: str | None = None) -> VersionFacts | None:
    """First and last event day, work types, teams and attribute values; None without events
    (``NotFound`` when the visitor may not read the version).

    Cached apart from the dataset, so a rerun's sidebar unpickles a few
    values rather than the whole dataset (tens of MB at 100,000 items).
    """
    _require_readable(url, version_id)
    return _version_facts(url, version_id, stamp)


@st.cache_data(show_spinner=False, max_entries=16)
def _version_facts(url: str, version_id: int, stamp: str | None = None) -> VersionFacts | None:
    loaded = _load_version(url, version_id, stamp)
    if loaded.events.empty:
        return None
    items = loaded.items
    return VersionFacts(
        # Local days in the dataset's time zone, like every window and period.
        first_day=loaded.first_event_at.tz_convert(loaded.timezone).date(),
        last_day=loaded.last_event_at.tz_convert(loaded.timezone).date(),
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
