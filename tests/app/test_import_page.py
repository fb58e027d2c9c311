"""The Import page through AppTest: upload -> one review screen -> Save; what keeps Save
disabled (an implausible reading, a file already stored); reordering stages; editing a
stored workflow; a file whose format is unclear; bad input; deleting a version."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from vsm_core.importers.detect import FormatUnclear
from vsm_core.importers.pipeline import import_bytes
from vsm_core.model import Workflow
from vsm_core.store import crud, make_engine
from vsm_core.store.access import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "formats"

#: Every event dated 2090: the sanity check refuses this reading.
FUTURE_CSV = (
    b"Item,Status,Entered\nA,To Do,2090-01-01\nA,Done,2090-01-05\n"
    b"B,To Do,2090-02-01\nB,Doing,2090-02-02\n"
)
#: One row per id with a status and a date: events or snapshots fit about equally poorly.
UNCLEAR_CSV = b"Issue,Status,Date\nA,Open,2024-01-01\nB,Open,2024-02-01\nC,Done,2024-02-03\n"
#: Two columns fit the status role.
TWO_STATUS_CSV = (
    b"SR Number,Change Date+Time,Status,Sub Status\n"
    b"1-1,2024-01-01 09:00,Queued,Awaiting Assignment\n"
    b"1-1,2024-01-02 09:00,Accepted,In Progress\n"
    b"1-1,2024-01-03 09:00,Completed,Resolved\n"
    b"1-2,2024-01-01 10:00,Queued,Awaiting Assignment\n"
    b"1-2,2024-01-04 10:00,Accepted,Wait\n"
    b"1-3,2024-01-02 10:00,Accepted,In Progress\n"
    b"1-3,2024-01-05 10:00,Completed,Closed\n"
)


@pytest.fixture
def db_url(tmp_path) -> str:
    """The URL the ``app`` fixture points the app at."""
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/import_data.py")


# --------------------------------------------------------------------------- helpers


def _stored(db_url) -> list:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return crud.list_datasets(session, actor=SYSTEM)
    finally:
        engine.dispose()


def _versions(db_url, name: str) -> list:
    """(version, workflow) of every live version of dataset ``name``, oldest first."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            [summary] = [d for d in crud.list_datasets(session, actor=SYSTEM) if d.name == name]
            return [
                (v.version, Workflow.model_validate(v.workflow))
                for v in crud.list_versions(session, dataset_id=summary.id, actor=SYSTEM)
            ]
    finally:
        engine.dispose()


def _upload(page: AppTest, name: str, data: bytes | None = None) -> AppTest:
    content = data if data is not None else (DATA / name).read_bytes()
    page.file_uploader[0].set_value((name, content, "text/csv")).run()
    assert not page.exception
    return page


def _by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def _save_button(page: AppTest):
    return next(b for b in page.button if b.label.startswith("Save as"))


def _editor(page: AppTest, prefix: str = ""):
    """The workflow table (an st.data_editor) whose key starts with ``prefix``."""
    return next(
        d for d in page.dataframe if d.key and "_table_" in d.key and d.key.startswith(prefix)
    )


