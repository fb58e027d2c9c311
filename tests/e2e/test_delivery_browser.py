"""The Delivery page in a real Chromium: deployments and incidents through the browser's file
input, the review, Save, the five keys with their bands and the weekly charts; the service
and view written to the address and read back from it; a bad file refused in words.

tests/app/test_delivery_page.py walks the same flows through AppTest; here the files go
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

DATA = Path(__file__).resolve().parents[1] / "data" / "delivery"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory) -> Iterator[str]:
    """This module's own server: the records saved here stay out of other modules' views.
    Team B's deployments are stored before it starts (through the store, as the command
    line would), so a test can open them by address without uploading first."""
    from sqlmodel import Session

    from vsm_core.delivery import read_delivery
    from vsm_core.store import delivery, make_engine, upgrade_to_head
    from vsm_core.store.access import SYSTEM

    workdir = tmp_path_factory.mktemp("e2e-delivery-server")
    url = f"sqlite:///{workdir / 'e2e.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    read = read_delivery((DATA / "deployments.csv").read_bytes(), "deployments.csv")
    with Session(engine) as session:
        delivery.save_import(
            session,
            actor=SYSTEM,
            team="Team B",
            kind="deployments",
            rows=read.log.deployments,
            format=read.format,
        )
    engine.dispose()
    with streamlit_server(workdir, url) as base_url:
        yield base_url


def _open_upload(flowlab: Flowlab, path: str = "/delivery") -> None:
    flowlab.open(path)
    expect(flowlab.heading).to_have_text("Delivery", timeout=TIMEOUT_MS)
    flowlab.page.get_by_test_id("stExpander").get_by_text("Upload deployments or incidents").click()


def _upload(flowlab: Flowlab, path: Path) -> None:
    uploader = flowlab.page.get_by_test_id("stFileUploader")
    uploader.locator('input[type="file"]').set_input_files(str(path))
    expect(uploader.get_by_title(path.name, exact=True)).to_be_visible(timeout=TIMEOUT_MS)


def _save(flowlab: Flowlab, message: str) -> None:
    page = flowlab.page
    flowlab.wait_for_run()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(message)).to_be_visible(timeout=TIMEOUT_MS)
    flowlab.wait_for_run()


def test_upload_both_files_and_see_the_keys(flowlab: Flowlab):
    page = flowlab.page
    _open_upload(flowlab)
    _upload(flowlab, DATA / "deployments.csv")
    expect(
        page.get_by_text(re.compile(r"^Read 8 deployments from deployments\.csv"))
    ).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text(re.compile("staging"))).to_be_visible()
    _save(flowlab, "Saved 8 deployments of Demo team from deployments.csv.")
    expect(flowlab.metric_value("Deployment frequency")).to_have_text("5.1 a week")
    expect(flowlab.metric_value("Change failure rate")).to_have_text("25 %")

    # the upload form stays open while a file is chosen: the next one goes into the same input
    _upload(flowlab, DATA / "incidents.csv")
    expect(page.get_by_text(re.compile(r"^Read 3 incidents from incidents\.csv"))).to_be_visible(
        timeout=TIMEOUT_MS
    )
    _save(flowlab, "Saved 3 incidents of Demo team from incidents.csv.")
    expect(flowlab.metric_value("Change failure rate")).to_have_text("38 %", timeout=TIMEOUT_MS)
    expect(flowlab.metric_value("Recovery time")).to_have_text("9.0 hours")
    expect(flowlab.metric_value("Rework rate")).to_have_text("38 %")
    expect(
        page.get_by_text("DORA band: high (between once a day and once a week)", exact=False)
    ).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(5, timeout=TIMEOUT_MS)
    expect(
        page.get_by_text(re.compile("Incidents without a deployment count here too"))
    ).to_be_visible()


def test_the_service_and_view_in_the_address(flowlab: Flowlab):
    page = flowlab.page
    flowlab.open("/delivery?delivery_team=Team+B&service=web&weeks=Everything&view=By+service")
    expect(flowlab.heading).to_have_text("Delivery", timeout=TIMEOUT_MS)
    expect(flowlab.metric_value("Deployment frequency")).to_have_text(
        "1.3 a week", timeout=TIMEOUT_MS
    )
    table = page.get_by_test_id("stDataFrame").filter(
        has=page.locator('th[role="columnheader"]', has_text=re.compile(r"^Service$"))
    )
    expect(table).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"[?&]weeks=Everything"))
    page.get_by_role("tab", name="Records").click()
    expect(page).to_have_url(re.compile(r"[?&]view=Records"), timeout=TIMEOUT_MS)
    deployments = page.get_by_test_id("stDataFrame").filter(
        has=page.locator('th[role="columnheader"]', has_text=re.compile(r"^Deployed$"))
    )
    expect(deployments).to_have_count(1, timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="Keys").click()  # the first view: the address drops it
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(5, timeout=TIMEOUT_MS)
    expect(page).not_to_have_url(re.compile(r"[?&]view="))


def test_a_bad_file_is_refused_in_words_with_no_save(flowlab: Flowlab):
    page = flowlab.page
    _open_upload(flowlab)
    _upload(flowlab, DATA / "nasty_statuses.csv")
    expect(page.get_by_text(re.compile(r"4 problem\(s\)\. Nothing was stored\."))).to_be_visible(
        timeout=TIMEOUT_MS
    )
    flowlab.wait_for_run()
    problems = page.get_by_test_id("stDataFrame").filter(
        has=page.locator('th[role="columnheader"]', has_text=re.compile(r"^Problem$"))
    )
    expect(problems).to_have_count(1, timeout=TIMEOUT_MS)
    cell = problems.locator('td[role="gridcell"]', has_text=re.compile(r"^exploded$"))
    expect(cell).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(
        0, timeout=ABSENT_TIMEOUT_MS
    )
    expect(page.get_by_test_id("stException")).to_have_count(0, timeout=ABSENT_TIMEOUT_MS)
