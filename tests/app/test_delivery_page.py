"""The Delivery page through AppTest: upload -> review -> Save -> the five keys with their
bands and one run chart each; bad files in words with nothing stored; the view in the
address; viewers see no upload."""

from __future__ import annotations

import os
from pathlib import Path

from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from tests.app.test_auth_gate import ALICE, AUTH
from ui.plain import md
from vsm_core.delivery import read_delivery
from vsm_core.store import delivery as store
from vsm_core.store import make_engine
from vsm_core.store.access import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "delivery"
PAGE = "pages/delivery.py"
TEAM = "Demo team"


def _open(app: AppTest) -> AppTest:
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def _upload(app: AppTest, name: str, content: bytes | None = None) -> None:
    data = content if content is not None else (DATA / name).read_bytes()
    app.file_uploader(key="delivery_file").set_value((name, data, "text/csv")).run()
    assert not app.exception


def _save(app: AppTest) -> None:
    [button] = [b for b in app.button if b.label == "Save"]
    button.click().run()
    assert not app.exception


def _engine():
    return make_engine(os.environ["VSM_DATABASE_URL"])


def _stored(team: str = TEAM):
    engine = _engine()
    try:
        with Session(engine) as session:
            return store.load_log(session, actor=SYSTEM, team=team)
    finally:
        engine.dispose()


def _store(name: str, team: str = TEAM) -> None:
    read = read_delivery((DATA / name).read_bytes(), name)
    table = read.table
    engine = _engine()
    with Session(engine) as session:
        store.save_import(
            session, actor=SYSTEM, team=team, kind=read.kind, rows=table, format=read.format
        )
    engine.dispose()


def _metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_the_demo_team_has_no_records_yet(app):
    page = _open(app)
    assert page.title[0].value == "Delivery"
    assert page.selectbox(key="delivery_team").value == TEAM
    assert any("No deployments or incidents stored for Demo team yet" in i.value for i in page.info)
    assert not page.get("plotly_chart")


def test_the_demo_teams_sample_records_are_added_on_request(app):
    """With no records, the demo team is offered its sample records; one click stores them
    through the readers and the keys, bands and charts follow."""
    page = _open(app)
    [offer] = [b for b in page.button if b.label == "Add the demo team's sample records"]
    offer.click().run()
    assert not page.exception
    said = page.success[0].value
    assert "Stored 160 deployments from demo-deployments.csv" in said
    assert "Stored 18 incidents" in said and "values of measures" in said
    assert _metrics(page)["Deployment frequency"].endswith("a week")
    assert len(page.get("plotly_chart")) == 5
    assert all(b.label != "Add the demo team's sample records" for b in page.button)
    assert len(_stored().deployments) == 160


def test_upload_review_save_then_the_keys_with_bands_and_charts(app):
    page = _open(app)
    _upload(page, "deployments.csv")
    read_as = md("Read 8 deployments from deployments.csv")
    assert any(read_as in c.value for c in page.caption)
    assert any("staging" in c.value for c in page.caption)  # the left-out row, in words
    preview = next(d.value for d in page.dataframe if "Deployed" in d.value.columns)
    assert list(preview["Id"])[:3] == ["d1", "d2", "d3"]
    assert _stored().empty  # nothing stored before Save
    _save(page)
    assert "Saved 8 deployments of Demo team" in page.success[0].value
    assert len(_stored().deployments) == 8
    _upload(page, "incidents.csv")
    _save(page)
    metrics = _metrics(page)
    assert metrics["Deployment frequency"] == "5.1 a week"
    assert metrics["Change failure rate"] == "38 %"
    assert metrics["Recovery time"] == "9.0 hours"
    assert metrics["Rework rate"] == "38 %"
    assert metrics["Lead time for changes"] == "1.0 days"
    captions = " ".join(c.value for c in page.caption)
    assert "DORA band: high (between once a day and once a week)" in captions
    assert "No DORA band." in captions  # the rework rate
    assert len(page.get("plotly_chart")) == 5
    assert "Incidents without a deployment count here too" in captions
    assert "2024 DORA report" in captions
    _save(page)  # the same file again
    assert "nothing was stored" in page.success[0].value


