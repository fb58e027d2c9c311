"""Reading deployment and incident files (vsm_core.delivery.parse and .github).

The sample files in tests/data/delivery/ are in the shapes the tools write: a pipeline's
CSV log of deployments, GitHub's deployments JSON with their statuses, an incident log and
a PagerDuty-like incident export; the ``nasty_*`` files hold what must be refused, each
problem with its row, column and value.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsm_core.delivery import KindUnclear, read_delivery
from vsm_core.importers.errors import ImportFailed

DATA = Path(__file__).resolve().parents[1] / "data" / "delivery"
NOW = pd.Timestamp("2026-06-01T00:00:00Z")


def read(name: str, **options):
    return read_delivery((DATA / name).read_bytes(), name, now=NOW, **options)


def problems(name: str, **options) -> list[tuple[int | None, str | None, str | None]]:
    with pytest.raises(ImportFailed) as failure:
        read(name, **options)
    return [(p.row, p.column, p.value) for p in failure.value.problems]


def test_a_deployment_log_is_recognised_and_read_row_by_row():
    result = read("deployments.csv")
    assert result.kind == "deployments"
    assert result.format == "deployments-csv"
    assert result.columns["deployed_at"] == "deployed_at"
    assert result.columns["commit_at"] == "first_commit_at"
    deployments = result.log.deployments
    # the staging deployment is left out, and the user is told
    assert list(deployments["external_id"]) == ["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"]
    assert result.left_out == 1
    assert any("staging" in note for note in result.notes)
    assert list(deployments["status"]) == ["success", "failure"] + ["success"] * 6
    assert list(deployments["kind"]) == [
        None,
        None,
        "rollback",
        None,
        "hotfix",
        None,
        None,
        "rollback",
    ]
    assert deployments["deployed_at"].iloc[0] == pd.Timestamp("2026-03-02T10:00:00Z")
    assert pd.isna(deployments["commit_at"].iloc[2])
    assert deployments["change_ids"].iloc[0] == ("PAY-1", "PAY-2")
    assert deployments["change_ids"].iloc[2] == ()
    assert result.log.incidents.empty


def test_an_incident_log_and_a_pagerduty_export_are_recognised():
    log = read("incidents.csv")
    assert log.kind == "incidents"
    incidents = log.log.incidents
    assert list(incidents["deployment_ref"]) == ["d4", None, None]
    assert pd.isna(incidents["resolved_at"].iloc[2])
    assert any("open" in note for note in log.notes)
    duty = read("incidents_pagerduty.csv")
    assert duty.kind == "incidents"
    assert duty.columns == {
        "started_at": "created_on",
        "resolved_at": "resolved_on",
        "service": "service_name",
        "title": "title",
        "external_id": "id",
    }
    assert list(duty.log.incidents["service"]) == ["web", "api"]


def test_github_deployments_take_their_outcome_from_the_last_ending_status():
    result = read("github_deployments.json")
    assert result.format == "github-deployments"
    deployments = result.log.deployments
    assert list(deployments["external_id"]) == ["1001", "1002", "1003"]
    assert list(deployments["status"]) == ["success", "failure", "success"]
    assert list(deployments["kind"]) == [None, None, "rollback"]
    assert list(deployments["service"]) == ["payments"] * 3
    # deployed when the ending status was posted, not when the deployment was created
    assert deployments["deployed_at"].iloc[0] == pd.Timestamp("2026-03-02T10:00:00Z")
    assert deployments["commit_at"].iloc[1] == pd.Timestamp("2026-03-02T22:00:00Z")
    assert result.left_out == 2  # staging, and the one still queued
    assert any("queued" in note for note in result.notes)
    assert any("staging" in note for note in result.notes)


def test_unknown_status_and_kind_words_and_bad_dates_are_named_with_row_column_value():
    found = problems("nasty_statuses.csv")
    assert (3, "status", "exploded") in found
    assert (4, "status", None) in found  # a blank status: missing
    assert (5, "kind", "canary") in found
    assert (6, "deployed_at", "not a date") in found
    assert len(found) == 4


def test_future_times_and_a_commit_after_its_deployment_are_refused():
    found = problems("nasty_future.csv")
    assert found == [
        (2, "first_commit_at", "2026-03-04T10:00:00Z"),
        (3, "deployed_at", "2099-01-01T10:00:00Z"),
    ]


def test_incidents_resolved_before_they_started_repeated_ids_and_no_start_are_refused():
    with pytest.raises(ImportFailed) as failure:
        read("nasty_incidents.csv")
    messages = {(p.row, p.column): p.message for p in failure.value.problems}
    assert "resolved before it started" in messages[(2, "resolved_at")]
    assert "used by an earlier row" in messages[(3, "id")]
    assert "start time is missing" in messages[(4, "started_at")]


def test_a_file_that_is_neither_or_could_be_both_is_a_question_not_a_guess():
    with pytest.raises(KindUnclear) as neither:
        read("nasty_unknown.csv")
    assert "'name', 'when', 'amount'" in str(neither.value)
    with pytest.raises(KindUnclear) as both:
        read("nasty_both.csv")
    assert "--kind" in str(both.value)
    # told which it is, it is read
    assert read("nasty_both.csv", kind="incidents").rows == 2


def test_empty_files_and_wrong_formats_are_refused_in_one_sentence():
    with pytest.raises(ImportFailed, match="empty"):
        read_delivery(b"", "d.csv")
    with pytest.raises(ImportFailed, match="no rows"):
        read("nasty_header_only.csv")
    with pytest.raises(ImportFailed, match="GitHub"):
        read("deployments.csv", format="github")
    with pytest.raises(ImportFailed, match="incidents are read from a table"):
        read("github_deployments.json", kind="incidents")
    with pytest.raises(ImportFailed, match="needs a column for the start time"):
        read("deployments.csv", kind="incidents")
    with pytest.raises(ImportFailed, match="limit"):
        read_delivery((DATA / "deployments.csv").read_bytes(), "d.csv", max_bytes=100)
    with pytest.raises(ImportFailed, match="time zone"):
        read_delivery(b"deployed_at,status\n2026-01-01,success\n", "d.csv", timezone="Mars/Base")


def test_json_that_is_not_github_deployments_says_what_it_saw():
    with pytest.raises(KindUnclear, match="fields seen are a, b"):
        read_delivery(b'[{"a": 1, "b": 2}]', "x.json")


def test_times_without_an_offset_are_in_the_given_zone():
    data = b"deployed_at,status\n2026-03-02 10:00,success\n"
    result = read_delivery(data, "d.csv", timezone="Europe/Berlin", now=NOW)
    assert result.log.deployments["deployed_at"].iloc[0] == pd.Timestamp("2026-03-02T09:00Z")


# --- properties -------------------------------------------------------------------------------

START = datetime(2024, 1, 1, tzinfo=UTC)
ROW = st.fixed_dictionaries(
    {
        "minutes": st.integers(min_value=0, max_value=60 * 24 * 700),
        "lead": st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 90)),
        "status": st.sampled_from(["success", "Succeeded", "OK", "failure", "FAILED", "error"]),
        "kind": st.sampled_from(["", "rollback", "Hotfix", "revert", "planned"]),
        "service": st.sampled_from(["api", "web", "Zahlungen", "a, b", '"q"']),
    }
)


def _deployment_csv(rows: list[dict], separator: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(["Deployed At", "Service", "Status", "First Commit At", "Kind"])
    for row in rows:
        deployed = START + timedelta(minutes=row["minutes"])
        commit = "" if row["lead"] is None else deployed - timedelta(minutes=row["lead"])
        writer.writerow(
            [
                deployed.isoformat(),
                row["service"],
                row["status"],
                commit if commit == "" else commit.isoformat(),
                row["kind"],
            ]
        )
    return out.getvalue().encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=30), separator=st.sampled_from([",", ";", "\t"]))
def test_any_well_formed_deployment_log_reads_back_what_was_written(rows, separator):
    result = read_delivery(_deployment_csv(rows, separator), "log.csv", now=NOW)
    deployments = result.log.deployments
    assert result.kind == "deployments"
    assert len(deployments) == len(rows)
    expected = [START + timedelta(minutes=r["minutes"]) for r in rows]
    assert [t.to_pydatetime() for t in deployments["deployed_at"]] == expected
    failed = [r["status"].casefold() in {"failure", "failed", "error"} for r in rows]
    assert list(deployments["status"] == "failure") == failed
    kinds = {"": None, "planned": None, "rollback": "rollback", "revert": "rollback"}
    assert list(deployments["kind"]) == [kinds.get(r["kind"], "hotfix") for r in rows]
    assert list(deployments["service"]) == [r["service"] for r in rows]
    assert list(deployments["commit_at"].isna()) == [r["lead"] is None for r in rows]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), name=st.sampled_from(["d.csv", "d.json", "d.txt", "d"]))
def test_any_bytes_are_read_or_refused_with_import_failed_and_nothing_else(data, name):
    try:
        result = read_delivery(data, name, now=NOW)
    except ImportFailed as failure:
        assert str(failure)
    else:
        assert result.kind in {"deployments", "incidents"}


def test_an_excel_workbook_of_deployments_reads_like_its_csv(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    with (DATA / "deployments.csv").open(encoding="utf-8") as source:
        for row in csv.reader(source):
            sheet.append(row)
    path = tmp_path / "deployments.xlsx"
    book.save(path)
    from_excel = read_delivery(path.read_bytes(), path.name, now=NOW)
    from_csv = read("deployments.csv")
    assert from_excel.kind == "deployments"
    pd.testing.assert_frame_equal(from_excel.log.deployments, from_csv.log.deployments)
    assert from_excel.notes[-1] == from_csv.notes[-1]


def test_notes_count_in_words():
    result = read("deployments.csv")
    assert result.notes == (
        "Left out 1 deployment to other environments than production (staging): the DORA "
        "keys count deployments to production",
    )
    assert read("incidents.csv").notes == ("No resolution time for 1 incident: counted as open",)


INCIDENT = st.fixed_dictionaries(
    {
        "start": st.integers(min_value=0, max_value=60 * 24 * 700),
        "minutes": st.one_of(st.none(), st.integers(min_value=-600, max_value=60 * 24 * 30)),
        "service": st.sampled_from(["api", "web", ""]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(INCIDENT, min_size=1, max_size=30))
def test_incidents_read_back_or_every_one_resolved_before_it_started_is_named(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Incident ID", "Started At", "Resolved At", "Service"])
    for number, row in enumerate(rows):
        started = START + timedelta(minutes=row["start"])
        resolved = "" if row["minutes"] is None else started + timedelta(minutes=row["minutes"])
        writer.writerow(
            [
                f"INC-{number}",
                started.isoformat(),
                resolved if resolved == "" else resolved.isoformat(),
                row["service"],
            ]
        )
    data = out.getvalue().encode("utf-8")
    backwards = [i + 2 for i, r in enumerate(rows) if r["minutes"] is not None and r["minutes"] < 0]
    if backwards:
        with pytest.raises(ImportFailed) as failure:
            read_delivery(data, "incidents.csv", now=NOW)
        assert [(p.row, p.column) for p in failure.value.problems] == [
            (row, "Resolved At") for row in backwards
        ]
        return
    incidents = read_delivery(data, "incidents.csv", now=NOW).log.incidents
    assert list(incidents["external_id"]) == [f"INC-{i}" for i in range(len(rows))]
    assert [t.to_pydatetime() for t in incidents["started_at"]] == [
        START + timedelta(minutes=r["start"]) for r in rows
    ]
    assert list(incidents["resolved_at"].isna()) == [r["minutes"] is None for r in rows]
    assert list(incidents["service"]) == [r["service"] or None for r in rows]


def test_a_log_naming_only_environments_uses_them_as_services():
    data = (
        b"Deployment Date;Environment;Result\n"
        b"2026-03-02 10:00;Production;Succeeded\n"
        b"2026-03-02 11:00;QA;Succeeded\n"
        b"2026-03-03 10:00;prod;Rolled back\n"
    )
    result = read_delivery(data, "pipeline.csv", now=NOW)
    deployments = result.log.deployments
    assert list(deployments["service"]) == ["Production", "prod"]
    assert list(deployments["environment"]) == ["Production", "prod"]
    assert list(deployments["status"]) == ["success", "failure"]
    assert result.left_out == 1 and "QA" in result.notes[0]


def test_text_longer_than_the_store_keeps_is_refused_not_cut():
    service = "s" * 201
    data = f"deployed_at,service,status\n2026-03-02,{service},success\n".encode()
    with pytest.raises(ImportFailed) as failure:
        read_delivery(data, "d.csv", now=NOW)
    [problem] = failure.value.problems
    assert (problem.row, problem.column) == (2, "service")
    assert "longer than 200 characters" in problem.message
    title = "t" * 501
    data = f"started_at,resolved_at,title\n2026-03-02,2026-03-03,{title}\n".encode()
    with pytest.raises(ImportFailed, match="longer than 500"):
        read_delivery(data, "i.csv", now=NOW)