def _edit(page: AppTest, editor, rows: dict[int, dict]) -> None:
    """Type into the data editor as a visitor would: cell edits by row position."""
    page.session_state[editor.key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    page.run()
    assert not page.exception


def _texts(page: AppTest) -> str:
    return "\n".join(
        e.value for kind in (page.markdown, page.caption, page.info, page.error) for e in kind
    )


# --------------------------------------------------------------------------- the review


def test_the_review_screen_shows_the_reading_and_saves_with_one_click(page, db_url):
    _upload(page, "events.csv")
    assert [s.value for s in page.subheader][:5] == [
        "Columns",
        "Dataset",
        "Workflow",
        "Data quality",
        "Save",
    ]
    texts = _texts(page)
    assert "is read as **events** (detected)" in texts
    assert "on every row" in texts  # the evidence
    assert "Dates read as: Entered — unambiguous" in texts
    [mapping] = [d.value for d in page.dataframe if "role" in d.value.columns]
    assert dict(zip(mapping["role"], mapping["column"], strict=True))["Status *"] == "Status"
    table = _editor(page).value
    assert list(table.columns) == ["status", "events", "stage", "category", "adds_value", "order"]
    assert set(table["category"]) >= {"backlog", "active", "done"}
    assert _by_label(page.selectbox, "Commitment point (cycle time starts here)").value
    assert "items, " in texts and "status events" in texts  # the quality summary
    assert _by_label(page.text_input, "Dataset name").value == "events"  # from the file name
    # Options stay folded away, with every choice available.
    options = _by_label(
        page.expander, "File options (format, encoding, separator, dates, GitHub status)"
    )
    assert {w.label for w in options.selectbox} >= {
        "Format",
        "Encoding",
        "Separator",
        "Date order",
        "GitHub status from",
    }

    _save_button(page).click().run()  # the one click after the upload
    assert not page.exception
    assert "Saved “events” as version 1" in page.success[0].value
    names = {d.name: d for d in _stored(db_url)}
    assert set(names) == {"Demo team", "events"}
    assert page.sidebar.selectbox[0].value == names["events"].id
    page.switch_page("pages/home.py").run()
    assert page.subheader[0].value == "events · version 1"
    assert {m.label: m.value for m in page.metric}["Items"] == "2"


def test_a_column_pick_for_a_role_with_alternatives_is_parsed(page, db_url):
    _upload(page, "incidents.csv", TWO_STATUS_CSV)
    [mapping] = [d.value for d in page.dataframe if "role" in d.value.columns]
    row = mapping[mapping["role"] == "Status *"].iloc[0]
    assert (row["column"], row["also fits"]) == ("Status", "Sub Status")
    _by_label(page.selectbox, "Column for Status (2 fit)").set_value("Sub Status").run()
    assert not page.exception
    # The choice stays in view (and can be taken back there).
    assert _by_label(page.selectbox, "Column for Status").value == "Sub Status"
    assert set(_editor(page).value["status"]) >= {"Awaiting Assignment", "Resolved"}
    _by_label(page.text_input, "Dataset name").set_value("Volvo").run()
    _save_button(page).click().run()
    [(_number, workflow)] = _versions(db_url, "Volvo")
    statuses = {s for stage in workflow.stages for s in workflow.statuses_of(stage)}
    assert "Awaiting Assignment" in statuses and "Queued" not in statuses


def test_save_is_disabled_with_the_reason_while_the_reading_looks_wrong(page, db_url):
    _upload(page, "future.csv", FUTURE_CSV)
    save = _save_button(page)
    assert save.disabled
    [reason] = [e.value for e in page.error]
    assert "Not saved while this reading looks wrong" in reason
    assert "in the future" in reason
    _by_label(
        page.checkbox, "Store anyway: I checked, the reading is right (like the CLI's --force)"
    ).check().run()
    save = _save_button(page)
    assert not save.disabled
    save.click().run()
    assert "Saved “future” as version 1" in page.success[0].value
    assert "future" in {d.name for d in _stored(db_url)}


def test_an_identical_file_is_not_stored_twice(page, db_url):
    data = (DATA / "events.csv").read_bytes()
    _upload(page, "events.csv", data)
    _save_button(page).click().run()
    assert [v for v, _w in _versions(db_url, "events")] == [1]
    # The page redraws with the same upload: nothing new to save, and it says so.
    save = _save_button(page)
    assert save.disabled
    assert any("already stored as version 1 of “events”" in i.value for i in page.info)
    # Uploading the same file again (a new upload) says the same and stores nothing.
    page.file_uploader[0].set_value(None).run()
    _upload(page, "events.csv", data)
    assert _save_button(page).disabled
    assert any("Nothing new to save" in i.value for i in page.info)
    assert [v for v, _w in _versions(db_url, "events")] == [1]
    # Another workflow of the same file is something new.
    _by_label(page.selectbox, "Stage to move").set_value("Done").run()
    _by_label(page.button, "Move up").click().run()
    assert not _save_button(page).disabled
    _save_button(page).click().run()
    assert [v for v, _w in _versions(db_url, "events")] == [1, 2]


# --------------------------------------------------------------------------- stage order


def test_stages_move_up_and_down_and_the_saved_workflow_keeps_the_order(page, db_url):
    _upload(page, "events.csv")
    before = _editor(page).value.dropna(subset=["stage"]).drop_duplicates("stage")
    names = before.sort_values("order")["stage"].tolist()
    assert len(names) >= 3
    _by_label(page.selectbox, "Stage to move").set_value(names[0]).run()
    assert _by_label(page.button, "Move up").disabled
    _by_label(page.button, "Move down").click().run()
    assert not page.exception
    after = _editor(page).value.dropna(subset=["stage"]).drop_duplicates("stage")
    assert after.sort_values("order")["stage"].tolist()[:2] == [names[1], names[0]]
    _save_button(page).click().run()
    [(_v, workflow)] = _versions(db_url, "events")
    assert workflow.stage_names[:2] == [names[1], names[0]]


def test_a_fractional_order_sorts_between_its_neighbours(page, db_url):
    _upload(page, "events.csv")
    editor = _editor(page)
    table = editor.value
    stages = table.sort_values("order").drop_duplicates("stage")["stage"].tolist()
    first = int(table.index[table["stage"] == stages[0]][0])
    _edit(page, editor, {first: {"order": 2.5}})
    # 2.5 puts it between the second and third stage; truncated to 2 it would tie with
    # the second stage and stay first (its row comes first).
    expected = [stages[1], stages[0], *stages[2:]]
    assert _by_label(page.selectbox, "Stage to move").options == expected
    _save_button(page).click().run()
    [(_v, workflow)] = _versions(db_url, "events")
    assert workflow.stage_names == expected


# --------------------------------------------------------------------------- stored workflow


def test_editing_a_stored_workflow_stores_a_new_version(page, db_url):
    assert not _editor_keys(page, "wf_edit_")  # nothing loads until a dataset is chosen
    _by_label(page.selectbox, "Dataset to edit").set_value(_stored(db_url)[0].id).run()
    assert not page.exception
    save = next(b for b in page.button if b.label == "Save as a new version")
    assert save.disabled  # nothing changed yet
    assert any("This is the workflow of version 1" in i.value for i in page.info)
    editor = _editor(page, "wf_edit_")
    table = editor.value
    row = int(table.index[table["stage"] == "Testing"][0])
    _edit(page, editor, {row: {"category": "waiting"}})
    save = next(b for b in page.button if b.label == "Save as a new version")
    assert not save.disabled
    save.click().run()
    assert not page.exception
    assert "Saved version 2 of “Demo team” with the edited workflow" in page.success[0].value
    (v1, first), (v2, second) = _versions(db_url, "Demo team")
    categories = dict(zip(second.stage_names, second.categories, strict=True))
    assert (v1, v2) == (1, 2)
    assert categories["Testing"] == "waiting"
    assert dict(zip(first.stage_names, first.categories, strict=True))["Testing"] == "active"


def _editor_keys(page: AppTest, prefix: str) -> list[str]:
    return [d.key for d in page.dataframe if d.key and d.key.startswith(prefix)]


# --------------------------------------------------------------------------- unclear format


def test_an_unclear_file_shows_the_candidates_and_continues_after_the_choice(page, db_url):
    with pytest.raises(FormatUnclear):  # the premise: detection is unsure of this file
        import_bytes(UNCLEAR_CSV, "unclear.csv")
    _upload(page, "unclear.csv", UNCLEAR_CSV)
    assert "could be read in more than one way" in page.warning[0].value
    [candidates] = [d.value for d in page.dataframe if "evidence" in d.value.columns]
    assert {"events", "snapshots"} <= set(candidates["format"])
    assert not any(b.label.startswith("Save as") for b in page.button)
    _by_label(page.button, "Read as events").click().run()
    assert not page.exception
    assert "is read as **events** (chosen by you)" in _texts(page)
    _save_button(page).click().run()
    assert "unclear" in {d.name for d in _stored(db_url)}


# --------------------------------------------------------------------------- bad input


def test_bad_input_shows_every_problem_and_stores_nothing(page, db_url):
    data = b"Item,Status,Entered\nA,To Do,2024-01-01\n,Doing,2024-01-02\nA,Done,nope\n"
    _upload(page, "bad.csv", data)
    assert "2 problem(s). Nothing was stored." in page.error[0].value
    [problems] = [d.value for d in page.dataframe if "message" in d.value.columns]
    assert list(problems.columns) == ["row", "column", "value", "message"]
    assert problems["row"].tolist() == [3, 4]
    assert not any(b.label.startswith("Save as") for b in page.button)
    assert [d.name for d in _stored(db_url)] == ["Demo team"]


def test_an_empty_file_is_refused_with_a_message(page):
    _upload(page, "empty.csv", b"")
    assert "cannot be imported" in page.error[0].value


def test_ambiguous_dates_ask_for_the_order_and_then_import(page):
    data = b"ID,Backlog,Doing,Done\nX-1,01/02/2024,02/02/2024,03/04/2024\n"
    _upload(page, "ambiguous.csv", data)
    assert "day-first or month-first" in page.warning[0].value
    _by_label(page.selectbox, "Date order").set_value("month first (12/31/2024)").run()
    assert not page.warning
    assert any(b.label.startswith("Save as") for b in page.button)


def test_deleting_a_version_needs_confirmation(page, db_url):
    delete = _by_label(page.button, "Delete version")
    assert delete.disabled
    _by_label(page.checkbox, "Yes, delete version 1 of “Demo team” and its data").check().run()
    _by_label(page.button, "Delete version").click().run()
    assert not page.exception
    assert page.success[0].value == "Deleted version 1 of “Demo team”."
    assert _stored(db_url) == []
