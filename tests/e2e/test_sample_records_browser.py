"""The demo team's sample records in a real Chromium: one click on the empty Delivery page
stores them, the DORA keys and their weekly charts are drawn, and the Measures page shows
the two sample measures (tests/app covers the same through AppTest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness import TIMEOUT_MS, Flowlab, streamlit_server

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser

OFFER = "Add the demo team's sample records"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[str]:
    """This module's own server (a fresh database: the demo team, no records yet)."""
    with streamlit_server(tmp_path_factory.mktemp("e2e-sample-records")) as base_url:
        yield base_url


def test_one_click_gives_the_demo_team_deployments_and_measures(flowlab: Flowlab):
    page = flowlab.page
    flowlab.open("/delivery")
    expect(page.get_by_text("No deployments or incidents stored for Demo team yet.")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    page.get_by_role("button", name=OFFER, exact=True).click()
    expect(
        page.get_by_text("Stored 160 deployments from demo-deployments.csv", exact=False)
    ).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()
    expect(flowlab.metric_value("Deployment frequency")).to_contain_text("a week")
    charts = page.locator('[data-testid="stPlotlyChart"] .main-svg')
    expect(charts.first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name=OFFER, exact=True)).to_have_count(0)

    flowlab.click_nav("Measures")
    for measure in ("Customer satisfaction", "Support tickets"):
        expect(page.get_by_test_id("stHeading").filter(has_text=measure)).to_be_visible(
            timeout=TIMEOUT_MS
        )
    expect(page.get_by_role("button", name=OFFER, exact=True)).to_have_count(0)
    flowlab.assert_no_error()


#: Metric labels and values (and segmented-control choices) whose text is cut short.
CUT_JS = """() => [...document.querySelectorAll(
    '[data-testid="stMetricLabel"] p, [data-testid="stMetricValue"] div, '
    + '[data-testid="stButtonGroup"] button')]
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > innerWidth)
  .map(e => e.innerText)"""


def test_the_keys_fit_1280_px_on_delivery_and_check_in(flowlab: Flowlab):
    """The five DORA keys (and the period choices) are read whole at 1280 px: no label or
    value ends in "…" (they sit in rows of at most four)."""
    page = flowlab.page
    page.set_viewport_size({"width": 1280, "height": 900})
    flowlab.open("/delivery")
    offer = page.get_by_role("button", name=OFFER, exact=True)
    if offer.count():  # this module's other test may have stored them already
        offer.click()
        expect(offer).to_have_count(0, timeout=TIMEOUT_MS)
    expect(flowlab.metric_value("Deployment frequency")).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()
    assert page.evaluate(CUT_JS) == []
    flowlab.open("/check_in")
    expect(flowlab.metric_value("Deployment frequency")).to_be_visible(timeout=TIMEOUT_MS)
    assert page.evaluate(CUT_JS) == []
