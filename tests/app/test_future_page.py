"""The Future state page through AppTest, on the seeded demo: it draws today's map, a change
recomputes the prediction, a short history with one run is said to be off, a design is saved,
turned into an experiment and shows up in the track record. Also the page's change texts
and the future-map chart builder (tables in, figure out, stage names inert)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from ui.future_page import KINDS, VIEWS, change_text
from ui.plain import WORD_JOINER
from vsm_core.charts.future import future_map_chart, map_segments
from vsm_core.experiments import records
from vsm_core.store import designs, make_engine
from vsm_core.store.access import SYSTEM

PAGE = "pages/future_state.py"


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page(PAGE)


def _text(app: AppTest) -> str:
    """The main area's Markdown and captions, with the escaping of user text taken out."""
    parts = [m.value for m in app.main.markdown] + [c.value for c in app.main.caption]
    return _plain("\n".join(parts))


def _plain(text: str) -> str:
    return text.replace("\\", "").replace(WORD_JOINER, "")


def _charts(app: AppTest) -> list[str]:
    return [chart.key for chart in app.get("plotly_chart")]


#: A column only each of the page's tables has (st.dataframe keeps no key in AppTest).
TABLES = {
    "future_numbers": "Simulated today",
    "future_check": "Within 15 %",
    "future_designs": "Saved",
    "future_track": "Items started after",
}


def _by_key(app: AppTest, key: str) -> pd.DataFrame:
    return next(f.value for f in app.main.dataframe if TABLES[key] in f.value.columns)


def _store():
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    return engine, Session(engine)


def _add(app: AppTest, kind: str, **choices) -> AppTest:
    app.main.selectbox(key="future_kind_1").select(kind).run()
    for key, value in choices.items():
        widget = app.main.selectbox if key in ("stage", "second") else app.main.number_input
        widget(key=f"future_{key}_1" if key != "factor" else "future_factor_1_True").set_value(
            value
        ).run()
    app.main.button(key="future_add_1").click().run()
    assert not app.exception
    return app


def test_the_page_draws_today_the_check_and_the_future(page):
    assert [t.label for t in page.tabs] == list(VIEWS)
    assert _charts(page) == ["future_current_map", "future_map"]
    text = _text(page)
    assert "Checked against today" in text
    assert "No change" in text
    assert "No change yet" in text
    numbers = _by_key(page, "future_numbers")
    assert list(numbers.columns)[:4] == ["Measure", "Measured today", "Simulated today", "Future"]
    assert numbers["Measure"].iloc[1] == "Cycle time, 85th percentile (days)"
    assert list(numbers.columns)[4] == "Future range (90 %)"
    assert re.fullmatch(r"\d+\.\d–\d+\.\d", numbers["Future range (90 %)"].iloc[1])
    assert not numbers.isin(["None", "nan"]).any().any()
    check = _by_key(page, "future_check")
    assert check["Within 15 %"].tolist() == ["yes"] * 4
    assert not page.main.warning  # the demo's today is reproduced
    assert "Add a change to save a design." in text


def test_a_change_recomputes_the_prediction(page):
    before = _by_key(page, "future_numbers")["Future"].tolist()
    _add(page, "Scale the time in a stage", stage="Review", factor=0.5)
    text = _text(page)
    assert "1. Halving the time in Review" in text
    assert "Halving the time in Review would bring the 85th percentile cycle time from" in text
    after = _by_key(page, "future_numbers")["Future"].tolist()
    assert after != before
    assert float(after[1]) < float(before[1])  # cycle time p85 falls
    # A WIP limit on the whole span joins it; removing the first keeps the second.
    _add(page, "WIP limit on the whole span (commitment to done)", limit=12)
    assert "A WIP limit of 12 on the work between commitment and done" in _text(page)
    page.main.button(key="future_drop_1_0").click().run()
    text = _text(page)
    assert "Halving the time in Review" not in text
    assert "A WIP limit of 12 on the work between commitment and done would bring" in text


