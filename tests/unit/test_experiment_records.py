"""Experiment records: validation, history, review snapshots, lists, overlaps, and that
experiments and the data they were judged on are never lost."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from vsm_core.experiments import records
from vsm_core.experiments.records import (
    ExperimentCreate,
    ExperimentRead,
    ExperimentUpdate,
    create_experiment,
    experiment_history,
    experiment_window,
    field_errors,
    get_experiment,
    latest_snapshot,
    list_experiments,
    overlapping_experiments,
    save_snapshot,
    update_experiment,
)
from vsm_core.experiments.spec import ExperimentScope, evidence_spec
from vsm_core.store import crud, reading
from vsm_core.store.access import SYSTEM
from vsm_core.store.models import Dataset, Experiment, ExperimentEdit, ExperimentSnapshot

CHANGE = date(2024, 3, 1)


@pytest.fixture(scope="module")
def small_dataset():
    from vsm_core.sample_data import generate_demo_dataset

    return generate_demo_dataset(n_items=20)


def _version(session, dataset, name="Team A", team="A"):
    return crud.save_dataset_version(
        session, dataset=dataset, name=name, team=team, format="demo", actor=SYSTEM
    )


def _create_data(dataset_id: int, **overrides) -> ExperimentCreate:
    values = {
        "title": "Limit WIP to 3",
        "hypothesis": (
            "We believe that a WIP limit of 3 will shorten cycle time as measured by cycle_time_p85"
        ),
        "action": "WIP limit of 3 on Doing",
        "owner": "Ana",
        "dataset_id": dataset_id,
        "metric": "cycle_time_p85",
        "direction": "decrease",
        "target": 10.0,
        "change_date": CHANGE,
        **overrides,
    }
    return ExperimentCreate(**values)


def _create(session, dataset_id, author="ana", **overrides) -> Experiment:
    return create_experiment(
        session, data=_create_data(dataset_id, **overrides), author=author, actor=SYSTEM
    )


# --- validation ---------------------------------------------------------------------------


VALID = {
    "title": "Limit WIP",
    "hypothesis": "We believe that ... will ... as measured by ...",
    "owner": "Ana",
    "dataset_id": 1,
    "metric": "cycle_time_p85",
    "direction": "decrease",
    "change_date": CHANGE,
}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "   "}, "title", "the title must not be blank"),
        ({"hypothesis": ""}, "hypothesis", "the hypothesis must not be blank"),
        ({"owner": " \t"}, "owner", "the owner must not be blank"),
        ({"metric": "velocity"}, "metric", "unknown metric 'velocity'"),
        ({"metric": "time_in_stage_p85:"}, "metric", "unknown metric"),
        ({"direction": "sideways"}, "direction", "direction: Input should be"),
        ({"status": "done"}, "status", "status: Input should be"),
        ({"method": "created"}, "method", "comparison method: Input should be 'start' or 'done'"),
        ({"target": math.nan}, "target", "the target must be a finite number"),
        ({"target": math.inf}, "target", "the target must be a finite number"),
        ({"change_date": "soon"}, "change_date", "change date: Input should be a valid date"),
        ({"baseline_from": date(2024, 1, 1)}, "baseline_to", "give both baseline dates"),
        ({"baseline_to": date(2024, 1, 1)}, "baseline_from", "give both baseline dates"),
        (
            {"baseline_from": date(2024, 2, 1), "baseline_to": date(2024, 1, 1)},
            "baseline_to",
            "the baseline starts after it ends",
        ),
        (
            {"baseline_from": date(2024, 1, 1), "baseline_to": CHANGE},
            "baseline_to",
            "the baseline must end before the change date",
        ),
        (
            {"review_date": CHANGE - timedelta(days=1)},
            "review_date",
            "the review date must not be before the change date",
        ),
    ],
)
def test_each_invalid_field_gets_its_own_message(overrides, field, message):
    with pytest.raises(ValidationError) as raised:
        ExperimentCreate(**{**VALID, **overrides})
    errors = field_errors(raised.value)
    assert list(errors) == [field]
    assert message in errors[field]


def test_every_invalid_field_is_reported_at_once_and_missing_ones_are_named():
    with pytest.raises(ValidationError) as raised:
        ExperimentCreate(**{**VALID, "title": "", "owner": "", "metric": "x", "target": math.inf})
    assert set(field_errors(raised.value)) == {"title", "owner", "metric", "target"}
    with pytest.raises(ValidationError) as raised:
        ExperimentCreate(title="Only a title")
    errors = field_errors(raised.value)
    assert errors["change_date"] == "the change date is required"
    assert {"hypothesis", "owner", "dataset_id", "metric", "direction"} <= set(errors)


def test_valid_input_is_normalised():
    data = ExperimentCreate(
        **{**VALID, "title": "  Limit WIP ", "metric": " share_of_type: Bug "},
        review_date=CHANGE,
        scope={"work_types": ["Story"], "team": "A"},
    )
    assert data.title == "Limit WIP"
    assert data.metric == "share_of_type:Bug"
    assert data.status == "planned"
    assert data.method == "start"  # items by start, unfinished counted as censored
    assert data.scope == ExperimentScope(work_types=("Story",), team="A")


def test_an_update_checks_the_fields_it_sets():
    assert ExperimentUpdate().model_dump(exclude_unset=True) == {}
    with pytest.raises(ValidationError) as raised:
        ExperimentUpdate(title=" ", metric="nope", target=math.nan)
    assert set(field_errors(raised.value)) == {"title", "metric", "target"}


# --- create, edit, history ----------------------------------------------------------------


def test_create_stores_the_experiment_and_a_created_history_entry(engine, small_dataset):
    before = datetime.now(UTC)
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset).dataset_id
        experiment = _create(
            session,
            dataset_id,
            author="ana",
            scope=ExperimentScope(work_types=("Story",), attributes={"area": ("web",)}),
        )
        experiment_id = experiment.id
    with Session(engine) as session:
        stored = get_experiment(session, experiment_id=experiment_id, actor=SYSTEM)
        assert (stored.title, stored.owner, stored.author) == ("Limit WIP to 3", "Ana", "ana")
        assert (stored.status, stored.change_date, stored.target) == ("planned", CHANGE, 10.0)
        assert stored.scope == {
            "work_types": ["Story"],
            "team": None,
            "attributes": {"area": ["web"]},
        }
        assert stored.created_at.utcoffset() == timedelta(0)
        assert before <= stored.created_at == stored.updated_at <= datetime.now(UTC)
        read = ExperimentRead.model_validate(stored)
        assert read.scope == ExperimentScope(work_types=("Story",), attributes={"area": ("web",)})
        assert records.evidence_spec(stored).metric == "cycle_time_p85"

        [created] = experiment_history(session, experiment_id=experiment_id, actor=SYSTEM)
        assert (created.kind, created.author) == ("created", "ana")
        assert created.at == stored.created_at
        assert created.changes["title"] == [None, "Limit WIP to 3"]
        assert created.changes["change_date"] == [None, "2024-03-01"]
        assert created.changes["status"] == [None, "planned"]
        assert created.changes["method"] == [None, "start"]
        assert (stored.method, read.method) == ("start", "start")
        assert "baseline_from" not in created.changes  # empty fields are not listed


def test_one_evidence_spec_reads_the_model_the_stored_row_and_the_core_row(engine, small_dataset):
    scope = ExperimentScope(work_types=("Story",), attributes={"area": ("web",)})
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset).dataset_id
        baseline = {"baseline_from": date(2024, 1, 1), "baseline_to": date(2024, 2, 1)}
        data = _create_data(dataset_id, scope=scope, method="done", **baseline)
        experiment_id = create_experiment(session, data=data, author="ana", actor=SYSTEM).id
        stored = get_experiment(session, experiment_id=experiment_id, actor=SYSTEM)
        core_row = reading.experiment(session, experiment_id=experiment_id, actor=SYSTEM)
        specs = [evidence_spec(data), evidence_spec(stored), evidence_spec(core_row)]
    assert specs[0] == specs[1] == specs[2]
    assert (specs[0].metric, specs[0].scope) == ("cycle_time_p85", scope)
    assert specs[0].method == "done"
    assert (specs[0].baseline_from, specs[0].baseline_to) == (date(2024, 1, 1), date(2024, 2, 1))


def test_edits_record_who_when_and_only_what_changed(engine, small_dataset):
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset).dataset_id
        experiment_id = _create(session, dataset_id).id
        created_at = get_experiment(session, experiment_id=experiment_id, actor=SYSTEM).created_at

        before = datetime.now(UTC)
        edited = update_experiment(
            session,
            experiment_id=experiment_id,
            changes=ExperimentUpdate(status="running", target=9, title="Limit WIP to 3"),
            author="bo",
            actor=SYSTEM,
        )
        assert (edited.status, edited.target) == ("running", 9.0)
        assert edited.updated_at > created_at
        update_experiment(
            session,
            experiment_id=experiment_id,
            changes=ExperimentUpdate(
                baseline_from=date(2024, 1, 1),
                baseline_to=date(2024, 2, 28),
                scope=ExperimentScope(team="A"),
                target=None,
            ),
            author="cy",
            actor=SYSTEM,
        )
        created, first, second = experiment_history(
            session, experiment_id=experiment_id, actor=SYSTEM
        )
        assert created.kind == "created"
        assert (first.kind, first.author) == ("edited", "bo")
        assert first.changes == {"target": [10.0, 9.0], "status": ["planned", "running"]}
        assert before <= first.at <= datetime.now(UTC)
        assert first.at.utcoffset() == timedelta(0)
        assert second.author == "cy"
        assert second.changes == {
            "scope": [
                {"work_types": [], "team": None, "attributes": {}},
                {"work_types": [], "team": "A", "attributes": {}},
            ],
            "target": [9.0, None],
            "baseline_from": [None, "2024-01-01"],
            "baseline_to": [None, "2024-02-28"],
        }
        stored = get_experiment(session, experiment_id=experiment_id, actor=SYSTEM)
        assert stored.target is None
        assert stored.baseline_from == date(2024, 1, 1)
        assert stored.scope["team"] == "A"


def test_edits_that_change_nothing_write_nothing(engine, small_dataset):
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset).dataset_id
        experiment_id = _create(session, dataset_id).id
        updated_at = get_experiment(session, experiment_id=experiment_id, actor=SYSTEM).updated_at
        for changes in (
            ExperimentUpdate(),
            ExperimentUpdate(title=" Limit WIP to 3 ", target=10, metric="cycle_time_p85"),
            ExperimentUpdate(scope=ExperimentScope(), status="planned", change_date=CHANGE),
        ):
            update_experiment(
                session, experiment_id=experiment_id, changes=changes, author="bo", actor=SYSTEM
            )
        assert len(experiment_history(session, experiment_id=experiment_id, actor=SYSTEM)) == 1
        assert (
            get_experiment(session, experiment_id=experiment_id, actor=SYSTEM).updated_at
            == updated_at
        )


def test_an_edit_is_validated_whole_and_a_refused_one_stores_nothing(engine, small_dataset):
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset).dataset_id
        experiment_id = _create(session, dataset_id).id
        with pytest.raises(ValidationError) as raised:
            update_experiment(
                session,
                experiment_id=experiment_id,
                changes=ExperimentUpdate(title="New title", baseline_to=date(2024, 2, 1)),
                author="bo",
                actor=SYSTEM,
            )
        assert field_errors(raised.value) == {
            "baseline_from": "give both baseline dates or neither"
        }
        with pytest.raises(ValidationError) as raised:
            update_experiment(
                session,
                experiment_id=experiment_id,
                changes=ExperimentUpdate(review_date=date(2024, 2, 1)),
                author="bo",
                actor=SYSTEM,
            )
        assert set(field_errors(raised.value)) == {"review_date"}
    with Session(engine) as session:
        assert (
            get_experiment(session, experiment_id=experiment_id, actor=SYSTEM).title
            == "Limit WIP to 3"
        )
        assert len(experiment_history(session, experiment_id=experiment_id, actor=SYSTEM)) == 1


def test_unknown_ids_and_blank_authors_are_refused(engine, small_dataset):
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset).dataset_id
        with pytest.raises(LookupError, match="no experiment with id 999"):
            update_experiment(
                session,
                experiment_id=999,
                changes=ExperimentUpdate(title="x"),
                author="bo",
                actor=SYSTEM,
            )
        with pytest.raises(LookupError, match="no dataset with id 999"):
            _create(session, 999)
        with pytest.raises(ValueError, match="author"):
            _create(session, dataset_id, author="  ")
        assert get_experiment(session, experiment_id=999, actor=SYSTEM) is None
        assert session.exec(select(Experiment)).all() == []
        assert session.exec(select(ExperimentEdit)).all() == []


# --- review snapshots ---------------------------------------------------------------------


def test_a_reviewed_experiment_keeps_the_evidence_it_was_judged_on(engine, small_dataset):
    with Session(engine) as session:
        version = _version(session, small_dataset)
        other = _version(session, small_dataset, name="Team B")
        experiment_id = _create(session, version.dataset_id).id
        assert latest_snapshot(session, experiment_id=experiment_id, actor=SYSTEM) is None
        with pytest.raises(ValueError, match="when it is reviewed"):
            save_snapshot(
                session,
                experiment_id=experiment_id,
                version_id=version.id,
                result={},
                author="a",
                actor=SYSTEM,
            )
        update_experiment(
            session,
            experiment_id=experiment_id,
            changes=ExperimentUpdate(status="adopted", learnings="Shorter, steadier."),
            author="ana",
            actor=SYSTEM,
        )
        with pytest.raises(ValueError, match="belongs to dataset"):
            save_snapshot(
                session,
                experiment_id=experiment_id,
                version_id=other.id,
                result={},
                author="a",
                actor=SYSTEM,
            )
        with pytest.raises(LookupError):
            save_snapshot(
                session,
                experiment_id=experiment_id,
                version_id=999,
                result={},
                author="a",
                actor=SYSTEM,
            )
        result = {
            "metric": "cycle_time_p85",
            "baseline": {"value": np.float64(12.5), "n": np.int64(40), "from": date(2023, 12, 8)},
            "after": {"value": 8.25, "n": 31, "spread": math.nan},
            "verdict": "improved",
        }
        first = save_snapshot(
            session,
            experiment_id=experiment_id,
            version_id=version.id,
            result=result,
            author="ana",
            actor=SYSTEM,
        )
        assert (first.status, first.author, first.version_id) == ("adopted", "ana", version.id)
        assert first.taken_at.utcoffset() == timedelta(0)
        # later edits (another metric) never rewrite what was concluded
        update_experiment(
            session,
            experiment_id=experiment_id,
            changes=ExperimentUpdate(status="adapted", metric="lead_time_p85"),
            author="bo",
            actor=SYSTEM,
        )
        second = save_snapshot(
            session,
            experiment_id=experiment_id,
            version_id=version.id,
            result={"v": 2},
            author="bo",
            actor=SYSTEM,
        )
        first_id, second_id = first.id, second.id
    with Session(engine) as session:
        kept = session.get(ExperimentSnapshot, first_id)
        assert kept.result == {
            "metric": "cycle_time_p85",
            "baseline": {"value": 12.5, "n": 40, "from": "2023-12-08"},
            "after": {"value": 8.25, "n": 31, "spread": None},
            "verdict": "improved",
        }
        latest = latest_snapshot(session, experiment_id=experiment_id, actor=SYSTEM)
        assert (latest.id, latest.status, latest.result) == (second_id, "adapted", {"v": 2})


def test_deleting_the_version_a_snapshot_was_judged_on_archives_it(engine, small_dataset):
    with Session(engine) as session:
        judged = _version(session, small_dataset)
        newer = _version(session, small_dataset)
        judged_id, newer_id, dataset_id = judged.id, newer.id, judged.dataset_id
        experiment_id = _create(session, dataset_id, status="abandoned").id
        save_snapshot(
            session,
            experiment_id=experiment_id,
            version_id=judged_id,
            result={"x": 1},
            author="a",
            actor=SYSTEM,
        )
    with Session(engine) as session:
        assert crud.delete_version(session, version_id=judged_id, actor=SYSTEM) == "archived"
        assert [v.id for v in crud.list_versions(session, dataset_id=dataset_id, actor=SYSTEM)] == [
            newer_id
        ]
        assert len(crud.load_dataset(session, version_id=judged_id, actor=SYSTEM).items) == 20
        snapshot = latest_snapshot(session, experiment_id=experiment_id, actor=SYSTEM)
        assert (snapshot.version_id, snapshot.result) == (judged_id, {"x": 1})
        # the unreferenced newer version goes; the dataset is archived, not deleted
        assert crud.delete_version(session, version_id=newer_id, actor=SYSTEM) == "deleted"
        assert (
            crud.get_dataset(session, dataset_id=dataset_id, actor=SYSTEM).archived_at is not None
        )


def test_deleting_the_last_version_of_a_dataset_with_experiments_archives_it(engine, small_dataset):
    with Session(engine) as session:
        only = _version(session, small_dataset)
        only_id, dataset_id = only.id, only.dataset_id
        experiment_ids = [_create(session, dataset_id, title=f"E{n}").id for n in range(2)]
    with Session(engine) as session:
        assert crud.delete_version(session, version_id=only_id, actor=SYSTEM) == "deleted"
        assert (
            crud.get_dataset(session, dataset_id=dataset_id, actor=SYSTEM).archived_at is not None
        )
        assert crud.list_datasets(session, actor=SYSTEM) == []
    with Session(engine) as session:
        survivors = list_experiments(session, dataset_id=dataset_id, actor=SYSTEM)
        assert sorted(e.id for e in survivors) == sorted(experiment_ids)
        for experiment_id in experiment_ids:
            assert len(experiment_history(session, experiment_id=experiment_id, actor=SYSTEM)) == 1


def test_experiments_are_never_removed_by_a_cascade(engine, small_dataset):
    assert not [name for name in dir(records) if name.startswith("delete")]
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset, name="Direct").dataset_id
        experiment_id = _create(session, dataset_id).id
    with Session(engine) as session:
        with pytest.raises(IntegrityError):
            session.execute(delete(Dataset).where(Dataset.id == dataset_id))
            session.commit()
        session.rollback()
        with pytest.raises(IntegrityError):
            session.execute(delete(Experiment).where(Experiment.id == experiment_id))
            session.commit()
        session.rollback()
    with Session(engine) as session:
        assert get_experiment(session, experiment_id=experiment_id, actor=SYSTEM) is not None


# --- lists and overlaps -------------------------------------------------------------------


def test_list_filters_by_dataset_status_and_team_newest_change_first(engine, small_dataset):
    with Session(engine) as session:
        team_a = _version(session, small_dataset, name="A", team="A").dataset_id
        team_b = _version(session, small_dataset, name="B", team="B").dataset_id
        old = _create(session, team_a, title="old", change_date=date(2023, 6, 1)).id
        new = _create(session, team_a, title="new", change_date=date(2024, 6, 1)).id
        scoped = _create(
            session,
            team_a,
            title="scoped to B",
            change_date=date(2024, 1, 1),
            status="running",
            scope={"team": "B"},
        ).id
        other = _create(session, team_b, title="other", change_date=date(2024, 2, 1)).id

        def ids(**filters):
            return [e.id for e in list_experiments(session, **filters, actor=SYSTEM)]

        assert ids() == [new, other, scoped, old]
        assert ids(dataset_id=team_a) == [new, scoped, old]
        assert ids(statuses=["running"]) == [scoped]
        assert ids(statuses="planned") == [new, other, old]
        assert ids(statuses=[]) == []
        assert ids(team="A") == [new, old]
        assert ids(team="B") == [other, scoped]
        assert ids(dataset_id=team_a, team="B", statuses=["running", "planned"]) == [scoped]


def test_overlapping_experiments_are_flagged_on_both_sides(engine, small_dataset):
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset).dataset_id
        other_dataset = _version(session, small_dataset, name="Other").dataset_id
        stories = {"work_types": ("Story",), "team": "A"}
        first = _create(session, dataset_id, title="first", scope=stories)
        # windows overlap (6 weeks apart), scopes overlap (all items of team A)
        second = _create(
            session, dataset_id, title="second", change_date=CHANGE + timedelta(weeks=6)
        )
        # same window, but bugs only: no item in both scopes
        bugs = _create(session, dataset_id, title="bugs", scope={"work_types": ("Bug",)})
        # same window, another team
        team_b = _create(session, dataset_id, title="team B", scope={"team": "B"})
        # its window starts where the first one's ends: [change + 12w, change + 36w)
        later = _create(
            session, dataset_id, title="later", change_date=CHANGE + timedelta(weeks=24)
        )
        # same everything, another dataset
        elsewhere = _create(session, other_dataset, title="elsewhere", scope=stories)

        def titles(experiment):
            return [
                e.title
                for e in overlapping_experiments(session, experiment=experiment, actor=SYSTEM)
            ]

        assert titles(first) == ["second"]
        assert titles(second) == ["later", "team B", "bugs", "first"]
        # bugs of any team and anything of team B: the same items can be in both
        assert titles(bugs) == ["second", "team B"]
        assert titles(team_b) == ["second", "bugs"]
        assert titles(later) == ["second"]
        assert titles(elsewhere) == []
        # an unsaved experiment is checked the same way (to warn before storing it)
        draft = _create_data(dataset_id, title="draft", scope={"work_types": ("Bug",)})
        assert [
            e.title for e in overlapping_experiments(session, experiment=draft, actor=SYSTEM)
        ] == [
            "second",
            "team B",
            "bugs",
        ]


def test_a_given_baseline_sets_the_window_length(engine, small_dataset):
    default = _create_data(1)
    assert experiment_window(default) == (
        CHANGE - timedelta(weeks=12),
        CHANGE + timedelta(weeks=12),
    )
    short = _create_data(1, baseline_from=date(2024, 2, 1), baseline_to=date(2024, 2, 14))
    assert experiment_window(short) == (date(2024, 2, 1), CHANGE + timedelta(days=14))
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset).dataset_id
        short_one = _create(
            session, dataset_id, baseline_from=date(2024, 2, 1), baseline_to=date(2024, 2, 14)
        )
        # starts the day the short after window ends
        after_it = _create(
            session,
            dataset_id,
            title="after it",
            change_date=date(2024, 3, 22),
            baseline_from=date(2024, 3, 15),
            baseline_to=date(2024, 3, 21),
        )
        # one day earlier: overlaps
        touching = _create(
            session,
            dataset_id,
            title="touching",
            change_date=date(2024, 3, 21),
            baseline_from=date(2024, 3, 14),
            baseline_to=date(2024, 3, 20),
        )
        assert [
            e.id for e in overlapping_experiments(session, experiment=short_one, actor=SYSTEM)
        ] == [touching.id]
        assert short_one.id not in [
            e.id for e in overlapping_experiments(session, experiment=after_it, actor=SYSTEM)
        ]


def test_the_method_is_edited_like_any_field_and_decides_the_evidence(engine, small_dataset):
    with Session(engine) as session:
        dataset_id = _version(session, small_dataset).dataset_id
        experiment_id = _create(session, dataset_id).id
        with pytest.raises(ValidationError) as raised:
            update_experiment(
                session,
                experiment_id=experiment_id,
                changes=ExperimentUpdate(method="by magic"),
                author="bo",
                actor=SYSTEM,
            )
        assert list(field_errors(raised.value)) == ["method"]
        update_experiment(
            session,
            experiment_id=experiment_id,
            changes=ExperimentUpdate(method="done"),
            author="bo",
            actor=SYSTEM,
        )
        history = experiment_history(session, experiment_id=experiment_id, actor=SYSTEM)
        assert [(e.kind, e.author) for e in history] == [("created", "ana"), ("edited", "bo")]
        assert history[-1].changes == {"method": ["start", "done"]}
        stored = get_experiment(session, experiment_id=experiment_id, actor=SYSTEM)
        assert evidence_spec(stored).method == "done"
        assert evidence_spec(
            reading.experiment(session, experiment_id=experiment_id, actor=SYSTEM)
        ).method == ("done")
