"""The Experiments page in a real Chromium: record an experiment, read its verdict.

The experiment is recorded through the page's form on the demo team and its
verdict is then checked twice: on the page and with ``experiments show --json``
on the same database, so the page and the CLI must agree.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import TIMEOUT_MS, Flowlab, streamlit_server

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

TITLE = "Limit WIP to two per person"
HYPOTHESIS = "We believe that ... as measured by median cycle time"


# --------------------------------------------------------------------------- helpers


def _cli(database: Path, *args: str):
    """``python -m vsm_core --db <database> <args> --json``, parsed."""
    result = subprocess.run(
        [sys.executable, "-m", "vsm_core", "--db", f"sqlite:///{database}", *args, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout)


def _verdict(flowlab: Flowlab):
    """The open experiment's "### <verdict>" heading (not its "#n title" subheader)."""
    return flowlab.page.get_by_test_id("stMarkdown").locator("h3")


def _fill_in_form(form, label: str, value: str) -> None:
    """Fill a text input or text area of a form, then Tab away so its value is committed.

    Not Enter: in a form Enter on a text input submits the whole form.
    """
    box = form.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")
    expect(box).to_have_value(value, timeout=TIMEOUT_MS)


def _type_date(form, label: str, value: str) -> None:
    """Type ``value`` (YYYY/MM/DD) into the st.date_input ``label`` and press Enter.

    The field is a row of segments (year / month / day) that take the digits in
    turn; the value Streamlit gets is mirrored in a hidden ``<input type="date">``.
    """
    field = form.get_by_test_id("stDateInput").filter(
        has=form.page.get_by_role("group", name=label, exact=True)
    )
    field.get_by_role("spinbutton").first.click()
    form.page.keyboard.type(value)
    form.page.keyboard.press("Enter")
    expect(field.locator('input[type="date"]')).to_have_value(
        value.replace("/", "-"), timeout=TIMEOUT_MS
    )


# --------------------------------------------------------------------------- test


def test_record_an_experiment_on_the_demo_and_read_its_verdict(page, tmp_path):
    with streamlit_server(tmp_path) as base_url:
        flowlab = Flowlab(page, base_url)
        flowlab.open("/experiments")
        expect(flowlab.heading).to_have_text("Experiments", timeout=TIMEOUT_MS)
        # The demo's first experiment is open by default, and it worked.
        expect(_verdict(flowlab).filter(has_text="improved")).to_be_visible(timeout=TIMEOUT_MS)
        flowlab.assert_no_error()

        expander = page.get_by_test_id("stExpander").filter(has_text="Record a new experiment")
        expander.locator("summary").click()
        form = expander.get_by_test_id("stForm")
        expect(form.get_by_label("Title", exact=True)).to_be_visible(timeout=TIMEOUT_MS)

        _fill_in_form(form, "Title", TITLE)
        _fill_in_form(form, "Hypothesis", HYPOTHESIS)
        _fill_in_form(form, "Owner", "Robin")
        # The defaults stay: the median cycle time (said in words), which should decrease.
        expect(form.get_by_role("combobox", name="Target metric", exact=True)).to_have_value(
            "Median cycle time"
        )
        expect(form.get_by_role("combobox", name="Direction", exact=True)).to_have_value("decrease")
        _type_date(form, "Change date", "2026/06/01")
        _fill_in_form(form, "Your name", "Robin")
        flowlab.assert_no_error()

        form.get_by_role("button", name="Record experiment", exact=True).click()
        expect(
            page.get_by_test_id("stAlert").filter(has_text="Recorded experiment #3")
        ).to_be_visible(timeout=TIMEOUT_MS)
        flowlab.wait_for_run()

        # The experiment just recorded is the one shown.
        expect(page.get_by_test_id("stHeading").filter(has_text=f"#3 {TITLE}")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        flowlab.wait_for_run()
        expect(_verdict(flowlab).filter(has_text="improved")).to_be_visible(timeout=TIMEOUT_MS)
        expect(flowlab.metric_value("Target met")).to_have_text("–", timeout=TIMEOUT_MS)
        flowlab.assert_no_error()

        database = tmp_path / "e2e.db"
        # Recorded once: the demo's two experiments and ours.
        assert sorted(e["id"] for e in _cli(database, "experiments", "list")) == [1, 2, 3]
        doc = _cli(database, "experiments", "show", "3")
        assert doc["title"] == TITLE
        assert doc["metric"] == "cycle_time_p50"
        assert doc["verdict"] == "improved"
        assert doc["target_met"] is None