def test_a_change_the_stream_cannot_take_is_refused_in_words(page):
    _add(page, "Remove a stage", stage="Ready")
    _add(page, "Remove a stage", stage="In Progress")
    _add(page, "Remove a stage", stage="Review")
    # Only Testing is left; the composer offers only what is left.
    assert page.main.selectbox(key="future_stage_1").options == ["Testing"]
    _add(page, "Remove a stage", stage="Testing")
    assert "'remove:Testing' would leave no stage" in _plain(page.main.warning[0].value)
    listed = [m.value for m in page.main.markdown if m.value[:1].isdigit()]
    assert [_plain(m) for m in listed] == [
        "1. Removing Ready",
        "2. Removing In Progress",
        "3. Removing Review",
    ]


def test_the_warning_when_the_check_of_today_is_off(page):
    # One week of history and a single run do not reproduce today's percentiles.
    page.main.number_input(key="future_weeks_1").set_value(1).run()
    page.main.number_input(key="future_runs_1").set_value(1).run()
    assert not page.exception
    [warning] = page.main.warning
    assert "does not reproduce today within 15 %" in _plain(warning.value)
    assert "less trustworthy" in _plain(warning.value)
    assert "no" in _by_key(page, "future_check")["Within 15 %"].tolist()


def test_save_a_design_turn_it_into_an_experiment_and_see_its_track_record(page):
    _add(page, "WIP limit on a stage", stage="Ready", limit=3)
    _add(page, "WIP limit on a stage", stage="Review", limit=3)
    page.main.text_input[0].input("Limit <b>the</b> queues")  # sent with the form
    page.main.button(key="FormSubmitter:future_save_1-Save design").click().run()
    assert not page.exception
    assert "Saved the design" in page.main.success[0].value
    engine, session = _store()
    with session:
        [saved] = designs.list_designs(session, actor=SYSTEM)
        assert saved.name == "Limit <b>the</b> queues"
        assert saved.changes == ["wip:Ready=3", "wip:Review=3"]
        assert saved.record["prediction"]["future"]["cycle_time_days"]["p85"] > 0
        assert saved.author == "local user"
    # Saved designs: the list, then the experiment (the demo applied this change on 1 June).
    page.session_state["view"] = "Saved designs"
    page.run()
    assert not page.exception
    listed = _by_key(page, "future_designs")
    assert listed["Design"].tolist() == ["Limit <b>the</b> queues"]
    assert listed["Experiment"].tolist() == [""]
    assert "No design has become an experiment yet." in _text(page)
    page.main.date_input(key="future_start_date").set_value(date(2026, 6, 1))
    page.main.button(key="FormSubmitter:future_start_1-Turn into an experiment").click().run()
    assert not page.exception
    assert "Recorded experiment" in page.main.success[0].value
    with session:
        experiment = records.get_experiment(
            session,
            experiment_id=designs.list_designs(session, actor=SYSTEM)[0].experiment_id,
            actor=SYSTEM,
        )
        assert (experiment.metric, experiment.direction) == ("cycle_time_p85", "decrease")
        assert experiment.target == pytest.approx(
            saved.record["prediction"]["future"]["cycle_time_days"]["p85"], abs=0.05
        )
        assert "would bring the 85th percentile cycle time" in experiment.hypothesis
    engine.dispose()
    track = _by_key(page, "future_track")
    assert track["Design"].tolist() == ["Limit <b>the</b> queues"]
    assert track["Change date"].tolist() == ["2026-06-01"]
    row = track.iloc[0]
    assert int(row["Items started after"]) > 100
    measured, predicted = (
        float(row["Measured 85th percentile (days)"]),
        float(row["Predicted 85th percentile (days)"]),
    )
    off = float(row["85th percentile off by (%)"])  # from the unrounded values
    assert off == pytest.approx((predicted - measured) / measured * 100, abs=1.5)
    assert "Every saved design has become an experiment." in _text(page)


# --------------------------------------------------------------------------- pure parts


