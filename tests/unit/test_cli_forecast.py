"""``forecast how-many|when|backtest|items``: the JSON contract, one document, exit codes.

steady.csv (written by :func:`steady_csv`): two items a day for 84 days from
Mon 5 Jan 2026, each In Progress at 08:00 and Done at 10:00 UTC (a Feature and
a Defect), plus two items In Progress since 20 Mar (ages at as-of: 9.6 days)
and a last To Do at 23:00 on Sun 29 Mar (the as-of). So the history (the
default 12 weeks) is 5 Jan - 29 Mar, 168 done, and every forecast is
degenerate: 2 a day.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta

import pytest

from vsm_core.cli import main

FIRST = date(2026, 1, 5)


@pytest.fixture
def steady_csv(tmp_path):
    path = tmp_path / "steady.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Key", "Status", "Changed", "Type", "Title"])
        for day in range(84):
            when = FIRST + timedelta(days=day)
            for n, kind in enumerate(("Feature", "Defect")):
                key = f"K-{2 * day + n}"
                writer.writerow([key, "To Do", f"{when}T07:00:00Z", kind, key])
                writer.writerow([key, "In Progress", f"{when}T08:00:00Z", kind, key])
                writer.writerow([key, "Done", f"{when}T10:00:00Z", kind, key])
        for key in ("W-1", "W-2"):
            writer.writerow([key, "To Do", "2026-03-19T09:00:00Z", "Feature", key])
            writer.writerow([key, "In Progress", "2026-03-20T09:00:00Z", "Feature", key])
        writer.writerow(["Z-1", "To Do", "2026-03-29T23:00:00Z", "Feature", "last"])
    return str(path)


def _json(capsys, *argv) -> dict:
    assert main(["forecast", *argv, "--json"]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out)  # exactly one document: json.loads refuses anything else


HISTORY = {"from": "2026-01-05", "to": "2026-03-29", "days": 84, "completed": 168}


def test_how_many_contract(capsys, steady_csv):
    doc = _json(capsys, "how-many", steady_csv, "--days", "14")
    assert doc == {
        "kind": "how_many",
        "days": 14,
        "start": "2026-03-30",
        "history": HISTORY,
        "percentiles": {"50": 28, "70": 28, "85": 28, "95": 28},
        "trials": 10_000,
    }
    assert _json(capsys, "how-many", steady_csv, "--by", "2026-04-12") == doc


def test_how_many_options(capsys, steady_csv):
    doc = _json(
        capsys,
        "how-many",
        steady_csv,
        "--days",
        "7",
        "--type",
        "Defect",
        "--history-weeks",
        "2",
        "--trials",
        "500",
        "--seed",
        "3",
    )
    assert doc["percentiles"]["50"] == 7 and doc["trials"] == 500
    assert doc["history"] == {"from": "2026-03-16", "to": "2026-03-29", "days": 14, "completed": 14}
    work = _json(
        capsys, "how-many", steady_csv, "--days", "14", "--workdays", "--blackout", "2026-04-03"
    )
    assert work["history"]["days"] == 60 and work["percentiles"]["85"] == 2 * 9
    window = _json(
        capsys,
        "how-many",
        steady_csv,
        "--days",
        "1",
        "--history-from",
        "2026-03-01",
        "--history-to",
        "2026-03-10",
    )
    assert window["history"] == {
        "from": "2026-03-01",
        "to": "2026-03-10",
        "days": 10,
        "completed": 20,
    }
    early = _json(capsys, "how-many", steady_csv, "--days", "1", "--as-of", "2026-02-01")
    assert early["start"] == "2026-02-02"


def test_when_contract(capsys, steady_csv):
    doc = _json(capsys, "when", steady_csv, "--items", "30")
    assert doc == {
        "kind": "when",
        "items": 30,
        "start": "2026-03-30",
        "history": HISTORY,
        "percentiles": {q: "2026-04-13" for q in ("50", "70", "85", "95")},
        "days": {q: 15 for q in ("50", "70", "85", "95")},
        "trials": 10_000,
    }


def test_when_never_is_null_in_json_and_words(capsys, steady_csv):
    argv = ["when", steady_csv, "--items", "5", "--history-to", "2026-01-04"]
    assert main(["forecast", *argv, "--json"]) == 2  # before the data: no history day
    assert "holds no day with data" in capsys.readouterr().err
    argv = ["when", steady_csv, "--items", "5", "--type", "Story"]
    doc = _json(capsys, *argv)
    assert doc["percentiles"] == {q: None for q in ("50", "70", "85", "95")}
    assert doc["days"] == {q: None for q in ("50", "70", "85", "95")}
    assert main(["forecast", *argv]) == 0
    out = capsys.readouterr().out
    assert out.count("chance: never.") == 4 and "No item was completed in the history window" in out


def test_backtest_contract(capsys, steady_csv):
    doc = _json(capsys, "backtest", steady_csv, "--horizon-days", "7", "--history-weeks", "4")
    # Mondays with 28 days behind them and 7 ahead by 29 Mar: 2, 9, ..., 23 Mar.
    assert list(doc) == ["horizon_days", "forecasts", "hit_rate", "points"]
    assert doc["horizon_days"] == 7 and doc["forecasts"] == 8
    assert doc["hit_rate"] == {"50": 1.0, "70": 1.0, "85": 1.0, "95": 1.0}
    assert doc["points"][0] == {"date": "2026-02-02", "p50": 14, "p85": 14, "actual": 14}
    assert [p["date"] for p in doc["points"]][-1] == "2026-03-23"
    fortnightly = _json(
        capsys,
        "backtest",
        steady_csv,
        "--horizon-days",
        "7",
        "--history-weeks",
        "4",
        "--every-days",
        "14",
    )
    assert fortnightly["forecasts"] == 4


def test_items_contract(capsys, steady_csv):
    doc = _json(capsys, "items", steady_csv)
    assert doc["as_of"] == "2026-03-29"
    assert [row["item_id"] for row in doc["items"]] == ["W-1", "W-2"]
    row = doc["items"][0]
    assert list(row) == ["item_id", "stage", "age_days", "p50_done", "p85_done"]
    assert row["stage"] == "In Progress"
    assert row["age_days"] == pytest.approx(9 + 14 / 24)
    # Every finished item took 2 hours: none as old as these, so no percentile is defined.
    assert row["p50_done"] is None and row["p85_done"] is None
    assert main(["forecast", "items", steady_csv, "--sle", "5"]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 items in progress have their 85 % date past" in out


def test_plain_output_is_the_sentences(capsys, steady_csv):
    assert main(["forecast", "how-many", steady_csv, "--days", "14"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == (
        "85 % chance of at least 28 items in the 14 days from 30 Mar 2026 to 12 Apr 2026."
    )
    assert main(["forecast", "backtest", steady_csv, "--horizon-days", "14"]) == 0
    assert "No past forecast to check yet" in capsys.readouterr().out


def test_stored_datasets_alone_and_together(capsys, steady_csv, tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 'f.db'}"]
    ids = []
    for name in ("Alpha", "Beta"):
        assert main([*db, "import", steady_csv, "--dataset", name, "--json"]) == 0
        ids.append(str(json.loads(capsys.readouterr().out)["dataset_id"]))
    assert main([*db, "forecast", "how-many", "--dataset", ids[0], "--days", "14", "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert alone == _json(capsys, "how-many", steady_csv, "--days", "14")
    argv = [*db, "forecast", "items", "--dataset", ids[0], "--version", "1", "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == "2026-03-29"
    assert main([*db, "forecast", "items", "--dataset", ids[0], "--version", "2"]) == 2
    assert "no dataset" in capsys.readouterr().err
    argv = [*db, "forecast", "when", "--dataset", *ids, "--items", "60", "--json"]
    assert main(argv) == 0
    together = json.loads(capsys.readouterr().out)
    assert together["days"]["85"] == 15  # 4 a day between them
    assert [team["name"] for team in together["teams"]] == ["Alpha", "Beta"]
    argv = [*db, "forecast", "when", "--dataset", ids[0], "--dataset", ids[1]]
    assert main([*argv, "--items", "10", "50", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["days"]["50"] == 25  # Beta's 50 at 2 a day


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["how-many", "--days", "3"], "give either FILE or --dataset ID"),
        (["how-many", "{file}"], "one of the arguments --days --by is required"),
        (["how-many", "{file}", "--days", "3", "--by", "2026-04-01"], "not allowed with"),
        (["how-many", "{file}", "--by", "tomorrow"], "--by expects a date"),
        (["how-many", "{file}", "--by", "2026-03-01"], "not after the as-of date"),
        (["how-many", "{file}", "--days", "0"], "at least one day"),
        (["how-many", "{file}", "--days", "3", "--trials", "0"], "1 to 100,000 trials"),
        (["how-many", "{file}", "--days", "3", "--blackout", "2026-04-01"], "with --workdays"),
        (
            [
                "how-many",
                "{file}",
                "--days",
                "3",
                "--history-weeks",
                "2",
                "--history-to",
                "2026-03-01",
            ],
            "not both",
        ),
        (["how-many", "{file}", "--days", "3", "--as-of", "soon"], "--as-of expects"),
        (["when", "{file}", "--items", "0"], "at least one item"),
        (["when", "{file}", "--items", "3", "4"], "one number of items per dataset"),
        (["backtest", "{file}", "--horizon-days", "0"], "at least one day"),
        (["items", "{file}", "--dataset", "1"], "give either FILE or --dataset ID"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, steady_csv, argv, message):
    argv = [steady_csv if a == "{file}" else a for a in argv]
    assert main(["forecast", *argv, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert captured.err.count("flowlab: error:") == 1


def test_an_unknown_dataset_exits_2(capsys, tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 'e.db'}"]
    assert main([*db, "forecast", "items", "--dataset", "7", "--json"]) == 2
    assert "no dataset 7" in capsys.readouterr().err
    assert main([*db, "forecast", "backtest", "--dataset", "7", "8", "--horizon-days", "7"]) == 2
