"""The ``series import`` and ``series show`` contract: JSON shapes, exit codes, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vsm_core.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "series"


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _run(capsys, db_url, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", db_url, "series", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_json_then_the_same_file_again_stores_nothing(capsys, db_url):
    code, out, _err = _run(
        capsys, db_url, "import", str(DATA / "customer_satisfaction.csv"), "--team", "A", "--json"
    )
    assert code == 0
    document = json.loads(out)
    assert document["stored"] is True
    assert (document["rows"], document["added"], document["replaced"]) == (60, 60, 0)
    assert document["metrics"] == [
        {
            "team": "A",
            "metric": "Customer satisfaction",
            "points": 60,
            "first": "2026-01-05",
            "last": "2026-05-22",
        }
    ]
    assert document["columns"] == {"date": "Date", "metric": "Metric", "value": "Value"}
    code, out, _err = _run(
        capsys, db_url, "import", str(DATA / "customer_satisfaction.csv"), "--team", "A", "--json"
    )
    again = json.loads(out)
    assert code == 0 and again["stored"] is False and again["unchanged"] == 60


def test_import_in_words(capsys, db_url):
    code, out, _err = _run(capsys, db_url, "import", str(DATA / "nps.csv"), "--team", "A")
    assert code == 0
    assert "stored nps.csv for A: 12 new values, 0 replaced, 0 unchanged" in out
    assert "Demo team  NPS     12      2025-01-01  2025-12-01" in out


@pytest.mark.parametrize(
    "name, expected",
    [
        ("bad_values.csv", "row 3, column 'value', value 'four': not a number"),
        ("duplicate_dates.csv", "row 4, column 'date', value '2026-03-09'"),
        ("ambiguous_dates.csv", "03 April 2026 (day first) or 04 March 2026 (month first)"),
    ],
)
def test_bad_input_exits_2_naming_row_column_value_and_stores_nothing(
    capsys, db_url, name, expected
):
    code, out, err = _run(capsys, db_url, "import", str(DATA / name), "--team", "A", "--json")
    assert code == 2
    assert out == ""
    assert expected in err
    assert f"flowlab: error: {name} was not stored" in err
    assert "Traceback" not in err
    code, _out, err = _run(capsys, db_url, "show", "--team", "A")
    assert code == 2 and "no measures stored for team 'A'" in err


def test_a_date_order_and_a_decimal_answer_the_questions(capsys, db_url):
    code, out, _ = _run(
        capsys,
        db_url,
        "import",
        str(DATA / "ambiguous_dates.csv"),
        "--team",
        "A",
        "--date-order",
        "dayfirst",
        "--json",
    )
    assert code == 0 and json.loads(out)["metrics"][0]["first"] == "2026-04-03"
    code, out, _ = _run(
        capsys,
        db_url,
        "import",
        str(DATA / "ambiguous_thousands.csv"),
        "--team",
        "A",
        "--decimal",
        "point",
        "--json",
    )
    assert code == 0 and json.loads(out)["decimal"] == "."


def test_show_json_gives_each_metrics_points_limits_and_signals(capsys, db_url):
    assert _run(capsys, db_url, "import", str(DATA / "nps.csv"), "--team", "A")[0] == 0
    code, out, _err = _run(
        capsys, db_url, "show", "--team", "Demo team", "--period", "month", "--json"
    )
    assert code == 0
    document = json.loads(out)
    assert document["team"] == "Demo team" and document["period"] == "month"
    assert "mean of the values" in document["definition"]
    (nps,) = document["metrics"]
    assert set(nps) == {"metric", "period", "points", "centre", "mr_bar", "unpl", "lnpl", "signals"}
    assert len(nps["points"]) == 12
    assert nps["points"][0] == {"period_start": "2025-01-01", "value": -12.0, "count": 1}
    assert nps["centre"] == pytest.approx(86 / 12)
    assert nps["lnpl"] < 0
    assert nps["signals"] == [{"index": 0, "rule": "beyond_limits"}]


def test_show_with_a_window_and_a_metric(capsys, db_url):
    _run(capsys, db_url, "import", str(DATA / "customer_satisfaction.csv"), "--team", "A")
    code, out, _err = _run(
        capsys,
        db_url,
        "show",
        "--team",
        "A",
        "--metric",
        "Customer satisfaction",
        "--from",
        "2026-02-02",
        "--to",
        "2026-02-15",
        "--json",
    )
    assert code == 0
    points = json.loads(out)["metrics"][0]["points"]
    assert [p["period_start"] for p in points] == ["2026-02-02", "2026-02-09"]
    assert [p["count"] for p in points] == [3, 3]
    code, out, _err = _run(capsys, db_url, "show", "--team", "A")
    assert code == 0
    assert "Customer satisfaction (mean per week)" in out
    assert "limits: lower" in out


def test_usage_errors_exit_2(capsys, db_url):
    code, _out, err = _run(capsys, db_url, "show", "--team", "A", "--from", "soon")
    assert code == 2 and "--from expects a date" in err
    code, _out, err = _run(capsys, db_url, "import", "/no/such/file.csv", "--team", "A")
    assert code == 2 and "cannot read" in err
    code, _out, err = _run(capsys, db_url, "import", str(DATA / "nps.csv"))
    assert code == 2 and "--team" in err
    code, _out, err = _run(
        capsys, db_url, "import", str(DATA / "customer_satisfaction.csv"), "--team", "x" * 201
    )
    assert code == 2 and "team name of 1 to 200 characters" in err