def test_change_texts_of_the_composer():
    assert set(KINDS) == {
        "Scale the time in a stage",
        "Remove a stage",
        "Merge two stages",
        "WIP limit on a stage",
        "WIP limit on the whole span (commitment to done)",
        "Change how much new work arrives",
    }
    assert change_text("Scale the time in a stage", stage="Review", factor=0.5) == (
        "scale:Review=0.5"
    )
    assert change_text("Remove a stage", stage="Ready") == "remove:Ready"
    assert change_text("Merge two stages", stage="A", second="B") == "merge:A+B"
    assert change_text("WIP limit on a stage", stage="Review", limit=3.0) == "wip:Review=3"
    assert change_text("WIP limit on the whole span (commitment to done)", limit=8) == "wip:*=8"
    assert change_text("Change how much new work arrives", factor=1.2) == "arrivals=1.2"


MAPS = pd.DataFrame(
    {
        "state": ["Now", "Now", "Future"],
        "stage": ["<b>Ready</b>", "Work", "Work"],
        "category": ["waiting", "active", "active"],
        "median_days": [2.0, 3.0, 2.5],
        "mean_days": [4.0, 3.0, 2.0],
        "visited_share": [0.5, 1.0, 1.0],
        "wip_mean": [None, None, 4.0],
    }
)


def test_the_future_map_segments_are_days_per_finished_item():
    segments = map_segments(MAPS)
    assert segments["days"].tolist() == [2.0, 3.0, 2.0]  # 4 × 0.5, 3 × 1, 2 × 1


def test_the_future_map_chart_draws_both_bars_with_inert_stage_names():
    fig = future_map_chart(MAPS)
    names = [trace.name for trace in fig.data]
    assert names == [
        "segment:Now:&lt;b&gt;Ready&lt;/b&gt;",
        "segment:Now:Work",
        "segment:Future:Work",
    ]
    assert fig.data[0].customdata[0][0] == "&lt;b&gt;Ready&lt;/b&gt;"
    assert "<b>Ready</b>" not in fig.to_json()
    totals = {a.name: a.text.strip() for a in fig.layout.annotations}
    assert totals == {"total:Now": "5.0 days", "total:Future": "2.0 days"}
    assert fig.data[2].customdata[0][4] == "<br>4.0 items in it on average"
    empty = future_map_chart(MAPS.iloc[0:0])
    assert [a.name for a in empty.layout.annotations] == ["empty"]


# --------------------------------------------------------------------------- inert user text


@pytest.fixture
def hostile_app(monkeypatch, tmp_path) -> AppTest:
    """The app over the demo team and, newest, the dataset whose every name is markup."""
    from tests.app.hostile import store_hostile
    from vsm_core.store.bootstrap import prepare_database

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("VSM_DATABASE_URL", url)
    engine = make_engine(url)
    prepare_database(engine)
    with Session(engine) as session:
        store_hostile(session, "127.0.0.1:1", n_items=150)
    engine.dispose()
    app = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"))
    app.default_timeout = 90
    app.run()
    return app


def test_stage_and_design_names_stay_text(hostile_app):
    from tests.app.hostile import texts
    from tests.app.test_inert_text_pages import check_page

    names = texts("127.0.0.1:1")
    app = hostile_app
    app.switch_page(PAGE).run()
    version = _version(app)
    stage = names["stage:Review"]
    app.main.selectbox(key=f"future_stage_{version}").select(stage).run()
    app.main.button(key=f"future_add_{version}").click().run()
    seen = check_page(app, f"Halving the time in {stage}")
    assert f"Halving the time in {stage} would bring" in seen
    title = names["dataset"]
    app.main.text_input[0].input(title)
    app.main.button(key=f"FormSubmitter:future_save_{version}-Save design").click().run()
    check_page(app, f"Saved the design **{title}**")
    app.session_state["view"] = "Saved designs"
    app.run()
    check_page(app)
    assert _by_key(app, "future_designs")["Design"].tolist() == [title]  # cells: raw text
    app.main.button(key=f"FormSubmitter:future_start_{version}-Turn into an experiment").click()
    app.run()
    check_page(app, "Recorded experiment")
    assert _by_key(app, "future_track")["Design"].tolist() == [title]


def _version(app: AppTest) -> int:
    """The version id the sidebar selected (the page's widget keys end with it)."""
    [kind] = [w for w in app.main.selectbox if str(w.key).startswith("future_kind_")]
    return int(str(kind.key).rsplit("_", 1)[1])
