"""The Future state page in a real Chromium: open it on the demo, add a change, see the
prediction sentence and both maps drawn."""

from __future__ import annotations

import pytest

from tests.e2e.harness import TIMEOUT_MS, Flowlab, streamlit_server

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser


def test_add_a_change_and_see_the_prediction_and_both_maps(page, tmp_path):
    with streamlit_server(tmp_path) as base_url:
        flowlab = Flowlab(page, base_url)
        flowlab.open("/")
        flowlab.click_nav("Future state")
        expect(page.get_by_role("tab", name="Design", exact=True)).to_have_attribute(
            "aria-selected", "true"
        )
        expect(page.get_by_text("Checked against today", exact=False)).to_be_visible(
            timeout=TIMEOUT_MS
        )
        expect(page.get_by_text("No change: the future equals", exact=False)).to_be_visible()
        flowlab.wait_for_run()

        expect(page.get_by_role("combobox", name="Change", exact=True)).to_have_value(
            "Scale the time in a stage"
        )
        flowlab.choose("Stage", "Review")
        flowlab.wait_for_run()
        page.get_by_role("button", name="Add change").click()
        sentence = page.get_by_text(
            "Halving the time in Review would bring the 85th percentile cycle time from",
            exact=False,
        )
        expect(sentence).to_be_visible(timeout=TIMEOUT_MS)
        flowlab.wait_for_run()
        listed = page.get_by_role("listitem").filter(has_text="Halving the time in Review")
        expect(listed).to_have_count(1)  # the change list, numbered

        charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
        expect(charts).to_have_count(2)
        today, future = charts.nth(0), charts.nth(1)
        # Today's map: the value stream map's boxes and queues are shapes; the future map's
        # two bars (Now, Future) are cut into stage segments.
        expect(today.locator(".shapelayer path").first).to_be_visible()
        expect(future.locator(".gtitle")).to_contain_text("Now and future")
        expect(future.locator(".bars path").first).to_be_visible()
        assert future.locator(".bars path").count() >= 8  # 4 stages now, 4 in the future
        expect(future.locator(".ytick text")).to_have_text(["Future", "Now"])
        flowlab.assert_no_error()
