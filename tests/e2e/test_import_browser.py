"""The Import page in a real Chromium: clicks from upload to saved for every format,
adjusting a column, moving a stage, and a refused file.

tests/app/test_import_page.py walks the same flows through AppTest; here the
file goes through the browser's file input and Streamlit's upload endpoint,
and the widgets are driven the way a visitor drives them. Every click after
the upload goes through :class:`Clicks`, which counts it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import ABSENT_TIMEOUT_MS, TIMEOUT_MS, Flowlab, streamlit_server
from tests.export_shapes import FORMATS, example

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser

EVENTS_CSV = Path(__file__).resolve().parents[1] / "data" / "formats" / "events.csv"
BAD_CSV = "Item,Status,Entered\nA,To Do,2024-01-01\n,Doing,2024-01-02\nA,Done,nope\n"
#: The most clicks a file detected with confidence may need between upload and saved.
MOST_CLICKS = 3


# --------------------------------------------------------------------------- server


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[str]:
    """This module's own server, in place of the session's (conftest's ``flowlab`` uses it).

    Saving a dataset changes what every later visitor sees first: the sidebar
    selects the first dataset by name, and "Browser board" sorts before "Demo
    team". On the shared server, test_browser.py's demo headline (600 items) and
    date-window tests would then fail whenever they ran after this module.
    """
    with streamlit_server(tmp_path_factory.mktemp("e2e-import-server")) as base_url:
        yield base_url


# --------------------------------------------------------------------------- helpers


def _open_import(flowlab: Flowlab) -> None:
    flowlab.open("/import_data")
    expect(flowlab.heading).to_have_text("Import", timeout=TIMEOUT_MS)


def _upload(flowlab: Flowlab, path: Path) -> None:
    uploader = flowlab.page.get_by_test_id("stFileUploader")
    uploader.locator('input[type="file"]').set_input_files(str(path))
    # The uploaded file is listed once the browser has sent it to the server (a long
    # name is shortened in the chip; its title keeps the whole name).
    expect(uploader.get_by_title(path.name, exact=True)).to_be_visible(timeout=TIMEOUT_MS)


def _combobox(scope, label: str):
    """The input of the st.selectbox labelled ``label``; its value is the chosen option."""
    return scope.get_by_role("combobox", name=label, exact=True)


def _type_into(flowlab: Flowlab, label: str, value: str) -> None:
    """Fill the st.text_input ``label`` and press Enter, which hands the value to Streamlit."""
    field = flowlab.page.get_by_test_id("stTextInput").filter(
        has=flowlab.page.get_by_label(label, exact=True)
    )
    box = field.get_by_label(label, exact=True)
    box.fill(value)
    expect(field.get_by_text("Press Enter to apply")).to_be_visible(timeout=TIMEOUT_MS)
    box.press("Enter")
    # The hint goes away once the value has been handed to Streamlit.
    expect(field.get_by_text("Press Enter to apply")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(box).to_have_value(value, timeout=TIMEOUT_MS)


# --------------------------------------------------------------------------- tests


class Clicks:
    """Every click of a test, counted."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator) -> None:
        self.count += 1
        locator.click()


def _save_button(page):
    return page.get_by_role("button", name=re.compile(r"^Save as “"))


def _saved(flowlab: Flowlab, name: str) -> None:
    expect(
        flowlab.page.get_by_text(f"Saved “{name}” as version 1; it is now selected.")
    ).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()


@pytest.mark.parametrize("format_name", FORMATS)
def test_a_clear_file_saves_in_at_most_three_clicks(flowlab: Flowlab, tmp_path, format_name):
    filename, data = example(format_name)
    path = tmp_path / filename
    path.write_bytes(data)
    page, clicks = flowlab.page, Clicks()
    _open_import(flowlab)
    _upload(flowlab, path)
    expect(page.get_by_text(f"is read as {format_name} (detected)")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    flowlab.wait_for_run()
    save = _save_button(page)
    expect(save).to_be_enabled(timeout=TIMEOUT_MS)  # nothing to fix: the name is the file's
    clicks.click(save)
    _saved(flowlab, Path(filename).stem)
    print(f"\n{format_name}: {clicks.count} click(s) from upload to saved ({filename})")
    assert clicks.count <= MOST_CLICKS
    expect(_save_button(page)).to_be_disabled(timeout=TIMEOUT_MS)  # a second press: nothing
    expect(page.get_by_text("Nothing new to save")).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.assert_no_error()


def test_upload_adjust_a_column_move_a_stage_save_and_see_it_on_home(flowlab: Flowlab):
    page, clicks = flowlab.page, Clicks()
    _open_import(flowlab)
    _upload(flowlab, EVENTS_CSV)
    expect(page.get_by_text("is read as events (detected)")).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()

    # The title comes from the Title column; take Priority instead (folded away).
    columns = page.get_by_test_id("stExpander").filter(has_text="Change the columns")
    clicks.click(columns.locator("summary"))
    expect(_combobox(page, "Title")).to_have_value("Title", timeout=TIMEOUT_MS)
    flowlab.choose("Title", "Priority")
    flowlab.wait_for_run()
    expect(_combobox(page, "Title")).to_have_value("Priority", timeout=TIMEOUT_MS)

    # Review moves one place up (before In Progress).
    flowlab.choose("Stage to move", "Review")
    flowlab.wait_for_run()
    clicks.click(page.get_by_role("button", name="Move up"))
    flowlab.wait_for_run()
    expect(_combobox(page, "Stage to move")).to_have_value("Review", timeout=TIMEOUT_MS)

    _type_into(flowlab, "Team", "Web")
    flowlab.wait_for_run()
    _type_into(flowlab, "Dataset name", "Browser board")
    save = page.get_by_role("button", name="Save as “Browser board”", exact=True)
    expect(save).to_be_visible(timeout=TIMEOUT_MS)  # drawn by the run that took the name
    flowlab.wait_for_run()
    clicks.click(save)
    _saved(flowlab, "Browser board")
    expect(_combobox(flowlab.sidebar, "Dataset")).to_have_value(
        "Browser board (v1)", timeout=TIMEOUT_MS
    )
    stored = page.get_by_test_id("stExpander").filter(
        has_text=re.compile(r"Browser board · Web · 1 version\(s\)")
    )
    expect(stored).to_have_count(1, timeout=TIMEOUT_MS)
    stored.locator("summary").click()
    order = stored.locator('td[role="gridcell"]', has_text="To Do → Review → In Progress → Done")
    expect(order).to_have_count(1, timeout=TIMEOUT_MS)  # the stages in their new order

    flowlab.click_nav("Home")
    expect(
        page.get_by_test_id("stHeading").filter(has_text="Browser board · version 1")
    ).to_be_visible(timeout=TIMEOUT_MS)
    expect(flowlab.metric_value("Items")).to_have_text("2", timeout=TIMEOUT_MS)
    flowlab.assert_no_error()


def test_bad_file_shows_the_problems_and_no_traceback(flowlab: Flowlab, tmp_path):
    page = flowlab.page
    flowlab.open("/")
    before = flowlab.dataset_options()
    assert before, "the sidebar should offer at least the demo dataset"

    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    _open_import(flowlab)
    _upload(flowlab, bad)
    expect(page.get_by_text("2 problem(s). Nothing was stored.")).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()
    # st.dataframe draws on a canvas; its cells are also in an accessible table inside.
    problems = page.get_by_test_id("stDataFrame").filter(
        has=page.locator('th[role="columnheader"]', has_text=re.compile(r"^message$"))
    )
    expect(problems).to_have_count(1, timeout=TIMEOUT_MS)
    nope = problems.locator('td[role="gridcell"]', has_text=re.compile(r"^nope$"))
    expect(nope).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stException")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
    expect(page.get_by_role("button", name=re.compile("^Save as"))).to_have_count(
        0, timeout=ABSENT_TIMEOUT_MS
    )

    flowlab.click_nav("Home")
    after = flowlab.dataset_options()
    assert after == before
    assert not any(option.startswith("bad ") for option in after)
    flowlab.assert_no_error()
