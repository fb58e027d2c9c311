"""Bottlenecks' open view lives in the address (issue #11, item 6): a shared link reopens it.

In a real Chromium: clicking a view's tab writes ``?view=`` to the address,
only that view's chart is drawn, and the address opened in a new browser
context (a colleague's browser) shows the same view with the same filter.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.harness import TIMEOUT_MS, Flowlab

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser

#: A fresh browser context fetches the widgets' scripts first: slow on a loaded machine.
FIRST_DRAW_MS = 120_000


def _titles(flowlab: Flowlab):
    return flowlab.page.locator('[data-testid="stPlotlyChart"] .gtitle')


def _charts(flowlab: Flowlab):
    return flowlab.page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')


def test_a_shared_address_reopens_the_same_bottlenecks_view(flowlab: Flowlab, browser, app_server):
    page = flowlab.page
    flowlab.open("/bottlenecks")
    expect(page.locator("h1")).to_have_text("Bottlenecks", timeout=FIRST_DRAW_MS)
    expect(_titles(flowlab).filter(has_text="week")).to_be_visible(timeout=FIRST_DRAW_MS)
    flowlab.select_work_type("Defect")
    flowlab.wait_for_run()
    tab = page.get_by_role("tab", name="Value stream map", exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"[?&]view=Value(\+|%20)stream(\+|%20)map(&|$)"))
    flowlab.wait_for_run()
    expect(_charts(flowlab)).to_have_count(1, timeout=TIMEOUT_MS)  # only the open view
    expect(_titles(flowlab).filter(has_text="week")).to_have_count(0)
    sentence = page.get_by_text("of the cycle time of the", exact=False).inner_text()
    shared = page.url
    assert parse_qs(urlsplit(shared).query) == {
        "dataset": ["1"],
        "type": ["Defect"],
        "view": ["Value stream map"],
    }
    flowlab.assert_no_error()

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        other = Flowlab(context.new_page(), app_server)
        other.open(shared.removeprefix(app_server))
        opened = other.page.get_by_role("tab", name="Value stream map", exact=True)
        expect(opened).to_have_attribute("aria-selected", "true", timeout=FIRST_DRAW_MS)
        expect(other.selected_work_type("Defect")).to_be_visible(timeout=FIRST_DRAW_MS)
        expect(other.page.get_by_text("of the cycle time of the", exact=False)).to_have_text(
            sentence, timeout=FIRST_DRAW_MS
        )
        expect(_charts(other)).to_have_count(1, timeout=FIRST_DRAW_MS)
        expect(_titles(other).filter(has_text="week")).to_have_count(0)
        other.assert_no_error()
        assert parse_qs(urlsplit(other.page.url).query) == parse_qs(urlsplit(shared).query)
    finally:
        context.close()
