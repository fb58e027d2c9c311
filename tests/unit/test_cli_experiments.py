"""``experiments add|list|show|review`` on the demo team: the contract and the exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vsm_core.cli import main

ADD = [  # an experiment on the demo team
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
    listed = _json(capsys, [*db, "experiments", "list", "--dataset", "1", "--json"])
    [row] = [r for r in listed if r["id"] == created["id"]]
    assert (row["status"], row["learnings"]) == ("adopted", "Queues shrank")


def test_add_prints_the_id_without_json(db, capsys):
    before = _json(capsys, [*db, "experiments", "list", "--json"])
    assert main([*db, *ADD]) == 0
    new_id = int(capsys.readouterr().out.strip())
    assert new_id not in {row["id"] for row in before}


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
    before = _json(capsys, [*db, "experiments", "list", "--json"])
    assert main([*db, *argv]) == 2
    assert message in capsys.readouterr().err
    assert _json(capsys, [*db, "experiments", "list", "--json"]) == before  # nothing stored


def test_unknown_experiment_exits_2(db, capsys):
    assert main([*db, "experiments", "show", "77"]) == 2
    assert "no experiment 77" in capsys.readouterr().err


def test_the_demo_comes_with_two_experiments_that_read_as_designed(tmp_path, capsys):
    db = ["--db", f"sqlite:///{tmp_path / 'demo.db'}"]
    assert main([*db, "db", "upgrade", "--seed-demo"]) == 0
    capsys.readouterr()
    listed = _json(capsys, [*db, "experiments", "list", "--json"])
    assert len(listed) == 2
    verdicts = {
        row["title"]: _json(capsys, [*db, "experiments", "show", str(row["id"]), "--json"])[
            "verdict"
        ]
        for row in listed
    }
    assert verdicts == {
        "WIP limit on Ready and Review": "improved",
        "Stand-up walks the board right to left": "no clear change",
    }


def test_show_by_done_date_counts_straddlers(db, capsys):
    shown = _json(capsys, [*db, "experiments", "show", "1", "--assign", "done", "--json"])
    assert shown["evidence"]["assign"] == "done"
    assert shown["evidence"]["straddlers"]["count"] > 0


_HEAVY = ("sqlmodel", "sqlalchemy.orm", "alembic", "plotly", "streamlit")
_SHOW_IN_A_FRESH_PROCESS = """
import contextlib, io, json, sys
from vsm_core.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
heavy = sorted(
    m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in {heavy!r})
)
verdict = json.loads(out.getvalue())["verdict"]
print(json.dumps({{"code": code, "verdict": verdict, "heavy": heavy}}))
"""


def test_show_on_a_database_at_head_imports_nothing_it_does_not_need(db):
    """Start-up is most of ``experiments show``: no Alembic (schema at head), no ORM."""
    root = Path(__file__).resolve().parents[2]
    code = _SHOW_IN_A_FRESH_PROCESS.format(heavy=_HEAVY)
    argv = [*db, "experiments", "show", "1", "--json"]
    run = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=root, check=True
    )
    result = json.loads(run.stdout)
    assert result == {"code": 0, "verdict": "improved", "heavy": []}


def test_show_and_review_as_a_process_of_their_own(db):
    """``python -m vsm_core`` freezes what start-up loaded; the answers are the same."""
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "vsm_core", *db, "experiments"]
    shown = subprocess.run(
        [*command, "show", "1", "--json"], capture_output=True, text=True, cwd=root, check=True
    )
    reviewed = subprocess.run(
        [*command, "review", "1", "--status", "adopted", "--author", "t", "--json"],
        capture_output=True,
        text=True,
        cwd=root,
        check=True,
    )
    first, second = json.loads(shown.stdout), json.loads(reviewed.stdout)
    assert first["verdict"] == second["verdict"] == "improved"
    assert second["snapshot"]["ci95"] == first["ci95"]
    assert second["status"] == "adopted" and second["snapshot_differs"] is False
