"""Retrospectives in the store (SQLite, and PostgreSQL when VSM_TEST_POSTGRES_URL is set):
CRUD, refusals that store nothing, the upgrade that adds the tables, and the experiments due."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import bindparam, inspect, text
from sqlmodel import Session, func, select

from vsm_core.experiments import records
from vsm_core.experiments.records import ExperimentCreate
from vsm_core.retrospective.due import DUE_COLUMNS, due_for_review
from vsm_core.store import crud, current_revision, head_revision, make_engine, upgrade_to_head
from vsm_core.store import retrospectives as store
from vsm_core.store.access import SYSTEM
from vsm_core.store.bootstrap import prepare_database
from vsm_core.store.models import Retrospective, RetrospectiveExperiment


@pytest.fixture
def dataset_id(engine, demo_dataset) -> int:
    with Session(engine) as session:
        version = crud.save_dataset_version(
            session,
            dataset=demo_dataset,
            name="Payments",
            team="Payments team",
            format="events",
            actor=SYSTEM,
        )
        return version.dataset_id


def _experiment(engine, dataset_id: int, title: str = "Pair on reviews") -> int:
    data = ExperimentCreate(
        title=title,
        hypothesis="We believe that pairing will shorten Review, as measured by its p85.",
        owner="Ana",
        dataset_id=dataset_id,
        metric="time_in_stage_p85:Review",
        direction="decrease",
        change_date=date(2026, 9, 1),
    )
    with Session(engine) as session:
        return records.create_experiment(session, data=data, author="ana", actor=SYSTEM).id


def _count(engine, model) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_create_read_list_update_and_link(engine, dataset_id):
    first = _experiment(engine, dataset_id)
    second = _experiment(engine, dataset_id, "Smaller stories")
    with Session(engine) as session:
        older = store.create_retrospective(
            session,
            dataset_id=dataset_id,
            team="Payments team",
            held_on=date(2026, 9, 1),
            since=date(2026, 8, 18),
            attendees=" Ana, Bo ",
            notes="Review is where work waits.\nWe try pairing.",
            author=" Ana ",
            experiment_ids=[first, first],
            actor=SYSTEM,
        )
        newer = store.create_retrospective(
            session,
            dataset_id=dataset_id,
            team="Payments team",
            held_on=date(2026, 9, 15),
            since=date(2026, 9, 1),
            author="Bo",
            actor=SYSTEM,
        )
        assert (older.attendees, older.author) == ("Ana, Bo", "Ana")
        assert older.notes == "Review is where work waits.\nWe try pairing."
        assert older.created_at.tzinfo is not None
        assert [
            e.id
            for e in store.retrospective_experiments(
                session, retrospective_id=older.id, actor=SYSTEM
            )
        ] == [first]
        assert [
            r.id for r in store.list_retrospectives(session, team="Payments team", actor=SYSTEM)
        ] == [
            newer.id,
            older.id,
        ]
        assert store.list_retrospectives(session, team="Another team", actor=SYSTEM) == []
        assert (
            store.latest_retrospective(session, team="Payments team", actor=SYSTEM).id == newer.id
        )
        assert (
            store.latest_retrospective(session, team=None, dataset_id=dataset_id, actor=SYSTEM).id
            == newer.id
        )
        assert store.latest_retrospective(session, team=None, actor=SYSTEM) is None

        linked = store.link_experiments(
            session, retrospective_id=older.id, experiment_ids=[second, first], actor=SYSTEM
        )
        assert [e.id for e in linked] == [first, second]
        updated = store.update_retrospective(
            session, retrospective_id=newer.id, notes=" Better ", actor=SYSTEM
        )
        assert (updated.notes, updated.attendees) == ("Better", "")
        assert (
            store.get_retrospective(session, retrospective_id=newer.id, actor=SYSTEM).notes
            == "Better"
        )
        assert store.get_retrospective(session, retrospective_id=999, actor=SYSTEM) is None
    assert _count(engine, RetrospectiveExperiment) == 2


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"author": "  "}, ValueError, "author"),
        ({"since": date(2026, 9, 2)}, ValueError, "day after"),
        ({"dataset_id": 999}, LookupError, "no dataset"),
        ({"experiment_ids": [999]}, LookupError, "no experiment with id 999"),
    ],
)
def test_a_refused_retrospective_stores_nothing(engine, dataset_id, change, error, message):
    values = dict(
        dataset_id=dataset_id,
        team="Payments team",
        held_on=date(2026, 9, 1),
        since=date(2026, 8, 18),
        author="Ana",
    )
    with Session(engine) as session, pytest.raises(error, match=message):
        store.create_retrospective(session, **{**values, **change}, actor=SYSTEM)
    assert _count(engine, Retrospective) == 0
    assert _count(engine, RetrospectiveExperiment) == 0


def test_unknown_ids_are_refused_on_update_and_link(engine, dataset_id):
    with Session(engine) as session:
        with pytest.raises(LookupError):
            store.update_retrospective(session, retrospective_id=5, notes="x", actor=SYSTEM)
        with pytest.raises(LookupError):
            store.link_experiments(session, retrospective_id=5, experiment_ids=[], actor=SYSTEM)


def test_a_retrospective_keeps_its_dataset_archived_not_deleted(engine, dataset_id):
    with Session(engine) as session:
        store.create_retrospective(
            session,
            dataset_id=dataset_id,
            team=None,
            held_on=date(2026, 9, 1),
            since=date(2026, 9, 1),
            author="Ana",
            actor=SYSTEM,
        )
        [version] = crud.list_versions(session, dataset_id=dataset_id, actor=SYSTEM)
        assert crud.delete_version(session, version_id=version.id, actor=SYSTEM) == "deleted"
        assert (
            crud.get_dataset(session, dataset_id=dataset_id, actor=SYSTEM).archived_at is not None
        )
        assert len(store.list_retrospectives(session, dataset_id=dataset_id, actor=SYSTEM)) == 1


# --------------------------------------------------------------------------- the migration


def test_the_upgrade_adds_the_tables_and_keeps_older_experiments(database_url):
    """Data written at revision 0004 survives the upgrade and can be linked to a retrospective."""
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine, revision="0004")
        assert "retrospective" not in inspect(engine).get_table_names()
        when = datetime(2026, 3, 1, 9, tzinfo=UTC)
        with engine.begin() as connection:
            dataset_id = connection.execute(
                text(
                    "INSERT INTO dataset (name, team, created_at) VALUES ('Old', 'T', :at) "
                    "RETURNING id"
                ).bindparams(bindparam("at", type_=sa.DateTime(timezone=True))),
                {"at": when},
            ).scalar_one()
            experiment_id = connection.execute(
                text(
                    "INSERT INTO experiment (title, hypothesis, action, owner, dataset_id, metric, "
                    "direction, change_date, status, learnings, scope, author, created_at, "
                    "updated_at, method) VALUES ('Old one', 'H', '', 'Ana', :dataset_id, "
                    "'cycle_time_p85', 'decrease', :day, 'running', 'Keep it', :scope, 'ana', "
                    ":at, :at, 'start') RETURNING id"
                ).bindparams(
                    bindparam("at", type_=sa.DateTime(timezone=True)),
                    bindparam("day", type_=sa.Date()),
                    bindparam("scope", type_=sa.JSON()),
                ),
                {"dataset_id": dataset_id, "day": date(2026, 3, 1), "scope": {}, "at": when},
            ).scalar_one()

        upgrade_to_head(engine)

        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"retrospective", "retrospective_experiment"} <= tables
        keys = inspect(engine).get_foreign_keys("retrospective_experiment")
        assert {k["referred_table"] for k in keys} == {"retrospective", "experiment"}
        with Session(engine) as session:
            saved = store.create_retrospective(
                session,
                dataset_id=dataset_id,
                team="T",
                held_on=date(2026, 3, 15),
                since=date(2026, 3, 1),
                author="Bo",
                experiment_ids=[experiment_id],
                actor=SYSTEM,
            )
            [linked] = store.retrospective_experiments(
                session, retrospective_id=saved.id, actor=SYSTEM
            )
            assert (linked.title, linked.learnings) == ("Old one", "Keep it")
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- experiments due


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    """The app's demo database: the Demo team and its two experiments (never written to)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('due') / 'demo.db'}")
    prepare_database(engine)
    yield engine
    engine.dispose()


