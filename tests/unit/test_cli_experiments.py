"""``experiments add|list|show|review`` on the demo team: the contract and the exit codes."""

from __future__ import annotations

import json

import pytest

from vsm_core.cli import main

ADD = [
    "experiments",
    "add",
    "--dataset",
    "1",
    "--title",
    "WIP limit in Review",
    "--hypothesis",
    "We believe that a WIP limit will cut queues as measured by p85 cycle time",
    "--action",
    "WIP limit 3 on Review",
    "--owner",
    "Ana",
    "--metric",
    "cycle_time_p85",
    "--direction",
    "decrease",
    "--target",
    "16",
    "--change-date",
    "2026-06-01",
    "--review-date",
    "2026-09-01",
    "--author",
    "tester",
]


@pytest.fixture
def db(tmp_path, capsys) -> list[str]:
    db = ["--db", f"sqlite:///{tmp_path / 'ex.db'}"]
    assert main([*db, "db", "upgrade", "--seed-demo"]) == 0
    capsys.readouterr()
    return db


def _json(capsys, argv) -> dict | list:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_add_show_review_list(db, capsys):
    created = _json(capsys, [*db, *ADD, "--json"])
    assert set(created) == {"id"}
    shown = _json(capsys, [*db, "experiments", "show", str(created["id"]), "--json"])
    for key in (
        "metric",
        "before",
        "after",
        "change_abs",
        "change_pct",
        "ci95",
        "p_value",
        "verdict",
        "target_met",
        "signals",
    ):
        assert key in shown
    assert shown["metric"] == "cycle_time_p85"
    assert set(shown["before"]) >= {"value", "n", "from", "to"}
    assert shown["verdict"] == "improved"  # the demo's built-in process change
    assert shown["ci95"][1] < 0
    assert shown["snapshot"] is None
    reviewed = _json(
        capsys,
        [
            *db,
            "experiments",
            "review",
            str(created["id"]),
            "--status",
            "adopted",
            "--learnings",
            "Queues shrank",
            "--author",
            "tester",
            "--json",
        ],
    )
    assert reviewed["status"] == "adopted"
    assert reviewed["snapshot"]["verdict"] == "improved"
    assert reviewed["snapshot_differs"] is False
    [row] = _json(capsys, [*db, "experiments", "list", "--dataset", "1", "--json"])
    assert (row["id"], row["status"], row["learnings"]) == (
        created["id"],
        "adopted",
        "Queues shrank",
    )


def test_add_prints_the_id_without_json(db, capsys):
    assert main([*db, *ADD]) == 0
    assert capsys.readouterr().out.strip() == "1"


@pytest.mark.parametrize(
    "change, message",
    [
        (["--metric", "nope"], "--metric: unknown metric 'nope'"),
        (["--change-date", "2026-13-01"], "--change-date"),
        (["--review-date", "2026-01-01"], "--review-date"),
        (["--dataset", "99"], "no dataset 99"),
    ],
)
def test_bad_input_exits_2_and_names_the_field(db, capsys, change, message):
    argv = list(ADD)
    option = change[0]
    argv[argv.index(option) + 1] = change[1]
    assert main([*db, *argv]) == 2
    assert message in capsys.readouterr().err
    assert _json(capsys, [*db, "experiments", "list", "--json"]) == []


def test_unknown_experiment_exits_2(db, capsys):
    assert main([*db, "experiments", "show", "7"]) == 2
    assert "no experiment 7" in capsys.readouterr().err
