"""``metrics``: the JSON contract on a small hand-computed file, filters, --items, --dataset.

small.csv (all times UTC, as-of = last event = 10 Jan 09:00):
  A Feature: To Do 1 Jan 09:00, In Progress 2 Jan 09:00, Review 4 Jan 09:00, Done 5 Jan 09:00
     cycle 3.0 d (2 -> 5 Jan), lead 4.0 d, active 2 d (In Progress) of 3 -> efficiency 2/3
  B Defect:  To Do 1 Jan 10:00, In Progress 3 Jan 09:00, Done 9 Jan 09:00
     cycle 6.0 d, lead 7 d 23 h = 7.958333 d, active 6 of 6 -> efficiency 1
  C Defect:  To Do 2 Jan, In Progress 8 Jan 09:00 -> in progress, age 2.0 d at as-of
  D Feature: To Do, Cancelled 4 Jan -> cancelled
  E Feature: To Do 10 Jan -> not started
Commitment = In Progress (first active/waiting stage of the suggested workflow).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from vsm_core.cli import main

SMALL = Path(__file__).resolve().parents[1] / "data" / "metrics" / "small.csv"


def _metrics(capsys, *argv) -> dict:
    assert main(["metrics", str(SMALL), "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_json_contract_by_hand(capsys):
    doc = _metrics(capsys)
    assert doc["counts"] == {
        "items": 5,
        "completed": 2,
        "in_progress": 1,
        "not_started": 1,
        "cancelled": 1,
    }
    cycle = doc["cycle_time_days"]
    # cycle times 3 and 6: p50 4.5, p70 5.1, p85 5.55, p95 5.85, mean 4.5
    assert [cycle[k] for k in ("p50", "p70", "p85", "p95", "mean", "n")] == pytest.approx(
        [4.5, 5.1, 5.55, 5.85, 4.5, 2]
    )
    lead = doc["lead_time_days"]
    assert lead["n"] == 2 and lead["mean"] == pytest.approx((4 + 7 + 23 / 24) / 2)
    # weeks of 1 Jan (A done) and 8 Jan (B done)
    assert doc["throughput"]["weekly"] == [
        {"week_start": "2024-01-01", "count": 1},
        {"week_start": "2024-01-08", "count": 1},
    ]
    assert doc["throughput"]["per_week_mean"] == 1.0
    # WIP at the end of each day 1..10 Jan: A 2-4, B 3-8, C 8-10 (end of 10 Jan = as-of)
    daily = {row["date"]: row["count"] for row in doc["wip"]["daily"]}
    assert daily == {
        "2024-01-01": 0,
        "2024-01-02": 1,
        "2024-01-03": 2,
        "2024-01-04": 2,
        "2024-01-05": 1,
        "2024-01-06": 1,
        "2024-01-07": 1,
        "2024-01-08": 2,
        "2024-01-09": 1,
        "2024-01-10": 1,
    }
    assert doc["wip"]["mean"] == pytest.approx(1.2)
    efficiency = doc["flow_efficiency"]
    assert efficiency["ratio_of_sums"] == pytest.approx((2 + 6) / (3 + 6))
    assert efficiency["mean_of_ratios"] == pytest.approx((2 / 3 + 1) / 2)
    stages = doc["time_in_stage_days"]
    assert stages["In Progress"]["total"] == pytest.approx(8.0)  # A 2 + B 6
    assert stages["Review"]["total"] == pytest.approx(1.0)
    assert stages["Done"]["total"] == 0
    assert doc["bottleneck"] == {
        "stage": "In Progress",
        "share": pytest.approx(8 / 9),
        "category": "active",
    }
    assert doc["aging_wip"] == [{"item_id": "C", "stage": "In Progress", "age_days": 2.0}]
    assert doc["as_of"] == "2024-01-10T09:00:00+00:00"
    definitions = doc["definitions"]
    assert definitions["start_stage"] == "In Progress"
    assert definitions["cycle_time"] == "elapsed"
    assert definitions["percentile_method"].startswith("linear")
    assert doc["flags"]["done_without_start"] == 0
    assert doc["flags"]["unmapped_events"] == 0


def test_inclusive_cycle_time(capsys):
    doc = _metrics(capsys, "--cycle-time", "inclusive")
    # A: 2 Jan .. 5 Jan = 4 days, B: 3 Jan .. 9 Jan = 7 days
    assert doc["cycle_time_days"]["p50"] == pytest.approx(5.5)
    assert doc["definitions"]["cycle_time"] == "inclusive"


def test_window_counts_completed_by_done_date(capsys):
    doc = _metrics(capsys, "--from", "2024-01-06", "--to", "2024-01-31")
    assert doc["counts"]["completed"] == 1
    assert doc["cycle_time_days"]["p50"] == pytest.approx(6.0)
    assert doc["definitions"]["window"] == {"from": "2024-01-06", "to": "2024-01-31"}


def test_type_filter(capsys):
    doc = _metrics(capsys, "--type", "Defect")
    assert doc["counts"] == {
        "items": 2,
        "completed": 1,
        "in_progress": 1,
        "not_started": 0,
        "cancelled": 0,
    }
    assert doc["definitions"]["filters"]["work_types"] == ["Defect"]


def test_as_of_cuts_later_events(capsys):
    doc = _metrics(capsys, "--as-of", "2024-01-06")  # end of 6 Jan
    assert doc["counts"]["completed"] == 1  # B is done on 9 Jan
    assert {row["item_id"] for row in doc["aging_wip"]} == {"B"}


def test_items_csv_lets_a_team_audit_each_number(capsys, tmp_path):
    out = tmp_path / "items.csv"
    assert main(["metrics", str(SMALL), "--items", str(out)]) == 0
    capsys.readouterr()
    with out.open(encoding="utf-8-sig") as handle:
        rows = {row["item_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"A", "B", "C", "D", "E"}
    assert float(rows["A"]["cycle_time_days"]) == 3.0
    assert rows["A"]["start"] == "2024-01-02T09:00:00Z"
    assert rows["D"]["state"] == "cancelled"
    assert rows["C"]["current_stage"] == "In Progress"


def test_the_readable_summary(capsys):
    assert main(["metrics", str(SMALL)]) == 0
    out = capsys.readouterr().out
    assert "items 5: 2 completed, 1 in progress, 1 not started, 1 cancelled" in out
    assert "bottleneck: In Progress" in out
    assert main(["metrics", str(SMALL), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    pce = doc["process_cycle_efficiency"]
    assert f"process cycle efficiency: {100 * pce:.1f} % (value-added time / lead time)" in out


def test_a_stored_dataset_gives_the_same_numbers(capsys, tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 'm.db'}"]
    assert main([*db, "import", str(SMALL), "--json"]) == 0
    dataset_id = json.loads(capsys.readouterr().out)["dataset_id"]
    assert main([*db, "metrics", "--dataset", str(dataset_id), "--json"]) == 0
    stored = json.loads(capsys.readouterr().out)
    assert stored == _metrics(capsys)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["metrics"], "give either FILE or --dataset ID"),
        (["metrics", str(SMALL), "--dataset", "1"], "give either FILE or --dataset ID"),
        (["metrics", str(SMALL), "--from", "yesterday"], "--from expects a date"),
        (["metrics", str(SMALL), "--from", "2024-02-01", "--to", "2024-01-01"], "after --to"),
        (["metrics", str(SMALL), "--as-of", "soon"], "--as-of expects"),
    ],
)
def test_usage_errors(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err
