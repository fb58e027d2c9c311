"""``experiments add|list|show|review`` on the demo team: the contract and the exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vsm_core.cli import main
from vsm_core.store.access import SYSTEM

ROOT = Path(__file__).resolve().parents[2]

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


@pytest.fixture(autouse=True)
def no_author_in_the_environment(monkeypatch):
    """Each test says who writes; none inherits the machine's VSM_AUTHOR."""
    monkeypatch.delenv("VSM_AUTHOR", raising=False)


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


def test_show_no_longer_takes_a_method_of_its_own(db, capsys):
    assert main([*db, "experiments", "show", "1", "--assign", "done", "--json"]) == 2
    assert "experiments edit ID --method" in capsys.readouterr().err


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


# --------------------------------------------------------------------------- the method


def _history(db, experiment_id: int):
    from sqlmodel import Session

    from vsm_core.experiments.records import experiment_history
    from vsm_core.store import make_engine

    engine = make_engine(db[1])
    try:
        with Session(engine) as session:
            return [
                (e.kind, e.author, e.changes)
                for e in experiment_history(session, experiment_id=experiment_id, actor=SYSTEM)
            ]
    finally:
        engine.dispose()


def test_the_method_is_chosen_at_creation_and_decides_the_verdict(db, capsys):
    by_start = _json(capsys, [*db, *ADD, "--json"])["id"]
    by_done = _json(capsys, [*db, *ADD, "--method", "done", "--json"])["id"]
    listed = {r["id"]: r for r in _json(capsys, [*db, "experiments", "list", "--json"])}
    assert (listed[by_start]["method"], listed[by_done]["method"]) == ("start", "done")
    start = _json(capsys, [*db, "experiments", "show", str(by_start), "--json"])
    done = _json(capsys, [*db, "experiments", "show", str(by_done), "--json"])
    # each verdict is its own method's; the other method is the labelled check, both ways
    assert (start["method"], start["evidence"]["assign"]) == ("start", "start")
    assert (done["method"], done["evidence"]["assign"]) == ("done", "done")
    assert start["verdict"] == "improved" == done["sensitivity"]["verdict"]
    assert done["verdict"] == "no clear change" == start["sensitivity"]["verdict"]
    assert start["sensitivity"]["sentence"] == "by done date: no clear change"
    assert done["sensitivity"]["sentence"] == "by start date: improved"
    assert start["sensitivity"]["interval"] == done["ci95"]
    assert done["evidence"]["straddlers"]["count"] > 0
    assert "unfinished items counted as censored" in start["method_description"]


def test_editing_the_method_is_kept_in_the_history(db, capsys):
    edited = _json(
        capsys,
        [*db, "experiments", "edit", "1", "--method", "done", "--author", "Kim", "--json"],
    )
    assert edited == {
        "id": 1,
        "version": edited["version"],
        "changed": {"method": ["start", "done"]},
    }
    assert edited["version"] >= 2  # every stored edit raises the version
    assert _history(db, 1)[-1] == ("edited", "Kim", {"method": ["start", "done"]})
    shown = _json(capsys, [*db, "experiments", "show", "1", "--json"])
    assert (shown["method"], shown["verdict"]) == ("done", "no clear change")
    assert shown["sensitivity"]["sentence"] == "by start date: improved"
    # the same edit again changes nothing and writes no history
    argv = [*db, "experiments", "edit", "1", "--method", "done", "--author", "K", "--json"]
    assert _json(capsys, argv) == {"id": 1, "version": edited["version"], "changed": {}}
    assert len(_history(db, 1)) == 2


def test_edit_prints_what_changed(db, capsys):
    argv = [*db, "experiments", "edit", "2", "--author", "Kim"]
    assert main([*argv, "--target", "12.5", "--learnings", "Nothing moved"]) == 0
    out = capsys.readouterr().out
    assert "target 15.0 -> 12.5" in out and "learnings '' -> 'Nothing moved'" in out
    assert main([*argv, "--target", "12.5"]) == 0
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, message",
    [
        ([], "nothing to change"),
        (["--method", "created"], "invalid choice: 'created'"),
        (["--status", "adopted"], "invalid choice: 'adopted'"),
        (["--review-date", "2026-01-01"], "--review-date: the review date must not be before"),
        (["--metric", "nope"], "--metric: unknown metric 'nope'"),
        (["--title", "  "], "--title: the title must not be blank"),
    ],
)
def test_a_bad_edit_exits_2_and_changes_nothing(db, capsys, change, message):
    before = _json(capsys, [*db, "experiments", "list", "--json"])
    assert main([*db, "experiments", "edit", "1", *change, "--author", "Kim"]) == 2
    assert message in capsys.readouterr().err
    assert _json(capsys, [*db, "experiments", "list", "--json"]) == before
    assert len(_history(db, 1)) == 1


