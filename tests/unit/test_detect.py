"""Detection by names and content: hand-made cases for each rule (the corpus of realistic
exports is in test_detect_exports.py)."""

from __future__ import annotations

import pytest

from vsm_core.importers.columns import is_attribute_name, name_score, suggest_columns
from vsm_core.importers.containers import read_upload
from vsm_core.importers.detect import FormatUnclear, detect
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.pipeline import import_bytes


def _upload(text: str, name: str = "file.csv"):
    return read_upload(text.encode(), name, ImportOptions())


@pytest.mark.parametrize(
    ("role", "column"),
    [
        ("item_id", "Issue key"),
        ("item_id", "issue_key"),
        ("item_id", "SR Number"),
        ("item_id", "Work Item Id"),
        ("status", "Status"),
        ("status", "status_to_name"),
        ("status", "incident_state"),
        ("status", "To"),
        ("from_status", "status_from_name"),
        ("from_status", "From"),
        ("from_status", "Old State"),
        ("timestamp", "status_change_date"),
        ("timestamp", "Change Date+Time"),
        ("timestamp", "sys_updated_at"),
        ("timestamp", "Changed Date"),
        ("created", "issue_created_date"),
        ("created", "opened_at"),
        ("done", "resolved_at"),
        ("done", "Completed"),
        ("status_category", "Status Category"),
        ("status_category", "status_to_category_name"),
        ("type", "issue_type_name"),
        ("team", "Area Path"),
    ],
)
def test_names_teams_export_fit_their_role(role, column):
    assert name_score(role, column) >= 0.8


@pytest.mark.parametrize(
    ("role", "column"),
    [
        ("item_id", "status_change_id"),  # the id of a change, not of the item
        ("item_id", "status_from_id"),
        ("item_id", "caller_id"),
        ("status", "status_from_name"),
        ("status", "Status Category"),
        ("status", "status_change_date"),
        ("done", "resolved_by"),
        ("done", "closed_code"),
        ("created", "sys_created_by"),
        ("type", "contact_type"),
    ],
)
def test_names_that_only_look_like_a_role_do_not_fit_it(role, column):
    assert name_score(role, column) == 0


def test_a_lesser_fit_is_offered_as_the_alternative():
    text = "SR Number,Change Date+Time,Status,Sub Status\n" + "".join(
        f"1-{n},2024-01-0{d}T10:00:00Z,{s},{sub}\n"
        for n in range(5)
        for d, s, sub in ((1, "Queued", "Awaiting"), (2, "Accepted", "In Progress"))
    )
    detection = detect(_upload(text))
    assert detection.format == "events"
    assert detection.columns["status"] == "Status"
    assert detection.alternatives["status"] == ("Sub Status",)
    assert detection.columns["item_id"] == "SR Number"


def test_a_date_role_needs_dates_in_its_cells():
    # "Updated" holds names, so it cannot be the timestamp: no events reading exists.
    text = "Key,Status,Updated\n" + "".join(f"A-{n},Doing,Ana\nA-{n},Done,Bo\n" for n in range(5))
    detection = detect(_upload(text))
    assert "events" not in {c.format for c in detection.candidates}
    assert detection.format is None
    assert "'Updated' is named like timestamp" in detection.evidence


def test_stages_are_date_columns_whose_names_are_not_attributes():
    text = (
        "ID,Story Points,Backlog,Doing,Done\n"
        "S-1,45123,2024-02-01,2024-02-03,2024-02-09\n"
        "S-2,45200,2024-02-02,2024-02-04,\n"
        "S-3,45210,2024-02-02,,\n"
    )
    result = import_bytes(text.encode(), "stages.csv")
    assert result.format == "stages"
    assert [s.name for s in result.workflow.stages] == ["Backlog", "Doing", "Done"]
    assert result.dataset.items["attributes"][0]["Story Points"] == "45123"


def test_a_log_with_dates_in_columns_is_not_read_as_stages():
    text = "issue_key,issue_created_date,status_change_date,status_to_name\n" + "".join(
        f"K-{n},2024-01-01,2024-01-0{d},{s}\n"
        for n in range(6)
        for d, s in ((2, "Doing"), (5, "Done"))
    )
    detection = detect(_upload(text))
    assert detection.format == "events"
    assert "stages" not in {c.format for c in detection.candidates if c.score >= 0.3}


def test_a_file_that_fits_nothing_is_refused_with_what_to_pass():
    text = "Cost centre,Budget,Spent\nA,100,20\nB,200,250\n"
    with pytest.raises(FormatUnclear) as unclear:
        import_bytes(text.encode(), "budget.csv")
    message = str(unclear.value)
    assert "budget.csv" in message and "--format" in message and "--map" in message
    assert unclear.value.detection.format is None


def test_two_readings_about_equally_good_are_refused_with_each_hint():
    # An id, dates named like stages and a status/time pair in a one-row-per-item file.
    text = "Key,State,Changed,Backlog,Doing,Done\n" + "".join(
        f"K-{n},Done,2024-01-09,2024-01-01,2024-01-03,2024-01-08\n" for n in range(6)
    )
    detection = detect(_upload(text))
    formats = [c.format for c in detection.candidates]
    assert "stages" in formats
    if detection.format is None:
        message = str(FormatUnclear(detection, "x.csv"))
        assert "--format stages" in message
    else:
        assert detection.format == "stages"


def test_chosen_format_is_said_to_be_the_users():
    text = "Key,Status,Changed\nA-1,Doing,2024-01-01\nA-1,Done,2024-01-02\n"
    detection = detect(_upload(text), ImportOptions(format="snapshots"))
    assert detection.chosen_by_user and detection.format == "snapshots"
    assert detection.as_json() == {
        "format": "snapshots",
        "score": 1.0,
        "evidence": "chosen by the user",
    }
    assert detection.columns == {"item_id": "Key", "status": "Status", "timestamp": "Changed"}


def test_mapped_columns_are_used_and_said():
    text = "Ticket,Phase,When,Other\nA-1,Doing,2024-01-01,x\nA-1,Done,2024-01-02,y\n"
    options = ImportOptions(mapping={"status": "Phase", "timestamp": "When"})
    result = import_bytes(text.encode(), "t.csv", options)
    assert result.mapping["status"] == "Phase" and result.mapping["item_id"] == "Ticket"
    assert "columns given by the user" in result.detection.evidence


def test_json_votes_by_record_shape():
    jira = b'[{"key": "A-1", "fields": {"status": {"name": "Done"}, "created": "2024-01-01"}}]'
    detection = detect(read_upload(jira, "a.json", ImportOptions()))
    assert detection.format == "jira-json" and detection.score == 1.0


def test_attribute_names():
    assert is_attribute_name("Story Points") and is_attribute_name("Issue id")
    assert not is_attribute_name("In Development") and not is_attribute_name("Ready for QA")


def test_suggest_columns_gives_each_column_one_role():
    columns = ["issue_id", "issue_key", "status_from_name", "status_to_name"]
    chosen = suggest_columns(columns, ("item_id", "from_status", "status"))
    assert chosen == {
        "item_id": "issue_key",
        "from_status": "status_from_name",
        "status": "status_to_name",
    }
