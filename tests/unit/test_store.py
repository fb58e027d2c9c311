"""The store: engine pragmas, migrations, dataset versions, round trips, transactions."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from vsm_core.store import crud, current_revision, head_revision, make_engine, upgrade_to_head
from vsm_core.store.access import SYSTEM
from vsm_core.store.bootstrap import prepare_database
from vsm_core.store.engine import SQLITE_BUSY_TIMEOUT_MS
from vsm_core.store.models import Dataset, DatasetVersion, WorkItem


def _save(session, dataset, name="Team A", *, actor=SYSTEM, **extra):
    return crud.save_dataset_version(
        session, dataset=dataset, name=name, team="A", format="events", actor=actor, **extra
    )


def test_sqlite_pragmas_apply_to_every_connection(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                busy = connection.execute(text("PRAGMA busy_timeout")).scalar()
                assert busy == SQLITE_BUSY_TIMEOUT_MS == 30_000
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_file_and_folder_are_created_and_no_wal_left_after_dispose(tmp_path, demo_dataset):
    path = tmp_path / "nested" / "flowlab.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    with Session(engine) as session:
        _save(session, demo_dataset)
    engine.dispose()
    assert path.exists()
    leftovers = sorted(p.name for p in path.parent.iterdir() if p.name != path.name)
    assert leftovers == []


def test_upgrade_creates_every_table_and_is_idempotent(engine):
    assert current_revision(engine) == head_revision()
    upgrade_to_head(engine)  # a second run changes nothing and does not fail
    tables = set(inspect(engine).get_table_names())
    assert {"dataset", "dataset_version", "work_item", "status_event_block"} <= tables
    assert current_revision(engine) == head_revision()


def test_round_trip_keeps_items_events_and_workflow_exactly(engine, demo_dataset):
    with Session(engine) as session:
        version = _save(session, demo_dataset, source_filename="demo.csv", source_sha256="ab" * 32)
    with Session(engine) as session:
        loaded = crud.load_dataset(session, version_id=version.id, actor=SYSTEM)
    pd.testing.assert_frame_equal(loaded.items, demo_dataset.items)
    pd.testing.assert_frame_equal(loaded.events, demo_dataset.events)
    assert loaded.workflow == demo_dataset.workflow
    assert loaded.timezone == demo_dataset.timezone
    assert loaded.metadata["version"] == 1


def test_reimport_creates_a_new_version_and_the_old_one_stays_readable(engine, demo_dataset):
    smaller = demo_dataset.items.head(10)
    events = demo_dataset.events[demo_dataset.events["item_id"].isin(smaller["item_id"])]
    from vsm_core.model import make_dataset

    subset = make_dataset(smaller, events, demo_dataset.workflow)
    with Session(engine) as session:
        first = _save(session, subset)
        second = _save(session, demo_dataset)
        assert (first.version, second.version) == (1, 2)
        assert first.dataset_id == second.dataset_id
        [summary] = crud.list_datasets(session, actor=SYSTEM)
        assert (summary.latest_version, summary.versions, summary.items) == (2, 2, 600)
        assert crud.get_version(session, dataset_id=first.dataset_id, actor=SYSTEM).id == second.id
        old = crud.get_version(session, dataset_id=first.dataset_id, version=1, actor=SYSTEM)
        assert len(crud.load_dataset(session, version_id=old.id, actor=SYSTEM).items) == 10


def test_timestamps_come_back_timezone_aware_utc(engine, demo_dataset):
    with Session(engine) as session:
        version = _save(session, demo_dataset)
        stored = session.get(DatasetVersion, version.id)
        assert stored.imported_at.tzinfo is not None
        assert stored.imported_at.utcoffset().total_seconds() == 0
        item = session.exec(select(WorkItem).where(WorkItem.version_id == version.id)).first()
        assert item.created_at.utcoffset().total_seconds() == 0


def test_naive_timestamps_are_refused(engine):
    with Session(engine) as session:
        session.add(Dataset(name="naive", created_at=datetime(2024, 1, 1)))
        with pytest.raises(Exception, match="naive datetime"):
            session.commit()


def test_a_failed_save_stores_nothing(engine, demo_dataset, monkeypatch):
    def broken_encoder(_events):
        raise RuntimeError("disk full")

    monkeypatch.setattr(crud, "encode_events", broken_encoder)
    with Session(engine) as session, pytest.raises(RuntimeError, match="disk full"):
        _save(session, demo_dataset)
    with Session(engine) as session:
        assert session.exec(select(Dataset)).all() == []
        assert session.exec(select(WorkItem)).all() == []


def test_foreign_keys_are_enforced(engine):
    with Session(engine) as session:
        session.add(WorkItem(version_id=999, item_id="X-1"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_archived_datasets_are_hidden_unless_asked(engine, demo_dataset):
    with Session(engine) as session:
        version = _save(session, demo_dataset)
        crud.archive_dataset(
            session, dataset_id=version.dataset_id, when=datetime.now(UTC), actor=SYSTEM
        )
        assert crud.list_datasets(session, actor=SYSTEM) == []
        [archived] = crud.list_datasets(session, include_archived=True, actor=SYSTEM)
        assert archived.archived is True


def test_loading_an_unknown_version_raises_lookup_error(engine):
    with Session(engine) as session, pytest.raises(LookupError):
        crud.load_dataset(session, version_id=12345, actor=SYSTEM)


def test_prepare_database_seeds_the_demo_once(database_url):
    engine = make_engine(database_url)
    try:
        assert prepare_database(engine) is True
        assert prepare_database(engine) is False
        with Session(engine) as session:
            [summary] = crud.list_datasets(session, actor=SYSTEM)
        assert summary.name == "Demo team"
        assert summary.format == "demo"
        assert summary.items == 600
    finally:
        engine.dispose()


def test_deleting_a_version_removes_its_items_and_events_only(engine, demo_dataset):
    with Session(engine) as session:
        first = _save(session, demo_dataset)
        second = _save(session, demo_dataset)
        crud.delete_version(session, version_id=first.id, actor=SYSTEM)
        [summary] = crud.list_datasets(session, actor=SYSTEM)
        assert (summary.versions, summary.latest_version) == (1, 2)
        remaining = session.exec(select(WorkItem.version_id).distinct()).all()
        assert remaining == [second.id]
        assert len(crud.load_dataset(session, version_id=second.id, actor=SYSTEM).events) == len(
            demo_dataset.events
        )
        with pytest.raises(LookupError):
            crud.load_dataset(session, version_id=first.id, actor=SYSTEM)


def test_deleting_the_last_version_deletes_the_dataset(engine, demo_dataset):
    with Session(engine) as session:
        only = _save(session, demo_dataset)
        crud.delete_version(session, version_id=only.id, actor=SYSTEM)
        assert crud.list_datasets(session, include_archived=True, actor=SYSTEM) == []
        assert session.exec(select(WorkItem)).all() == []
        with pytest.raises(LookupError):
            crud.delete_version(session, version_id=only.id, actor=SYSTEM)


def test_the_latest_workflow_of_a_team_is_offered_for_reuse(engine, demo_dataset):
    from vsm_core.model import Stage, Workflow, make_dataset

    other = Workflow(
        stages=[Stage(name="Doing", category="active"), Stage(name="Done", category="done")]
    )
    with Session(engine) as session:
        assert crud.latest_workflow_for_team(session, team="A", actor=SYSTEM) is None
        _save(session, demo_dataset)
        small = make_dataset(demo_dataset.items.head(3), demo_dataset.events.head(0), other)
        _save(session, small, name="Team A again")
        assert crud.latest_workflow_for_team(session, team="A", actor=SYSTEM) == other
        assert crud.latest_workflow_for_team(session, team="nobody", actor=SYSTEM) is None


@pytest.fixture
def referring_table(engine):
    """A table that refers to versions and datasets, as the experiments table will."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE experiment_probe (id INTEGER PRIMARY KEY, "
                "version_id INTEGER REFERENCES dataset_version(id), "
                "dataset_id INTEGER REFERENCES dataset(id))"
            )
        )
    return "experiment_probe"


