"""Value-added time on the pages, through AppTest: the workflow editor's "adds value" column
(editing it stores a new version), the value stream map on the Bottlenecks page showing
process cycle efficiency beside flow efficiency (the same number as ``metrics --json``), and
the Future state page for a viewer (no save or experiment forms, a sentence saying who can)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from vsm_core.cli import main
from vsm_core.model import Workflow
from vsm_core.store import crud, make_engine
from vsm_core.store.access import SYSTEM

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "k" * 64,
    "client_id": "flowlab",
    "client_secret": "client-secret-never-shown",
    "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration",
}
TEAMS = {
    "demo-viewers": {"team": "Demo team", "role": "viewer"},
    "demo-editors": "Demo team",
}
VIEWER = {
    "is_logged_in": True,
    "sub": "vera",
    "email": "vera@example.com",
    "name": "Vera Viewer",
    "groups": ["demo-viewers"],
}
EDITOR = {**VIEWER, "sub": "eddie", "email": "eddie@example.com", "name": "Eddie Editor"}
EDITOR["groups"] = ["demo-editors"]


@pytest.fixture
def db_url(tmp_path) -> str:
    """The URL the ``app`` fixture points the app at."""
    return f"sqlite:///{tmp_path / 'app.db'}"


def _versions(db_url: str) -> list[Workflow]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            [summary] = crud.list_datasets(session, actor=SYSTEM)
            return [
                Workflow.model_validate(v.workflow)
                for v in crud.list_versions(session, dataset_id=summary.id, actor=SYSTEM)
            ]
    finally:
        engine.dispose()


def _flags(workflow: Workflow) -> dict[str, bool]:
    return {stage.name: stage.value_adding for stage in workflow.stages}


def _texts(app: AppTest) -> str:
    parts = [e.value for kind in (app.markdown, app.caption, app.info) for e in kind]
    return "\n".join(parts).replace("\\", "")


# --------------------------------------------------------------------------- workflow editor


def _stored_editor(app: AppTest, db_url: str):
    next(s for s in app.selectbox if s.label == "Dataset to edit").set_value(1).run()
    assert not app.exception
    return next(d for d in app.dataframe if d.key and d.key.startswith("wf_edit_"))


def _edit(app: AppTest, editor, rows: dict[int, dict]) -> None:
    app.session_state[editor.key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception


def _save(app: AppTest):
    return next(b for b in app.button if b.label == "Save as a new version")


def test_the_editor_has_an_adds_value_column_and_a_tick_stores_a_new_version(open_page, db_url):
    app = open_page("pages/import_data.py")
    editor = _stored_editor(app, db_url)
    table = editor.value
    assert "adds_value" in table.columns
    by_stage = table.dropna(subset=["stage"]).groupby("stage")["adds_value"].first()
    assert by_stage.to_dict() == {
        "Backlog": False,
        "Cancelled": False,
        "Done": False,
        "In Progress": True,
        "Ready": False,
        "Review": False,
        "Testing": True,
    }
    assert "adds value: In Progress, Testing" in _texts(app)
    assert _save(app).disabled  # nothing changed yet
    # Tick the second Review status: the whole stage adds value.
    row = int(table.index[table["stage"] == "Review"][-1])
    _edit(app, editor, {row: {"adds_value": True}})
    assert "adds value: In Progress, Review, Testing" in _texts(app)
    assert not _save(app).disabled
    _save(app).click().run()
    assert not app.exception
    first, second = _versions(db_url)
    assert _flags(first)["Review"] is False
    assert _flags(second)["Review"] is True
    assert _flags(second)["Testing"] is True


def test_a_flag_on_a_backlog_stage_is_refused_in_words(open_page, db_url):
    app = open_page("pages/import_data.py")
    editor = _stored_editor(app, db_url)
    row = int(editor.value.index[editor.value["stage"] == "Backlog"][0])
    _edit(app, editor, {row: {"adds_value": True}})
    message = app.error[0].value.replace("\\", "")
    assert "stage 'Backlog' is a backlog stage: only active or waiting stages can add value" in (
        message
    )
    assert not any(b.label == "Save as a new version" and not b.disabled for b in app.button)
    assert len(_versions(db_url)) == 1


# --------------------------------------------------------------------------- bottlenecks


def _value_stream_chart(app: AppTest) -> dict:
    [chart] = [c for c in app.get("plotly_chart") if c.key == "value_stream"]
    return json.loads(chart.proto.spec)


def test_the_value_stream_map_shows_pce_beside_flow_efficiency(app, db_url, capsys):
    app.run()
    app.switch_page("pages/bottlenecks.py")
    app.query_params["view"] = "Value stream map"  # the map's tab, where the page has tabs
    app.run()
    assert not app.exception
    spec = _value_stream_chart(app)
    summary = [a["text"] for a in spec["layout"]["annotations"] if a.get("name") == "summary"]
    assert "Flow efficiency" in summary and "Process cycle efficiency" in summary
    assert "Value-added time (mean)" in summary
    assert main(["--db", db_url, "metrics", "--dataset", "1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    pce = document["process_cycle_efficiency"]
    efficiency = document["flow_efficiency"]["ratio_of_sums"]
    values = summary[summary.index("Process cycle efficiency") + 1]
    assert values == f"<b>{pce:.0%}</b>"
    assert summary[summary.index("Flow efficiency") + 1] == f"<b>{efficiency:.0%}</b>"
    assert 0 < pce < efficiency
    assert "process cycle efficiency: its sum ÷ the sum of lead times" in _texts(app)


# --------------------------------------------------------------------------- future state


def _signed_in(app: AppTest, user: dict) -> AppTest:
    app.secrets["auth"] = AUTH
    app.secrets["teams"] = TEAMS
    app.user = user
    app.run()
    assert not app.exception
    return app


def _future(app: AppTest, view: str | None = None) -> AppTest:
    app.switch_page("pages/future_state.py")
    if view:
        app.query_params["view"] = view
    app.run()
    assert not app.exception
    return app


SENTENCE = (
    "Only editors and admins of Demo team can save a design or turn one into an experiment. "
    "A team admin can give the editor role on the Admin page."
)


def test_a_viewer_sees_no_save_form_only_who_can(app):
    _future(_signed_in(app, VIEWER))
    # A change, so that an editor would see the save form.
    app.main.selectbox(key="future_kind_1").select("Scale the time in a stage").run()
    app.main.button(key="future_add_1").click().run()
    assert not app.exception
    assert "Halving the time in" in _texts(app)
    assert not app.main.text_input  # no design name to type
    assert "Save design" not in [b.label for b in app.button]
    assert SENTENCE in _texts(app)


def test_a_viewer_sees_no_experiment_form_on_saved_designs(app):
    _future(_signed_in(app, VIEWER), "Saved designs")
    assert "Turn into an experiment" not in [b.label for b in app.button]
    assert not app.main.date_input
    assert "No saved design for this dataset yet." in _texts(app)  # the Saved designs view
    assert SENTENCE in _texts(app)
    assert "Compose changes under Design and save one" not in _texts(app)


def test_an_editor_of_the_team_still_sees_the_save_form(app):
    _future(_signed_in(app, EDITOR))
    app.main.selectbox(key="future_kind_1").select("Scale the time in a stage").run()
    app.main.button(key="future_add_1").click().run()
    assert not app.exception
    assert [t.label for t in app.main.text_input] == ["Name of the design"]
    assert SENTENCE not in _texts(app)


def test_a_design_an_editor_saved_is_listed_for_a_viewer_without_the_form(app):
    _future(_signed_in(app, EDITOR))
    app.main.selectbox(key="future_kind_1").select("Scale the time in a stage").run()
    app.main.button(key="future_add_1").click().run()
    app.main.text_input[0].input("Halve the first stage")
    app.main.button(key="FormSubmitter:future_save_1-Save design").click().run()
    assert not app.exception
    assert "Saved the design" in app.main.success[0].value
    app.session_state["view"] = "Saved designs"
    app.run()
    assert "Turn into an experiment" in [b.label for b in app.button]  # the editor's form
    # The same browser, now signed in as a viewer of the team.
    app.user = VIEWER
    app.run()
    assert not app.exception
    [listed] = [d.value for d in app.main.dataframe if "Saved" in d.value.columns]
    assert listed["Design"].tolist() == ["Halve the first stage"]
    assert "Turn into an experiment" not in [b.label for b in app.button]
    assert not app.main.date_input
    assert SENTENCE in _texts(app)