def test_service_period_and_view_are_in_the_address(app):
    app.run()
    _store("deployments.csv")
    app.query_params["delivery_team"] = TEAM
    app.query_params["service"] = "web"
    app.query_params["weeks"] = "Everything"
    app.query_params["view"] = "By service"
    page = app.switch_page(PAGE).run()
    assert not page.exception
    assert page.selectbox(key="service").value == "web"
    assert page.segmented_control(key="weeks").value == 0  # "Everything"
    assert _metrics(page)["Deployment frequency"] == "1.3 a week"  # 2 in 11 days
    table = next(d.value for d in page.dataframe if "Service" in d.value.columns)
    assert list(table["Service"]) == ["All services", "api", "web"]
    assert not page.get("plotly_chart")  # only the open view is drawn


def test_the_records_view_shows_one_service(app):
    app.run()
    _store("deployments.csv")
    _store("incidents.csv")
    app.query_params["service"] = "web"
    app.query_params["view"] = "Records"
    page = app.switch_page(PAGE).run()
    assert not page.exception
    deployments = next(d.value for d in page.dataframe if "Deployed" in d.value.columns)
    assert list(deployments["Id"]) == ["d4", "d5"]
    incidents = next(d.value for d in page.dataframe if "Started" in d.value.columns)
    assert list(incidents["Caused by deployment"]) == ["d4"]


def test_bad_input_is_listed_in_words_and_nothing_is_stored(app):
    page = _open(app)
    _upload(page, "nasty_statuses.csv")
    assert "4 problem(s)" in page.error[0].value and "Nothing was stored" in page.error[0].value
    problems = next(d.value for d in page.dataframe if "Problem" in d.value.columns)
    assert list(problems.columns) == ["Row", "Column", "Value", "Problem"]
    assert problems.iloc[0].tolist()[:3] == [3, "status", "exploded"]
    assert not [b for b in page.button if b.label == "Save"]
    assert _stored().empty


def test_a_file_of_unclear_kind_asks_and_the_answer_reads_it(app):
    page = _open(app)
    _upload(page, "nasty_both.csv")
    assert "Nothing was stored" in page.error[0].value
    problems = next(d.value for d in page.dataframe if "Problem" in d.value.columns)
    assert "could hold deployments or incidents" in problems.iloc[0]["Problem"]
    assert not [b for b in page.button if b.label == "Save"]
    page.radio(key="delivery_kind").set_value("Incidents").run()
    assert not page.error
    assert any(md("Read 2 incidents from nasty_both.csv") in c.value for c in page.caption)


def test_a_service_name_is_shown_as_typed(app):
    name = "**api** :material/home: <b>x</b>"
    text = f'deployed_at,service,status\n2026-03-02T10:00:00Z,"{name}",success\n'
    page = _open(app)
    _upload(page, "odd.csv", text.encode())
    _save(page)
    assert page.selectbox(key="service").options == ["All services", name]
    page.selectbox(key="service").set_value(name).run()
    assert not page.exception
    assert _metrics(page)["Deployment frequency"] == "7.0 a week"  # one deployment in one day


def test_a_viewer_sees_the_keys_but_no_upload(app):
    app.run()
    _store("deployments.csv")
    app.secrets["auth"] = AUTH
    app.secrets["teams"] = {"team-a": {"team": TEAM, "role": "viewer"}}
    app.user = ALICE
    page = _open(app)
    assert not page.get("file_uploader")
    assert all(e.label != "Upload deployments or incidents" for e in page.expander)
    assert any("needs the editor role" in c.value for c in page.caption)
    assert _metrics(page)["Deployment frequency"] == "5.1 a week"


def test_another_teams_records_are_not_offered(app):
    app.run()
    _store("deployments.csv", team="Team B")
    app.secrets["auth"] = AUTH
    app.secrets["teams"] = {"team-a": {"team": TEAM, "role": "viewer"}}
    app.user = ALICE
    page = _open(app)
    assert "Team B" not in page.selectbox(key="delivery_team").options
    assert any("No deployments or incidents stored for Demo team" in i.value for i in page.info)
    # a viewer is not offered the demo's sample records (storing them needs the editor role)
    assert all(b.label != "Add the demo team's sample records" for b in page.button)
