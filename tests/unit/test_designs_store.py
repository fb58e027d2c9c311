"""Saved future-state designs in the store (vsm_core.store.designs), SQLite and PostgreSQL.

Two teams' datasets; Ana is an editor of A, Vic a viewer of A, Bo an editor of B. A design
belongs to its dataset's team: another team's design does not exist for a person, saving or
turning one into an experiment needs the editor role, and every change is in the team's
activity log. A design becomes an experiment once, with its target from the prediction.
"""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlmodel import Session

from vsm_core.experiments import records
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.store import crud, designs, teams
from vsm_core.store.access import SYSTEM, AccessDenied, NotFound, person

ANA = person(name="Ana", email="ana@example.org", claimed={"A": "editor"})
VIC = person(name="Vic", email="vic@example.org", claimed={"A": "viewer"})
BO = person(name="Bo", email="bo@example.org", claimed={"B": "editor"})

#: A design's record as FutureDesign.record() writes it (the parts the store and the
#: experiment read): the prediction brings the 85th percentile from 18.2 to 14.64 days.
RECORD = {
    "changes": ["wip:Ready=3", "wip:Review=3"],
    "changes_in_words": ["A WIP limit of 3 on Ready", "A WIP limit of 3 on Review"],
    "scope": {"work_types": ["Feature"], "teams": [], "attributes": {}},
    "prediction": {
        "current": {"simulated": {"cycle_time_days": {"p50": 12.0, "p85": 18.2}}},
        "future": {"cycle_time_days": {"p50": 8.6, "p85": 14.64}},
    },
    "sentences": [
        "Checked against today: fine.",
        "A WIP limit of 3 on Ready and a WIP limit of 3 on Review would bring the 85th "
        "percentile cycle time from 18 to about 15 (13–16) days, and the median from 12 to "
        "about 8.6 (7.9–9.4).",
    ],
}


@pytest.fixture(scope="module")
def small():
    return generate_demo_dataset(n_items=30, seed=5)


@pytest.fixture
def versions(engine, small):
    """Team -> (dataset id, version id), each stored by its team's editor."""
    ids = {}
    with Session(engine) as session:
        for team, actor in (("A", ANA), ("B", BO)):
            version = crud.save_dataset_version(
                session, dataset=small, name=f"Board {team}", team=team, format="demo", actor=actor
            )
            ids[team] = (version.dataset_id, version.id)
    return ids


def _save(session, actor, version_id, name="Limit the queues"):
    return designs.save_design(
        session,
        actor=actor,
        version_id=version_id,
        name=name,
        changes=RECORD["changes"],
        record=RECORD,
    )


def test_a_saved_design_keeps_its_name_changes_version_and_prediction(engine, versions):
    dataset_id, version_id = versions["A"]
    with Session(engine) as session:
        saved = _save(session, ANA, version_id, name="  Limit the queues  ")
        again = designs.get_design(session, actor=ANA, design_id=saved.id)
        assert again is not None
        assert (again.name, again.dataset_id, again.version_id) == (
            "Limit the queues",
            dataset_id,
            version_id,
        )
        assert again.changes == ["wip:Ready=3", "wip:Review=3"]
        assert again.record == RECORD
        assert again.author == "Ana" and again.experiment_id is None
        [entry] = [a for a in teams.list_activity(session, actor=ANA) if a.action == "design"]
        assert (entry.team, entry.actor) == ("A", "Ana")
        assert entry.subject == f"design {saved.id}: Limit the queues"


def test_a_person_of_another_team_gets_nothing(engine, versions):
    _, a_version = versions["A"]
    _, b_version = versions["B"]
    with Session(engine) as session:
        a_design = _save(session, ANA, a_version)
        b_design = _save(session, BO, b_version, name="B's design")
        for actor in (ANA, VIC):
            assert [d.id for d in designs.list_designs(session, actor=actor)] == [a_design.id]
            assert designs.get_design(session, actor=actor, design_id=b_design.id) is None
            b_dataset = versions["B"][0]
            assert designs.list_designs(session, actor=actor, dataset_id=b_dataset) == []
        assert [d.id for d in designs.list_designs(session, actor=BO)] == [b_design.id]
        assert {d.id for d in designs.list_designs(session, actor=SYSTEM)} == {
            a_design.id,
            b_design.id,
        }
        # Writes into another team look like writes into nothing.
        with pytest.raises(NotFound):
            _save(session, BO, a_version)
        with pytest.raises(NotFound):
            designs.start_experiment(
                session, actor=BO, design_id=a_design.id, change_date=date(2026, 6, 1)
            )
        # A viewer may read but not save or start.
        with pytest.raises(AccessDenied):
            _save(session, VIC, a_version)
        with pytest.raises(AccessDenied):
            designs.start_experiment(
                session, actor=VIC, design_id=a_design.id, change_date=date(2026, 6, 1)
            )
        assert len(designs.list_designs(session, actor=SYSTEM)) == 2
        assert records.list_experiments(session, actor=SYSTEM) == []


