"""The Experiments page through AppTest: list, evidence, form messages, recording, review."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from vsm_core.store.access import SYSTEM


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/experiments.py")


def _open(app: AppTest, key: str) -> AppTest:
    """Unfold the lazy expander ``key`` (as a click does: its state, then a rerun)."""
    app.session_state[key] = True
    app.run()
    assert not app.exception
    return app


def _new_form(app: AppTest) -> AppTest:
    return _open(app, "experiments.new_open")


def _verdict(app: AppTest) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("### "))


def test_the_demo_experiments_are_listed_with_their_verdicts(page):
    listing = page.dataframe[0].value
    verdicts = dict(zip(listing["#"], listing["Verdict"], strict=True))
    assert verdicts == {1: "improved", 2: "no clear change"}
    assert all("overlaps" in w for w in listing["Warnings"])  # flagged on both
    assert _verdict(page) == "### improved"
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Target met"] == "yes"
    page.selectbox(key="experiment_open").set_value(2).run()
    assert _verdict(page) == "### no clear change"


def test_the_list_reads_in_words_with_empty_cells_empty(page):
    """Item 7: column headers and metric names in words, no emoji, no "None"."""
    listing = page.dataframe[0].value
    assert list(listing.columns) == [
        "#",
        "Title",
        "Status",
        "Target metric",
        "Target",
        "Verdict",
        "Review date",
        "Warnings",
        "Owner",
    ]
    # the demo's two experiments target cycle_time_p85, said in words
    assert set(listing["Target metric"]) == {"85th percentile cycle time"}
    cells = listing.astype(str).to_numpy().ravel().tolist()
    assert "None" not in cells and "nan" not in cells
    assert all(ord(ch) < 0x2600 for text in cells for ch in text)  # no emoji or symbols
    assert all(ord(ch) < 0x2600 for m in page.markdown for ch in m.value)


def test_folded_parts_are_drawn_only_when_open(page):
    """The form and the edit/history parts cost nothing on a run while folded."""
    assert not page.main.text_input  # neither the new-experiment form nor the edit form
    assert len(page.main.dataframe) == 1  # the list, not the history
    _new_form(page)
    assert page.text_input(key="new_title").value == ""
    labels = page.selectbox(key="new_metric")
    assert labels.format_func("cycle_time_p85") == "85th percentile cycle time"
    _open(page, "experiments.history_open_1")
    assert set(page.dataframe[-1].value.columns) == {"When (UTC)", "Who", "What", "Changed"}


def test_the_form_shows_messages_next_to_fields_and_stores_nothing(page):
    _new_form(page)
    page.button[0].click().run()
    errors = [e.value for e in page.error]
    assert "the title must not be blank" in errors
    assert any("change date" in e for e in errors)
    assert len(page.dataframe[0].value) == 2


def test_recording_an_experiment(page):
    _new_form(page)
    page.text_input(key="new_title").set_value("Swarm on blocked items")
    page.text_area(key="new_hypothesis").set_value(
        "We believe that swarming will cut lead time, as measured by p50 lead time"
    )
    page.text_input(key="new_owner").set_value("Kim")
    page.selectbox(key="new_metric").set_value("lead_time_p50")
    page.date_input(key="new_change").set_value(date(2026, 7, 6))
    page.selectbox(key="new_method").set_value("Items by done date")
    page.text_input(key="new_author").set_value("Kim Lee")
    page.button[0].click().run()
    assert not page.exception
    assert "Recorded experiment #3" in page.success[0].value
    listing = page.dataframe[0].value
    assert "Swarm on blocked items" in set(listing["Title"])
    # The experiment just recorded is the one shown, with its method and its author.
    assert page.selectbox(key="experiment_open").value == 3
    assert page.subheader[-1].value.startswith("#3 ")
    assert any(c.value.startswith("Check, by start date") for c in page.caption)
    _open(page, "experiments.history_open_3")
    history = page.dataframe[-1].value
    assert set(history["Who"]) == {"Kim Lee"}


def test_a_change_without_a_name_is_refused_and_stores_nothing(page):
    _new_form(page)
    page.text_input(key="new_title").set_value("Nameless")
    page.text_area(key="new_hypothesis").set_value("We believe that it helps")
    page.text_input(key="new_owner").set_value("Kim")
    page.date_input(key="new_change").set_value(date(2026, 7, 6))
    page.button[0].click().run()
    assert not page.exception
    assert any("fill in Your name" in e.value for e in page.error)
    assert len(page.dataframe[0].value) == 2


def test_reviewing_stores_the_result_and_shows_the_learnings(page):
    _open(page, "experiments.edit_open_1")
    page.selectbox(key="edit_status_1").set_value("adopted")
    page.text_area(key="edit_learnings_1").set_value("Queues shrank; keep the limit.")
    page.text_input(key="edit_author_1").set_value("Sam")
    next(b for b in page.button if b.label == "Save").click().run()
    assert not page.exception
    assert page.success[0].value.startswith("Reviewed as adopted")
    assert any("At its review the team concluded **improved**" in i.value for i in page.info)
    assert any(m.value.startswith("**Learnings:** Queues shrank") for m in page.markdown)


def test_the_verdict_comes_from_the_stored_method_and_the_other_is_a_labelled_check(page):
    captions = [c.value for c in page.caption]
    method = next(c for c in captions if "Sample sizes" in c)
    assert "censored" in method and "Compared: items" in method
    check = next(c for c in captions if c.startswith("Check, by done date"))
    assert "does not change the verdict" in check
    # the p-value in words, not in a tooltip
    assert any("if the change had no effect" in c for c in captions)
    assert not any("scipy" in c for c in captions)
    assert not page.radio  # no switch can change the verdict


def test_a_save_after_someone_else_saved_is_a_conflict_and_overwrites_nothing(page):
    import os

    from sqlmodel import Session

    from vsm_core.experiments import records
    from vsm_core.store import make_engine

    _open(page, "experiments.edit_open_1")  # the form is drawn at the stored version
    page.text_area(key="edit_learnings_1").set_value("Mine: the limit helped.")
    page.text_input(key="edit_author_1").set_value("Sam")
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    with Session(engine) as session:  # meanwhile, someone else saves (another process)
        records.update_experiment(
            session,
            experiment_id=1,
            changes=records.ExperimentUpdate(learnings="Theirs: queues shrank."),
            author="Kim",
            actor=SYSTEM,
        )
    next(b for b in page.button if b.label == "Save").click().run()
    assert not page.exception
    message = page.error[0].value.replace("\\", "")
    assert "was changed since you opened it" in message
    assert "Kim at" in message and "Theirs: queues shrank." in message
    assert "Nothing was saved" in message
    with Session(engine) as session:
        assert records.get_experiment(session, experiment_id=1, actor=SYSTEM).learnings == (
            "Theirs: queues shrank."
        )
    engine.dispose()
    # the form now shows the stored record again, and a save from it goes through
    page.run()
    assert page.text_area(key="edit_learnings_1").value == "Theirs: queues shrank."
