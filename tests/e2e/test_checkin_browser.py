"""The Check-in page in a real Chromium: the experiments table fits the window.

At 1280 and 1440 px wide, with the sidebar open, the table's last column (Learnings)
is inside the table's visible box and the grid has nothing to scroll sideways. A
screenshot of each width is kept in ``test-artifacts/`` to look at.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import ROOT, TIMEOUT_MS, Flowlab
from vsm_core.store.access import SYSTEM

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_checkin_table_last_column_is_visible(browser, app_server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        flowlab = Flowlab(context.new_page(), app_server)
        flowlab.open("/check_in")
        page = flowlab.page
        expect(flowlab.heading).to_have_text("Check-in")
        expect(page.get_by_test_id("stSidebar")).to_be_visible()
        grid = page.get_by_test_id("stDataFrame").last
        expect(grid).to_be_visible()
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        # The grid draws on a canvas; its scroller says whether columns lie beyond the box.
        scroller = grid.locator(".dvn-scroller").first
        overflow = scroller.evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 1, f"the table scrolls {overflow} px sideways at {width} px"
        # Glide's accessible header cells: the last one is Learnings, inside the box.
        header = grid.locator('[role="columnheader"]').last
        expect(header).to_have_text("Learnings")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"checkin-{width}.png"), full_page=False)
    finally:
        context.close()


def test_the_html_report_fits_1280_px(browser, tmp_path):
    """The exported report (flow, table with its detail rows, charts) needs no sideways scroll."""
    from datetime import date

    from sqlmodel import Session

    from vsm_core.experiments.checkin import checkin_figures, checkin_html, checkin_rows
    from vsm_core.experiments.checkin_flow import team_flow
    from vsm_core.sample_data import DEMO_TEAM
    from vsm_core.store import make_engine
    from vsm_core.store.bootstrap import prepare_database

    engine = make_engine(f"sqlite:///{tmp_path / 'report.db'}")
    prepare_database(engine)
    with Session(engine) as session:
        rows = checkin_rows(session, team=DEMO_TEAM, today=date(2026, 12, 1), actor=SYSTEM)
        flow = team_flow(session, DEMO_TEAM, actor=SYSTEM)
    report = tmp_path / "report.html"
    report.write_text(
        checkin_html(
            rows, title="Demo", figures=checkin_figures(rows), generated_at="now", flow=flow
        ),
        encoding="utf-8",
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(report.as_uri())
        expect(page.locator("h2").first).to_have_text("Flow: Demo team")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the report scrolls {overflow} px sideways at 1280 px"
        last = page.locator("table.checkin").last.locator("th").last
        expect(last).to_have_text("Overlaps")
        box = last.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280
    finally:
        context.close()
