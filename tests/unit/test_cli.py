"""The CLI contract: global options, JSON output, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vsm_core.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_db_upgrade_seeds_the_demo_and_datasets_list_json_describes_it(db_url, capsys):
    assert main(["--db", db_url, "db", "upgrade", "--seed-demo"]) == 0
    assert "demo dataset stored" in capsys.readouterr().out
    assert main(["--db", db_url, "datasets", "list", "--json"]) == 0
    [dataset] = json.loads(capsys.readouterr().out)
    assert dataset["name"] == "Demo team"
    assert dataset["latest_version"] == 1
    assert dataset["items"] == 600
    assert dataset["events"] > 2000
    assert dataset["imported_at"].endswith("Z") or "+00:00" in dataset["imported_at"]


def test_db_upgrade_stores_the_demo_teams_sample_records_once(db_url, capsys):
    argv = ["--db", db_url, "db", "upgrade", "--seed-demo", "--sample-records"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "Stored 160 deployments from demo-deployments.csv.",
        "Stored 18 incidents from demo-incidents.csv.",
        "Stored 78 values of measures from demo-measures.csv.",
    ]
    assert main(argv) == 0
    again = capsys.readouterr().out.splitlines()[1:]
    assert all(line.endswith("was already stored.") for line in again) and len(again) == 3
    assert main(["--db", db_url, "delivery", "metrics", "--team", "Demo team", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["keys"]["deployment_frequency"]["value"] > 0
    assert report["limits"]["change_failure_rate"]["upper_limit"] <= 1.0


def test_datasets_list_on_an_empty_database(db_url, capsys):
    assert main(["--db", db_url, "datasets", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["--db", db_url, "datasets", "list"]) == 0
    assert "No datasets yet" in capsys.readouterr().out


def test_human_listing_is_a_table(db_url, capsys):
    main(["--db", db_url, "db", "upgrade", "--seed-demo"])
    capsys.readouterr()
    assert main(["--db", db_url, "datasets", "list"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["id", "name", "team"]
    assert "Demo team" in row and "600" in row


def test_the_database_url_comes_from_the_environment(db_url, monkeypatch, capsys):
    monkeypatch.setenv("VSM_DATABASE_URL", db_url)
    assert main(["db", "upgrade", "--seed-demo"]) == 0
    assert main(["datasets", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])[0]["name"] == "Demo team"


@pytest.mark.parametrize(
    "argv",
    [[], ["datasets"], ["datasets", "lst"], ["nonsense"], ["datasets", "list", "--bogus"]],
)
def test_usage_errors_exit_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("flowlab: error:")
    assert len(err.splitlines()) == 1


def test_unreachable_database_exits_1_with_one_line(capsys):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
    assert main(["--db", url, "datasets", "list"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("flowlab: error: cannot use the database")
    assert len(err.splitlines()) == 1


def test_debug_shows_the_traceback_as_a_real_process(tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
    quiet = subprocess.run(
        [sys.executable, "-m", "vsm_core", "--db", url, "datasets", "list"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    loud = subprocess.run(
        [sys.executable, "-m", "vsm_core", "--db", url, "--debug", "datasets", "list"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    assert loud.returncode == 1 and "Traceback" in loud.stderr


def test_json_output_is_exactly_one_document_on_stdout(db_url):
    subprocess.run(
        [sys.executable, "-m", "vsm_core", "--db", db_url, "db", "upgrade", "--seed-demo"],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    result = subprocess.run(
        [sys.executable, "-m", "vsm_core", "--db", db_url, "datasets", "list", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert isinstance(json.loads(result.stdout), list)
