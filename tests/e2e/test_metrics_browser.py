"""The metric pages in a real Chromium, checked against the CLI on the same database."""

from __future__ import annotations

import json
import re
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


def _cli_metrics(database: Path) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vsm_core",
            "--db",
            f"sqlite:///{database}",
            "metrics",
            "--dataset",
            "1",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout)


def test_flow_metrics_and_bottleneck_show_the_clis_numbers(page, tmp_path):
    with streamlit_server(tmp_path) as base_url:
        flowlab = Flowlab(page, base_url)
        flowlab.open("/flow_metrics")
        expect(page.locator("h1")).to_have_text("Flow metrics", timeout=TIMEOUT_MS)
        doc = _cli_metrics(tmp_path / "e2e.db")
        expect(flowlab.metric_value("Cycle time, 85th percentile")).to_have_text(
            f"{doc['cycle_time_days']['p85']:.1f} d", timeout=TIMEOUT_MS
        )
        expect(flowlab.metric_value("Completed")).to_have_text(str(doc["counts"]["completed"]))
        charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
        expect(charts.first).to_be_visible(timeout=TIMEOUT_MS)
        flowlab.assert_no_error()

        flowlab.click_nav("Bottlenecks")
        expect(page.locator("h1")).to_have_text("Bottlenecks", timeout=TIMEOUT_MS)
        bottleneck = doc["bottleneck"]
        sentence = page.get_by_text("of the cycle time of the", exact=False)
        expect(sentence).to_contain_text(bottleneck["stage"], timeout=TIMEOUT_MS)
        expect(sentence).to_contain_text(f"{bottleneck['share']:.0%}")
        flowlab.assert_no_error()


def test_flow_metrics_draws_the_open_tab_named_in_the_link_and_remembers_it(flowlab):
    """Only the open tab is drawn; ``?view=`` opens a tab, clicking one puts it in the URL,
    and coming back to the page reopens it."""
    page = flowlab.page
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    titles = page.locator('[data-testid="stPlotlyChart"] .gtitle')

    flowlab.open("/flow_metrics?view=Process+behaviour")
    expect(page.get_by_role("tab", name="Process behaviour")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(charts).to_have_count(3)
    expect(titles.filter(has_text="Cycle time of the last 100 completed items")).to_be_visible()
    # the per-item XmR reached the browser with an id and a title per point
    first = charts.first.evaluate("plot => plot.data[0].customdata.slice(0, 2)")
    assert len(first) == 2 and all(row[0].startswith("DEMO-") for row in first)
    assert all(len(row[1]) > len("<br>") for row in first)

    page.get_by_role("tab", name="Aging").click()
    expect(page).to_have_url(re.compile(r"[?&]view=Aging"))
    expect(titles.filter(has_text="Aging work in progress")).to_be_visible()
    flowlab.wait_for_run()
    expect(charts).to_have_count(2)
    expect(titles.filter(has_text="Cycle time of the last")).to_have_count(0)

    flowlab.click_nav("Bottlenecks")
    flowlab.click_nav("Flow metrics")
    expect(page.get_by_role("tab", name="Aging")).to_have_attribute("aria-selected", "true")
    expect(titles.filter(has_text="Aging work in progress")).to_be_visible()
    flowlab.assert_no_error()
