"""The Measures page in a real Chromium: a file through the browser's file input, the
preview, Save, a run chart; the period switch written to the address and read back from
it; a bad file refused in words with no Save button.

tests/app/test_measures_page.py walks the same flows through AppTest; here the file goes
through Streamlit's upload endpoint and the address is the browser's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import ABSENT_TIMEOUT_MS, TIMEOUT_MS, Flowlab, streamlit_server

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data" / "series"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[str]:
    """This module's own server: the measures saved here stay out of other modules' views."""
    with streamlit_server(tmp_path_factory.mktemp("e2e-measures-server")) as base_url:
        yield base_url


def _open_upload(flowlab: Flowlab) -> None:
    flowlab.open("/measures")
    expect(flowlab.heading).to_have_text("Measures", timeout=TIMEOUT_MS)
    flowlab.page.get_by_test_id("stExpander").get_by_text("Upload measures").click()


def _upload(flowlab: Flowlab, path: Path) -> None:
    uploader = flowlab.page.get_by_test_id("stFileUploader")
    uploader.locator('input[type="file"]').set_input_files(str(path))
    expect(uploader.get_by_title(path.name, exact=True)).to_be_visible(timeout=TIMEOUT_MS)


def test_upload_save_chart_and_the_period_in_the_address(flowlab: Flowlab):
    page = flowlab.page
    _open_upload(flowlab)
    _upload(flowlab, DATA / "customer_satisfaction.csv")
    expect(
        page.get_by_text(re.compile(r"^Read 60 values from customer_satisfaction\.csv"))
    ).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved customer_satisfaction.csv: 60 new values")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    flowlab.wait_for_run()
    expect(page.get_by_role("heading", name="Customer satisfaction")).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.get_by_text(re.compile("one ISO week"))).to_be_visible()

    page.locator("button", has_text=re.compile(r"^Month$")).click()
    expect(page).to_have_url(re.compile(r"[?&]period=Month"), timeout=TIMEOUT_MS)
    expect(page.get_by_text(re.compile("one calendar month"))).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()

    # A copied address opens the same view.
    flowlab.open("/measures?period=Month&measures_team=Demo+team")
    expect(page.get_by_text(re.compile("one calendar month"))).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Customer satisfaction")).to_be_visible()


def test_a_bad_file_is_refused_in_words_with_no_save(flowlab: Flowlab):
    page = flowlab.page
    _open_upload(flowlab)
    _upload(flowlab, DATA / "duplicate_dates.csv")
    expect(page.get_by_text(re.compile(r"1 problem\(s\)\. Nothing was stored\."))).to_be_visible(
        timeout=TIMEOUT_MS
    )
    flowlab.wait_for_run()
    problems = page.get_by_test_id("stDataFrame").filter(
        has=page.locator('th[role="columnheader"]', has_text=re.compile(r"^Problem$"))
    )
    expect(problems).to_have_count(1, timeout=TIMEOUT_MS)
    cell = problems.locator('td[role="gridcell"]', has_text=re.compile(r"^2026-03-09$"))
    expect(cell).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(
        0, timeout=ABSENT_TIMEOUT_MS
    )
    expect(page.get_by_test_id("stException")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)


# --------------------------------------------------------------------------- roles

VIEWER = (
    "mia-01",
    {"email": "mia@example.com", "name": "Mia Viewer", "groups": ["demo-viewers"]},
)


@pytest.fixture(scope="module")
def viewer_server(oidc_provider, tmp_path_factory):
    """Sign-in configured; Demo team's NPS and the Payments team's cost stored by the CLI."""
    from tests.e2e.conftest import signin_server_over

    seed = [
        ["series", "import", str(DATA / "nps.csv"), "--team", "Demo team"],
        ["series", "import", str(DATA / "cost.csv"), "--team", "Payments"],
    ]
    teams = {"demo-viewers": {"team": "Demo team", "role": "viewer"}}
    workdir = tmp_path_factory.mktemp("measures-roles")
    with signin_server_over(oidc_provider, workdir, teams, seed=seed) as server:
        oidc_provider.add_user(*VIEWER)
        yield server


def test_a_viewer_sees_their_teams_measures_no_upload_and_nothing_of_another_team(
    page, viewer_server
):
    subject, claims = VIEWER
    flowlab = Flowlab(page, viewer_server.base_url)
    flowlab.open("/")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/oauth2/authorize\?"))
    page.locator("input[name=sub]").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    expect(flowlab.sidebar.get_by_text(f"Signed in as {claims['name']}")).to_be_visible()
    flowlab.wait_for_run()
    # A hand-edited address naming the other team opens the viewer's own team instead.
    flowlab.open("/measures?measures_team=Payments")
    expect(page.get_by_role("heading", name="NPS")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("needs the editor role")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
    expect(page.get_by_text("Upload measures")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
    body = page.locator("body").inner_text()
    assert "Payments" not in body and "Cost per release" not in body
