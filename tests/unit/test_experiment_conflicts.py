"""Two people editing one experiment: the second save never overwrites the first.

Optimistic locking: every stored edit raises the experiment's ``version``; an edit made
from version *n* (``if_version=n``) is refused with the changes made since when the
stored version moved on. On SQLite and on PostgreSQL (``database_url`` fixture), also
with two real writers at once.
"""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
from sqlmodel import Session

from vsm_core.cli import main
from vsm_core.experiments import records
from vsm_core.experiments.records import EditConflict, ExperimentCreate, ExperimentUpdate
from vsm_core.store import crud
from vsm_core.store.access import SYSTEM


@pytest.fixture(scope="module")
def small_dataset():
    from vsm_core.sample_data import generate_demo_dataset

    return generate_demo_dataset(n_items=20)


def _experiment(engine, dataset) -> int:
    with Session(engine) as session:
        version = crud.save_dataset_version(
            session, dataset=dataset, name="Team A", team="A", format="demo", actor=SYSTEM
        )
        experiment = records.create_experiment(
            session,
            data=ExperimentCreate(
                title="Limit WIP to 3",
                hypothesis="We believe a WIP limit will shorten cycle time",
                owner="Ana",
                dataset_id=version.dataset_id,
                metric="cycle_time_p85",
                direction="decrease",
                change_date=date(2024, 3, 1),
            ),
            author="ana",
            actor=SYSTEM,
        )
        assert experiment.version == 1
        return experiment.id


def test_each_stored_edit_raises_the_version_and_names_it_in_the_history(engine, small_dataset):
    experiment_id = _experiment(engine, small_dataset)
    with Session(engine) as session:
        edited = records.update_experiment(
            session,
            experiment_id=experiment_id,
            changes=ExperimentUpdate(owner="Bo"),
            author="bo",
            actor=SYSTEM,
        )
        assert edited.version == 2
        same = records.update_experiment(
            session,
            experiment_id=experiment_id,
            changes=ExperimentUpdate(owner="Bo"),
            author="bo",
            actor=SYSTEM,
        )
        assert same.version == 2  # nothing changed, nothing stored
        history = records.experiment_history(session, experiment_id=experiment_id, actor=SYSTEM)
    assert [(entry.kind, entry.version) for entry in history] == [("created", 1), ("edited", 2)]


def test_an_edit_from_a_stale_version_is_refused_with_what_changed_since(engine, small_dataset):
    experiment_id = _experiment(engine, small_dataset)
    with Session(engine) as session:
        records.update_experiment(
            session,
            experiment_id=experiment_id,
            changes=ExperimentUpdate(owner="Bo"),
            author="bo",
            if_version=1,
            actor=SYSTEM,
        )
        with pytest.raises(EditConflict) as refused:
            records.update_experiment(
                session,
                experiment_id=experiment_id,
                changes=ExperimentUpdate(title="Limit WIP to 2"),
                author="cy",
                if_version=1,
                actor=SYSTEM,
            )
    conflict = refused.value
    assert (conflict.expected, conflict.current) == (1, 2)
    assert [entry["changes"] for entry in conflict.since] == [{"owner": ["Ana", "Bo"]}]
    assert "owner 'Ana' → 'Bo'" in str(conflict) and "bo at" in str(conflict)
    assert "Nothing was saved" in str(conflict)
    with Session(engine) as session:
        stored = records.get_experiment(session, experiment_id=experiment_id, actor=SYSTEM)
        assert (stored.title, stored.owner, stored.version) == ("Limit WIP to 3", "Bo", 2)


def test_two_writers_from_the_same_version_one_saves_one_gets_the_conflict(engine, small_dataset):
    experiment_id = _experiment(engine, small_dataset)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(who: str, title: str) -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                records.update_experiment(
                    session,
                    experiment_id=experiment_id,
                    changes=ExperimentUpdate(title=title),
                    author=who,
                    if_version=1,
                    actor=SYSTEM,
                )
                outcomes[who] = "saved"
            except EditConflict:
                outcomes[who] = "conflict"

    threads = [threading.Thread(target=edit, args=(w, f"Title by {w}")) for w in ("ana", "bo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(who for who, outcome in outcomes.items() if outcome == "saved")
    with Session(engine) as session:
        stored = records.get_experiment(session, experiment_id=experiment_id, actor=SYSTEM)
        history = records.experiment_history(session, experiment_id=experiment_id, actor=SYSTEM)
    assert (stored.title, stored.version) == (f"Title by {winner}", 2)
    assert [entry.version for entry in history] == [1, 2]


# --- the CLI contract ---------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path, capsys, monkeypatch) -> tuple[list[str], str]:
    """A demo database and the id of a new experiment on it (the demo seeds its own too)."""
    monkeypatch.delenv("VSM_AUTHOR", raising=False)
    db = ["--db", f"sqlite:///{tmp_path / 'ex.db'}"]
    assert main([*db, "db", "upgrade", "--seed-demo"]) == 0
    capsys.readouterr()
    argv = [
        *db, "experiments", "add", "--dataset", "1", "--title", "WIP limit", "--hypothesis",
        "We believe a WIP limit cuts queues", "--action", "WIP limit 3 on Review",
        "--owner", "Ana", "--metric", "cycle_time_p85",
        "--direction", "decrease", "--change-date", "2026-06-01", "--author", "tester", "--json",
    ]  # fmt: skip
    assert main(argv) == 0
    created = json.loads(capsys.readouterr().out)["id"]
    return db, str(created)


def _run(capsys, argv) -> tuple[int, dict | list, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_list_and_show_json_carry_the_version(cli_db, capsys):
    db, created = cli_db
    _, listed, _ = _run(capsys, [*db, "experiments", "list", "--json"])
    _, shown, _ = _run(capsys, [*db, "experiments", "show", created, "--json"])
    assert all(isinstance(row["version"], int) and row["version"] >= 1 for row in listed)
    assert {row["id"]: row["version"] for row in listed}[int(created)] == 1
    assert shown["version"] == 1


def test_edit_if_version_saves_then_a_stale_one_exits_2_with_the_conflict(cli_db, capsys):
    db, created = cli_db
    edit = [*db, "experiments", "edit", created, "--author", "bo", "--json"]
    code, saved, _ = _run(capsys, [*edit, "--owner", "Bo", "--if-version", "1"])
    assert code == 0
    assert saved == {"id": int(created), "version": 2, "changed": {"owner": ["Ana", "Bo"]}}
    code, refused, err = _run(capsys, [*edit, "--learnings", "queues fell", "--if-version", "1"])
    assert code == 2
    assert refused["conflict"] is True
    assert (refused["expected_version"], refused["current_version"]) == (1, 2)
    assert refused["changes_since"][0]["changes"] == {"owner": ["Ana", "Bo"]}
    assert refused["changes_since"][0]["author"] == "bo"
    assert f"Experiment {created} was changed since you opened it" in err
    _, shown, _ = _run(capsys, [*db, "experiments", "show", created, "--json"])
    assert shown["learnings"] == "" and shown["version"] == 2


def test_edit_without_if_version_always_saves(cli_db, capsys):
    db, created = cli_db
    edit = [*db, "experiments", "edit", created, "--author", "bo", "--json"]
    assert _run(capsys, [*edit, "--owner", "Bo"])[1]["version"] == 2
    assert _run(capsys, [*edit, "--owner", "Cy"])[1]["version"] == 3
