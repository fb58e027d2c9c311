"""The Experiments page through AppTest: list, evidence, form messages, recording, review."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/experiments.py")


def _verdict(app: AppTest) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("### "))


def test_the_demo_experiments_are_listed_with_their_verdicts(page):
    listing = page.dataframe[0].value
    verdicts = dict(zip(listing["id"], listing["verdict"], strict=True))
    assert verdicts == {1: "🟢 improved", 2: "⚪ no clear change"}
    assert all("overlaps" in w for w in listing["warning"])  # flagged on both
    assert _verdict(page) == "### 🟢 improved"
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Target met"] == "yes"
    page.selectbox(key="experiment_open").set_value(2).run()
    assert _verdict(page) == "### ⚪ no clear change"


def test_the_form_shows_messages_next_to_fields_and_stores_nothing(page):
    page.button[0].click().run()
    errors = [e.value for e in page.error]
    assert "the title must not be blank" in errors
    assert any("change date" in e for e in errors)
    assert len(page.dataframe[0].value) == 2


def test_recording_an_experiment(page):
    page.text_input(key="new_title").set_value("Swarm on blocked items")
    page.text_area(key="new_hypothesis").set_value(
        "We believe that swarming will cut lead time, as measured by p50 lead time"
    )
    page.text_input(key="new_owner").set_value("Kim")
    page.selectbox(key="new_metric").set_value("lead_time_p50")
    page.date_input(key="new_change").set_value(date(2026, 7, 6))
    page.button[0].click().run()
    assert not page.exception
    assert "Recorded experiment #3" in page.success[0].value
    listing = page.dataframe[0].value
    assert "Swarm on blocked items" in set(listing["title"])


def test_reviewing_stores_the_result(page):
    page.selectbox(key="edit_status_1").set_value("adopted")
    page.text_area(key="edit_learnings_1").set_value("Queues shrank; keep the limit.")
    next(b for b in page.button if b.label == "Save").click().run()
    assert not page.exception
    assert page.success[0].value.startswith("Reviewed as adopted")
    assert any("At its review the team concluded **improved**" in i.value for i in page.info)


def test_done_date_assignment_counts_the_items_that_straddle_the_change(page):
    start_caption = next(c.value for c in page.caption if "Sample sizes" in c.value)
    assert "censored" in start_caption
    page.radio(key="assign_1").set_value("done in each window").run()
    assert not page.exception
    done_caption = next(c.value for c in page.caption if "Sample sizes" in c.value)
    assert "started before and finished after the change" in done_caption
