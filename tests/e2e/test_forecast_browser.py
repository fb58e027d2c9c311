"""The Forecast page in a real Chromium: how many on the demo, its sentences and its chart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import TIMEOUT_MS, Flowlab, streamlit_server
from vsm_core.store.access import SYSTEM

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser


def _core_how_many(database: Path, days: int) -> dict:
    """The core's "how many" document for the stored demo (the call the page and CLI make)."""
    from sqlmodel import Session

    from vsm_core import forecast
    from vsm_core.store import crud, make_engine

    engine = make_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session:
            dataset = crud.load_dataset(session, version_id=1, actor=SYSTEM)
    finally:
        engine.dispose()
    return forecast.how_many(dataset, days=days).as_json()


def test_how_many_on_the_demo_shows_the_sentences_and_the_chart(page, tmp_path):
    with streamlit_server(tmp_path) as base_url:
        flowlab = Flowlab(page, base_url)
        flowlab.open("/")
        flowlab.click_nav("Forecast")
        expect(page.get_by_role("tab", name="How many")).to_have_attribute("aria-selected", "true")
        days = page.get_by_label("Days", exact=True)
        days.fill("30")
        days.press("Enter")
        doc = _core_how_many(tmp_path / "e2e.db", 30)
        p85 = doc["percentiles"]["85"]
        sentence = page.get_by_text(f"85 % chance of at least {p85} items in the 30 days")
        expect(sentence).to_be_visible(timeout=TIMEOUT_MS)
        flowlab.wait_for_run()
        for q in ("50", "70", "95"):
            n = doc["percentiles"][q]
            expect(page.get_by_text(f"{q} % chance of at least {n} items")).to_be_visible()
        chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
        expect(chart).to_have_count(1)
        expect(chart.locator(".bars path").first).to_be_visible()  # the histogram is drawn
        expect(chart.locator(".scatterlayer .js-line")).to_have_count(1)  # and its line
        expect(chart.locator(".gtitle")).to_contain_text("How many items in the 30 days")
        expect(page.get_by_text("Predictability.", exact=False)).to_be_visible()
        expect(page.get_by_text("Monte Carlo simulation, 10,000 trials")).to_be_visible()
        flowlab.assert_no_error()

        page.get_by_role("tab", name="When").click()
        expect(page.get_by_text("chance the 20 items are done by").first).to_be_visible()
        expect(chart).to_have_count(1)
        flowlab.wait_for_run()
        assert "view=When" in page.url
