"""The ``delivery import`` / ``delivery metrics`` contract: JSON shapes, exit codes, refusals.

The numbers are the hand-computed log of tests/unit/test_delivery_keys.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vsm_core.cli import main
from vsm_core.delivery import KEYS

DATA = Path(__file__).resolve().parents[1] / "data" / "delivery"
IMPORT_KEYS = {
    "team",
    "kind",
    "format",
    "rows",
    "left_out",
    "import_id",
    "stored",
    "superseded",
    "evidence",
    "columns",
    "notes",
}
METRICS_KEYS = {
    "team",
    "service",
    "window",
    "counts",
    "notes",
    "keys",
    "weekly",
    "limits",
    "services",
}


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'delivery.db'}"


def run(capsys, db_url, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", db_url, "delivery", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def load(capsys, db_url, name, *options) -> dict:
    code, out, _ = run(
        capsys, db_url, "import", str(DATA / name), "--team", "A", "--json", *options
    )
    assert code == 0
    return json.loads(out)


def test_import_json_shape_and_a_repeat_that_stores_nothing(capsys, db_url):
    first = load(capsys, db_url, "deployments.csv")
    assert set(first) == IMPORT_KEYS
    assert (first["kind"], first["format"], first["rows"], first["left_out"]) == (
        "deployments",
        "deployments-csv",
        8,
        1,
    )
    assert first["stored"] is True and first["superseded"] is None
    assert first["columns"]["commit_at"] == "first_commit_at"
    again = load(capsys, db_url, "deployments.csv")
    assert again["stored"] is False and again["import_id"] == first["import_id"]
    github = load(capsys, db_url, "github_deployments.json")
    assert github["superseded"] == first["import_id"] and github["format"] == "github-deployments"


def test_metrics_json_shape_and_values(capsys, db_url):
    load(capsys, db_url, "deployments.csv")
    load(capsys, db_url, "incidents.csv")
    code, out, _ = run(capsys, db_url, "metrics", "--team", "A", "--json")
    assert code == 0
    document = json.loads(out)
    assert set(document) == METRICS_KEYS
    assert document["window"] == {"from": "2026-03-02", "to": "2026-03-12"}
    assert document["counts"] == {"deployments": 8, "incidents": 3}
    assert document["notes"] == [
        "1 incident without a resolution time is left out of the recovery times."
    ]
    assert set(document["keys"]) == set(KEYS)
    for entry in document["keys"].values():
        assert set(entry) == {"value", "n", "band"}
    assert document["keys"]["change_failure_rate"] == {
        "value": 0.375,
        "n": 8,
        "band": "closest to the low cluster's 40%",
    }
    assert document["keys"]["recovery_time_p50"]["value"] == 0.375
    assert [w["week"] for w in document["weekly"]] == ["2026-03-02", "2026-03-09"]
    assert [w["deployment_frequency"] for w in document["weekly"]] == [5.0, 3.0]
    assert set(document["limits"]["deployment_frequency"]) == {
        "centre",
        "lower_limit",
        "upper_limit",
        "signals",
    }
    assert document["limits"]["deployment_frequency"]["centre"] == 4.0
    assert [s["service"] for s in document["services"]] == [None, "api", "web"]


def test_metrics_of_one_service_and_a_window(capsys, db_url):
    load(capsys, db_url, "deployments.csv")
    code, out, _ = run(
        capsys, db_url, "metrics", "--team", "A", "--service", "web",
        "--from", "2026-03-02", "--to", "2026-03-08", "--json",
    )  # fmt: skip
    assert code == 0
    document = json.loads(out)
    assert document["service"] == "web"
    assert document["keys"]["deployment_frequency"]["value"] == 2.0
    assert document["keys"]["deployment_rework_rate"]["value"] == 0.5


def test_metrics_in_words(capsys, db_url):
    load(capsys, db_url, "deployments.csv")
    code, out, _ = run(capsys, db_url, "metrics", "--team", "A")
    assert code == 0
    assert "Change failure rate: 25% (8 records)" in out  # without incidents d4 did not fail
    assert "DORA band: high (between once a day and once a week)" in out
    code, out, _ = run(capsys, db_url, "metrics", "--team", "Nobody")
    assert code == 0 and "has no deployment or incident records" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["import", str(DATA / "nasty_statuses.csv"), "--team", "A"], "value 'exploded'"),
        (["import", str(DATA / "nasty_unknown.csv"), "--team", "A"], "could not tell"),
        (["import", str(DATA / "nasty_both.csv"), "--team", "A"], "--kind"),
        (["import", str(DATA / "missing.csv"), "--team", "A"], "cannot read"),
        (["import", str(DATA / "deployments.csv")], "--team"),
        (["metrics", "--team", "A", "--from", "2026-03-09", "--to", "2026-03-01"], "after"),
        (["metrics", "--team", "A", "--from", "yesterday"], "--from expects a date"),
        (["metrics", "--team", "A", "--service", "nope"], "no service 'nope'"),
        (["metrics", "--team", "A", "--timezone", "Mars/Base"], "unknown time zone"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, db_url, argv, message):
    code, _out, err = run(capsys, db_url, *argv)
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("flowlab: error:") or last.startswith("usage:")
    assert message in err
    assert "Traceback" not in err


def test_a_refused_file_stores_nothing(capsys, db_url):
    run(capsys, db_url, "import", str(DATA / "nasty_future.csv"), "--team", "A")
    code, out, _ = run(capsys, db_url, "metrics", "--team", "A", "--json")
    assert code == 0 and json.loads(out)["counts"] == {"deployments": 0, "incidents": 0}
