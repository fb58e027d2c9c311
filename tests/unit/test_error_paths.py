"""Error paths of the importer (issue #10): every failure is a message, never a traceback.

* A bug met while importing becomes one sentence naming the file, the step,
  the row and column where the parser knew them, and asking for a report;
  its traceback goes to the debug log only (the CLI's ``--debug``).
* A role whose column name appears several times in the header is refused,
  naming the header.
* JSON ``NaN``/``Infinity`` (and other non-finite numbers) are refused as ids
  and statuses, with the record and the value.
"""

from __future__ import annotations

import logging

import pytest

from vsm_core.cli import main
from vsm_core.cli.common import CliError
from vsm_core.importers.columns import resolve_mapping
from vsm_core.importers.detect import FormatUnclear
from vsm_core.importers.errors import ImportFailed
from vsm_core.importers.formats import events
from vsm_core.importers.formats.common import located, place_of
from vsm_core.importers.options import ImportOptions
from vsm_core.importers.pipeline import InternalImportError, import_bytes

EVENTS = (
    b"Key,Status,Changed\nA-1,To Do,2024-01-01\nA-1,In Progress,2024-01-02\nA-1,Done,2024-01-03\n"
)
STAGES_REPRODUCTION = (
    b"ID,Name,Backlog,Doing,Done\nS-1,a,01/02/2024,05/02/2024,13/02/2024\nS-2,b,02,,\n"
)


@pytest.fixture
def buggy_events_parser(monkeypatch):
    """The events parser with a bug on row 3 of column 'Status'."""

    def parse(table, options, **_):
        with located(row=3, column="Status"):
            return None.upper()  # an AttributeError, as a real bug would raise

    monkeypatch.setattr(events, "parse", parse)


# --- the guard -----------------------------------------------------------------------------


def test_a_bug_in_a_parser_is_one_sentence_naming_file_parser_row_and_column(
    buggy_events_parser,
):
    with pytest.raises(ImportFailed) as caught:
        import_bytes(EVENTS, "board.csv")
    assert isinstance(caught.value, InternalImportError)
    assert [p.message for p in caught.value.problems] == [
        "internal error while reading board.csv (in the events parser, row 3, column "
        "'Status'): AttributeError: 'NoneType' object has no attribute 'upper'. This is a bug "
        "in Flowlab; please report it with the file if you can."
    ]
    assert isinstance(caught.value.__cause__, AttributeError)


def test_where_the_place_is_unknown_the_step_is_still_named(monkeypatch):
    def parse(table, options, **_):
        raise KeyError("x")

    monkeypatch.setattr(events, "parse", parse)
    with pytest.raises(InternalImportError) as caught:
        import_bytes(EVENTS, "board.csv")
    assert str(caught.value).startswith(
        "internal error while reading board.csv (in the events parser): KeyError: 'x'. "
    )


def test_inner_places_win_and_outer_ones_fill_in():
    with (
        pytest.raises(ZeroDivisionError) as caught,
        located(stage="the jira-json parser", row=7, column="key"),
        located(column="fields.created"),
    ):
        _ = 1 / 0
    assert place_of(caught.value) == {
        "stage": "the jira-json parser",
        "row": 7,
        "column": "fields.created",
    }


def test_import_failed_passes_a_place_untouched():
    with pytest.raises(ImportFailed) as caught, located(row=2):
        raise ImportFailed("bad input")
    assert place_of(caught.value) == {"stage": None, "row": None, "column": None}


def test_the_traceback_goes_to_the_debug_log_only(buggy_events_parser, caplog):
    caplog.set_level(logging.DEBUG, logger="vsm_core")
    with pytest.raises(InternalImportError):
        import_bytes(EVENTS, "board.csv")
    [record] = [r for r in caplog.records if r.name == "vsm_core.importers.pipeline"]
    assert record.levelno == logging.DEBUG
    assert record.exc_info and record.exc_info[0] is AttributeError


@pytest.fixture
def db(tmp_path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]


def test_cli_prints_the_sentence_without_a_traceback(buggy_events_parser, db, tmp_path, capsys):
    path = tmp_path / "board.csv"
    path.write_bytes(EVENTS)
    assert main([*db, "import", str(path)]) == 1  # a bug in Flowlab, not bad input (2)
    err = capsys.readouterr().err
    assert "internal error while reading board.csv (in the events parser, row 3" in err
    assert "please report it" in err
    assert "Traceback" not in err


