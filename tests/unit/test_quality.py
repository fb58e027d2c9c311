"""The data-quality report on hand-made datasets: every check's count and examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from vsm_core.importers.table import RawTable
from vsm_core.model import Category, Stage, Workflow, make_dataset
from vsm_core.quality import (
    CHECK_KEYS,
    MAX_EXAMPLES,
    QualityCheck,
    QualityReport,
    quality_report,
)

# Positions: 0 Backlog, 1 Doing (commitment), 2 Review, 3 Done, 4 Cancelled.
WORKFLOW = Workflow(
    stages=(
        Stage(name="Backlog", statuses=("Backlog", "To Do"), category=Category.BACKLOG),
        Stage(name="Doing", statuses=("In Progress",), category=Category.ACTIVE),
        Stage(name="Review", category=Category.WAITING),
        Stage(name="Done", category=Category.DONE),
        Stage(name="Cancelled", category=Category.CANCELLED),
    )
)

NOW = pd.Timestamp("2025-01-01", tz="UTC")

EXPECTED_KEYS = [
    "unmapped_statuses",
    "backward_moves",
    "skipped_stages",
    "reopened",
    "done_without_start",
    "zero_or_negative_durations",
    "duplicate_ids",
    "future_events",
    "events_before_2000",
    "items_without_events",
    "repeated_header_rows",
    "excel_mangled_ids",
]


def _dataset(events, *, extra_items=(), created=None):
    frame = pd.DataFrame(events, columns=["item_id", "status", "entered_at"])
    frame["entered_at"] = pd.to_datetime(frame["entered_at"], utc=True, format="ISO8601")
    ids = [*dict.fromkeys(frame["item_id"]), *extra_items]
    items = pd.DataFrame({"item_id": ids})
    if created:
        items["created_at"] = pd.to_datetime(
            [created.get(i) for i in ids], utc=True, format="ISO8601"
        )
    return make_dataset(items, frame, WORKFLOW)


CLEAN_EVENTS = [
    ("C-1", "Backlog", "2024-01-01"),
    ("C-1", "In Progress", "2024-01-02"),
    ("C-1", "Review", "2024-01-03"),
    ("C-1", "Done", "2024-01-04"),
    ("C-2", "To Do", "2024-01-01"),
    ("C-2", "in progress", "2024-01-05"),  # still in progress
    ("C-3", "Backlog", "2024-01-01"),
    ("C-3", "Cancelled", "2024-01-02"),  # cancelled from the backlog: not a flow problem
    ("MAR-12", "Backlog", "2024-01-01"),  # a Jira key, not a mangled date
]

MESSY_EVENTS = [
    # clean.
    ("A-1", "Backlog", "2024-01-01"),
    ("A-1", "In Progress", "2024-01-02"),
    ("A-1", "Review", "2024-01-03"),
    ("A-1", "Done", "2024-01-04"),
    # back from Review to Doing once.
    ("A-2", "In Progress", "2024-01-02"),
    ("A-2", "Review", "2024-01-03"),
    ("A-2", "In Progress", "2024-01-04"),
    ("A-2", "Review", "2024-01-05"),
    ("A-2", "Done", "2024-01-06"),
    # done without passing Review.
    ("A-3", "In Progress", "2024-01-02"),
    ("A-3", "Done", "2024-01-05"),
    # reopened (Done -> Doing, also a backward move), still in progress.
    ("A-4", "In Progress", "2024-01-02"),
    ("A-4", "Review", "2024-01-03"),
    ("A-4", "Done", "2024-01-04"),
    ("A-4", "In Progress", "2024-01-05"),
    # straight from the backlog to done (not counted as skipped_stages).
    ("A-5", "Backlog", "2024-01-01"),
    ("A-5", "Done", "2024-01-03"),
    # Doing and Review entered at the same instant.
    ("A-6", "In Progress", "2024-01-02T10:00"),
    ("A-6", "Review", "2024-01-02T10:00"),
    ("A-6", "Done", "2024-01-04"),
    # created (item field) after it was done -> negative lead time.
    ("A-7", "In Progress", "2024-01-02"),
    ("A-7", "Review", "2024-01-03"),
    ("A-7", "Done", "2024-01-04"),
    # unmapped statuses in the middle.
    ("A-8", "In Progress", "2024-01-02"),
    ("A-8", "Weird", "2024-01-03"),
    ("A-8", " weird", "2024-01-04"),
    # an event in the future (also unmapped).
    ("A-9", "In Progress", "2024-01-02"),
    ("A-9", "Limbo", "2031-01-01"),
    # an event before 2000.
    ("A-10", "Backlog", "1999-12-31"),
    ("A-10", "In Progress", "2024-01-02"),
    # Ids a spreadsheet ate, and one it did not.
    ("2024-03-01", "Backlog", "2024-01-01"),
    ("2.31E+13", "Backlog", "2024-01-01"),
    ("4711.0", "Backlog", "2024-01-01"),
    ("MAR-12", "Backlog", "2024-01-01"),
]


def _messy():
    return _dataset(
        MESSY_EVENTS, extra_items=["A-11"], created={"A-7": "2024-02-01", "A-1": "2023-12-31"}
    )


def test_every_check_fires_a_known_number_of_times_with_known_examples():
    raw_ids = pd.Series(["A-1", "A-2", "A-2", " A-1", None, "", "A-3", "A-3", "A-3", "A-4"])
    table = RawTable(
        frame=pd.DataFrame({"ID": raw_ids}),
        rows=np.arange(2, 12),
        encoding="utf-8",
        separator=",",
        container="csv",
    )
    report = quality_report(
        _messy(), table=table, raw_item_ids=raw_ids, now=NOW, repeated_header_rows=2
    )
    got = {check.key: (check.count, check.examples) for check in report.checks}
    assert got == {
        "unmapped_statuses": (3, ["Weird (2 events)", "Limbo (1 event)"]),
        "backward_moves": (2, ["A-2: Review → Doing", "A-4: Done → Doing"]),
        "skipped_stages": (1, ["A-3: skipped Review"]),
        "reopened": (1, ["A-4: Done → Doing"]),
        "done_without_start": (1, ["A-5"]),
        "zero_or_negative_durations": (
            2,
            [
                "A-6: Doing → Review at the same time (2024-01-02 10:00 UTC)",
                "A-7: lead time -28.00 days (created 2024-02-01 00:00 UTC, "
                "done 2024-01-04 00:00 UTC)",
            ],
        ),
        "duplicate_ids": (
            3,
            [
                "A-1 (2 rows: lines 2, 5)",
                "A-2 (2 rows: lines 3, 4)",
                "A-3 (3 rows: lines 8, 9, 10)",
            ],
        ),
        "future_events": (1, ["A-9: Limbo at 2031-01-01 00:00 UTC"]),
        "events_before_2000": (1, ["A-10: Backlog at 1999-12-31 00:00 UTC"]),
        "items_without_events": (1, ["A-11"]),
        "repeated_header_rows": (2, []),
        "excel_mangled_ids": (3, ["2024-03-01", "2.31E+13", "4711.0"]),
    }
    assert [check.key for check in report.checks] == EXPECTED_KEYS
    severities = {check.key: check.severity for check in report.checks}
    assert severities["unmapped_statuses"] == "warning"
    assert severities["backward_moves"] == "info"
    assert all(check.label and check.label[0].isupper() for check in report.checks)


def test_summary_and_lookup():
    report = quality_report(_messy(), now=NOW)
    summary = report.summary()
    assert list(summary) == EXPECTED_KEYS == list(CHECK_KEYS)
    assert summary["duplicate_ids"] == 0  # no raw ids given
    assert summary["repeated_header_rows"] == 0
    assert summary["unmapped_statuses"] == 3
    assert all(isinstance(v, int) for v in summary.values())
    assert report.get("reopened").count == 1
    with pytest.raises(KeyError):
        report.get("nope")
    assert [c.key for c in report.findings] == [k for k, v in summary.items() if v > 0]


def test_duplicate_ids_without_a_table_count_rows():
    raw_ids = pd.Series(["X", "Y", "X", "X", "Z"], index=[10, 11, 12, 13, 14])
    report = quality_report(_dataset(CLEAN_EVENTS), raw_item_ids=raw_ids, now=NOW)
    assert report.get("duplicate_ids").count == 1
    assert report.get("duplicate_ids").examples == ["X (3 rows)"]


def test_the_default_now_is_the_current_time():
    report = quality_report(_messy())
    assert report.get("future_events").count == 1  # 2031 is still in the future
    naive = quality_report(_messy(), now=pd.Timestamp("2040-01-01"))
    assert naive.get("future_events").count == 0


def test_a_clean_dataset_has_no_findings():
    report = quality_report(
        _dataset(CLEAN_EVENTS), raw_item_ids=pd.Series(["C-1", "C-2", "C-3"]), now=NOW
    )
    assert report.summary() == dict.fromkeys(EXPECTED_KEYS, 0)
    assert all(check.examples == [] for check in report.checks)
    assert report.findings == []


def test_the_empty_dataset_has_every_check_at_zero():
    empty = make_dataset(
        pd.DataFrame({"item_id": pd.Series([], dtype="str")}),
        pd.DataFrame({"item_id": [], "status": [], "entered_at": []}),
        WORKFLOW,
    )
    report = quality_report(empty)
    assert report.summary() == dict.fromkeys(EXPECTED_KEYS, 0)
    report = quality_report(empty, raw_item_ids=pd.Series([], dtype="str"), now=NOW)
    assert report.summary() == dict.fromkeys(EXPECTED_KEYS, 0)


def test_items_without_any_event_only():
    dataset = make_dataset(
        pd.DataFrame({"item_id": ["A", "B"]}),
        pd.DataFrame({"item_id": [], "status": [], "entered_at": []}),
        WORKFLOW,
    )
    summary = quality_report(dataset, now=NOW).summary()
    assert summary == {**dict.fromkeys(EXPECTED_KEYS, 0), "items_without_events": 2}


def test_examples_are_capped_and_the_count_is_not():
    events = []
    for i in range(8):
        events += [(f"B-{i}", "In Progress", "2024-01-02"), (f"B-{i}", "Done", "2024-01-03")]
    report = quality_report(_dataset(events), now=NOW)
    skipped = report.get("skipped_stages")
    assert skipped.count == 8
    assert skipped.examples == [f"B-{i}: skipped Review" for i in range(MAX_EXAMPLES)]


def test_a_stay_entered_at_the_last_moment_is_not_a_zero_duration():
    # B's last stay is entered at as_of (the last event): open, not a same-time transition.
    events = [("B", "In Progress", "2024-01-02"), ("B", "Review", "2024-01-05")]
    assert quality_report(_dataset(events), now=NOW).get("zero_or_negative_durations").count == 0


def test_same_time_moves_into_done_are_not_zero_durations_of_done():
    # Review -> Done at the same instant: a zero stay in Review (counted once for the item).
    events = [
        ("B", "In Progress", "2024-01-02"),
        ("B", "Review", "2024-01-03"),
        ("B", "Done", "2024-01-03"),
        ("B", "Done", "2024-01-04"),
    ]
    check = quality_report(_dataset(events), now=NOW).get("zero_or_negative_durations")
    assert check.count == 1
    assert check.examples == ["B: Review → Done at the same time (2024-01-03 00:00 UTC)"]


@pytest.mark.parametrize(
    ("item_id", "mangled"),
    [
        ("2024-03-01", True),
        ("2024-03-01 00:00:00", True),
        ("01.03.2024", True),
        ("1/3/24", True),
        ("1-Mar", True),
        ("01-Mar-24", True),
        ("Mar-01", True),
        ("2.31E+13", True),
        ("1e5", True),
        ("12345.0", True),
        ("MAR-12", False),
        ("DATA-12", False),
        ("12345", False),
        ("12.5", False),
        ("v1.0", False),
        ("PROJ-2024-03-01", False),
        ("#1234", False),
    ],
)
def test_excel_mangled_ids(item_id, mangled):
    report = quality_report(_dataset([(item_id, "Backlog", "2024-01-01")]), now=NOW)
    assert report.get("excel_mangled_ids").count == int(mangled)


def test_models_validate():
    with pytest.raises(ValidationError):
        QualityCheck(key="k", label="l", count=-1, severity="info")
    with pytest.raises(ValidationError):
        QualityCheck(key="k", label="l", count=1, severity="error")
    with pytest.raises(ValidationError):
        QualityCheck(key="k", label="l", count=6, examples=["x"] * 6, severity="info")
    report = QualityReport(checks=[QualityCheck(key="k", label="l", count=2, severity="info")])
    assert report.summary() == {"k": 2}
    with pytest.raises(ValueError, match="negative"):
        quality_report(_dataset(CLEAN_EVENTS), repeated_header_rows=-1)
