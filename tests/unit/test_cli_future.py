"""The ``future simulate`` contract: the JSON shape, exit codes, one-line refusals."""

from __future__ import annotations

import json

import pytest

from vsm_core.cli import main

OUTCOME_KEYS = {
    "cycle_time_days",
    "lead_time_days",
    "throughput_per_week",
    "wip_mean",
    "flow_efficiency",
}
PERCENTILE_KEYS = {"p50", "p85", "p50_interval", "p85_interval"}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('future') / 'cli.db'}"
    assert main(["--db", url, "db", "upgrade", "--seed-demo"]) == 0
    return url


def _run(capsys, db_url, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", db_url, "future", "simulate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _check_outcome(outcome: dict, *, intervals: bool) -> None:
    assert set(outcome) == OUTCOME_KEYS
    for name in ("cycle_time_days", "lead_time_days"):
        assert set(outcome[name]) == PERCENTILE_KEYS
        assert outcome[name]["p50"] <= outcome[name]["p85"]
        for key in ("p50_interval", "p85_interval"):
            value = outcome[name][key]
            if intervals:
                low, high = value
                assert low <= high
            else:
                assert value is None
    for name in ("throughput_per_week", "wip_mean", "flow_efficiency"):
        assert isinstance(outcome[name], float) and outcome[name] > 0


def test_the_json_shape_without_changes(capsys, db_url):
    code, out, err = _run(capsys, db_url, "--dataset", "1", "--runs", "3", "--json")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert set(document) == {"current", "future", "changes"}
    assert set(document["current"]) == {"measured", "simulated"}
    _check_outcome(document["current"]["measured"], intervals=False)
    _check_outcome(document["current"]["simulated"], intervals=True)
    _check_outcome(document["future"], intervals=True)
    assert document["changes"] == []
    # Without a change the future is the simulated current state.
    assert document["future"] == document["current"]["simulated"]


def test_changes_are_listed_and_move_the_future(capsys, db_url):
    code, out, _ = _run(
        capsys,
        db_url,
        "--dataset",
        "1",
        "--runs",
        "3",
        "--seed",
        "4",
        "--json",
        "--change",
        "scale:Review=0.5",
        "--change",
        "wip:In Progress=3",
    )
    assert code == 0
    document = json.loads(out)
    assert document["changes"] == [
        {"change": "scale:Review=0.5", "kind": "scale", "stages": ["Review"], "value": 0.5},
        {"change": "wip:In Progress=3", "kind": "wip", "stages": ["In Progress"], "value": 3},
    ]
    _check_outcome(document["future"], intervals=True)
    assert document["future"] != document["current"]["simulated"]
    # A limit of 3 on In Progress at today's time per item lets fewer items through than arrive.
    future, now = document["future"], document["current"]["simulated"]
    assert future["throughput_per_week"] < 0.8 * now["throughput_per_week"]
    assert future["wip_mean"] > now["wip_mean"]


def test_a_limit_that_cannot_keep_up_is_said_in_words(capsys, db_url):
    code, out, _ = _run(
        capsys, db_url, "--dataset", "1", "--runs", "2", "--change", "wip:In Progress=3"
    )
    assert code == 0
    assert "Work would pile up: about" in out
    assert "At today's time per item, In Progress can finish at most" in out


def test_the_same_seed_gives_the_same_document(capsys, db_url):
    argv = ("--dataset", "1", "--runs", "2", "--seed", "7", "--json", "--change", "wip:*=10")
    first = _run(capsys, db_url, *argv)[1]
    assert _run(capsys, db_url, *argv)[1] == first


def test_the_readable_output_says_it_in_words(capsys, db_url):
    code, out, _ = _run(
        capsys,
        db_url,
        "--dataset",
        "1",
        "--runs",
        "2",
        "--change",
        "remove:Ready",
        "--history-from",
        "2026-07-01",
        "--history-to",
        "2026-09-30",
    )
    assert code == 0
    assert out.startswith("Checked against today: the simulated current state")
    assert "Removing Ready would bring the 85th percentile cycle time from" in out
    assert "Measured on the items finished from 2026-07-01 to 2026-09-30." in out
    assert "Future: days per item in each stage" in out
    assert "  In Progress: median" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--change", "scale:Revew=0.5"],
            "'scale:Revew=0.5': no stage 'Revew' in the map; known: Ready, In Progress, Review, "
            "Testing",
        ),
        (["--change", "wip:Review=three"], "a WIP limit is a whole number, not 'three'"),
        (["--change", "teleport:Review"], "'teleport:Review' is not a change"),
        (["--runs", "0"], "runs must be between 1 and 1000, not 0"),
        (["--history-weeks", "4", "--history-from", "2026-07-01"], "not both"),
        (["--history-from", "July"], "--history-from expects a date like 2024-03-31"),
        (["--as-of", "2026-01-04"], "no item with a start finished between"),
        (["--type", "Nothing"], "no item with a start finished between"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, db_url, argv, message):
    code, out, err = _run(capsys, db_url, "--dataset", "1", "--runs", "1", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("flowlab: error: ")
    assert message in err


def test_an_unknown_dataset_or_version_exits_2(capsys, db_url):
    assert _run(capsys, db_url, "--dataset", "99")[0] == 2
    code, _, err = _run(capsys, db_url, "--dataset", "1", "--version", "9")
    assert code == 2 and "no dataset 1 version 9" in err
    code, _, err = _run(capsys, db_url)
    assert code == 2 and "--dataset" in err
