"""The Import page through AppTest: upload, adjust, save; bad input; deleting a version."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from vsm_core.store import crud, make_engine

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "formats"


@pytest.fixture
def db_url(tmp_path) -> str:
    """The URL the ``app`` fixture points the app at."""
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/import_data.py")


def _stored(db_url) -> list:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return crud.list_datasets(session)
    finally:
        engine.dispose()


def _upload(page: AppTest, name: str, data: bytes | None = None) -> AppTest:
    content = data if data is not None else (DATA / name).read_bytes()
    page.file_uploader[0].set_value((name, content, "text/csv")).run()
    assert not page.exception
    return page


def _by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def test_upload_adjust_a_column_save_and_see_it_selected(page, db_url):
    _upload(page, "events.csv")
    headings = [s.value for s in page.subheader]
    assert headings[:6] == [
        "1 · Preview",
        "2 · Columns",
        "3 · Dataset",
        "4 · Workflow",
        "5 · Data quality",
        "6 · Save",
    ]
    assert "format **events**" in page.markdown[0].value
    assert any("Dates read as: Entered — unambiguous" in c.value for c in page.caption)
    _by_label(page.selectbox, "title").set_value("Priority").run()
    _by_label(page.text_input, "Dataset name").set_value("Web board").run()
    _by_label(page.text_input, "Team").set_value("Web").run()
    next(b for b in page.button if b.label.startswith("Save as")).click().run()
    assert not page.exception
    assert "Saved “Web board” as version 1" in page.success[0].value
    names = {d.name: d for d in _stored(db_url)}
    assert set(names) == {"Demo team", "Web board"}
    assert names["Web board"].team == "Web"
    selected = page.sidebar.selectbox[0]
    assert selected.value == names["Web board"].id
    page.switch_page("pages/home.py").run()
    assert page.subheader[0].value == "Web board · version 1"
    assert {m.label: m.value for m in page.metric}["Items"] == "2"


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
    data = b"ID,Backlog,Done\nX-1,01/02/2024,03/04/2024\n"
    _upload(page, "ambiguous.csv", data)
    assert "day-first or month-first" in page.warning[0].value
    _by_label(page.selectbox, "Date order").set_value("month first (12/31/2024)").run()
    assert not page.warning
    assert any(b.label.startswith("Save as") for b in page.button)


def test_deleting_a_version_needs_confirmation(page, db_url):
    delete = _by_label(page.button, "Delete version")
    assert delete.disabled
    page.checkbox[-1].check().run()
    _by_label(page.button, "Delete version").click().run()
    assert not page.exception
    assert page.success[0].value == "Deleted version 1 of “Demo team”."
    assert _stored(db_url) == []