def test_editing_an_unknown_experiment_exits_2(db, capsys):
    assert main([*db, "experiments", "edit", "77", "--title", "X", "--author", "Kim"]) == 2
    assert "no experiment with id 77" in capsys.readouterr().err


# --------------------------------------------------------------------------- the author


WRITES = {
    "add": ADD[: ADD.index("--author")],
    "edit": ["experiments", "edit", "1", "--title", "Renamed"],
    "review": ["experiments", "review", "1", "--status", "adopted"],
}


@pytest.mark.parametrize("command", list(WRITES))
def test_a_write_without_an_author_is_refused_plainly(db, capsys, monkeypatch, command):
    import getpass

    def no_os_user():  # the operating-system user is never asked
        raise AssertionError("getpass.getuser() was called")

    monkeypatch.setattr(getpass, "getuser", no_os_user)
    monkeypatch.setenv("USER", "root")
    monkeypatch.setenv("LOGNAME", "root")
    before = _json(capsys, [*db, "experiments", "list", "--json"])
    for author in ([], ["--author", "   "]):
        assert main([*db, *WRITES[command], *author]) == 2
        err = capsys.readouterr().err
        assert err.strip() == (
            "flowlab: error: say who is making this change: give --author NAME or set VSM_AUTHOR"
        )
    assert _json(capsys, [*db, "experiments", "list", "--json"]) == before
    assert len(_history(db, 1)) == 1


@pytest.mark.parametrize("command", list(WRITES))
def test_the_author_comes_from_the_option_else_vsm_author(db, capsys, monkeypatch, command):
    monkeypatch.setenv("VSM_AUTHOR", "Priya")
    assert main([*db, *WRITES[command]]) == 0
    monkeypatch.setenv("VSM_AUTHOR", "   ")
    argv = [*WRITES[command], "--author", "Sam"]
    if command == "edit":
        argv[argv.index("Renamed")] = "Renamed again"
    if command == "review":
        argv[argv.index("adopted")] = "adapted"
    assert main([*db, *argv]) == 0
    capsys.readouterr()
    if command == "add":
        listed = _json(capsys, [*db, "experiments", "list", "--json"])
        assert {r["id"]: r["author"] for r in listed if r["id"] > 2} == {3: "Priya", 4: "Sam"}
    else:
        assert [author for _, author, _ in _history(db, 1)][-2:] == ["Priya", "Sam"]


def test_nothing_in_the_core_or_the_cli_asks_for_the_operating_system_user():
    """The author is who the user says they are, never the account the process runs as."""
    pattern = re.compile(r"getpass|getuser|getlogin|[\"'](USER|LOGNAME|USERNAME)[\"']|pwd\.")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "vsm_core").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


# --------------------------------------------------------------------------- what show prints


def test_show_prints_the_records_words_the_p_value_sentence_and_the_check(db, capsys):
    argv = ["experiments", "edit", "1", "--learnings", "Queues shrank", "--author", "K"]
    assert main([*db, *argv]) == 0
    capsys.readouterr()
    shown = _json(capsys, [*db, "experiments", "show", "1", "--json"])
    assert shown["hypothesis"].startswith("We believe that limiting Ready and Review")
    assert shown["action"].startswith("WIP limit of 3 on Ready")
    assert shown["learnings"] == "Queues shrank"
    assert shown["method"] == "start"
    assert shown["p_value_sentence"].startswith("p ")
    assert "if the change had no effect" in shown["p_value_sentence"]
    assert main([*db, "experiments", "show", "1"]) == 0
    out = capsys.readouterr().out
    for text in (
        f"hypothesis: {shown['hypothesis']}",
        f"action: {shown['action']}",
        "learnings: Queues shrank",
        f"compared (start): {shown['method_description']}",
        shown["p_value_sentence"],
        "verdict: improved; target met: yes",
        "sensitivity check, by done date: no clear change (95% interval [",
    ):
        assert text in out, text
    assert "scipy" not in out.casefold()


# --------------------------------------------------------------------------- the documented keys


def _documented_keys(doc: str, heading: str) -> list[str]:
    """The backticked keys in the first column of the first table after ``heading``."""
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    table = re.search(r"\n(\|.*\n)+", section)[0]
    rows = table.strip().splitlines()[2:]  # below the header and its rule
    return [key for row in rows for key in re.findall(r"`([^`]+)`", row.split("|")[1])]


def test_show_json_has_exactly_the_documented_keys(db, capsys):
    shown = _json(capsys, [*db, "experiments", "show", "1", "--json"])
    keys = _documented_keys("cli.md", "## `experiments add|edit|list|show|review`")
    assert keys == list(shown)
    assert _documented_keys("experiments.md", "### `show --json`") == list(shown)
    check = _documented_keys("experiments.md", "#### The sensitivity check")
    assert check == list(shown["sensitivity"])
