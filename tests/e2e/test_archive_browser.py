"""Archiving a dataset on the Import page in a real Chromium (tests/app/test_archive.py
walks the same flow and the role checks through AppTest).

Single-user, so the visitor is every team's admin: the confirmation box unlocks the
Archive button, the dataset leaves the list, and "Show archived" brings it back marked
as archived, with nothing left to archive or delete on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness import TIMEOUT_MS, Flowlab, streamlit_server

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[str]:
    """This module's own server: archiving the demo would empty every other test's app."""
    with streamlit_server(tmp_path_factory.mktemp("e2e-archive-server")) as base_url:
        yield base_url


def test_an_admin_archives_a_dataset_after_confirming_and_can_show_it_again(flowlab: Flowlab):
    page = flowlab.page
    flowlab.open("/import_data")
    expect(flowlab.heading).to_have_text("Import", timeout=TIMEOUT_MS)
    stored = page.get_by_test_id("stExpander").filter(has_text="version(s)")
    expect(stored).to_have_count(1, timeout=TIMEOUT_MS)
    stored.locator("summary").click()

    archive = stored.get_by_role("button", name="Archive", exact=True)
    expect(archive).to_be_disabled(timeout=TIMEOUT_MS)  # not before the confirmation
    stored.get_by_text("Yes, archive “Demo team”: hide it, delete nothing").click()
    expect(archive).to_be_enabled(timeout=TIMEOUT_MS)
    archive.click()

    expect(page.get_by_text("Archived “Demo team”: hidden from lists and pages")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    flowlab.wait_for_run()
    expect(page.get_by_test_id("stExpander").filter(has_text="version(s)")).to_have_count(0)
    expect(page.get_by_text("None yet.", exact=True)).to_be_visible(timeout=TIMEOUT_MS)

    page.get_by_text("Show archived", exact=True).click()
    listed = page.get_by_test_id("stExpander").filter(has_text="· archived")
    expect(listed).to_have_count(1, timeout=TIMEOUT_MS)
    flowlab.wait_for_run()
    listed.locator("summary").click()
    expect(listed.get_by_role("button", name="Archive", exact=True)).to_have_count(0)
    expect(listed.get_by_role("button", name="Delete version", exact=True)).to_have_count(0)
    flowlab.assert_no_error()
