"""The Core reads of :mod:`vsm_core.store.reading` agree with the models and the ORM reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy.types import NullType
from sqlmodel import Session

from vsm_core.experiments import records
from vsm_core.store import crud, reading
from vsm_core.store.access import SYSTEM
from vsm_core.store.bootstrap import seed_demo_dataset
from vsm_core.store.models import (
    Dataset,
    DatasetVersion,
    Experiment,
    ExperimentSnapshot,
    StatusEventBlock,
)


@pytest.mark.parametrize(
    ("view", "model"),
    [
        (reading.DATASET, Dataset),
        (reading.DATASET_VERSION, DatasetVersion),
        (reading.STATUS_EVENT_BLOCK, StatusEventBlock),
        (reading.EXPERIMENT, Experiment),
        (reading.EXPERIMENT_SNAPSHOT, ExperimentSnapshot),
    ],
)
def test_the_core_views_name_real_columns_of_compatible_types(view, model):
    table = model.__table__
    assert view.name == table.name
    for column in view.columns:
        assert column.name in table.columns, f"{view.name}.{column.name}"
        if isinstance(column.type, NullType):  # only compared or ordered by, never decoded
            continue
        real = table.columns[column.name].type
        assert real._type_affinity is column.type._type_affinity, (
            f"{view.name}.{column.name}: {real!r} read as {column.type!r}"
        )


@pytest.fixture
def seeded(engine):
    with Session(engine) as session:
        version = seed_demo_dataset(session, actor=SYSTEM)
        first = records.list_experiments(session, actor=SYSTEM)[-1]
        records.update_experiment(
            session,
            experiment_id=first.id,
            changes=records.ExperimentUpdate(status="adopted"),
            author="t",
            actor=SYSTEM,
        )
        for verdict in ("improved", "worsened"):
            records.save_snapshot(
                session,
                experiment_id=first.id,
                version_id=version.id,
                result={"verdict": verdict},
                author="t",
                actor=SYSTEM,
            )
    return engine


def test_reads_agree_with_the_orm_reads(seeded):
    with Session(seeded) as session, seeded.connect() as connection:
        experiments = records.list_experiments(session, actor=SYSTEM)
        assert len(experiments) == 2
        for db in (session, connection):
            for orm in experiments:
                row = reading.experiment(db, experiment_id=orm.id, actor=SYSTEM)
                for name in reading.EXPERIMENT.columns.keys():  # noqa: SIM118
                    assert getattr(row, name) == getattr(orm, name), name
                snapshot = records.latest_snapshot(session, experiment_id=orm.id, actor=SYSTEM)
                assert reading.latest_snapshot_result(db, experiment_id=orm.id, actor=SYSTEM) == (
                    snapshot.result if snapshot else None
                )
            dataset_id = experiments[0].dataset_id
            assert [
                e.id
                for e in reading.experiments_of_dataset(db, dataset_id=dataset_id, actor=SYSTEM)
            ] == [
                e.id for e in records.list_experiments(session, dataset_id=dataset_id, actor=SYSTEM)
            ]
            latest = crud.get_version(session, dataset_id=dataset_id, actor=SYSTEM)
            assert reading.latest_version(db, dataset_id=dataset_id, actor=SYSTEM).id == latest.id
            assert reading.experiment(db, experiment_id=999, actor=SYSTEM) is None
            assert reading.latest_version(db, dataset_id=999, actor=SYSTEM) is None
        assert reading.latest_snapshot_result(connection, experiment_id=999, actor=SYSTEM) is None
        assert records.latest_snapshot(
            session, experiment_id=experiments[-1].id, actor=SYSTEM
        ).result == {"verdict": "worsened"}


def test_the_latest_version_skips_archived_ones(engine, demo_dataset):
    with Session(engine) as session:
        first = crud.save_dataset_version(
            session, dataset=demo_dataset, name="d", format="demo", actor=SYSTEM
        )
        second = crud.save_dataset_version(
            session, dataset=demo_dataset, name="d", format="demo", actor=SYSTEM
        )
        assert (
            reading.latest_version(session, dataset_id=first.dataset_id, actor=SYSTEM).id
            == second.id
        )
        second.archived_at = datetime(2026, 1, 1, tzinfo=UTC)
        session.add(second)
        session.commit()
        assert (
            reading.latest_version(session, dataset_id=first.dataset_id, actor=SYSTEM).id
            == first.id
        )
        assert crud.get_version(session, dataset_id=first.dataset_id, actor=SYSTEM).id == first.id


def test_load_dataset_from_a_connection_equals_the_session_load(engine, demo_dataset):
    with Session(engine) as session:
        version = crud.save_dataset_version(
            session, dataset=demo_dataset, name="d", format="demo", actor=SYSTEM
        )
        from_session = crud.load_dataset(session, version_id=version.id, actor=SYSTEM)
    with engine.connect() as connection:
        from_connection = reading.load_dataset(connection, version_id=version.id, actor=SYSTEM)
        with pytest.raises(LookupError):
            reading.load_dataset(connection, version_id=version.id + 1, actor=SYSTEM)
    pd.testing.assert_frame_equal(from_connection.items, from_session.items)
    pd.testing.assert_frame_equal(from_connection.events, demo_dataset.events)
    assert from_connection.workflow == demo_dataset.workflow
    assert from_connection.metadata == from_session.metadata
