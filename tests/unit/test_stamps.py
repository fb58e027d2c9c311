"""Cache stamps change when a readable row changes, and only then (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from vsm_core.experiments import records
from vsm_core.experiments.records import ExperimentCreate, ExperimentUpdate
from vsm_core.store import crud
from vsm_core.store.access import SYSTEM, person
from vsm_core.store.stamps import experiments_stamp

ANA = person(name="Ana", email="ana@example.org", claimed={"A": "editor"})


@pytest.fixture(scope="module")
def small_dataset():
    from vsm_core.sample_data import generate_demo_dataset

    return generate_demo_dataset(n_items=20)


def _experiment(session, dataset_id: int) -> int:
    return records.create_experiment(
        session,
        data=ExperimentCreate(
            title="Limit WIP",
            hypothesis="Less WIP, shorter cycle time",
            owner="Ana",
            dataset_id=dataset_id,
            metric="cycle_time_p85",
            direction="decrease",
            change_date=date(2026, 6, 1),
        ),
        author="ana",
        actor=SYSTEM,
    ).id


def test_a_stamp_follows_the_readers_rows_only(engine, small_dataset):
    with Session(engine) as session:
        a = crud.save_dataset_version(
            session, dataset=small_dataset, name="Team A", team="A", format="demo", actor=SYSTEM
        )
        b = crud.save_dataset_version(
            session, dataset=small_dataset, name="Team B", team="B", format="demo", actor=SYSTEM
        )
        _experiment(session, a.dataset_id)
        theirs = _experiment(session, b.dataset_id)
        before = experiments_stamp(session, actor=ANA)
        assert [d[1] for d in before[2]] == ["A"]  # datasets: team A's only
        assert len(before[0]) == 1
        records.update_experiment(
            session,
            experiment_id=theirs,
            changes=ExperimentUpdate(title="Limit WIP to 2"),
            author="bo",
            actor=SYSTEM,
        )
        assert experiments_stamp(session, actor=ANA) == before  # team B's edit: not Ana's
        everything = experiments_stamp(session, actor=SYSTEM)
        assert len(everything[0]) == 2 and len(everything[2]) == 2
        mine = records.list_experiments(session, dataset_id=a.dataset_id, actor=SYSTEM)[0]
        records.update_experiment(
            session,
            experiment_id=mine.id,
            changes=ExperimentUpdate(title="Limit WIP to 3"),
            author="ana",
            actor=ANA,
        )
        assert experiments_stamp(session, actor=ANA) != before
