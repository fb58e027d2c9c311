"""Every page, through AppTest, shows a dataset and experiments whose every name is markup as text.

The database holds the demo team and, newest (so the sidebar selects it), the
dataset of :mod:`tests.app.hostile` with the names the issue reports: a dataset
called ``![x](http://127.0.0.1:1/img.png) <b>B</b> "quoted"`` and an experiment
titled ``[click](http://127.0.0.1:1/) ![y](http://127.0.0.1:1/y.png)``.

For each page every element Streamlit renders as Markdown (text, captions,
headers, alerts, widget labels and help, expander and tab labels, metric
labels, radio options) is read as Streamlit would read it: no user text may
reach it unescaped (:data:`LIVE`), and what a reader sees of it
(:func:`~tests.app.hostile.shown`) holds the user text exactly as typed.
Elements without Markdown (select options, dataframes) hold it raw. Every
plotly chart's spec carries no tag from user text
(:func:`~tests.app.hostile.assert_inert`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from tests.app.hostile import assert_inert, shown, store_hostile, texts
from vsm_core.store import make_engine
from vsm_core.store.bootstrap import prepare_database

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1:1"
T = texts(HOST)

#: What user text would leave in a Markdown source if it reached it unescaped.
LIVE = re.compile(
    r"127\.0\.0\.1"  # escaped, the address reads 127\.0\.0\.1
    r"|(?<!\\)!\[|(?<!\\)\]\("  # image, link
    r"|(?<!\\)<[a-z/]"  # HTML
    r"|(?<!\\):(red|blue|material|streamlit)"  # Streamlit's directives and icons
    r"|(?<!\\)\$",  # LaTeX
    re.IGNORECASE,
)

#: Proto fields Streamlit renders as Markdown (``options`` only for radio).
MARKDOWN_FIELDS = {"body", "label", "help", "captions"}
#: Elements whose strings are not Markdown (code, data, chart specs).
NOT_MARKDOWN = {"code", "text", "dataframe", "arrow_data_frame", "plotly_chart", "json"}


def _strings(message, wanted: set[str]):
    """(field name, value) of every string field in ``wanted``, in nested messages too."""
    for field, value in message.ListFields():
        repeated = not isinstance(value, str | bytes) and hasattr(value, "__len__")
        values = value if repeated and not hasattr(value, "ListFields") else [value]
        for item in values:
            if hasattr(item, "ListFields"):
                yield from _strings(item, wanted)
            elif field.name in wanted and isinstance(item, str):
                yield field.name, item


def markdown_sources(app: AppTest) -> list[tuple[str, str]]:
    """(element type, Markdown source) of everything on the page Streamlit reads as Markdown."""
    out = []
    for node in app._tree:
        proto = getattr(node, "proto", None)
        if proto is None or node.type in NOT_MARKDOWN or not hasattr(proto, "ListFields"):
            continue
        wanted = MARKDOWN_FIELDS | ({"options"} if node.type == "radio" else set())
        out += [(node.type, value) for _field, value in _strings(proto, wanted)]
    return out


def check_page(app: AppTest, *expected: str) -> str:
    """No live markup from user text anywhere; ``expected`` texts shown as typed. Returns all
    shown Markdown text (for further checks)."""
    assert not app.exception, app.exception
    sources = markdown_sources(app)
    for kind, source in sources:
        assert not LIVE.search(source), f"{kind}: user text unescaped in {source!r}"
    seen = "\n".join(shown(source) for _kind, source in sources)
    for text in expected:
        assert text in seen, f"{text!r} is not shown as typed"
    charts = [node for node in app._tree if node.type == "plotly_chart"]
    for chart in charts:
        assert_inert(json.loads(chart.proto.spec), f"chart {chart.proto.id}")
    return seen


@pytest.fixture
def app(monkeypatch, tmp_path) -> AppTest:
    """The app over a database holding the demo team and the hostile dataset (newest)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("VSM_DATABASE_URL", url)
    engine = make_engine(url)
    prepare_database(engine)
    with Session(engine) as session:
        store_hostile(session, HOST, n_items=150)
    engine.dispose()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.run()
    return app


