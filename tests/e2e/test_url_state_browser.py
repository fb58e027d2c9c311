"""The address holds the view (issue #11, item 6): a copied address reproduces it elsewhere.

In a real Chromium: dates typed in the sidebar apply on Enter or Tab (no
calendar to open or close), every selection lands in the address, the
address opened in a new browser context (a colleague's browser) shows the
same numbers, fields and view, and the navigation links carry the selection
to the other pages.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.harness import Flowlab

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py then skips every test here and says why
    expect = None

pytestmark = pytest.mark.browser

#: How long a fresh browser context may take to draw the sidebar's fields: it fetches the
#: widgets' scripts first, which on a loaded machine took over 30 s.
FIRST_DRAW_MS = 120_000

#: The headline numbers compared between the two browsers.
HEADLINE = ("Completed", "In progress", "Cycle time, 85th percentile", "WIP (mean)")


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _field(flowlab: Flowlab, label: str):
    return flowlab.sidebar.get_by_role("textbox", name=label, exact=True)


def _open(flowlab: Flowlab, path: str) -> None:
    """Open ``path`` in this context and wait until the sidebar and the headline are drawn."""
    flowlab.open(path)
    expect(_field(flowlab, "From")).to_be_visible(timeout=FIRST_DRAW_MS)
    expect(flowlab.metric_value("Completed")).to_be_visible(timeout=FIRST_DRAW_MS)


def _headline(flowlab: Flowlab) -> dict[str, str]:
    return {label: flowlab.metric_value(label).inner_text() for label in HEADLINE}


def _chart_svg(flowlab: Flowlab) -> str:
    """The first chart as drawn (its SVG), to see that it changed."""
    svg = flowlab.page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first
    expect(svg).to_be_attached()
    return svg.inner_html()


def _type_date(flowlab: Flowlab, label: str, text: str, key: str) -> None:
    """Type ``text`` into the sidebar's ``label`` field and press ``key`` (Enter or Tab)."""
    completed = flowlab.metric_value("Completed").inner_text()
    field = _field(flowlab, label)
    field.click()
    field.press("Control+A")
    field.type(text)
    field.press(key)
    # the new run draws new numbers: no calendar was opened or closed for it
    expect(flowlab.metric_value("Completed")).not_to_have_text(completed)
    flowlab.wait_for_run()
    expect(flowlab.page.get_by_role("dialog")).to_have_count(0)


def test_typed_dates_apply_on_enter_and_on_tab(flowlab: Flowlab):
    _open(flowlab, "/flow_metrics")
    chart = _chart_svg(flowlab)
    _type_date(flowlab, "From", "2026-05-01", "Enter")
    assert _chart_svg(flowlab) != chart
    assert _query(flowlab.page.url)["from"] == ["2026-05-01"]
    chart = _chart_svg(flowlab)
    _type_date(flowlab, "To", "2026/7/31", "Tab")
    expect(_field(flowlab, "To")).to_have_value("2026-07-31")  # written the standard way
    assert _chart_svg(flowlab) != chart
    assert _query(flowlab.page.url)["to"] == ["2026-07-31"]


def test_the_shared_address_reproduces_the_view_in_a_new_browser_context(
    flowlab: Flowlab, browser, app_server
):
    page = flowlab.page
    _open(flowlab, "/flow_metrics")
    flowlab.select_work_type("Defect")
    flowlab.wait_for_run()
    _type_date(flowlab, "From", "2026-03-02", "Enter")
    _type_date(flowlab, "To", "2026-08-31", "Tab")
    page.get_by_role("tab", name="Aging", exact=True).click()
    expect(page.get_by_role("tab", name="Aging", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    flowlab.wait_for_run()
    expect(page).to_have_url(re.compile(r"[?&]view=Aging(&|$)"))
    shared = page.url
    assert _query(shared) == {
        "dataset": ["1"],
        "from": ["2026-03-02"],
        "to": ["2026-08-31"],
        "type": ["Defect"],
        "view": ["Aging"],
    }
    shown = _headline(flowlab)

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        other = Flowlab(context.new_page(), app_server)
        _open(other, shared.removeprefix(app_server))
        for label, value in shown.items():
            expect(other.metric_value(label)).to_have_text(value)
        expect(_field(other, "From")).to_have_value("2026-03-02")
        expect(_field(other, "To")).to_have_value("2026-08-31")
        expect(other.selected_work_type("Defect")).to_be_visible()
        expect(other.page.get_by_role("tab", name="Aging", exact=True)).to_have_attribute(
            "aria-selected", "true"
        )
        expect(other.page.get_by_text("Items at risk of missing the SLE")).to_be_visible()
        assert _query(other.page.url) == _query(shared)  # nothing rewritten or lost
    finally:
        context.close()


def test_the_navigation_links_carry_the_selection_to_every_page(flowlab: Flowlab):
    page = flowlab.page
    _open(flowlab, "/home?dataset=1&type=Feature&from=2026-02-02")
    expect(flowlab.selected_work_type("Feature")).to_be_visible()
    hrefs = flowlab.nav_links.evaluate_all("links => links.map(a => a.href)")
    assert hrefs and all(
        _query(href) == {"dataset": ["1"], "from": ["2026-02-02"], "type": ["Feature"]}
        for href in hrefs
    )
    flowlab.click_nav("Bottlenecks")
    assert _query(page.url) == {"dataset": ["1"], "from": ["2026-02-02"], "type": ["Feature"]}
    expect(flowlab.selected_work_type("Feature")).to_be_visible()
    expect(_field(flowlab, "From")).to_have_value("2026-02-02")


def test_an_unknown_value_in_the_address_falls_back_with_a_note(flowlab: Flowlab):
    _open(flowlab, "/flow_metrics?dataset=1&type=Nonsense&from=2026-99-01&view=Nonsense")
    notes = flowlab.sidebar.get_by_test_id("stCaptionContainer")
    unknown = "The link's work type “Nonsense” is not in this data"
    expect(notes.filter(has_text=unknown)).to_be_visible()
    expect(notes.filter(has_text="The link's start date could not be read")).to_be_visible()
    expect(_field(flowlab, "From")).to_have_value("2026-01-05")
    expect(flowlab.metric_value("Completed")).to_have_text("485")
    expect(flowlab.page).to_have_url(re.compile(r"^(?!.*[?&](type|from)=)"))  # the note's values
