"""``import`` and ``workflow export`` through the CLI: contract, exit codes, no partial data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vsm_core.cli import main
from vsm_core.cli.common import UsageError
from vsm_core.cli.importing import parse_mapping

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
FIXTURE = (
    Path(__file__).resolve().parents[3]
    / "shared/fixtures/actionableagile-stages/jira-to-analytics-export.csv"
)


@pytest.fixture
def db(tmp_path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]


def _datasets(db, capsys) -> list[dict]:
    capsys.readouterr()
    assert main([*db, "datasets", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_import_json_prints_one_document_and_the_workflow_goes_to_stderr(db, capsys):
    assert main([*db, "import", str(DATA / "events.csv"), "--json", "--team", "Web"]) == 0
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert set(document) == {
        "dataset_id",
        "version",
        "stored",
        "items",
        "events",
        "quality",
        "format",
        "columns",
        "detected",
    }
    assert set(document["detected"]) == {"format", "score", "evidence"}
    assert (document["version"], document["items"], document["events"]) == (1, 2, 6)
    assert document["quality"]["zero_or_negative_durations"] == 1
    assert "[[stage]]" in err  # the suggested workflow, as TOML, on stderr
    [stored] = _datasets(db, capsys)
    assert (stored["name"], stored["team"], stored["format"]) == ("events", "Web", "events")


def test_reimport_is_a_new_version(db, tmp_path, capsys):
    later = tmp_path / "stages.csv"  # the next export of the board: one more item
    later.write_bytes((DATA / "stages.csv").read_bytes() + b"S-9,,Ninth,01/03/2024,,,,,,\n")
    for path in (DATA / "stages.csv", later):
        assert main([*db, "import", str(path), "--dataset", "Board"]) == 0
    [stored] = _datasets(db, capsys)
    assert (stored["name"], stored["latest_version"], stored["versions"]) == ("Board", 2, 2)


def test_human_output_names_the_dataset_and_the_quality(db, capsys):
    assert main([*db, "import", str(DATA / "transitions.csv")]) == 0
    out = capsys.readouterr().out
    assert "[[stage]]" in out  # the suggested workflow is printed
    assert "version 1: 3 items, 5 events, format transitions" in out
    assert "items_without_events=1" in out


def test_bad_input_exits_2_prints_every_problem_and_stores_nothing(db, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("Item,Status,Entered\nA,To Do,2024-01-01\n,Doing,2024-01-02\nA,Done,nope\n")
    assert main([*db, "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "row 3, column 'Item'" in err
    assert "row 4, column 'Entered', value 'nope'" in err
    assert err.strip().splitlines()[-1].startswith("flowlab: error: bad.csv was not imported")
    assert _datasets(db, capsys) == []


def test_a_workflow_file_is_used_and_exported_back(db, tmp_path, capsys):
    workflow = tmp_path / "flow.toml"
    workflow.write_text(
        'start = "Doing"\n'
        '[[stage]]\nname = "Todo"\nstatuses = ["To Do"]\ncategory = "backlog"\n'
        '[[stage]]\nname = "Doing"\nstatuses = ["In Progress", "Review"]\ncategory = "active"\n'
        '[[stage]]\nname = "Finished"\nstatuses = ["done"]\ncategory = "done"\n'
    )
    assert (
        main([*db, "import", str(DATA / "events.csv"), "--workflow", str(workflow), "--json"]) == 0
    )
    dataset_id = json.loads(capsys.readouterr().out)["dataset_id"]
    assert main([*db, "workflow", "export", "--dataset", str(dataset_id)]) == 0
    exported = capsys.readouterr().out
    from vsm_core.workflow import load_workflow_file, parse_workflow_toml

    assert parse_workflow_toml(exported) == load_workflow_file(workflow)


@pytest.mark.parametrize(
    "argv_tail, message",
    [
        (["--map", "status"], "--map expects ROLE=COLUMN"),
        (["--map", "colour=Status"], "unknown role 'colour'"),
        (["--timezone", "Mars/Olympus"], "unknown time zone"),
        (["--workflow", "/nonexistent.toml"], "workflow file not found"),
        (["--format", "yaml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(db, capsys, argv_tail, message):
    assert main([*db, "import", str(DATA / "events.csv"), *argv_tail]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_file_exits_2(db, capsys):
    assert main([*db, "import", "/no/such/file.csv"]) == 2
    assert "cannot read /no/such/file.csv" in capsys.readouterr().err


def test_export_of_an_unknown_dataset_exits_2(db, capsys):
    assert main([*db, "workflow", "export", "--dataset", "42"]) == 2
    assert "no dataset 42" in capsys.readouterr().err


def test_map_splits_on_the_first_equals_sign():
    assert parse_mapping(["title=Summary = short", "status=To+Status"]) == {
        "title": "Summary = short",
        "status": "To+Status",
    }
    with pytest.raises(UsageError):
        parse_mapping(["=Status"])


@pytest.mark.skipif(not FIXTURE.exists(), reason="../shared/fixtures is not beside this checkout")
def test_the_real_export_imports_from_the_cli(db, capsys):
    assert main([*db, "import", str(FIXTURE), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["items"], document["events"]) == (209, 637)


def test_a_file_without_work_statuses_is_bad_input_not_a_crash(db, tmp_path, capsys):
    backlog_only = tmp_path / "backlog.csv"
    backlog_only.write_text("Item,Status,Entered\nA,To Do,2024-01-01\nA,Backlog,2024-01-02\n")
    assert main([*db, "import", str(backlog_only)]) == 2
    assert "cannot suggest a workflow" in capsys.readouterr().err


GITHUB = Path(__file__).resolve().parents[3] / "shared/fixtures/github-timeline"


@pytest.mark.skipif(not GITHUB.exists(), reason="../shared/fixtures is not beside this checkout")
def test_github_status_source_is_chosen_on_the_command_line(db, capsys):
    fixture = GITHUB / "webcompat-issues-with-events.jsonl"
    assert main([*db, "import", str(fixture), "--github-status", "state", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    # open/closed only: every issue opens once, 60 of the 100 were closed
    assert (document["items"], document["events"]) == (100, 160)


def test_an_unclear_file_exits_2_with_the_candidates_and_stores_nothing(db, tmp_path, capsys):
    path = tmp_path / "budget.csv"
    path.write_text("Cost centre,Budget,Spent\nA,100,20\nB,200,250\n")
    assert main([*db, "import", str(path)]) == 2
    assert "could not tell the format of budget.csv" in capsys.readouterr().err
    assert _datasets(db, capsys) == []


def _future_events(tmp_path) -> Path:
    path = tmp_path / "future.csv"
    path.write_text(
        "Key,Status,Entered\n"
        + "".join(f"F-{n},Doing,2090-01-0{n + 1}\nF-{n},Done,2090-02-0{n + 1}\n" for n in range(5))
    )
    return path


def test_an_implausible_result_exits_2_unless_forced(db, tmp_path, capsys):
    path = _future_events(tmp_path)
    assert main([*db, "import", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert "100% of the events are dated in the future" in err and "--force" in err
    assert _datasets(db, capsys) == []
    assert main([*db, "import", str(path), "--json", "--force"]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == "events"


def test_given_format_and_columns_are_said_in_detected(db, capsys):
    args = [*db, "import", str(DATA / "events.csv"), "--json", "--format", "events"]
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["detected"] == {
        "format": "events",
        "score": 1.0,
        "evidence": "chosen by the user",
    }
    assert document["columns"]["item_id"] and document["columns"]["status"]


def test_an_identical_reimport_stores_nothing_and_says_so_in_the_same_document(db, capsys):
    args = [*db, "import", str(DATA / "events.csv"), "--json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert first["stored"] is True and again["stored"] is False
    assert set(again) == set(first) | {"message"}
    assert (again["dataset_id"], again["version"]) == (first["dataset_id"], first["version"])
    assert "nothing stored" in again["message"]
    assert len(_datasets(db, capsys)) == 1
