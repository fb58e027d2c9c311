"""The app in a real Chromium: entry, navigation, deep links and the sidebar filter.

These complement tests/app (AppTest): they see what a visitor sees, including
Streamlit's client-side routing, our sidebar links and the hidden built-in
navigation, which AppTest does not render.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import NAV, TIMEOUT_MS, Flowlab, streamlit_server

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser


def test_entry_url_lands_on_home_with_the_demo_headline(flowlab: Flowlab):
    flowlab.open("/")
    expect(flowlab.page.locator("h1")).to_have_text("Flowlab")
    expect(flowlab.metric_value("Items")).to_have_text("600")
    expect(flowlab.metric_value("Completed")).to_have_text("485")
    expect(flowlab.metric_value("In progress")).to_have_text("19")
    chart = flowlab.page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    expect(chart.first).to_be_visible(timeout=TIMEOUT_MS)
    expect(chart.first.locator(".main-svg").first).to_be_visible()
    flowlab.assert_our_navigation()
    flowlab.assert_no_error()


def test_every_sidebar_link_opens_its_page_with_one_navigation(flowlab: Flowlab):
    flowlab.open("/")
    # Away from Home first, so clicking "Home" last is a real page switch too.
    for label, _path, heading in [*NAV[1:], NAV[0]]:
        flowlab.click_nav(label)
        expect(flowlab.page.locator("h1")).to_have_text(heading)
        expect(flowlab.page).to_have_title(f"{label} · Flowlab")
        flowlab.assert_our_navigation()
        flowlab.assert_no_error()


@pytest.mark.parametrize(
    "path, heading", [(f"/{path}", heading) for _label, path, heading in NAV[1:]]
)
def test_deep_link_in_a_fresh_browser_shows_the_page_and_our_navigation(
    flowlab: Flowlab, path, heading
):
    flowlab.open(path)
    expect(flowlab.page.locator("h1")).to_have_text(heading)
    flowlab.assert_our_navigation()
    flowlab.assert_no_error()


def test_deep_link_as_the_first_request_of_a_fresh_server(page, tmp_path):
    """The bug st.navigation had: a fresh server's first request, a deep link, drew
    Streamlit's auto-generated navigation and not ours."""
    with streamlit_server(tmp_path) as base_url:
        flowlab = Flowlab(page, base_url)
        flowlab.open("/flow_metrics")
        expect(page.locator("h1")).to_have_text("Flow metrics")
        flowlab.assert_our_navigation()
        flowlab.assert_no_error()
    # The server has now stopped (SIGTERM): its engine was disposed at exit, so
    # SQLite checkpointed the write-ahead log and removed it.
    assert (tmp_path / "e2e.db").exists()
    assert sorted(p.name for p in tmp_path.glob("e2e.db-*")) == []


def test_work_type_filter_changes_the_headline_and_survives_page_switches(flowlab: Flowlab):
    flowlab.open("/")
    items = flowlab.metric_value("Items")
    expect(items).to_have_text("600")

    flowlab.select_work_type("Defect")
    expect(items).not_to_have_text("600", timeout=TIMEOUT_MS)
    flowlab.wait_for_run()
    defects = items.inner_text().strip()
    assert defects.isdigit(), defects
    assert 0 < int(defects) < 600

    flowlab.click_nav("Flow metrics")
    expect(flowlab.selected_work_type("Defect")).to_be_visible()

    flowlab.click_nav("Home")
    expect(flowlab.selected_work_type("Defect")).to_be_visible()
    expect(flowlab.metric_value("Items")).to_have_text(defects)


def test_date_window_can_be_picked_in_the_calendar(flowlab: Flowlab):
    flowlab.open("/")
    flowlab.sidebar.get_by_role("button", name="Pick on a calendar").click()
    date_input = flowlab.page.get_by_test_id("stDateInput")
    date_input.get_by_test_id("stDateInputCalendarButton").click()
    calendar = flowlab.page.get_by_role("dialog").last  # opens on January 2026 (fixed demo dates)
    calendar.get_by_role("gridcell").get_by_text("12", exact=True).click(timeout=10_000)
    flowlab.wait_for_run()
    calendar.get_by_role("gridcell").get_by_text("25", exact=True).click(timeout=10_000)
    flowlab.page.keyboard.press("Escape")
    # the calendar fills the sidebar's From and To fields
    typed = flowlab.sidebar.get_by_role("textbox")
    expect(typed.and_(flowlab.page.get_by_label("From"))).to_have_value("2026-01-12")
    expect(typed.and_(flowlab.page.get_by_label("To", exact=True))).to_have_value("2026-01-25")
    flowlab.wait_for_run()
    expect(flowlab.metric_value("Completed")).not_to_have_text("485", timeout=10_000)
