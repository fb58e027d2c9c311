"""Sign-in through a real OpenID Connect provider, in Chromium (issue #13, part 1).

``signin_server`` runs ``streamlit run`` with an ``[auth]`` table pointing at
``oidc_provider`` (a real provider on a loopback port, tests/oidc/provider.py)
over a database that already holds the demo team. The test signs in the way a
person does: the app's Sign in button, the provider's form, back to the app;
then signs out through the provider's end-session page.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.harness import ABSENT_TIMEOUT_MS, NAV, Flowlab

pytestmark = pytest.mark.browser

ALICE = "alice-0001"
ALICE_CLAIMS = {
    "email": "alice@example.com",
    "name": "Alice Example",
    "groups": ["team-a", "staff"],  # [teams] of the server maps team-a to Demo team only
}
SIGN_IN_TITLE = "Sign in to Flowlab"


def _assert_no_secret(flowlab: Flowlab, server) -> None:
    html = flowlab.page.content()
    for secret in (server.client_secret, server.cookie_secret):
        assert secret not in html
        assert secret not in flowlab.page.url


def _assert_sign_in_screen_only(flowlab: Flowlab, server) -> None:
    """The sign-in screen and nothing of the data: no dataset name, no count, no navigation."""
    expect, page = flowlab.expect, flowlab.page
    expect(flowlab.heading).to_have_text(SIGN_IN_TITLE)
    flowlab.wait_for_run()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(flowlab.sidebar).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
    expect(page.get_by_test_id("stMetric")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
    text = page.locator("body").inner_text()
    assert "Demo team" not in text and "Demo team" not in page.content()
    assert not re.search(r"\b600\b|\b485\b", text)  # the demo's item counts
    _assert_no_secret(flowlab, server)


def _sign_in_through_provider(flowlab: Flowlab, subject: str) -> None:
    page = flowlab.page
    page.get_by_role("button", name="Sign in").click()
    # The provider's own page: its form asks who signs in.
    provider = flowlab.expect(page)
    provider.to_have_url(re.compile(r"/oauth2/authorize\?"))
    page.locator("input[name=sub]").fill(subject)
    page.get_by_role("button", name="Authorize").click()


@pytest.fixture
def signin(page, signin_server) -> Flowlab:
    signin_server.provider.add_user(ALICE, ALICE_CLAIMS)
    return Flowlab(page, signin_server.base_url)


def test_sign_in_and_out_through_a_real_provider(signin, signin_server):
    flowlab, expect, page = signin, signin.expect, signin.page

    # Signed out, a deep link shows only the sign-in screen.
    flowlab.open("/flow_metrics")
    _assert_sign_in_screen_only(flowlab, signin_server)
    flowlab.open("/")
    _assert_sign_in_screen_only(flowlab, signin_server)

    # Sign in through the provider: back on the app with the name and team in the sidebar.
    _sign_in_through_provider(flowlab, ALICE)
    expect(page).to_have_url(re.compile(r"^" + re.escape(signin_server.base_url)))
    expect(flowlab.heading).to_have_text("Flowlab")
    flowlab.wait_for_run()
    expect(flowlab.sidebar.get_by_text("Signed in as Alice Example")).to_be_visible()
    expect(flowlab.sidebar.get_by_text("Teams: Demo team", exact=True)).to_be_visible()
    # The data, now that she is in.
    expect(page.get_by_test_id("stMain")).to_contain_text("Demo team")
    expect(flowlab.metric_value("Items")).to_have_text("600")
    expect(flowlab.nav_links).to_have_count(len(NAV))
    _assert_no_secret(flowlab, signin_server)

    # The identity cookie lets a deep link straight in.
    flowlab.open("/flow_metrics")
    expect(flowlab.heading).to_have_text("Flow metrics")
    expect(flowlab.sidebar.get_by_text("Signed in as Alice Example")).to_be_visible()

    # Sign out: the provider's end-session page, then the sign-in screen again.
    flowlab.sidebar.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/oauth2/end_session\?"))
    page.get_by_role("button", name="End session").click()
    expect(flowlab.heading).to_have_text(SIGN_IN_TITLE)
    _assert_sign_in_screen_only(flowlab, signin_server)
    flowlab.open("/check_in")
    _assert_sign_in_screen_only(flowlab, signin_server)


def test_the_server_log_holds_no_secret(signin, signin_server):
    # Runs after a sign-in and sign-out on the same server (module scope), and does one more.
    signin.open("/")
    _sign_in_through_provider(signin, ALICE)
    signin.expect(signin.sidebar.get_by_text("Signed in as Alice Example")).to_be_visible()
    log = signin_server.log_path.read_text(errors="replace")
    assert "Traceback" not in log
    assert signin_server.client_secret not in log
    assert signin_server.cookie_secret not in log
