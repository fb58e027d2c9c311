"""Cache stamps change when a readable row changes, and only then (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlmodel import Session

from tests.delivery_records import store_deployments
from vsm_core.experiments import records
from vsm_core.experiments.records import ExperimentCreate, ExperimentUpdate
from vsm_core.store import crud, series
from vsm_core.store.access import SYSTEM, person
from vsm_core.store.stamps import experiments_stamp, records_stamp

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


def _points(session, team: str, value: float) -> None:
    series.save_series(
        session,
        actor=SYSTEM,
        team=team,
        points=pd.DataFrame(
            {"team": [team], "metric": ["NPS"], "day": [date(2026, 6, 1)], "value": [value]}
        ),
    )


def test_the_records_stamp_follows_a_teams_deployments_and_series(engine):
    """Experiments on a DORA key or a series are judged on the team's records: a new
    deployments file or series value of the team changes its stamp (and the experiments
    stamp); another team's does not."""
    with Session(engine) as session:
        empty = records_stamp(session, actor=ANA)
        assert empty == ((), (None, 0))
        store_deployments(session, "B", ["2026-06-01T10:00:00Z"])
        _points(session, "B", 10.0)
        assert records_stamp(session, actor=ANA) == empty  # team B's rows: not Ana's
        before = experiments_stamp(session, actor=ANA)
        store_deployments(session, "A", ["2026-06-01T10:00:00Z"])
        after_import = records_stamp(session, actor=ANA, team="A")
        assert len(after_import[0]) == 1
        # a second file replaces the first: a new current import
        store_deployments(session, "A", ["2026-06-02T10:00:00Z"])
        replaced = records_stamp(session, actor=ANA, team="A")
        assert len(replaced[0]) == 1 and replaced != after_import
        _points(session, "A", 30.0)
        _points(session, "A", 40.0)  # the same day again: the value is replaced
        stamps = {records_stamp(session, actor=ANA, team="A")}
        assert replaced not in stamps
        assert experiments_stamp(session, actor=ANA) != before
        everything = records_stamp(session, actor=SYSTEM)
        assert len(everything[0]) == 2  # the current imports of A and B
