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
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    TIMEOUT_MS,
    Flowlab,
    skip_reason,
    streamlit_server,
)

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
