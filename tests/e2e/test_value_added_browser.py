"""Value-added time in a real Chromium, signed in as a viewer of the demo team: the value
stream map on Bottlenecks shows process cycle efficiency beside flow efficiency, and the
Future state page offers a viewer no form to save a design, only who can."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import signin_server_over
from tests.e2e.harness import ABSENT_TIMEOUT_MS, TIMEOUT_MS, Flowlab

pytestmark = pytest.mark.browser

TEAMS = {"demo-viewers": {"team": "Demo team", "role": "viewer"}}
VIEWER = (
    "vic-01",
    {"email": "vic@example.com", "name": "Vic Viewer", "groups": ["demo-viewers"]},
)
#: A fresh server draws its first page slowly on a loaded machine.
FIRST_DRAW_MS = 120_000


@pytest.fixture(scope="module")
def viewer_server(oidc_provider, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("value-added-server")
    with signin_server_over(oidc_provider, workdir, TEAMS) as server:
        oidc_provider.add_user(*VIEWER)
        yield server


def _signed_in(page, server) -> Flowlab:
    subject, claims = VIEWER
    flowlab = Flowlab(page, server.base_url)
    flowlab.open("/")
    page.get_by_role("button", name="Sign in").click()
    flowlab.expect(page).to_have_url(re.compile(r"/oauth2/authorize\?"))
    page.locator("input[name=sub]").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    flowlab.expect(flowlab.sidebar.get_by_text(f"Signed in as {claims['name']}")).to_be_visible(
        timeout=FIRST_DRAW_MS
    )
    flowlab.wait_for_run()
    return flowlab


def test_the_map_shows_pce_and_a_viewer_gets_no_save_form(page, viewer_server):
    flowlab = _signed_in(page, viewer_server)
    expect = flowlab.expect

    flowlab.open("/bottlenecks?dataset=1&view=Value+stream+map")
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    expect(chart).to_have_count(1, timeout=FIRST_DRAW_MS)
    expect(chart.get_by_text("Process cycle efficiency", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(chart.get_by_text("Flow efficiency", exact=True)).to_be_visible()
    expect(chart.get_by_text("Value-added time (mean)", exact=True)).to_be_visible()
    flowlab.assert_no_error()

    flowlab.open("/future_state?dataset=1")
    expect(page.get_by_text("Save this design", exact=True)).to_be_visible(timeout=FIRST_DRAW_MS)
    expect(
        page.get_by_text("Only editors and admins of Demo team can save a design", exact=False)
    ).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Save design")).to_have_count(
        0, timeout=ABSENT_TIMEOUT_MS
    )
    expect(page.get_by_label("Name of the design")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
    flowlab.assert_no_error()
