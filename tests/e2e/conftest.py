"""Real-browser tier: ``streamlit run app.py`` driven by a headless Chromium.

Every test in this folder is skipped, with the reason shown by ``-ra``, when
Chromium or the ``playwright`` package is missing. The browser is Debian's
``/usr/bin/chromium`` (Playwright's own download is not used) unless
``VSM_CHROMIUM`` names another binary.

Fixtures:

* ``app_server`` (session): one Streamlit server on a free port over a fresh
  SQLite database; yields its base URL.
* ``browser`` (session): the launched Chromium.
* ``page`` (function): a new context and page per test; when the test fails a
  full-page screenshot is saved to ``test-artifacts/<test name>.png``.
* ``flowlab`` (function): :class:`~tests.e2e.harness.Flowlab` on ``page`` and
  ``app_server``.
* ``oidc_provider`` (session): a real OpenID Connect provider on a free
  loopback port (tests/oidc/provider.py); tests add the users they sign in
  as, with the claims they choose. Skipped, with the reason, when the
  provider package is not installed.
* ``signin_server`` (module): a Streamlit server of its own with sign-in
  configured against ``oidc_provider`` (a secrets file with fresh random
  secrets, named by ``STREAMLIT_SECRETS_FILES``), over a database that
  already holds the demo team.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
import tomli_w

from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    TIMEOUT_MS,
    Flowlab,
    skip_reason,
    streamlit_server,
)
from tests.oidc.provider import Provider, running_provider
from tests.oidc.provider import skip_reason as provider_skip_reason

HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"
SKIP_REASON = skip_reason()


def pytest_collection_modifyitems(config, items):
    """Skip the tests of this folder (and only those) when the browser stack is missing."""
    if SKIP_REASON is None:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (``rep_setup``, ``rep_call``) for fixtures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[str]:
    """One Streamlit server for the session, over a fresh SQLite database."""
    with streamlit_server(tmp_path_factory.mktemp("e2e-server")) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # every expect() waits this long unless told
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, request):
    """A fresh context and page (1400×900); a screenshot is saved if the test fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
        reports = (getattr(request.node, f"rep_{when}", None) for when in ("setup", "call"))
        if any(report is not None and report.failed for report in reports):
            ARTIFACTS.mkdir(exist_ok=True)
            path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", request.node.name).strip("_") + ".png")
            with contextlib.suppress(Exception):  # a screenshot must not mask the failure
                page.screenshot(path=str(path), full_page=True)
                print(f"\nscreenshot of the failed test: {path}")
    finally:
        context.close()


@pytest.fixture
def flowlab(page, app_server) -> Flowlab:
    """The app's page helper on the session server."""
    return Flowlab(page, app_server)


# --------------------------------------------------------------------------- sign-in

#: The secrets file's [teams] table for the sign-in server: group "team-a" is the demo's team.
SIGNIN_TEAMS = {"team-a": "Demo team"}


@dataclass(frozen=True)
class SignInServer:
    """A Streamlit server with sign-in on, and what a test checks against."""

    base_url: str
    log_path: Path
    provider: Provider
    client_secret: str
    cookie_secret: str


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Iterator[Provider]:
    """A real OpenID Connect provider on a free loopback port (no users until a test adds them)."""
    reason = provider_skip_reason()
    if reason is not None:
        pytest.skip(reason)
    with running_provider(tmp_path_factory.mktemp("oidc-provider")) as provider:
        yield provider


@contextlib.contextmanager
def signin_server_over(
    provider: Provider, workdir: Path, teams: dict, seed: list[list[str]] = ()
) -> Iterator[SignInServer]:
    """``streamlit run`` with ``[auth]`` pointing at ``provider`` and ``teams`` as the
    secrets' ``[teams]`` table, over a database with the demo team and whatever the
    ``python -m vsm_core`` commands in ``seed`` store (each given without ``--db``)."""
    database = f"sqlite:///{workdir / 'e2e.db'}"  # where streamlit_server points the app
    for command in [["db", "upgrade", "--seed-demo"], *seed]:
        subprocess.run(
            [sys.executable, "-m", "vsm_core", "--db", database, *command],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    client_secret = secrets.token_urlsafe(24)
    cookie_secret = secrets.token_hex(32)
    secrets_path = workdir / "secrets.toml"
    auth = {
        # Streamlit puts its own port where "{port}" stands.
        "redirect_uri": "http://127.0.0.1:{port}/oauth2callback",
        "cookie_secret": cookie_secret,
        "client_id": "flowlab-e2e",
        "client_secret": client_secret,
        "server_metadata_url": provider.metadata_url,
    }
    secrets_path.write_text(tomli_w.dumps({"auth": auth, "teams": teams}))
    with contextlib.ExitStack() as stack:
        # Only this server reads the file: the variable is set while it starts, then restored.
        with mock.patch.dict(os.environ, {"STREAMLIT_SECRETS_FILES": str(secrets_path)}):
            base_url = stack.enter_context(streamlit_server(workdir))
        yield SignInServer(
            base_url=base_url,
            log_path=workdir / "streamlit.log",
            provider=provider,
            client_secret=client_secret,
            cookie_secret=cookie_secret,
        )


@pytest.fixture(scope="module")
def signin_server(oidc_provider, tmp_path_factory) -> Iterator[SignInServer]:
    """``streamlit run`` with ``[auth]`` pointing at ``oidc_provider``; the demo team stored."""
    workdir = tmp_path_factory.mktemp("signin-server")
    with signin_server_over(oidc_provider, workdir, SIGNIN_TEAMS) as server:
        yield server