def _due(engine, held_on: date, horizon: int = 14):
    with Session(engine) as session:
        return due_for_review(
            session,
            team="Demo team",
            dataset_id=1,
            held_on=held_on,
            horizon_days=horizon,
            actor=SYSTEM,
        )


def test_due_experiments_are_reviewing_or_reviewed_by_the_next_retrospective(demo_engine):
    # WIP limit: reviewing, review 2026-09-07; Stand-up: running, review 2026-05-11.
    early = _due(demo_engine, date(2026, 4, 1))
    assert list(early.columns) == list(DUE_COLUMNS)
    assert list(early["title"]) == ["WIP limit on Ready and Review"]  # reviewing: always due
    assert early["overdue"].tolist() == [False]
    both = _due(demo_engine, date(2026, 5, 1))  # 2026-05-11 is within 14 days
    assert list(both["title"]) == [
        "Stand-up walks the board right to left",
        "WIP limit on Ready and Review",
    ]
    assert list(both["verdict"]) == ["no clear change", "improved"]
    assert list(both["metric"]) == ["85th percentile cycle time"] * 2
    late = _due(demo_engine, date(2026, 12, 7), horizon=0)
    assert late["overdue"].tolist() == [True, True]


def test_no_experiments_give_an_empty_table(engine, dataset_id):
    with Session(engine) as session:
        due = due_for_review(
            session,
            team="Payments team",
            dataset_id=dataset_id,
            held_on=date(2026, 9, 1),
            horizon_days=14,
            actor=SYSTEM,
        )
    assert due.empty and list(due.columns) == list(DUE_COLUMNS)
