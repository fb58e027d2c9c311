"""The Flow metrics page through AppTest: numbers, every tab, controls, filters."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from vsm_core.charts.markers import add_change_markers
from vsm_core.cli import main


@pytest.fixture
def page(open_page) -> AppTest:
    return open_page("pages/flow_metrics.py")


def _metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_headline_matches_the_cli_on_the_same_database(page, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'app.db'}"
    assert main(["--db", db, "metrics", "--dataset", "1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    shown = _metrics(page)
    assert shown["Completed"] == str(doc["counts"]["completed"])
    assert shown["In progress"] == str(doc["counts"]["in_progress"])
    assert shown["Cycle time, 85th percentile"] == f"{doc['cycle_time_days']['p85']:.1f} d"
    assert shown["Done / week"] == f"{doc['throughput']['per_week_mean']:.1f}"


def test_the_throughput_headline_follows_the_period(page):
    period = next(s for s in page.selectbox if s.label == "Period")
    period.select("Month").run()
    assert not page.exception
    shown = _metrics(page)
    assert "Done / month" in shown and "Done / week" not in shown
    assert float(shown["Done / month"]) > 4 * 0.9 * float(_weekly_mean(page))


def _weekly_mean(app) -> float:
    period = next(s for s in app.selectbox if s.label == "Period")
    period.select("Week").run()
    return float(_metrics(app)["Done / week"])


#: The charts of each view, in drawing order (only the open view is drawn).
VIEW_CHARTS = {
    "Cycle time": ["cycle_scatter", "cycle_hist", "lead_hist"],
    "Throughput": ["throughput_run", "throughput_hist"],
    "WIP & cumulative flow": ["wip_run", "cfd", "net_flow"],
    "Aging": ["aging", "age_run"],
    "Efficiency & mix": ["efficiency", "distribution"],
    "Process behaviour": ["xmr_cycle", "xmr_throughput", "xmr_wip"],
}


def _charts(app) -> list[str]:
    return [chart.key for chart in app.get("plotly_chart")]


def _open(app, view: str) -> AppTest:
    """Switch the page's tabs to ``view`` (what a click on the tab does) and rerun."""
    app.session_state["view"] = view
    app.run()
    assert not app.exception
    return app


def test_only_the_open_view_is_drawn_and_every_view_has_its_charts(page):
    assert [t.label for t in page.tabs] == list(VIEW_CHARTS)
    assert _charts(page) == VIEW_CHARTS["Cycle time"]  # the default view
    drawn = []
    for view, charts in VIEW_CHARTS.items():
        _open(page, view)
        assert _charts(page) == charts, view
        # every chart's data exports as CSV, and a definition sits beside each
        assert [b.key for b in page.get("download_button")] == [f"csv_{c}" for c in charts]
        drawn += charts
    assert len(drawn) == 15
    captions = " ".join(c.value for c in page.caption)
    assert "Start = first entry into **Ready**" in captions
    assert "natural process limits = mean ± 2.66 × mean moving range" in captions


def test_the_open_view_is_remembered_when_coming_back_to_the_page(page):
    _open(page, "Aging")
    page.switch_page("pages/bottlenecks.py").run()
    page.switch_page("pages/flow_metrics.py").run()
    assert not page.exception
    assert _charts(page) == VIEW_CHARTS["Aging"]


def test_a_link_opens_the_view_it_names(app):
    app.run()
    app.query_params["view"] = "Throughput"
    app.switch_page("pages/flow_metrics.py").run()
    assert not app.exception
    assert _charts(app) == VIEW_CHARTS["Throughput"]


def test_an_unknown_view_in_the_link_opens_the_default(app):
    app.run()
    app.query_params["view"] = "Nonsense"
    app.switch_page("pages/flow_metrics.py").run()
    assert not app.exception
    assert _charts(app) == VIEW_CHARTS["Cycle time"]


def _spec(app, key: str) -> dict:
    [chart] = [c for c in app.get("plotly_chart") if c.key == key]
    return json.loads(chart.proto.spec)