def _select(elements, label: str):
    return next(element for element in elements if element.label == label)


def _stage_in_bold(seen: str) -> bool:
    return any(f"**{T[key]}**" in seen for key in T if key.startswith("stage:"))


def test_the_names_in_the_issue_are_what_the_pages_get():
    assert T["dataset"] == '![x](http://127.0.0.1:1/img.png) <b>B</b> "quoted"'
    assert T["experiment"] == "[click](http://127.0.0.1:1/) ![y](http://127.0.0.1:1/y.png)"


def test_home_and_the_sidebar(app):
    # Filters on a hostile work type and attribute put them into the caption and a label.
    app.sidebar.multiselect[0].select(T["type:Defect"]).run()
    _select(app.sidebar.selectbox, "Attribute").set_value(T["attribute"]).run()
    check_page(
        app,
        f"{T['dataset']} · version 1",  # the subheader
        f"types: {T['type:Defect']}",  # the headline's filter
        f"{T['attribute']} is",  # the attribute filter's label
    )
    dataset = app.sidebar.selectbox[0]
    assert dataset.format_func(dataset.value) == f"{T['dataset']} (v1)"  # options: plain text
    assert T["type:Defect"] in app.sidebar.multiselect[0].options


def test_flow_metrics_every_view(app):
    app.switch_page("pages/flow_metrics.py").run()
    seen = check_page(app)
    assert f"first entry into **{T['stage:Ready']}** or" in seen  # the commitment stage
    for view in ("Throughput", "WIP & cumulative flow", "Aging", "Efficiency & mix"):
        app.session_state["view"] = view
        app.run()
        seen = check_page(app)
        if view == "Aging" and app.dataframe:
            titles = app.dataframe[0].value["title"]  # items at risk: cells hold raw text
            assert titles.str.startswith("![ti](http://127.0.0.1:1/title.png)").all()
    assert f"{T['type:Feature']} " in seen and f"{T['type:Debt']} " in seen  # the mix caption


def test_bottlenecks(app):
    app.switch_page("pages/bottlenecks.py").run()
    seen = check_page(app)
    assert _stage_in_bold(seen)  # the bottleneck sentence names a stage as typed
    for view in ("Rework", "Value stream map", "Time in stage"):  # one view at a time
        app.session_state["view"] = view
        app.run()
        check_page(app)
    stages = set(app.dataframe[0].value["stage"])
    assert T["stage:Review"] in stages  # cells are plain text, no escaping


def test_experiments_each_one(app):
    app.switch_page("pages/experiments.py").run()
    labels = list(app.selectbox(key="experiment_open").options)  # options: plain text
    assert sorted(label.split(" ", 1)[1] for label in labels) == sorted(
        [T["experiment"], T["experiment2"]]
    )
    seen = ""
    for label in labels:
        app.selectbox(key="experiment_open").set_value(int(label.split()[0][1:])).run()
        seen += check_page(app, label, T["hypothesis"], T["action"], T["owner"])  # subheader too
    assert T["type:Defect"] in seen and T["stage:Review"] in seen  # their metrics, as typed


def test_check_in(app):
    app.switch_page("pages/check_in.py").run()
    check_page(app)
    assert _select(app.selectbox, "Team").value == T["team"]  # an option: plain text
    table = app.dataframe[0].value
    assert set(table["Experiment"]) == {T["experiment"], T["experiment2"]}
    assert set(table["Owner"]) == {T["owner"]}


def test_import_page_stored_datasets_and_workflow_editor(app):
    app.switch_page("pages/import_data.py").run()
    check_page(app, f"{T['dataset']} · {T['team']} · 1 version(s)")  # an expander's label
    dataset = app.selectbox(key="wf_edit_dataset")
    hostile = next(v for v in (1, 2) if dataset.format_func(v) == T["dataset"])
    dataset.set_value(hostile).run()
    seen = check_page(app)
    assert f"Commitment point: **{T['stage:Ready']}**" in seen
