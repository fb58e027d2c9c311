"""The metric pages in a real Chromium, checked against the CLI on the same database."""

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
        expect(flowlab.metric_value("Cycle time p85")).to_have_text(
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