def _array(value) -> np.ndarray:
    """A trace array from a figure spec: a plain list, or plotly's base64 typed array."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value)


def test_the_cycle_time_xmr_shows_the_last_items_with_limits_from_those_points(page):
    _open(page, "Process behaviour")
    spec = _spec(page, "xmr_cycle")
    points = spec["data"][0]
    assert spec["layout"]["title"]["text"] == "Cycle time of the last 100 completed items"
    assert len(points["customdata"]) == 100
    first_id, first_note = points["customdata"][0]  # hover: the item id, then its title
    assert first_id.startswith("DEMO-") and len(first_note) > len("<br>")
    captions = " ".join(c.value for c in page.caption)
    assert "The 100 most recent of 485 completed items" in captions
    assert "centre and limits computed from these 100 points" in captions

    page.selectbox(key="xmr_points").set_value(50).run()
    assert not page.exception
    spec = _spec(page, "xmr_cycle")
    values = _array(spec["data"][0]["y"]).astype(float)
    assert len(values) == 50
    lines = {t["name"].split()[0]: t for t in spec["data"][1:4]}
    centre = float(lines["Average"]["name"].split()[1])
    mr_bar = np.abs(np.diff(values)).mean()
    assert centre == pytest.approx(values.mean(), abs=0.005)  # from the 50 points shown
    upper = float(lines["UNPL"]["name"].split()[1])
    assert upper == pytest.approx(values.mean() + 2.66 * mr_bar, abs=0.005)
    assert len(_array(lines["Average"]["x"])) == 2  # a straight line: two points
    assert "The 50 most recent of 485" in " ".join(c.value for c in page.caption)


def test_filters_are_part_of_the_cached_figures_key(page):
    everything = _spec(page, "cycle_scatter")
    page.sidebar.multiselect[0].select("Defect").run()
    assert not page.exception
    defects = _spec(page, "cycle_scatter")
    assert [t["name"] for t in defects["data"] if t["mode"] == "markers"] == ["Defect"]
    assert len(everything["data"]) > len(defects["data"])


def test_inclusive_mode_and_the_sle_change_the_numbers(page):
    elapsed = _metrics(page)["Cycle time, median"]
    page.radio[0].set_value("Calendar days, inclusive").run()
    assert not page.exception
    assert _metrics(page)["Cycle time, median"] != elapsed
    _open(page, "Aging")
    page.number_input[0].set_value(5.0).run()
    assert not page.exception
    [risk] = [d.value for d in page.dataframe if "status" in d.value.columns]
    assert set(risk["status"]) <= {"Past the SLE", "At risk"}  # words, not column values
    assert len(risk) > 3  # a tight SLE puts many items at risk
    captions = " ".join(c.value for c in page.caption)
    assert "Past the SLE: older than the SLE. At risk: at least 70 % of it." in captions
    assert "numpy" not in captions and "at_risk" not in captions


def test_missing_text_cells_are_empty_and_numbers_stay_numbers():
    import pandas as pd

    from ui.plain import empty_cells

    frame = pd.DataFrame({"title": ["a", None, float("nan")], "age_days": [1.5, None, 2.0]})
    shown = empty_cells(frame)
    assert shown["title"].tolist() == ["a", "", ""]
    assert shown["age_days"].dtype == "float64" and shown["age_days"].isna().sum() == 1
    assert frame["title"].isna().sum() == 2  # the caller's frame is left as it was


def test_work_type_filter_and_period(page):
    page.sidebar.multiselect[0].select("Defect").run()
    assert int(_metrics(page)["Completed"]) < 485
    page.selectbox(key="freq_1").set_value("Month").run()
    assert not page.exception


def test_an_as_of_date_in_the_past(page):
    page.radio[1].set_value("A date").run()
    page.text_input(key="asof_date_1").input("2026-05-01").run()
    assert not page.exception
    assert int(_metrics(page)["Completed"]) < 485
    page.text_input(key="asof_date_1").input("May 2026").run()  # not a date: said, not raised
    assert not page.exception
    assert "Not a date written year-month-day" in " ".join(c.value for c in page.caption)
    assert _metrics(page)["Completed"] == "485"  # as of the last event


def test_experiment_change_dates_are_drawn_on_the_time_charts(page):
    import json as _json

    charts = page.get("plotly_chart")
    scatter = _json.loads(charts[0].proto.spec)
    texts = " ".join(str(a.get("text", "")) for a in scatter["layout"].get("annotations", []))
    assert "#1 WIP limit on Ready and Review" in texts


def test_the_cfd_toggle_hides_the_done_and_backlog_bands(page):
    _open(page, "WIP & cumulative flow")
    toggle = page.toggle(key="cfd_in_progress_only")
    assert toggle.value is False
    toggle.set_value(True).run()
    assert not page.exception
    [cfd] = [c for c in page.get("plotly_chart") if c.key == "cfd"]
    spec = json.loads(cfd.proto.spec)
    names = {t["name"] for t in spec["data"]}
    assert names and not names & {"Backlog", "Done"}
    assert spec["layout"]["title"]["text"] == "Cumulative flow, work in progress only"


def test_a_change_label_near_the_end_of_the_window_is_drawn_leftwards():
    """So that plotly's autorange, which makes room for annotations, keeps the window's end
    (the hostile demo's long labels had stretched the cycle-time axis by three months)."""
    from datetime import date, timedelta

    import plotly.graph_objects as go

    days = [date(2026, 1, 1) + timedelta(days=d) for d in range(120)]
    figure = go.Figure(go.Scatter(x=days, y=[1] * len(days)))
    add_change_markers(
        figure,
        [(date(2026, 1, 20), "#1 Early change"), (date(2026, 4, 25), "#2 " + "late " * 12)],
        window=(days[0], days[-1]),
    )
    labels = {a.text: a.xanchor for a in figure.layout.annotations if a.name == "change"}
    assert labels == {"#1 Early change": "left", "#2 " + "late " * 12: "right"}


def test_a_long_item_table_is_built_only_when_its_expander_is_opened(page, monkeypatch):
    import ui.flow_page

    def risk_tables(app) -> list:
        return [d.value for d in app.dataframe if "status" in d.value.columns]

    _open(page, "Aging")
    [shown] = risk_tables(page)  # the demo's few items at risk: listed at once
    monkeypatch.setattr(ui.flow_page, "TABLE_ROWS_SHOWN", len(shown) - 1)
    page.run()
    assert not page.exception
    assert risk_tables(page) == []
    [box] = [e for e in page.expander if e.label.endswith("items at risk")]
    assert box.label == f"Show the {len(shown):,} items at risk"
    page.session_state["aging_risk_table"] = True  # what a click on it does
    page.run()
    assert not page.exception
    [opened] = risk_tables(page)
    assert opened.equals(shown)