def test_cli_debug_shows_the_traceback(buggy_events_parser, db, tmp_path, capsys):
    path = tmp_path / "board.csv"
    path.write_bytes(EVENTS)
    with pytest.raises(CliError):  # --debug lets the error through, as for any error
        main(["--debug", *db, "import", str(path)])
    err = capsys.readouterr().err
    assert "flowlab: debug: vsm_core.importers.pipeline: internal error importing board.csv" in err
    assert "Traceback" in err and "AttributeError" in err
    assert not logging.getLogger("vsm_core").handlers  # --debug's handler is gone again


# --- the stages reproduction ---------------------------------------------------------------


def test_the_stages_reproduction_imports_through_the_cli(db, tmp_path, capsys):
    path = tmp_path / "stages.csv"
    path.write_bytes(STAGES_REPRODUCTION)
    assert main([*db, "import", str(path), "--format", "stages"]) == 0
    captured = capsys.readouterr()
    assert "stage columns, in order: Doing, Done" in captured.err
    assert "Traceback" not in captured.err and "internal error" not in captured.err


# --- a repeated header where a role needs one column ---------------------------------------

REPEATED_STATUS = (
    b"Key,Summary,Status,Created,Updated,Status\n"
    b"A-1,x,Open,2024-01-01,2024-01-02,Done\n"
    b"A-1,x,Done,2024-01-01,2024-01-03,Open\n"
)
REPEATED_MESSAGE = (
    "the column 'Status' appears 2 times in the header; keep one (rename or delete the "
    "others), or name another column with --map status=COLUMN"
)


@pytest.mark.parametrize(
    "options",
    [
        ImportOptions(format="events"),
        ImportOptions(format="snapshots"),
        ImportOptions(format="events", mapping={"status": "Status"}),
    ],
    ids=["forced", "snapshots", "mapped"],
)
def test_a_repeated_status_header_is_refused_by_name(options):
    with pytest.raises(ImportFailed) as caught:
        import_bytes(REPEATED_STATUS, "dup.csv", options)
    assert [p.message for p in caught.value.problems] == [REPEATED_MESSAGE]


def test_detection_names_the_repeated_header_when_nothing_fits():
    with pytest.raises(FormatUnclear) as caught:
        import_bytes(REPEATED_STATUS, "dup.csv")
    assert REPEATED_MESSAGE in str(caught.value)


def test_a_repeated_id_header_is_refused_in_a_stages_file():
    data = b"ID,ID,Backlog,Done\nS-1,S-1,01/02/2024,13/02/2024\nS-2,S-2,02/02/2024,14/02/2024\n"
    with pytest.raises(ImportFailed) as caught:
        import_bytes(data, "stages.csv", ImportOptions(format="stages"))
    assert "the column 'ID' appears 2 times in the header" in str(caught.value)
    assert "--map item_id=COLUMN" in str(caught.value)


def test_repeated_labels_and_sprint_are_still_merged():
    data = (
        b"Key,Status,Changed,Labels,Labels,Sprint,Sprint\n"
        b"A-1,To Do,2024-01-01,a,b,S1,\n"
        b"A-1,In Progress,2024-01-02,,c,S1,S2\n"
        b"A-1,Done,2024-01-03,,,S2,\n"
    )
    result = import_bytes(data, "jira.csv")
    item = result.dataset.items.iloc[0]
    assert item["labels"] == ("a", "b", "c")
    assert item["attributes"]["Sprint"] == ["S2"]  # the last row's values


def test_another_column_plays_the_role_when_the_best_named_one_repeats():
    columns = ["Key", "Status", "State", "Changed", "Status"]
    mapping = resolve_mapping(
        columns,
        required=("item_id", "status", "timestamp"),
        optional=(),
        given={},
        repeated={"Status": 2},
    )
    assert mapping == {"item_id": "Key", "status": "State", "timestamp": "Changed"}


# --- NaN and Infinity where an identity is read -------------------------------------------

JIRA_NAN_KEY = (
    b'[{"key": NaN, "fields": {"created": "2024-01-01T00:00:00Z", "status": {"name": "Open"}}},'
    b' {"key": "A-2", "fields": {"created": "2024-01-01T00:00:00Z", "status": {"name": "Done"}}}]'
)


def _problems(data: bytes, name: str, **options) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        import_bytes(data, name, ImportOptions(**options))
    return [str(problem) for problem in caught.value.problems]


