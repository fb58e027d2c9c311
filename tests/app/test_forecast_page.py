"""The Forecast page through AppTest: every view, its sentences and charts, filters, joint
datasets, working days, and a history with nothing done, said in words."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from ui.forecast_page import VIEWS, parse_dates
from ui.plain import md
from vsm_core import forecast
from vsm_core.filters import ItemFilter
from vsm_core.model import make_dataset
from vsm_core.sample_data import generate_demo_dataset
from vsm_core.store import crud, make_engine
from vsm_core.store.access import SYSTEM

PAGE = "pages/forecast.py"
ROOT = Path(__file__).resolve().parents[2]
VIEW_CHARTS = {
    "How many": ["forecast_how_many"],
    "When": ["forecast_when"],
    "This work in progress": ["forecast_aging", "forecast_items"],
    "Track record": ["forecast_backtest"],
}


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page(PAGE)


def _open(app: AppTest, view: str) -> AppTest:
    app.session_state["view"] = view
    app.run()
    assert not app.exception
    return app


def _charts(app: AppTest) -> list[str]:
    return [chart.key for chart in app.get("plotly_chart")]


def _text(app: AppTest) -> str:
    """Every Markdown and caption text of the page (main area), in drawing order."""
    return "\n".join([m.value for m in app.main.markdown] + [c.value for c in app.main.caption])


def _stored(app: AppTest, version_id: int = 1):
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    try:
        with Session(engine) as session:
            return crud.load_dataset(session, version_id=version_id, actor=SYSTEM)
    finally:
        engine.dispose()


def _store(dataset, name: str) -> None:
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    try:
        with Session(engine) as session:
            crud.save_dataset_version(
                session, dataset=dataset, name=name, format="demo", actor=SYSTEM
            )
    finally:
        engine.dispose()


def _number(app: AppTest, label: str):
    return next(n for n in app.main.number_input if n.label == label)


def test_each_view_draws_its_chart_its_sentences_and_the_method(page):
    assert [t.label for t in page.tabs] == list(VIEWS)
    expected_words = {
        "How many": "chance of at least",
        "When": "chance the 20 items are done by",
        "This work in progress": "still in progress \\(counted as unfinished\\)",
        "Track record": "forecasts came true in",
    }
    for view, charts in VIEW_CHARTS.items():
        _open(page, view)
        assert _charts(page) == charts, view
        text = _text(page)
        assert expected_words[view] in text, view
        if view != "This work in progress":
            assert "**Predictability.**" in text
        # the method is written beside every chart, and its data exports as CSV
        assert len(page.main.caption) >= len(charts)
        assert {b.key for b in page.get("download_button")} >= {
            f"csv_{c}" for c in charts if c != "forecast_aging"
        }


def test_how_many_says_the_cores_sentences_for_the_stored_dataset(page):
    result = forecast.how_many(_stored(page), days=14)
    text = _text(page)
    for sentence in result.sentences():
        assert md(sentence) in text
    assert "Monte Carlo simulation, 10,000 trials (seed 1212)" in text
    [chart] = page.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    names = [t.get("name") for t in spec["data"]]
    assert names == ["Share of trials", "Chance of at least this many"]


def test_how_many_up_to_a_date(page):
    page.main.radio(key="fc_hm_mode_1").set_value("Up to a date").run()
    assert not page.exception
    by = page.main.date_input(key="fc_hm_by_1").value
    result = forecast.how_many(_stored(page), by=by)
    assert md(result.sentences()[2]) in _text(page)


def test_the_sidebars_filters_apply(page):
    everything = forecast.how_many(_stored(page), days=14)
    page.sidebar.multiselect[0].select("Defect").run()
    assert not page.exception
    defects = forecast.how_many(
        _stored(page),
        days=14,
        options=forecast.ForecastOptions(item_filter=ItemFilter(("Defect",))),
    )
    assert defects.percentiles[50] < everything.percentiles[50]
    text = _text(page)
    assert md(defects.sentences()[0]) in text
    assert md(everything.sentences()[0]) not in text


def test_history_trials_and_seed_change_the_forecast(page):
    _number(page, "Weeks of history").set_value(4).run()
    options = forecast.ForecastOptions(history_weeks=4)
    assert md(forecast.how_many(_stored(page), days=14, options=options).sentences()[1]) in _text(
        page
    )
    _number(page, "Trials").set_value(2_000).run()
    _number(page, "Seed").set_value(7).run()
    assert not page.exception
    options = forecast.ForecastOptions(history_weeks=4, trials=2_000, seed=7)
    result = forecast.how_many(_stored(page), days=14, options=options)
    assert md(result.sentences()[1]) in _text(page)
    assert "2,000 trials (seed 7)" in _text(page)


def test_working_days_and_days_off(page):
    page.main.toggle[0].set_value(True).run()
    page.main.text_input(key="fc_blackout_1").set_value("2026-09-28, soon").run()
    assert not page.exception
    text = _text(page)
    assert "working days only" in text
    assert "Not read as dates, so left out: soon" in text
    options = forecast.ForecastOptions(workdays=True, blackout=(parse_dates("2026-09-28")[0]))
    result = forecast.how_many(_stored(page), days=14, options=options)
    assert md(result.sentences()[0]) in text


def test_parse_dates_reads_iso_dates_and_names_the_rest():
    days, unread = parse_dates("2026-12-25; 2026-12-24,2026-12-25  nope, 24/12")
    assert [d.isoformat() for d in days] == ["2026-12-24", "2026-12-25"]
    assert unread == ["nope", "24/12"]
    assert parse_dates("") == ((), [])


def test_several_datasets_are_forecast_together(app):
    app.run()
    _store(generate_demo_dataset(), "Second team")
    app.switch_page(PAGE).run()
    dataset_box = app.sidebar.selectbox[0]
    dataset_box.set_value(1).run()  # the first demo in the sidebar
    together = app.main.multiselect(key="fc_others")
    together.set_value([2]).run()
    assert not app.exception
    alone = forecast.how_many(_stored(app), days=14)
    joint = forecast.how_many([_stored(app), _stored(app, 2)], days=14)
    text = _text(app)
    assert md(joint.sentences()[0]) in text
    assert joint.percentiles[50] > alone.percentiles[50]
    assert "Second team: " in text  # each dataset's history is named in the method
    # the sidebar's filters apply to the sidebar's dataset, the other counts all its items
    app.sidebar.multiselect[0].select("Defect").run()
    assert not app.exception
    defects_and_all = forecast.how_many(
        [_stored(app), _stored(app, 2)],
        days=14,
        filters=[ItemFilter(("Defect",)), ItemFilter()],
    )
    assert md(defects_and_all.sentences()[0]) in _text(app)
    _open(app, "Track record")
    assert "The track record is for the sidebar's dataset only." in _text(app)


def test_a_history_with_nothing_done_says_so_in_words(app):
    app.run()
    demo = generate_demo_dataset()
    ids = demo.items["item_id"].head(12)
    events = demo.events[demo.events["item_id"].isin(ids)]
    first_moves = events.sort_values("entered_at", kind="stable")
    first_moves = first_moves.groupby("item_id", sort=False).head(1)
    _store(make_dataset(demo.items.head(12), first_moves, demo.workflow), "Nothing done")
    app.switch_page(PAGE).run()  # the newest dataset is the sidebar's choice
    assert not app.exception
    assert "chance of at least 0 items" in _text(app)
    _open(app, "When")
    text = _text(app)
    assert "never" in text and "No item was completed in the history window" in text
    _open(app, "Track record")
    assert not app.exception
    _open(app, "This work in progress")
    assert not app.exception


def test_items_past_the_sle_are_listed_in_plain_columns(page):
    _open(page, "This work in progress")
    _number(page, "SLE (days)").set_value(3.0).run()
    assert not page.exception
    result = forecast.item_forecasts(_stored(page))
    past = result.past_sle(3.0)
    assert 0 < len(past) <= len(result.table)
    assert md(result.sentences(3.0)[1]) in _text(page)
    [listed] = [d.value for d in page.main.dataframe]
    assert list(listed.columns) == [
        "Item",
        "Title",
        "Work type",
        "Stage",
        "Age (days)",
        "50 % done by",
        "85 % done by",
        "Cycle time at 85 % (days)",
    ]
    assert list(listed["Item"]) == list(past["item_id"])  # oldest first
    cells = listed.astype(str).to_numpy().ravel().tolist()
    assert not {"None", "nan", "NaT", "<NA>"} & set(cells)  # empty cells are empty
    # the aging chart carries each item's completion dates in its hover
    [aging] = [c for c in page.get("plotly_chart") if c.key == "forecast_aging"]
    spec = json.loads(aging.proto.spec)
    assert any("Done by: 50 %" in json.dumps(t.get("customdata")) for t in spec["data"])


def test_aging_forecasts_for_the_flow_metrics_aging_chart(page):
    from ui.item_forecasts import aging_forecasts
    from ui.state import Selection, list_datasets, list_versions

    [demo] = list_datasets()
    version_id, stamp = list_versions(demo.id)[1]
    selection = Selection(demo, version=1, version_id=version_id, version_stamp=stamp)
    result = aging_forecasts(selection)
    expected = forecast.item_forecasts(_stored(page))
    table = result.table
    assert list(table["item_id"]) == list(expected.table["item_id"])
    assert list(table["p85_done"]) == list(expected.table["p85_done"])
    assert list(result.past_sle(10.0)["item_id"]) == list(expected.past_sle(10.0)["item_id"])
    defects = aging_forecasts(replace(selection, work_types=("Defect",))).table
    assert set(defects["item_id"]) < set(table["item_id"])
    inclusive = aging_forecasts(selection, mode="inclusive").table
    assert (inclusive["age_days"] != table["age_days"]).any()
    assert aging_forecasts(Selection(None)) is None


def test_user_text_stays_inert_on_every_view(monkeypatch, tmp_path):
    """The hostile dataset of tests/app/hostile.py (names, stages, titles that are markup),
    forecast alone and together with the demo: nothing it holds reaches Markdown or a chart
    live, and its name is shown as typed."""
    from tests.app.hostile import store_hostile, texts
    from tests.app.test_inert_text_pages import HOST, check_page
    from vsm_core.store.bootstrap import prepare_database

    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    monkeypatch.setenv("VSM_DATABASE_URL", url)
    engine = make_engine(url)
    prepare_database(engine)
    with Session(engine) as session:
        store_hostile(session, HOST, n_items=150)
    engine.dispose()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.run()
    app.switch_page(PAGE).run()
    for view in VIEWS:
        check_page(_open(app, view))
    _open(app, VIEWS[0])
    app.main.multiselect(key="fc_others").set_value([1]).run()  # the demo team, together
    check_page(app, f"{texts(HOST)['dataset']}: ")  # named in the method, as typed


def test_the_sidebars_date_window_as_the_history(page):
    page.main.radio(key="fc_history_1").set_value("The sidebar's date window").run()
    assert not page.exception
    stored = _stored(page)  # the sidebar's window is the whole data span by default
    facts_first, facts_last = stored.first_event_at.date(), stored.last_event_at.date()
    options = forecast.ForecastOptions(history_from=facts_first, history_to=facts_last)
    result = forecast.how_many(stored, days=14, options=options)
    history = result.histories[0]
    assert history.first_day == facts_first
    text = _text(page)
    assert md(result.sentences()[2]) in text
    assert f"{history.days:,} days from {history.first_day.day} {history.first_day:%b %Y}" in text
