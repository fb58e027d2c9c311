"""From the command line: import the demo team's deployments and an NPS series, record an
experiment on each, and read its evidence with ``experiments show --json``."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from vsm_core.cli import main

CHANGE = date(2026, 6, 1)


@pytest.fixture
def db(tmp_path, capsys) -> list[str]:
    db = ["--db", f"sqlite:///{tmp_path / 'targets.db'}"]
    assert main([*db, "db", "upgrade", "--seed-demo"]) == 0
    capsys.readouterr()
    return db


def _json(capsys, argv) -> dict:
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _add(db, capsys, metric: str, direction: str) -> int:
    return _json(
        capsys,
        [
            *db,
            "experiments",
            "add",
            "--dataset",
            "1",
            "--title",
            "Deploy each merge",
            "--hypothesis",
            "Smaller changes ship more often and satisfy more",
            "--action",
            "Deploy on every merge to main",
            "--owner",
            "Ana",
            "--metric",
            metric,
            "--direction",
            direction,
            "--change-date",
            CHANGE.isoformat(),
            "--author",
            "tester",
            "--json",
        ],
    )["id"]


def test_experiments_on_deployments_and_on_a_series(db, capsys, tmp_path):
    mondays = [CHANGE + timedelta(weeks=k) for k in range(-12, 12)]
    deployments = tmp_path / "deployments.csv"
    rows = ["deployed_at,service,status"]
    for monday in mondays:
        for day in (0, 3) if monday < CHANGE else (0, 1, 2, 3, 4):
            rows.append(f"{monday + timedelta(days=day)}T10:00:00Z,api,success")
    deployments.write_text("\n".join(rows) + "\n")
    stored = _json(
        capsys, [*db, "delivery", "import", str(deployments), "--team", "Demo team", "--json"]
    )
    assert stored
    nps = tmp_path / "nps.csv"
    nps.write_text(
        "date,metric,value\n"
        + "".join(
            f"{monday + timedelta(days=2)},NPS,{20 + (15 if monday >= CHANGE else 0) + k % 3}\n"
            for k, monday in enumerate(mondays)
        )
    )
    _json(capsys, [*db, "series", "import", str(nps), "--team", "Demo team", "--json"])

    frequency = _add(db, capsys, "deployment_frequency:api", "increase")
    shown = _json(capsys, [*db, "experiments", "show", str(frequency), "--json"])
    evidence = shown["evidence"]
    assert shown["verdict"] == evidence["verdict"]
    assert evidence["kind"] == "delivery"
    assert (evidence["before"]["value"], evidence["after"]["value"]) == (2.0, 5.0)
    assert evidence["verdict"] == "improved"

    satisfaction = _add(db, capsys, "series:NPS", "increase")
    shown = _json(capsys, [*db, "experiments", "show", str(satisfaction), "--json"])
    evidence = shown["evidence"]
    assert evidence["kind"] == "series"
    assert evidence["after"]["value"] - evidence["before"]["value"] == pytest.approx(15, abs=1)
    assert evidence["verdict"] == "improved"


def test_an_unknown_target_is_refused_with_the_catalogue(db, capsys):
    argv = [
        *db,
        "experiments",
        "add",
        "--dataset",
        "1",
        "--title",
        "x",
        "--hypothesis",
        "y",
        "--action",
        "a",
        "--owner",
        "z",
        "--metric",
        "deployments_per_day",
        "--direction",
        "increase",
        "--change-date",
        "2026-06-01",
        "--author",
        "t",
    ]
    assert main(argv) == 2
    assert "deployment_frequency" in capsys.readouterr().err
