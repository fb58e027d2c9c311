"""The Bottlenecks page through AppTest: the bottleneck in words, heatmap switch, VSM."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from ui.bottlenecks_page import bottleneck_sentence
from vsm_core.cli import main


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/bottlenecks.py")


def test_the_bottleneck_named_in_words_is_the_clis(page, tmp_path, capsys):
    assert (
        main(["--db", f"sqlite:///{tmp_path / 'app.db'}", "metrics", "--dataset", "1", "--json"])
        == 0
    )
    bottleneck = json.loads(capsys.readouterr().out)["bottleneck"]
    sentence = next(m.value for m in page.markdown if "of the cycle time" in m.value)
    assert f"**{bottleneck['stage']}**" in sentence
    assert f"{bottleneck['share']:.0%}" in sentence


def _charts(app) -> list[str]:
    return [chart.key for chart in app.get("plotly_chart")]


def _open(app, view: str) -> AppTest:
    """Switch the page's tabs to ``view`` (what a click on the tab does) and rerun."""
    app.session_state["view"] = view
    app.run()
    assert not app.exception
    return app


#: What each view draws (charts by key), in tab order; only the open view is drawn.
VIEW_CHARTS = {
    "Week by week": ["heatmap_median_days"],
    "Time in stage": [],
    "Rework": ["rework"],
    "Value stream map": ["value_stream"],
}


def test_only_the_open_view_is_drawn(page):
    assert [t.label for t in page.tabs] == list(VIEW_CHARTS)
    for view, charts in VIEW_CHARTS.items():
        _open(page, view)
        assert _charts(page) == charts, view
        # each chart's data exports as CSV
        assert [b.key for b in page.get("download_button")] == [f"csv_{c}" for c in charts]
        tables = [d for d in page.dataframe if "p50" in d.value.columns]
        assert len(tables) == (view == "Time in stage"), view
        # the bottleneck in words stays above the views
        assert any("of the cycle time" in m.value for m in page.markdown), view


def test_a_link_opens_the_view_it_names_and_the_view_is_remembered(app):
    app.run()
    app.query_params["view"] = "Rework"
    app.switch_page("pages/bottlenecks.py").run()
    assert not app.exception
    assert _charts(app) == ["rework"]
    app.query_params["view"] = "Value stream map"  # a click on the tab writes the address
    _open(app, "Value stream map")
    assert _charts(app) == ["value_stream"]
    app.query_params.clear()  # the navigation links carry no view
    app.switch_page("pages/flow_metrics.py").run()
    assert not app.exception
    app.switch_page("pages/bottlenecks.py").run()
    assert not app.exception
    assert _charts(app) == ["value_stream"]


def test_an_unknown_view_in_the_link_opens_the_first(app):
    app.run()
    app.query_params["view"] = "Aging"  # a Flow metrics view
    app.switch_page("pages/bottlenecks.py").run()
    assert not app.exception
    assert _charts(app) == ["heatmap_median_days"]


def test_heatmap_switch_and_early_stages(page):
    assert len(page.get("plotly_chart")) == 1  # the heatmap: the first view
    assert len(page.get("download_button")) == 1
    page.radio[0].set_value("Average WIP in stage").run()
    assert not page.exception
    page.checkbox[0].check().run()
    assert not page.exception
    _open(page, "Time in stage")
    [in_stage] = [d.value for d in page.dataframe if "p50" in d.value.columns]
    assert "Done" in set(in_stage["stage"])  # done stages listed, at zero
    assert in_stage.set_index("stage").loc["Done", "total"] == 0


def _heatmap_stages(app) -> list[str]:
    [chart] = [c for c in app.get("plotly_chart") if c.key.startswith("heatmap_")]
    return json.loads(chart.proto.spec)["data"][0]["y"]


def test_cached_heatmap_follows_the_measure_and_the_early_stages_switch(page):
    committed = _heatmap_stages(page)
    assert "Backlog" not in committed
    page.checkbox[0].check().run()
    assert _heatmap_stages(page)[0] == "Backlog"  # a new figure, not the cached one
    page.checkbox[0].uncheck().run()
    assert _heatmap_stages(page) == committed
    page.radio[0].set_value("Average WIP in stage").run()
    [chart] = [c for c in page.get("plotly_chart") if c.key.startswith("heatmap_")]
    assert chart.key == "heatmap_avg_wip"
    assert "items on average" in json.loads(chart.proto.spec)["data"][0]["hovertemplate"]


def test_work_type_filter_changes_the_scope(page):
    page.sidebar.multiselect[0].select("Risk").run()
    assert not page.exception
    sentence = next(m.value for m in page.markdown if "completed items" in m.value)
    assert "of the 485 completed items" not in sentence


def test_sentences():
    assert "no bottleneck" in bottleneck_sentence(None, 0)
    waiting = bottleneck_sentence({"stage": "Review", "share": 0.38, "category": "waiting"}, 10)
    assert waiting.startswith("Work waits longest in **Review**") and "38%" in waiting
    active = bottleneck_sentence({"stage": "Dev", "share": 0.5, "category": "active"}, 10)
    assert "**Dev**, an active stage" in active


def test_heatmap_colour_per_stage_on_demand(page):
    def heat(app) -> dict:
        [chart] = [c for c in app.get("plotly_chart") if c.key.startswith("heatmap_")]
        return json.loads(chart.proto.spec)["data"][0]

    page.checkbox[0].check().run()  # Backlog shown: on one scale it washes out the others
    assert "zmax" not in heat(page) or heat(page)["zmax"] != 1.0
    page.toggle[0].set_value(True).run()
    assert not page.exception
    scaled = heat(page)
    assert scaled["y"][0] == "Backlog" and (scaled["zmin"], scaled["zmax"]) == (0.0, 1.0)
    assert scaled["colorbar"]["ticktext"] == ["lowest week", "highest week"]
    assert "customdata" in scaled["hovertemplate"]
