"""The Retrospective page in a real Chromium: a retrospective saved, reopened, and its
experiment visible on Check-in with its learnings.

On a server of its own (a database of its own): the experiment is recorded from the
retrospective's "Try something" form, the retrospective is saved with attendees and
notes, a new browser context reopens it, the team reviews the experiment (status and
learnings, as the Experiments page's review does) and Check-in shows it with them.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.e2e.harness import TIMEOUT_MS, Flowlab, streamlit_server
from vsm_core.experiments import service
from vsm_core.store import make_engine
from vsm_core.store.access import SYSTEM

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser

TITLE = "Shorten the time in Ready"  # the form's prefill on the demo
NOTES = 'Ready is where work waits; we try "pull when paired" & see'
LEARNINGS = "Pairing halves the wait in Ready <when> both are free"


def _fill(form, label: str, value: str) -> None:
    """Fill a form's text field and Tab away (Enter would submit the form)."""
    box = form.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")
    expect(box).to_have_value(value, timeout=TIMEOUT_MS)


def _form(flowlab: Flowlab, button: str):
    return flowlab.page.get_by_test_id("stForm").filter(
        has=flowlab.page.get_by_role("button", name=button, exact=True)
    )


def _alert(flowlab: Flowlab, text: str):
    return flowlab.page.get_by_test_id("stAlert").filter(has_text=text)


def test_a_retrospective_saved_reopened_and_its_experiment_on_checkin(browser, tmp_path):
    with streamlit_server(tmp_path) as base_url:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            flowlab = Flowlab(context.new_page(), base_url)
            flowlab.open("/retrospective")
            expect(flowlab.heading).to_have_text("Retrospective")
            expect(flowlab.page.get_by_text("What finished", exact=True)).to_be_visible()

            form = _form(flowlab, "Record the experiment")
            expect(form.get_by_label("Title", exact=True)).to_have_value(TITLE)
            _fill(form, "Owner", "Ana")
            _fill(form, "Action (the change we make)", "Pull from Ready only in pairs")
            _fill(form, "Your name", "Ana")
            form.get_by_role("button", name="Record the experiment", exact=True).click()
            expect(_alert(flowlab, "Recorded experiment #3")).to_be_visible()
            flowlab.wait_for_run()
            expect(flowlab.page.get_by_text("Experiments recorded here: #3")).to_be_visible()

            form = _form(flowlab, "Save the retrospective")
            _fill(form, "Attendees", "Ana, Bo")
            _fill(form, "Notes", NOTES)
            expect(form.get_by_label("Your name", exact=True)).to_have_value("Ana")  # remembered
            form.get_by_role("button", name="Save the retrospective", exact=True).click()
            expect(_alert(flowlab, "Saved the retrospective of")).to_be_visible()
            flowlab.wait_for_run()
        finally:
            context.close()

        # Reopened in a new browser (no session state): the saved retrospective is there.
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            flowlab = Flowlab(context.new_page(), base_url)
            flowlab.open("/retrospective")
            expect(flowlab.page.get_by_text("Earlier retrospectives", exact=True)).to_be_visible()
            expect(flowlab.page.get_by_text(NOTES)).to_be_visible()
            expect(flowlab.page.get_by_text("Ana, Bo")).to_be_visible()
            expect(flowlab.page.get_by_text(f"#3 {TITLE}")).to_be_visible()

            # The whole retrospective as one HTML page, the notes escaped exactly once.
            with flowlab.page.expect_download() as download:
                flowlab.page.get_by_role("button", name="Download HTML").click()
            report = Path(download.value.path()).read_text(encoding="utf-8")
            assert "<h2>What finished</h2>" in report and "<h2>This retrospective</h2>" in report
            assert html.escape(NOTES, quote=False) in report
            text = re.sub(r"<script.*?</script>", "", report, flags=re.S)  # plotly.js aside
            assert "&amp;amp;" not in text and "&quot;" not in text

            # The team reviews the experiment with its learnings (the Experiments page's review).
            engine = make_engine(f"sqlite:///{tmp_path / 'e2e.db'}")
            try:
                with Session(engine) as session:
                    service.review(
                        session,
                        experiment_id=3,
                        status="adopted",
                        learnings=LEARNINGS,
                        author="Ana",
                        actor=SYSTEM,
                    )
            finally:
                engine.dispose()

            flowlab.open("/check_in")
            expect(flowlab.heading).to_have_text("Check-in")
            details = flowlab.page.get_by_test_id("stExpander").filter(
                has_text=f"Details of #3: {TITLE}"
            )
            expect(details).to_have_count(1)
            details.locator("summary").click()
            expect(details.get_by_text(LEARNINGS)).to_be_visible()
            flowlab.assert_no_error()

            # and the retrospective, reopened once more, shows the learnings too
            flowlab.open("/retrospective")
            expect(flowlab.page.get_by_text(LEARNINGS)).to_be_visible()
        finally:
            context.close()
