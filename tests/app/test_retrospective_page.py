"""The Retrospective page through AppTest on the demo: the sections in order, recording an
experiment from "Try something", saving the retrospective and starting the next one from it."""

from __future__ import annotations

import os
from datetime import date

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

import ui.retrospective_page
from vsm_core.experiments import records
from vsm_core.store import make_engine
from vsm_core.store import retrospectives as store
from vsm_core.store.access import SYSTEM

SECTIONS = [
    "What finished",
    "What is aging",
    "Process behaviour since then",
    "Experiments due for review",
    "Try something",
    "Save the retrospective",
]


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/retrospective.py")


def _engine():
    return make_engine(os.environ["VSM_DATABASE_URL"])


def _since(app: AppTest):
    [since] = [d for d in app.date_input if d.label == "Since"]
    return since


def _form_button(app: AppTest, label: str):
    [button] = [b for b in app.button if b.proto.label == label]
    return button


def test_the_sections_come_in_order_with_the_demo_fortnight(page):
    assert page.title[0].value == "Retrospective"
    assert [s.value for s in page.subheader] == SECTIONS
    assert _since(page).value == date(2026, 9, 19)
    assert [m.label for m in page.metric] == [
        "Items finished",
        "Cycle time, 50th percentile",
        "Cycle time, 85th percentile",
    ]
    assert all(m.proto.delta for m in page.metric)  # each against the fortnight before
    texts = [m.value for m in page.markdown]
    # md() escapes punctuation: the sentence reads "… in the fortnight before."
    assert any(t.startswith("38 items finished from 19 Sep to 02 Oct 2026") for t in texts)
    assert any(t.startswith("85 \\% of items finished within 18 days") for t in texts)
    assert any(t.startswith("Weekly throughput\\:") for t in texts)
    assert [t.label for t in page.tabs] == [
        "Weekly throughput",
        "Cycle time per item",
        "Weekly work in progress",
    ]
    tables = [d.value for d in page.dataframe]
    aging = next(t for t in tables if "Why listed" in t.columns)
    assert list(aging.columns) == [
        "Item",
        "Title",
        "Stage",
        "Age (days)",
        "Days in stage",
        "Usual in stage",
        "Why listed",
    ]
    assert aging.iloc[0]["Item"] == "DEMO-633" and aging.iloc[0]["Why listed"] == "long in stage"
    due = next(t for t in tables if "Verdict now" in t.columns)
    assert set(due["Experiment"]) == {
        "WIP limit on Ready and Review",
        "Stand-up walks the board right to left",
    }
    assert [b.proto.label for b in page.get("download_button")] == ["Download HTML"]
    assert not page.error


def test_the_form_is_prefilled_from_what_the_page_shows(page):
    assert page.text_input(key="retro_title").value == "Shorten the time in Ready"
    assert "Ready" in page.text_area(key="retro_hypothesis").value
    assert page.selectbox(key="retro_metric").value == "time_in_stage_p85:Ready"
    assert page.number_input(key="retro_target").value > 0


def test_an_experiment_is_recorded_and_saved_with_the_retrospective(page):
    page.text_input(key="retro_owner").set_value("Ana")
    page.text_area(key="retro_action").set_value("Pull from Ready only when a pair is free")
    page.text_input(key="retro_try_author").set_value("Ana")
    _form_button(page, "Record the experiment").click().run()
    assert not page.exception
    assert any("Recorded experiment #3" in s.value for s in page.success)
    with Session(_engine()) as session:
        experiment = records.get_experiment(session, experiment_id=3, actor=SYSTEM)
    assert (experiment.title, experiment.owner, experiment.author) == (
        "Shorten the time in Ready",
        "Ana",
        "Ana",
    )
    assert (experiment.metric, experiment.status) == ("time_in_stage_p85:Ready", "running")
    assert any(m.value == "Experiments recorded here: #3" for m in page.markdown)
    # the form starts afresh from the prefill (no second experiment by accident)
    assert page.text_area(key="retro_action").value == ""
    assert page.text_input(key="retro_title").value == "Shorten the time in Ready"

    page.text_input(key="retro_attendees").set_value("Ana, Bo")
    page.text_area(key="retro_notes").set_value("Ready is where work waits")
    page.text_input(key="retro_save_author").set_value("Ana")
    _form_button(page, "Save the retrospective").click().run()
    assert not page.exception
    assert any(s.value.startswith("Saved the retrospective of") for s in page.success)
    with Session(_engine()) as session:
        [saved] = store.list_retrospectives(session, team="Demo team", actor=SYSTEM)
        linked = store.retrospective_experiments(session, retrospective_id=saved.id, actor=SYSTEM)
    assert (saved.attendees, saved.notes, saved.author) == (
        "Ana, Bo",
        "Ready is where work waits",
        "Ana",
    )
    assert (saved.held_on, saved.since) == (date.today(), date(2026, 9, 19))
    assert [e.id for e in linked] == [3]

    # the next retrospective starts from this one, and shows it below
    assert _since(page).value == date.today()
    assert "Earlier retrospectives" in [s.value for s in page.subheader]
    texts = [m.value for m in page.markdown]
    assert "**Notes:** Ready is where work waits" in texts
    assert any(t.startswith("**#3 Shorten the time in Ready**") for t in texts)