def test_a_design_needs_a_name_and_a_known_version(engine, versions):
    _, version_id = versions["A"]
    with Session(engine) as session:
        with pytest.raises(ValueError, match="name"):
            _save(session, ANA, version_id, name="   ")
        with pytest.raises(ValueError, match="name"):
            _save(session, ANA, version_id, name="x" * 201)
        with pytest.raises(NotFound):
            _save(session, ANA, 9999)
        assert designs.list_designs(session, actor=SYSTEM) == []


def test_a_design_becomes_an_experiment_once_with_its_target_from_the_prediction(engine, versions):
    dataset_id, version_id = versions["A"]
    with Session(engine) as session:
        design = _save(session, ANA, version_id)
        experiment = designs.start_experiment(
            session,
            actor=ANA,
            design_id=design.id,
            change_date=date(2026, 6, 1),
            review_date=date(2026, 8, 1),
        )
        assert experiment.dataset_id == dataset_id
        assert (experiment.metric, experiment.direction, experiment.target) == (
            "cycle_time_p85",
            "decrease",
            14.6,
        )
        assert experiment.title == "Limit the queues"
        assert experiment.hypothesis == RECORD["sentences"][1]
        assert experiment.action == "A WIP limit of 3 on Ready; A WIP limit of 3 on Review"
        assert experiment.change_date == date(2026, 6, 1)
        assert experiment.review_date == date(2026, 8, 1)
        assert experiment.scope["work_types"] == ["Feature"]
        assert experiment.author == experiment.owner == "Ana"
        linked = designs.get_design(session, actor=ANA, design_id=design.id)
        assert linked.experiment_id == experiment.id
        found = designs.design_of_experiment(session, actor=ANA, experiment_id=experiment.id)
        assert found.id == design.id
        assert designs.design_of_experiment(session, actor=BO, experiment_id=experiment.id) is None
        actions = [a.action for a in teams.list_activity(session, actor=ANA)]
        assert actions.count("design") == 2 and "experiment_create" in actions
        with pytest.raises(ValueError, match="already became experiment"):
            designs.start_experiment(
                session, actor=ANA, design_id=design.id, change_date=date(2026, 7, 1)
            )
        assert len(records.list_experiments(session, actor=SYSTEM)) == 1


def test_an_experiment_that_fails_its_checks_stores_nothing(engine, versions):
    _, version_id = versions["A"]
    with Session(engine) as session:
        design = _save(session, ANA, version_id)
        with pytest.raises(ValidationError):  # the review date is before the change date
            designs.start_experiment(
                session,
                actor=ANA,
                design_id=design.id,
                change_date=date(2026, 6, 1),
                review_date=date(2026, 5, 1),
            )
        assert records.list_experiments(session, actor=SYSTEM) == []
        assert designs.get_design(session, actor=ANA, design_id=design.id).experiment_id is None


def test_linking_checks_the_dataset_and_a_second_link(engine, versions):
    _, a_version = versions["A"]
    _, b_version = versions["B"]
    with Session(engine) as session:
        design = _save(session, ANA, a_version)
        other = designs.start_experiment(
            session, actor=BO, design_id=_save(session, BO, b_version).id, change_date=date.today()
        )
        with pytest.raises(NotFound):  # an experiment of another dataset
            designs.link_experiment(
                session, actor=SYSTEM, design_id=design.id, experiment_id=other.id
            )
        assert designs.get_design(session, actor=ANA, design_id=design.id).experiment_id is None
        # An experiment comes from one design at most.
        mine = designs.start_experiment(
            session, actor=ANA, design_id=design.id, change_date=date(2026, 6, 1)
        )
        second = _save(session, ANA, a_version, name="Second")
        with pytest.raises(ValueError, match="already came from design 'Limit the queues'"):
            designs.link_experiment(session, actor=ANA, design_id=second.id, experiment_id=mine.id)


def test_a_version_with_a_design_is_archived_not_deleted(engine, versions):
    _, version_id = versions["A"]
    with Session(engine) as session:
        _save(session, ANA, version_id)
        assert crud.delete_version(session, version_id=version_id, actor=SYSTEM) == "archived"
        assert len(designs.list_designs(session, actor=ANA)) == 1
