"""The team rule in every store function: a person of team A gets nothing of team B.

Two teams' datasets with an experiment each; Ana is an editor of A, Vic a viewer of A,
Bo an editor of B. Through every read a function offers, Ana and Vic see A's rows only
(another team's row is "not found"); writes need the role; the system sees everything.
Every change is in its team's activity log with who made it. SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from vsm_core.experiments import records
from vsm_core.experiments.records import ExperimentCreate, ExperimentUpdate
from vsm_core.organisation.summary import team_datasets
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.store import crud, reading, teams
from vsm_core.store.access import SYSTEM, AccessDenied, NotFound, person
from vsm_core.workflow import same_workflow

ANA = person(name="Ana", email="ana@example.org", claimed={"A": "editor"})
VIC = person(name="Vic", email="vic@example.org", claimed={"A": "viewer"})
BO = person(name="Bo", email="bo@example.org", claimed={"B": "editor"})
ADMIN_B = person(name="Bea", email="bea@example.org", claimed={"B": "admin"})


@pytest.fixture(scope="module")
def small():
    return generate_demo_dataset(n_items=30, seed=5)


@pytest.fixture
def two_teams(engine, small):
    """Dataset ids and experiment ids of teams A and B, stored by their editors."""
    ids = {}
    with Session(engine) as session:
        for team, actor in (("A", ANA), ("B", BO)):
            version = crud.save_dataset_version(
                session, dataset=small, name=f"Board {team}", team=team, format="demo", actor=actor
            )
            experiment = records.create_experiment(
                session,
                data=ExperimentCreate(
                    title=f"Try {team}",
                    hypothesis="We believe this helps",
                    owner=actor.name,
                    dataset_id=version.dataset_id,
                    metric="cycle_time_p85",
                    direction="decrease",
                    change_date=date(2026, 6, 1),
                ),
                author=actor.name,
                actor=actor,
            )
            ids[team] = (version.dataset_id, version.id, experiment.id)
    return ids


def test_reads_return_only_the_actors_teams(engine, two_teams):
    (_, a_ver, a_exp), (b_set, b_ver, b_exp) = two_teams["A"], two_teams["B"]
    with Session(engine) as session:
        for actor in (ANA, VIC):
            assert [d.name for d in crud.list_datasets(session, actor=actor)] == ["Board A"]
            assert crud.get_dataset(session, dataset_id=b_set, actor=actor) is None
            assert crud.list_versions(session, dataset_id=b_set, actor=actor) == []
            assert crud.get_version(session, dataset_id=b_set, actor=actor) is None
            with pytest.raises(NotFound):
                crud.load_dataset(session, version_id=b_ver, actor=actor)
            assert crud.latest_workflow_for_team(session, team="B", actor=actor) is None
            assert records.get_experiment(session, experiment_id=b_exp, actor=actor) is None
            assert [e.id for e in records.list_experiments(session, actor=actor)] == [a_exp]
            assert records.experiment_history(session, experiment_id=b_exp, actor=actor) == []
            assert records.latest_snapshot(session, experiment_id=b_exp, actor=actor) is None
            assert reading.experiment(session, experiment_id=b_exp, actor=actor) is None
            assert reading.latest_version(session, dataset_id=b_set, actor=actor) is None
            assert reading.experiments_of_dataset(session, dataset_id=b_set, actor=actor) == []
            assert reading.latest_snapshot_result(session, experiment_id=b_exp, actor=actor) is None
            with pytest.raises(NotFound):
                reading.load_dataset(session, version_id=b_ver, actor=actor)
            assert [t.team for t in team_datasets(session, actor=actor)] == ["A"]
            assert {e.team for e in teams.list_activity(session, actor=actor)} == {"A"}
            assert teams.known_teams(session, actor=actor) == ["A"]
            # their own team reads as before
            assert crud.load_dataset(session, version_id=a_ver, actor=actor).items.shape[0] == 30
            assert records.get_experiment(session, experiment_id=a_exp, actor=actor) is not None
        assert len(crud.list_datasets(session, actor=SYSTEM)) == 2
        assert len(records.list_experiments(session, actor=SYSTEM)) == 2
        assert crud.load_dataset(session, version_id=b_ver, actor=SYSTEM).items.shape[0] == 30


def test_writes_need_the_role_and_another_teams_rows_are_not_found(engine, two_teams, small):
    (_, a_ver, a_exp), (b_set, b_ver, b_exp) = two_teams["A"], two_teams["B"]
    when = datetime(2026, 12, 1, tzinfo=UTC)
    with Session(engine) as session:
        with pytest.raises(AccessDenied, match="needs the editor role"):
            crud.save_dataset_version(
                session, dataset=small, name="Board A", format="demo", actor=VIC
            )
        with pytest.raises(crud.NameTaken):  # B's name, without saying whose
            crud.save_dataset_version(
                session, dataset=small, name="Board B", format="demo", actor=ANA
            )
        with pytest.raises(AccessDenied, match="may not import into team 'B'"):
            crud.save_dataset_version(
                session, dataset=small, name="New", team="B", format="demo", actor=ANA
            )
        with pytest.raises(NotFound):
            crud.save_workflow_version(
                session, dataset_id=b_set, workflow=small.workflow, actor=ANA
            )
        with pytest.raises(NotFound):
            crud.delete_version(session, version_id=b_ver, actor=ANA)
        with pytest.raises(AccessDenied, match="needs the admin role"):
            crud.delete_version(session, version_id=a_ver, actor=ANA)
        with pytest.raises(NotFound):
            crud.archive_dataset(session, dataset_id=b_set, when=when, actor=ANA)
        with pytest.raises(NotFound):
            records.update_experiment(
                session,
                experiment_id=b_exp,
                changes=ExperimentUpdate(owner="Mallory"),
                author="Ana",
                actor=ANA,
            )
        with pytest.raises(AccessDenied):
            records.update_experiment(
                session,
                experiment_id=a_exp,
                changes=ExperimentUpdate(owner="Vic"),
                author="Vic",
                actor=VIC,
            )
        assert crud.archive_dataset(session, dataset_id=b_set, when=when, actor=ADMIN_B)
        b_experiment = records.get_experiment(session, experiment_id=b_exp, actor=SYSTEM)
        assert b_experiment.owner == "Bo"  # nothing of B changed by A's people


def test_every_change_is_in_its_teams_activity_with_who_made_it(engine, two_teams, small):
    (a_set, _, a_exp) = two_teams["A"]
    with Session(engine) as session:
        records.update_experiment(
            session,
            experiment_id=a_exp,
            changes=ExperimentUpdate(owner="Kim"),
            author="Ana",
            actor=ANA,
        )
        workflow = small.workflow
        first = workflow.stages[0].model_copy(update={"name": "Inbox"})
        renamed = workflow.model_copy(update={"stages": (first, *workflow.stages[1:])})
        assert not same_workflow(renamed, workflow)
        crud.save_workflow_version(session, dataset_id=a_set, workflow=renamed, actor=ANA)
        log = teams.list_activity(session, actor=VIC, team="A")
    assert [(e.action, e.actor) for e in log] == [
        ("workflow", "Ana"),
        ("experiment_edit", "Ana"),
        ("experiment_create", "Ana"),
        ("import", "Ana"),
    ]


def test_retrospectives_and_check_in_rows_are_the_actors_teams_only(engine, two_teams):
    from vsm_core.experiments.checkin import checkin_rows, checkin_teams
    from vsm_core.experiments.checkin_flow import team_flow
    from vsm_core.store import retrospectives

    (a_set, _, a_exp), (b_set, _, b_exp) = two_teams["A"], two_teams["B"]
    with Session(engine) as session:
        saved = {}
        for team, actor, dataset_id, experiment_id in (
            ("A", ANA, a_set, a_exp),
            ("B", BO, b_set, b_exp),
        ):
            saved[team] = retrospectives.create_retrospective(
                session,
                dataset_id=dataset_id,
                team=team,
                held_on=date(2026, 6, 15),
                since=date(2026, 6, 1),
                author=actor.name,
                experiment_ids=[experiment_id],
                actor=actor,
            ).id
        with pytest.raises(AccessDenied):
            retrospectives.create_retrospective(
                session,
                dataset_id=a_set,
                team="A",
                held_on=date(2026, 6, 16),
                since=date(2026, 6, 1),
                author="Vic",
                actor=VIC,
            )
        with pytest.raises(LookupError):  # B's experiment cannot be linked from A's
            retrospectives.link_experiments(
                session, retrospective_id=saved["A"], experiment_ids=[b_exp], actor=ANA
            )
        for actor in (ANA, VIC):
            listed = retrospectives.list_retrospectives(session, actor=actor)
            assert [r.id for r in listed] == [saved["A"]]
            assert (
                retrospectives.get_retrospective(session, retrospective_id=saved["B"], actor=actor)
                is None
            )
            assert (
                retrospectives.retrospective_experiments(
                    session, retrospective_id=saved["B"], actor=actor
                )
                == []
            )
            assert retrospectives.latest_retrospective(session, team="B", actor=actor) is None
            # A's own team, and the team field its items carry (the demo's "Demo team")
            assert checkin_teams(session, actor=actor) == ["A", "Demo team"]
            rows = checkin_rows(session, today=date(2026, 12, 1), actor=actor)
            assert list(rows["id"]) == [a_exp]
            assert [f.dataset for f in team_flow(session, None, actor=actor)] == ["Board A"]
        assert len(retrospectives.list_retrospectives(session, actor=SYSTEM)) == 2
        log = teams.list_activity(session, actor=BO, team="B")
        assert log[0].action == "retrospective" and log[0].actor == "Bo"
