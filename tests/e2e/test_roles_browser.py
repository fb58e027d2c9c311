"""Team roles through a real OpenID Connect provider, in Chromium (issue #13, part 2).

The server's database holds two teams' data: the demo ("Demo team") and "Payments
board" (team Payments). The secrets' ``[teams]`` table makes group ``demo-viewers``
viewers of Demo team and ``demo-editors`` its editors. A viewer sees Demo team's data
only and no way to import; an editor imports; a hand-edited address naming the
Payments dataset shows "not found" and nothing of it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import signin_server_over
from tests.e2e.harness import ABSENT_TIMEOUT_MS, TIMEOUT_MS, Flowlab

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
TEAMS = {
    "demo-viewers": {"team": "Demo team", "role": "viewer"},
    "demo-editors": "Demo team",
}
VIEWER = (
    "vera-01",
    {"email": "vera@example.com", "name": "Vera Viewer", "groups": ["demo-viewers"]},
)
EDITOR = (
    "eddie-01",
    {"email": "eddie@example.com", "name": "Eddie Editor", "groups": ["demo-editors"]},
)
PAYMENTS = ["import", str(DATA / "events.csv"), "--dataset", "Payments board", "--team", "Payments"]


@pytest.fixture(scope="module")
def roles_server(oidc_provider, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("roles-server")
    with signin_server_over(oidc_provider, workdir, TEAMS, seed=[PAYMENTS]) as server:
        for subject, claims in (VIEWER, EDITOR):
            oidc_provider.add_user(subject, claims)
        yield server


def _signed_in(page, server, who) -> Flowlab:
    subject, claims = who
    flowlab = Flowlab(page, server.base_url)
    flowlab.open("/")
    page.get_by_role("button", name="Sign in").click()
    flowlab.expect(page).to_have_url(re.compile(r"/oauth2/authorize\?"))
    page.locator("input[name=sub]").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    flowlab.expect(flowlab.sidebar.get_by_text(f"Signed in as {claims['name']}")).to_be_visible()
    flowlab.wait_for_run()
    return flowlab


def test_a_viewer_sees_only_their_teams_data_and_cannot_import(page, roles_server):
    flowlab = _signed_in(page, roles_server, VIEWER)
    expect = flowlab.expect
    assert flowlab.dataset_options() == ["Demo team (v1)"]
    expect(flowlab.metric_value("Items")).to_have_text("600", timeout=TIMEOUT_MS)
    assert "Payments" not in page.locator("body").inner_text()
    flowlab.open("/import_data")
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
    expect(page.get_by_text("needs the editor role")).to_be_visible(timeout=TIMEOUT_MS)


def test_a_hand_edited_address_naming_another_teams_dataset_is_not_found(page, roles_server):
    flowlab = _signed_in(page, roles_server, VIEWER)
    payments_id = 2  # stored second, after the demo
    flowlab.open(f"/home?dataset={payments_id}")
    flowlab.expect(page.get_by_text(re.compile("not found", re.IGNORECASE))).to_be_visible(
        timeout=TIMEOUT_MS
    )
    body = page.locator("body").inner_text()
    assert "Payments" not in body
    for path in ("/flow_metrics", "/check_in", "/organisation", "/activity"):
        flowlab.open(f"{path}?dataset={payments_id}")
        assert "Payments" not in page.locator("body").inner_text(), path


def test_an_editor_imports(page, roles_server):
    flowlab = _signed_in(page, roles_server, EDITOR)
    expect = flowlab.expect
    flowlab.open("/import_data")
    uploader = page.get_by_test_id("stFileUploader")
    uploader.locator('input[type="file"]').set_input_files(str(DATA / "events.csv"))
    expect(page.get_by_text("is read as events (detected)")).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()
    page.get_by_role("button", name="Save as “events”").click()
    expect(page.get_by_text("Saved “events” as version 1")).to_be_visible(timeout=TIMEOUT_MS)
    assert "events (v1)" in flowlab.dataset_options()