def test_a_jira_key_nan_is_refused_with_the_record_and_the_value():
    assert _problems(JIRA_NAN_KEY, "jira.json") == [
        "row 1, column 'key', value 'NaN': the issue key is NaN, not an id (text or a finite "
        "number)"
    ]


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (
            b'[{"number": Infinity, "created_at": "2024-01-01T00:00:00Z", "events": []}]',
            "row 1, column 'number', value 'Infinity': the issue number is Infinity",
        ),
        (  # too large for a double: Python reads it as infinity
            b'[{"number": 1e400, "created_at": "2024-01-01T00:00:00Z", "events": []}]',
            "row 1, column 'number', value 'Infinity': the issue number is Infinity",
        ),
        (
            b'[{"workItemId": -Infinity, "fields": {"System.State": {"newValue": "Active"}}}]',
            "row 1, column 'workItemId', value '-Infinity': the work item id is -Infinity",
        ),
        (
            b'[{"id": 1, "fields": {"System.Id": NaN, "System.State": "Active"}}]',
            "row 1, column 'fields.System.Id', value 'NaN': the work item id is NaN",
        ),
        (
            b'[{"id": NaN, "fields": {"System.State": "Active"}}]',
            "row 1, column 'id', value 'NaN': the work item id is NaN",
        ),
    ],
    ids=["github-infinity", "github-1e400", "ado-update", "ado-revision", "ado-revision-id"],
)
def test_non_finite_ids_are_refused_in_every_json_format(records, expected):
    [problem] = _problems(records, "export.json")
    assert problem.startswith(expected)


def test_a_nan_status_or_title_is_missing_not_the_text_nan():
    data = (
        b'[{"key": "A-1", "fields": {"created": "2024-01-01T00:00:00Z", "summary": NaN,'
        b' "status": {"name": NaN}}}]'
    )
    assert _problems(data, "jira.json") == [
        "row 1, column 'fields.status.name': the status is missing and the issue has no "
        "status changes in its changelog"
    ]


def test_an_id_cell_nan_in_a_table_is_text_and_kept():
    # A table's cells are text: "NaN" is what the file says, like any other key.
    data = b"Key,Status,Changed\nNaN,To Do,2024-01-01\nNaN,In Progress,2024-01-02\n"
    result = import_bytes(data, "board.csv", ImportOptions(format="events"))
    assert list(result.dataset.items["item_id"]) == ["NaN"]


def test_a_bug_in_a_json_parser_names_the_record(monkeypatch):
    from vsm_core.importers.formats import jira_json

    original = jira_json._item

    def item(issue, created):
        if issue.key == "A-2":
            raise IndexError("list index out of range")
        return original(issue, created)

    monkeypatch.setattr(jira_json, "_item", item)
    data = JIRA_NAN_KEY.replace(b"NaN", b'"A-1"')
    with pytest.raises(InternalImportError) as caught:
        import_bytes(data, "jira.json")
    assert "(in the jira-json parser, row 2): IndexError: list index out of range" in str(
        caught.value
    )


def test_a_bug_in_the_stages_parser_names_the_column(monkeypatch):
    from vsm_core.importers.formats import stages

    original = stages._parse_column

    def parse_column(table, column, date_order, timezone):
        if column == "Doing":
            raise TypeError("unsupported operand")
        return original(table, column, date_order, timezone)

    monkeypatch.setattr(stages, "_parse_column", parse_column)
    with pytest.raises(InternalImportError) as caught:
        import_bytes(STAGES_REPRODUCTION, "stages.csv", ImportOptions(format="stages"))
    assert "(in the stages parser, column 'Doing'): TypeError" in str(caught.value)


def test_infinite_blocked_days_are_missing():
    data = (
        b"Key,Status,Changed,Blocked Days\nA-1,To Do,2024-01-01,1e400\n"
        b"A-1,Done,2024-01-03,\nA-2,To Do,2024-01-01,-inf\nA-3,To Do,2024-01-01,2.5\n"
    )
    result = import_bytes(data, "board.csv", ImportOptions(format="events"))
    assert result.dataset.items["blocked_days"].fillna(-1).tolist() == [-1.0, -1.0, 2.5]


def test_running_out_of_memory_is_no_bug(monkeypatch):
    def parse(table, options, **_):
        with located(column="Changed"):
            raise MemoryError

    monkeypatch.setattr(events, "parse", parse)
    with pytest.raises(ImportFailed) as caught:
        import_bytes(EVENTS, "board.csv")
    assert not isinstance(caught.value, InternalImportError)
    assert str(caught.value) == (
        "not enough memory to import board.csv (in the events parser, column 'Changed'); "
        "free some memory or import a smaller export"
    )
    assert isinstance(caught.value.__cause__, MemoryError)  # the worker's check reads it
