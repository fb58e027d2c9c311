"""The Measures page through AppTest: upload -> preview -> Save -> one run chart per measure;
bad files in words with nothing stored; the view in the address; viewers see no upload."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from tests.app.test_auth_gate import ALICE, AUTH
from ui.plain import md
from vsm_core.store import make_engine
from vsm_core.store import series as store
from vsm_core.store.access import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "series"
PAGE = "pages/measures.py"


def _open(app: AppTest) -> AppTest:
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def _upload(app: AppTest, name: str, content: bytes | None = None) -> None:
    app.expander[0]  # the upload form is drawn (editors only)
    data = content if content is not None else (DATA / name).read_bytes()
    app.file_uploader(key="measures_file").set_value((name, data, "text/csv")).run()
    assert not app.exception


def _points(team: str) -> pd.DataFrame:
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    try:
        with Session(engine) as session:
            return store.load_points(session, actor=SYSTEM, team=team)
    finally:
        engine.dispose()


def _store(name: str, team: str = "Demo team") -> None:
    from vsm_core.series import parse_series

    parsed = parse_series((DATA / name).read_bytes(), name, team=team)
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    with Session(engine) as session:
        store.save_series(session, actor=SYSTEM, team=team, points=parsed.points)
    engine.dispose()


def _save(app: AppTest) -> None:
    [button] = [b for b in app.button if b.label == "Save"]
    button.click().run()
    assert not app.exception


def test_the_demo_team_has_no_measures_yet(app):
    page = _open(app)
    assert page.title[0].value == "Measures"
    assert page.selectbox(key="measures_team").value == "Demo team"
    assert any("No measures stored for Demo team yet" in i.value for i in page.info)
    assert not page.get("plotly_chart")


def test_the_demo_teams_sample_measures_are_added_on_request(app):
    page = _open(app)
    [offer] = [b for b in page.button if b.label == "Add the demo team's sample records"]
    offer.click().run()
    assert not page.exception
    assert "Stored 78 values of measures from demo-measures.csv" in page.success[0].value
    assert [s.value for s in page.subheader] == ["Customer satisfaction", "Support tickets"]
    assert len(page.get("plotly_chart")) == 2
    assert len(_points("Demo team")) == 78


def test_upload_preview_save_then_a_chart_with_its_definition(app):
    page = _open(app)
    _upload(page, "customer_satisfaction.csv")
    summary = next(d.value for d in page.dataframe if "Measure" in d.value.columns)
    assert summary.to_dict("records")[0]["Values"] == 60
    assert summary.to_dict("records")[0]["Team"] == "Demo team"
    assert any("Read 60 values" in c.value for c in page.caption)
    assert _points("Demo team").empty  # nothing stored before Save
    _save(page)
    assert "60 new values" in page.success[0].value
    assert len(_points("Demo team")) == 60
    assert [s.value for s in page.subheader] == ["Customer satisfaction"]
    assert len(page.get("plotly_chart")) == 1
    uploads = next(d.value for d in page.dataframe if "Uploaded" in d.value.columns)
    assert uploads[["By", "File", "Rows"]].values.tolist() == [
        ["local user", "customer_satisfaction.csv", 60]
    ]
    assert any("mean of the values dated in one ISO week" in c.value for c in page.caption)
    [period] = [c for c in page.segmented_control if c.key == "period"]
    period.set_value("month").run()
    assert not page.exception
    assert any("one calendar month" in c.value for c in page.caption)
    _save(page)  # the same file again
    assert "already stored; nothing was stored" in page.success[0].value


def test_the_period_switch_and_team_are_in_the_address(app):
    app.run()
    _store("nps.csv")
    app.query_params["period"] = "Month"  # the label is the value in the address
    app.query_params["measures_team"] = "Demo team"
    page = app.switch_page(PAGE).run()
    assert not page.exception
    assert page.selectbox(key="measures_team").value == "Demo team"
    assert any("one calendar month" in c.value for c in page.caption)
    [subheader] = page.subheader
    assert subheader.value == "NPS"


def test_bad_input_is_listed_in_words_and_nothing_is_stored(app):
    page = _open(app)
    _upload(page, "bad_values.csv")
    assert "6 problem(s)" in page.error[0].value and "Nothing was stored" in page.error[0].value
    problems = next(d.value for d in page.dataframe if "Problem" in d.value.columns)
    assert list(problems.columns) == ["Row", "Column", "Value", "Problem"]
    assert problems.iloc[0].tolist()[:3] == [3, "value", "four"]
    assert not [b for b in page.button if b.label == "Save"]
    assert _points("Demo team").empty


def test_ambiguous_dates_ask_and_the_answer_reads_them(app):
    page = _open(app)
    _upload(page, "ambiguous_dates.csv")
    problems = next(d.value for d in page.dataframe if "Problem" in d.value.columns)
    assert "03 April 2026 (day first) or 04 March 2026 (month first)" in problems.iloc[0]["Problem"]
    page.radio(key="measures_date_order").set_value("Day first").run()
    assert not page.error
    _save(page)
    assert _points("Demo team")["day"].iloc[0].date().isoformat() == "2026-04-03"


def test_a_measure_name_is_shown_as_typed(app):
    name = "**CSAT** :material/home: <b>x</b>"
    text = f'date,metric,value\n2026-01-05,"{name}",4\n2026-01-12,"{name}",5\n'
    page = _open(app)
    _upload(page, "odd.csv", text.encode())
    _save(page)
    assert [s.value for s in page.subheader] == [md(name)]
    [chart] = page.get("plotly_chart")
    title = json.loads(chart.proto.spec)["layout"]["title"]["text"]
    assert title == "**CSAT** :material/home: &lt;b&gt;x&lt;/b&gt;, mean per week"  # as text


def test_a_viewer_sees_the_charts_but_no_upload(app):
    app.run()
    _store("nps.csv")
    app.secrets["auth"] = AUTH
    app.secrets["teams"] = {"team-a": {"team": "Demo team", "role": "viewer"}}
    app.user = ALICE
    page = _open(app)
    assert not page.get("file_uploader")
    assert not page.expander or all(e.label != "Upload measures" for e in page.expander)
    assert any("needs the editor role" in c.value for c in page.caption)
    assert [s.value for s in page.subheader] == ["NPS"]


def test_many_measures_draw_the_first_twelve_until_others_are_chosen(app):
    app.run()
    rows = [(None, f"M{i:02d}", "2026-01-05", float(i)) for i in range(14)]
    points = pd.DataFrame(rows, columns=["team", "metric", "day", "value"])
    engine = make_engine(os.environ["VSM_DATABASE_URL"])
    with Session(engine) as session:
        store.save_series(session, actor=SYSTEM, team="Demo team", points=points)
    engine.dispose()
    page = _open(app)
    assert [s.value for s in page.subheader] == [f"M{i:02d}" for i in range(12)]
    page.multiselect(key="measures_shown").set_value(["M13"]).run()
    assert [s.value for s in page.subheader] == ["M13"]