def _refer(engine, *, version_id=None, dataset_id=None):
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO experiment_probe (id, version_id, dataset_id) VALUES "
                "((SELECT COALESCE(MAX(id), 0) + 1 FROM experiment_probe), :v, :d)"
            ),
            {"v": version_id, "d": dataset_id},
        )


def test_a_referenced_version_is_archived_not_deleted(engine, demo_dataset, referring_table):
    with Session(engine) as session:
        first = _save(session, demo_dataset)
        second = _save(session, demo_dataset)
        first_id, second_id, dataset_id = first.id, second.id, first.dataset_id
    _refer(engine, version_id=first_id)
    with Session(engine) as session:
        assert crud.delete_version(session, version_id=first_id, actor=SYSTEM) == "archived"
        # hidden from lists, still readable by whoever refers to it
        assert [v.id for v in crud.list_versions(session, dataset_id=dataset_id, actor=SYSTEM)] == [
            second_id
        ]
        assert len(crud.load_dataset(session, version_id=first_id, actor=SYSTEM).items) == 600
        assert crud.delete_version(session, version_id=second_id, actor=SYSTEM) == "deleted"
        # no live version left, but an archived one: the dataset is archived, not deleted
        assert crud.list_datasets(session, actor=SYSTEM) == []
        [archived] = crud.list_datasets(session, include_archived=True, actor=SYSTEM)
        assert archived.archived
        assert len(crud.load_dataset(session, version_id=first_id, actor=SYSTEM).events) == len(
            demo_dataset.events
        )


def test_a_referenced_dataset_is_archived_with_its_last_version(
    engine, demo_dataset, referring_table
):
    with Session(engine) as session:
        only = _save(session, demo_dataset)
        only_id, dataset_id = only.id, only.dataset_id
    _refer(engine, dataset_id=dataset_id)
    with Session(engine) as session:
        assert crud.delete_version(session, version_id=only_id, actor=SYSTEM) == "deleted"
        assert (
            crud.get_dataset(session, dataset_id=dataset_id, actor=SYSTEM).archived_at is not None
        )
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM experiment_probe")).scalar() == 1


def test_version_numbers_are_never_reused_after_archiving(engine, demo_dataset, referring_table):
    with Session(engine) as session:
        first = _save(session, demo_dataset)
        first_id = first.id
    _refer(engine, version_id=first_id)
    with Session(engine) as session:
        crud.delete_version(session, version_id=first_id, actor=SYSTEM)
        assert _save(session, demo_dataset).version == 2