def test_recording_needs_a_name_and_a_valid_experiment(page):
    page.text_input(key="retro_owner").set_value("Ana")
    _form_button(page, "Record the experiment").click().run()
    assert any("fill in Your name" in e.value for e in page.error)
    page.text_input(key="retro_try_author").set_value("Ana")
    page.text_input(key="retro_title").set_value("   ")
    _form_button(page, "Record the experiment").click().run()
    assert any("title must not be blank" in e.value for e in page.error)
    with Session(_engine()) as session:
        assert len(records.list_experiments(session, actor=SYSTEM)) == 2  # the demo's two only


def test_saving_needs_a_name(page):
    _form_button(page, "Save the retrospective").click().run()
    assert any("fill in Your name" in e.value for e in page.error)
    with Session(_engine()) as session:
        assert store.list_retrospectives(session, actor=SYSTEM) == []


def test_an_error_in_the_core_is_a_message_not_a_traceback(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ui.retrospective_page, "retrospective_view", broken)
    app.run()
    app.switch_page("pages/retrospective.py").run()
    assert not app.exception
    assert any("Something went wrong" in e.value for e in app.error)
    assert not any("boom" in e.value for e in app.error)


def test_user_text_is_shown_as_typed(page):
    from ui.plain import md

    notes = "**not bold** <b>x</b> :material/home: [link](http://example.com) & 50 %"
    with Session(_engine()) as session:
        store.create_retrospective(
            session,
            dataset_id=1,
            team="Demo team",
            held_on=date(2026, 10, 5),
            since=date(2026, 9, 19),
            attendees="<i>Ana</i> & Bo",
            notes=notes,
            author="Ana",
            experiment_ids=[1],
            actor=SYSTEM,
        )
    page.run()
    assert not page.exception
    texts = [m.value for m in page.markdown]
    assert f"**Notes:** {md(notes)}" in texts
    assert f"**Attendees:** {md('<i>Ana</i> & Bo')}" in texts
    # a new look back starts from the saved day
    assert _since(page).value == date(2026, 10, 5)


def test_a_signed_in_person_is_the_author_without_being_asked(app, monkeypatch):
    monkeypatch.setattr(ui.retrospective_page, "current_author", lambda: "Sam Signed")
    app.run()
    app.switch_page("pages/retrospective.py").run()
    assert not app.exception
    assert "retro_save_author" not in [t.key for t in app.text_input]
    assert any(c.value == "Recorded as Sam Signed (signed in)." for c in app.caption)
    assert app.text_input(key="retro_owner").value == "Sam Signed"
    _form_button(app, "Save the retrospective").click().run()
    assert not app.exception
    with Session(_engine()) as session:
        [saved] = store.list_retrospectives(session, actor=SYSTEM)
    assert saved.author == "Sam Signed"


def test_the_open_chart_is_in_the_address_and_only_it_is_drawn(open_page):
    app = open_page("pages/retrospective.py")
    assert len(app.get("plotly_chart")) == 1
    app.query_params["view"] = "Cycle time per item"
    app.run()
    assert not app.exception
    [chart] = app.get("plotly_chart")
    assert "Cycle time per item" in chart.proto.spec
