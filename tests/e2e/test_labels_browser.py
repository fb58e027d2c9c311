"""Headline labels are read whole (issue #11, item 7): none is cut to "Cycle time, …".

In a real Chromium at 1280 px, the widest laptop screens' narrow end: every
metric label on Home and Flow metrics shows its whole text (a label whose
text is wider than its box is drawn with an ellipsis).
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import TIMEOUT_MS, Flowlab

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser

#: Per metric label: its text and whether any element in it is narrower than its text.
CUT_JS = """
() => [...document.querySelectorAll('[data-testid="stMetricLabel"]')].map(label => ({
  text: label.innerText.trim(),
  cut: [label, ...label.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1),
}))
"""


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("/home", ("Cycle time, median", "Cycle time, 85th percentile")),
        ("/flow_metrics", ("Cycle time, median", "Cycle time, 85th percentile")),
    ],
)
def test_metric_labels_are_whole_at_1280_px(flowlab: Flowlab, path, wanted):
    flowlab.page.set_viewport_size({"width": 1280, "height": 900})
    flowlab.open(path)
    for label in wanted:
        expect(flowlab.metric_value(label).first).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()
    labels = flowlab.page.evaluate(CUT_JS)
    assert {label["text"] for label in labels} >= set(wanted)
    assert [label["text"] for label in labels if label["cut"]] == []
