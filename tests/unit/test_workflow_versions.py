"""Workflow edits without re-importing: the editable table (fractional orders, moves), a new
version from the same items and events (SQLite always, PostgreSQL when
``VSM_TEST_POSTGRES_URL`` is set), experiments keeping the version they were judged on,
identical imports and workflows storing nothing, and ``workflow apply`` / ``import`` on the
command line."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlmodel import Session, select

from vsm_core.cli import main
from vsm_core.experiments.records import (
    ExperimentCreate,
    ExperimentUpdate,
    create_experiment,
    save_snapshot,
    update_experiment,
)
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.pipeline import import_bytes
from vsm_core.model import Category, Stage, Workflow
from vsm_core.store import crud
from vsm_core.store.access import SYSTEM
from vsm_core.store.models import DatasetVersion, ExperimentSnapshot, StatusEventBlock
from vsm_core.workflow import WorkflowFileError, move_stage, same_workflow, workflow_to_toml
from vsm_core.workflow_table import workflow_from_table, workflow_table

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"

WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", statuses=("To Do",), category=Category.BACKLOG),
        Stage(name="Doing", statuses=("In Progress",), category=Category.ACTIVE),
        Stage(name="Review", category=Category.WAITING),
        Stage(name="Done", category=Category.DONE),
    )
)
COUNTS = {"To Do": 3, "In Progress": 5, "Review": 2, "Done": 4, "Parked": 1}


# --------------------------------------------------------------------------- the table


def test_the_table_has_float_orders_and_unmapped_statuses_last():
    table = workflow_table(WORKFLOW, COUNTS)
    assert table["order"].dtype == "float64"  # a typed 2.5 must not be truncated
    assert table["status"].tolist() == ["To Do", "In Progress", "Review", "Done", "Parked"]
    assert table["order"].tolist()[:4] == [1.0, 2.0, 3.0, 4.0]
    assert pd.isna(table.loc[4, "stage"]) and pd.isna(table.loc[4, "order"])
    assert same_workflow(workflow_from_table(table), WORKFLOW)  # the round trip


def test_a_fractional_order_sorts_between_its_neighbours():
    table = workflow_table(WORKFLOW, COUNTS)
    table.loc[table["stage"] == "Backlog", "order"] = 2.5
    assert workflow_from_table(table).stage_names == ["Doing", "Backlog", "Review", "Done"]
    table["order"] = table["order"].astype(object)
    table.loc[table["stage"] == "Backlog", "order"] = "3.5"  # typed as text
    assert workflow_from_table(table).stage_names == ["Doing", "Review", "Backlog", "Done"]


def test_a_blank_order_goes_last_and_text_is_an_error():
    table = workflow_table(WORKFLOW, COUNTS)
    table["order"] = table["order"].astype(object)
    table.loc[table["stage"] == "Backlog", "order"] = None
    assert workflow_from_table(table).stage_names[-1] == "Backlog"
    table.loc[table["stage"] == "Backlog", "order"] = "first"
    with pytest.raises(WorkflowFileError, match="order of status 'To Do' must be a number"):
        workflow_from_table(table)


def test_a_status_moved_to_another_stage_and_a_new_stage():
    table = workflow_table(WORKFLOW, COUNTS)
    table.loc[table["status"] == "Parked", ["stage", "category", "order"]] = [
        "Parked",
        "waiting",
        2.5,
    ]
    workflow = workflow_from_table(table, start="Doing")
    assert workflow.stage_names == ["Backlog", "Doing", "Parked", "Review", "Done"]
    assert workflow.commitment_stage == "Doing"


def test_move_stage_within_the_ends_keeps_the_commitment_point():
    assert move_stage(WORKFLOW, "Review", -1).stage_names == ["Backlog", "Review", "Doing", "Done"]
    moved = move_stage(WORKFLOW, "Doing", -1)
    assert moved.stage_names == ["Doing", "Backlog", "Review", "Done"]
    assert moved.commitment_stage == "Doing"
    assert move_stage(WORKFLOW, "done", 5).stage_names == WORKFLOW.stage_names
    assert move_stage(WORKFLOW, "Backlog", -1).stage_names == WORKFLOW.stage_names
    with pytest.raises(WorkflowFileError, match="no stage named 'Nope'"):
        move_stage(WORKFLOW, "Nope", 1)


def test_same_workflow_ignores_spelling_and_status_order_not_meaning():
    respelled = Workflow(
        stages=(
            Stage(name="Backlog", statuses=(" to do ",), category=Category.BACKLOG),
            Stage(name="Doing", statuses=("In Progress",), category=Category.ACTIVE),
            Stage(name="Review", statuses=("Review",), category=Category.WAITING),
            Stage(name="Done", statuses=("Done",), category=Category.DONE),
        ),
        start="Doing",  # the implied commitment point, now named
    )
    assert same_workflow(WORKFLOW, respelled)
    assert not same_workflow(WORKFLOW, move_stage(WORKFLOW, "Review", 1))
    assert not same_workflow(WORKFLOW, WORKFLOW.model_copy(update={"start": "Review"}))


# --------------------------------------------------------------------------- the store


@pytest.fixture
def stored(engine):
    """events.csv imported and stored as dataset "Board" version 1: (result, sha, version id)."""
    data = (DATA / "events.csv").read_bytes()
    result = import_bytes(data, "events.csv")
    sha = hashlib.sha256(data).hexdigest()
    with Session(engine) as session:
        version = crud.save_dataset_version(
            session,
            dataset=result.dataset,
            name="Board",
            team="Web",
            format=result.format,
            source_filename="events.csv",
            source_sha256=sha,
            actor=SYSTEM,
        )
        return result, sha, version.id


def _reordered(workflow: Workflow) -> Workflow:
    return move_stage(workflow, workflow.stage_names[-1], -1)


def test_a_new_version_from_the_same_items_and_events(engine, stored):
    result, sha, first_id = stored
    edited = _reordered(result.workflow)
    with Session(engine) as session:
        base = session.get(DatasetVersion, first_id)
        created = crud.save_workflow_version(
            session, dataset_id=base.dataset_id, workflow=edited, actor=SYSTEM
        )
        assert created.version == 2
        assert (created.source_filename, created.source_sha256, created.format) == (
            "events.csv",
            sha,
            "events",
        )
        assert (created.item_count, created.event_count) == (2, 6)
        old = crud.load_dataset(session, version_id=first_id, actor=SYSTEM)
        new = crud.load_dataset(session, version_id=created.id, actor=SYSTEM)
        blocks = session.exec(select(StatusEventBlock)).all()
    assert new.items.equals(old.items)
    assert new.events.equals(old.events)
    assert same_workflow(new.workflow, edited)
    assert same_workflow(old.workflow, result.workflow)  # version 1 is untouched
    assert len({bytes(b.payload) for b in blocks}) == 1  # the event block copied as it was


def test_a_workflow_like_the_base_versions_stores_nothing(engine, stored):
    result, _sha, first_id = stored
    with Session(engine) as session:
        dataset_id = session.get(DatasetVersion, first_id).dataset_id
        assert (
            crud.save_workflow_version(
                session, dataset_id=dataset_id, workflow=result.workflow, actor=SYSTEM
            )
            is None
        )
        assert len(crud.list_versions(session, dataset_id=dataset_id, actor=SYSTEM)) == 1
        second = crud.save_workflow_version(
            session, dataset_id=dataset_id, workflow=_reordered(result.workflow), actor=SYSTEM
        )
        # Back to version 1's workflow, starting from version 1: nothing new either.
        assert (
            crud.save_workflow_version(
                session, dataset_id=dataset_id, workflow=result.workflow, version=1, actor=SYSTEM
            )
            is None
        )
        # From version 1 with version 2's workflow: a new version (3), as asked.
        third = crud.save_workflow_version(
            session,
            dataset_id=dataset_id,
            workflow=_reordered(result.workflow),
            version=1,
            actor=SYSTEM,
        )
        assert (second.version, third.version) == (2, 3)
        with pytest.raises(LookupError, match="no dataset 999"):
            crud.save_workflow_version(
                session, dataset_id=999, workflow=result.workflow, actor=SYSTEM
            )
        with pytest.raises(LookupError, match="version 7"):
            crud.save_workflow_version(
                session, dataset_id=dataset_id, workflow=result.workflow, version=7, actor=SYSTEM
            )


def test_experiments_keep_the_version_they_were_judged_on(engine, stored):
    result, _sha, first_id = stored
    with Session(engine) as session:
        dataset_id = session.get(DatasetVersion, first_id).dataset_id
        experiment = create_experiment(
            session,
            data=ExperimentCreate(
                title="Smaller batches",
                hypothesis="We believe smaller batches shorten cycle time as measured by p85",
                owner="Ana",
                dataset_id=dataset_id,
                metric="cycle_time_p85",
                direction="decrease",
                change_date=date(2024, 3, 3),
            ),
            author="ana",
            actor=SYSTEM,
        )
        update_experiment(
            session,
            experiment_id=experiment.id,
            changes=ExperimentUpdate(status="adopted"),
            author="ana",
            actor=SYSTEM,
        )
        snapshot = save_snapshot(
            session,
            experiment_id=experiment.id,
            version_id=first_id,
            result={"verdict": "improved"},
            author="ana",
            actor=SYSTEM,
        )
        created = crud.save_workflow_version(
            session, dataset_id=dataset_id, workflow=_reordered(result.workflow), actor=SYSTEM
        )
        snapshot_id = snapshot.id
    with Session(engine) as session:
        kept = session.get(ExperimentSnapshot, snapshot_id)
        assert (kept.version_id, kept.result) == (first_id, {"verdict": "improved"})
        judged_on = crud.load_dataset(session, version_id=first_id, actor=SYSTEM)
        assert same_workflow(judged_on.workflow, result.workflow)
        latest = crud.get_version(session, dataset_id=dataset_id, actor=SYSTEM)
        assert latest.id == created.id != first_id
        # Deleting the version judged on archives it: the snapshot still finds it.
        assert crud.delete_version(session, version_id=first_id, actor=SYSTEM) == "archived"
        assert crud.load_dataset(session, version_id=first_id, actor=SYSTEM).items.equals(
            judged_on.items
        )


def test_identical_version_needs_the_same_bytes_reading_and_workflow(engine, stored):
    result, sha, first_id = stored
    data = (DATA / "events.csv").read_bytes()
    with Session(engine) as session:

        def same(dataset, *, digest=sha, name="Board", format="events"):
            return crud.identical_version(
                session,
                name=name,
                dataset=dataset,
                format=format,
                source_sha256=digest,
                actor=SYSTEM,
            )

        assert same(result.dataset).id == first_id
        assert same(import_bytes(data, "events.csv").dataset).id == first_id  # read again
        assert same(result.dataset, name="Other") is None
        assert same(result.dataset, digest=None) is None
        assert same(result.dataset, digest="0" * 64) is None
        assert same(result.dataset, format="snapshots") is None
        reordered = import_bytes(data, "events.csv", workflow=_reordered(result.workflow))
        assert same(reordered.dataset) is None
        # The same bytes read with another column mapping are other data.
        remapped = import_bytes(data, "events.csv", ImportOptions(mapping={"title": "Priority"}))
        assert same(remapped.dataset) is None
        berlin = import_bytes(data, "events.csv", ImportOptions(timezone="Europe/Berlin"))
        assert same(berlin.dataset) is None


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def db(tmp_path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]


def _run(argv, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_workflow_apply_stores_a_new_version_and_says_so(db, tmp_path, capsys):
    assert main([*db, "import", str(DATA / "events.csv"), "--dataset", "Board"]) == 0
    code, exported, _ = _run([*db, "workflow", "export", "--dataset", "1"], capsys)
    assert code == 0
    same = tmp_path / "same.toml"
    same.write_text(exported)
    code, out, _ = _run([*db, "workflow", "apply", "--dataset", "1", str(same)], capsys)
    assert code == 0
    assert "is the same as that of dataset 1 version 1; nothing stored" in out

    edited = tmp_path / "edited.toml"
    original = import_bytes((DATA / "events.csv").read_bytes(), "events.csv").workflow
    edited.write_text(workflow_to_toml(_reordered(original)))
    code, out, _ = _run([*db, "workflow", "apply", "--dataset", "1", str(edited)], capsys)
    assert code == 0
    assert out.startswith("stored dataset 1 version 2: the items and events of version 1")
    assert "(2 items, 6 events)" in out and "data quality:" in out

    code, out, _ = _run([*db, "workflow", "apply", "--dataset", "1", str(edited), "--json"], capsys)
    assert (code, json.loads(out)) == (
        0,
        {"dataset_id": 1, "stored": False, "version": 2, "version_id": 2, "based_on": 2},
    )
    code, out, _ = _run(
        [*db, "workflow", "apply", "--dataset", "1", "--version", "1", str(edited), "--json"],
        capsys,
    )
    document = json.loads(out)
    assert (document["stored"], document["version"], document["based_on"]) == (True, 3, 1)
    assert set(document["quality"]) >= {"unmapped_statuses", "backward_moves"}


def test_workflow_apply_refuses_a_bad_file_or_dataset_with_exit_2(db, tmp_path, capsys):
    assert main([*db, "import", str(DATA / "events.csv")]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[[stage]]\nname = "Doing"\ncategory = "busy"\n')
    code, _, err = _run([*db, "workflow", "apply", "--dataset", "1", str(bad)], capsys)
    assert code == 2
    assert "stage 1 ('Doing')" in err and "category" in err
    broken = tmp_path / "broken.toml"
    broken.write_text('[[stage]]\nname = "Doing"\ncategory = \n')
    code, _, err = _run([*db, "workflow", "apply", "--dataset", "1", str(broken)], capsys)
    assert code == 2 and "line 3" in err
    good = tmp_path / "good.toml"
    good.write_text('[[stage]]\nname = "Doing"\ncategory = "active"\n')
    code, _, err = _run([*db, "workflow", "apply", "--dataset", "9", str(good)], capsys)
    assert code == 2 and "no dataset 9" in err
    code, out, _ = _run([*db, "datasets", "list", "--json"], capsys)
    assert json.loads(out)[0]["versions"] == 1


def test_importing_an_identical_file_again_stores_nothing_and_says_so(db, capsys):
    path = str(DATA / "events.csv")
    assert main([*db, "import", path, "--dataset", "Board"]) == 0
    code, out, _ = _run([*db, "import", path, "--dataset", "Board"], capsys)
    assert code == 0
    assert "already stored as dataset 1 ('Board') version 1" in out
    assert "nothing stored" in out
    code, out, _ = _run([*db, "import", path, "--dataset", "Board", "--json"], capsys)
    document = json.loads(out)
    assert (document["stored"], document["version"]) == (False, 1)
    # Another reading of the same bytes is a new version.
    code, out, _ = _run(
        [*db, "import", path, "--dataset", "Board", "--map", "title=Priority", "--json"], capsys
    )
    assert (code, json.loads(out)["version"]) == (0, 2)
